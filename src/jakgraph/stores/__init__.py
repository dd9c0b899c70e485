"""Where the graph is kept: the rdflib→Oxigraph bridge, the served store, the on-disk store, loaded files,
remote stores (push), and the curator writer."""
