/* The query page: YASGUI (vendored from @zazuko/yasgui) pointed at this server's /sparql, with the
   project prefixes for result display and the example gallery that the page lists from graph:examples. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("jakgraph-config").textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var examples = config.examples;
  var slugs = Object.keys(examples);
  var wanted = new URLSearchParams(window.location.search).get("example");
  var first = examples[wanted] ? wanted : slugs[0];

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "jakgraph-yasgui",
    yasqe: {
      value: first ? examples[first].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
      // only local autocompletion: no requests to outside services
      autocompleters: ["prefixes", "variables"]
    },
    yasr: { prefixes: config.prefixes }
  });

  function tabFor(slug) {
    var tab = yasgui.getTab();
    if (tab.getEndpoint && tab.getEndpoint() !== endpoint) { tab.setEndpoint(endpoint); }
    tab.setQuery(examples[slug].query);
    if (tab.setName) { tab.setName(examples[slug].title.slice(0, 40)); }
    return tab;
  }

  document.querySelectorAll(".load-example").forEach(function (button) {
    button.addEventListener("click", function () { tabFor(button.dataset.slug); });
  });
  document.querySelectorAll(".run-example").forEach(function (button) {
    button.addEventListener("click", function () {
      var tab = tabFor(button.dataset.slug);
      tab.query();
      document.getElementById("yasgui").scrollIntoView({ behavior: "smooth", block: "start" });
    });
  });
  if (wanted && examples[wanted]) { tabFor(wanted); }
  window.jakgraphYasgui = yasgui;
})();
