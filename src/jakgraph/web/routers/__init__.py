"""Every router of the application, in inclusion order. Each module serves one concern."""
from __future__ import annotations

from fastapi import APIRouter

from . import graph_store, health, update

ROUTERS: list[APIRouter] = [health.router, update.router, graph_store.router]
