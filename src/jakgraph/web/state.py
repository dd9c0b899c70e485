"""What every request needs: the settings and the built graph (its Oxigraph store and rdflib dataset)."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ..build import BuiltGraph, build_graph
from ..config import Settings


@dataclass
class AppState:
    settings: Settings
    graph: BuiltGraph

    @classmethod
    def create(cls, settings: Settings) -> "AppState":
        """Build and validate the graph; a graph that does not conform raises and the server does not start."""
        return cls(settings=settings, graph=build_graph(validate=True))


def app_state(request: Request) -> AppState:
    """FastAPI dependency: the application's state."""
    return request.app.state.jak
