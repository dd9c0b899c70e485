"""The floor of the benchmark: a FastAPI endpoint that answers every query with the same small result.

Served by uvicorn exactly as jakgraph is (one process, uvloop and httptools when installed), it measures
what HTTP, uvicorn and FastAPI cost before any query is run.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

app = FastAPI()

_BODY = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"1"}}]}}'


@app.api_route("/sparql", methods=["GET", "POST"])
async def sparql(request: Request) -> Response:
    return Response(_BODY, media_type="application/sparql-results+json")
