"""Every router of the application, in inclusion order. Each module serves one concern."""
from __future__ import annotations

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
