"""What may run, decided before anything runs: ``limits`` (input limits before any parser), ``service``
(SERVICE targets, the SSRF rules), ``query`` (what the query endpoint checks), ``update`` (what an update
text may do)."""
