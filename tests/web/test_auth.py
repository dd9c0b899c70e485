"""Curator writes are off by default; on, they need the bearer token (401 without, 403 wrong)."""
from __future__ import annotations

import pytest

from jakgraph.errors import JakgraphError
from jakgraph.web.auth import check_token, read_token_file

from writes_support import AUTH, TEST_NS, TOKEN, VALID_INSERT, client_for, fresh_state, quads

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture()
def state(built):
    return fresh_state(built)


def test_writes_are_off_by_default(built, monkeypatch):
    monkeypatch.delenv("JAKGRAPH_UPDATE_TOKEN", raising=False)
    state = fresh_state(built, update_token=None)
    client = client_for(state)
    before = quads(state.graph.store)
    response = client.post("/update", data={"update": VALID_INSERT}, headers=AUTH)
    assert response.status_code == 404 and "off" in response.json()["error"]
    for method in ("put", "post", "delete"):
        response = client.request(method.upper(), "/store?graph=urn:jakgraph-test:g", content=b"", headers=AUTH)
        assert response.status_code == 405, method
        assert response.headers["allow"] == "GET, HEAD"
    assert client.get("/store?graph=graph:letter").status_code == 200   # reads stay on
    assert quads(state.graph.store) == before


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b",
                                    "Token " + TOKEN, "Bearer \u00e9\u00e9\u00e9"])
def test_missing_or_malformed_credentials_get_401_with_challenge(state, header):
    client = client_for(state)
    headers = {} if header is None else {"Authorization": header.encode("utf-8")}
    before = quads(state.graph.store)
    for response in (client.post("/update", data={"update": VALID_INSERT}, headers=headers),
                     client.put("/store?graph=urn:jakgraph-test:g", content=b"<urn:a> <urn:b> <urn:c> .",
                                headers={**headers, "Content-Type": b"application/n-triples"})):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer realm=")
    assert quads(state.graph.store) == before


@pytest.mark.parametrize("token", [TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "x" * len(TOKEN)])
def test_wrong_token_gets_403(state, token):
    client = client_for(state)
    before = quads(state.graph.store)
    response = client.post("/update", data={"update": VALID_INSERT}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    response = client.delete("/store?graph=graph:letter", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert quads(state.graph.store) == before


def _written(state) -> bool:  # noqa: ANN001
    """VALID_INSERT's node is in the store."""
    return bool(state.graph.store.query(f"ASK {{ GRAPH ?g {{ <{TEST_NS}a> <{TEST_NS}note> \"ok\" }} }}"))


def test_right_token_writes(state):
    assert not _written(state)
    response = client_for(state).post("/update", data={"update": VALID_INSERT}, headers=AUTH)
    assert response.status_code == 200 and response.json()["status"] == "committed"
    assert _written(state)


def test_scheme_name_is_case_insensitive(state):
    response = client_for(state).post("/update", data={"update": VALID_INSERT},
                                      headers={"Authorization": f"bearer {TOKEN}"})
    assert response.status_code == 200 and response.json()["status"] == "committed"
    assert _written(state)


def test_comparison_is_constant_time():
    import inspect

    from jakgraph.web import auth

    assert "hmac.compare_digest" in inspect.getsource(auth.require_curator)


def test_token_file(tmp_path):
    good = tmp_path / "token"
    good.write_text(TOKEN + "\n")
    assert read_token_file(good) == TOKEN
    for bad in ("", "short", "has space in the middle of it", "x" * 15):
        (tmp_path / "bad").write_text(bad)
        with pytest.raises(JakgraphError):
            read_token_file(tmp_path / "bad")
    with pytest.raises(JakgraphError):
        read_token_file(tmp_path / "missing")
    with pytest.raises(JakgraphError):
        check_token("tiny")
