"""The one exception tree (jakgraph.errors): every class documented, with its HTTP status, answered by the
guards as JSON with that status."""
from __future__ import annotations

import inspect

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from jakgraph import errors
from jakgraph.settings import Settings
from jakgraph.web import guards

CLASSES = [obj for name in errors.__all__ if inspect.isclass(obj := getattr(errors, name))]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_class_is_documented_with_a_status(cls):
    assert issubclass(cls, errors.JakgraphError)
    assert cls.__doc__ and cls.__doc__.strip()
    assert "status" in vars(cls), f"{cls.__name__} states its own status"
    assert 400 <= cls.status <= 599


def test_an_instance_may_override_the_status():
    err = errors.RequestError("the URL is too long", status=414)
    assert err.status == 414 and errors.RequestError.status == 400
    assert errors.status_of(err) == 414 and errors.status_of(ValueError()) == 500


@pytest.mark.parametrize("err", [
    errors.GraphTargetError("name the graph"),
    errors.ServiceRefused("SERVICE <http://x> is refused"),
    errors.CuratorAuthError("no token", headers={"WWW-Authenticate": 'Bearer realm="x"'}),
    errors.EngineUnavailable("busy"),
    errors.RequestError("GET never updates", status=405, headers={"Allow": "POST"}),
], ids=lambda e: type(e).__name__)
def test_the_guards_answer_each_error_with_its_status(err):
    app = FastAPI()

    @app.get("/raise")
    def raiser() -> None:
        raise err

    guards.install(app, Settings())
    response = TestClient(app).get("/raise")
    assert response.status_code == err.status
    assert response.json()["error"] == str(err) and response.json()["status"] == err.status
    for name, value in err.headers.items():
        assert response.headers[name] == value
