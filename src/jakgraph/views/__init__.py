"""Read-models: what a page or a command shows, read out of the store with SPARQL (no HTTP here)."""
