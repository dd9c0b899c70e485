"""The HTTP side of jakgraph: a FastAPI application whose routers each serve one concern."""
