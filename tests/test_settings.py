"""Settings (jakgraph.settings): the JAKGRAPH_* names and defaults, readable refusals, flags that win."""
from __future__ import annotations

from pathlib import Path

import pytest

from jakgraph.cli import make_parser
from jakgraph.cli.serve import settings_from
from jakgraph.errors import SettingsError
from jakgraph.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith("JAKGRAPH_"):
            monkeypatch.delenv(name)


def test_defaults():
    settings = Settings()
    assert (settings.host, settings.port, settings.base_url) == ("127.0.0.1", 8000, "https://w3id.org/jakgraph/")
    assert settings.query_timeout == 10 and settings.max_result_rows == 100_000
    assert settings.store_dir is None and settings.update_token is None and settings.service_allowlist == ()
    assert (settings.max_query_bytes, settings.max_url_bytes, settings.max_upload_bytes) == (262144, 32768, 16 << 20)
    assert settings.max_concurrent_queries == 64 and settings.access_log == "-" and settings.query_workers >= 2
    assert settings.warm_start is False and settings.load_files == () and settings.backend_url is None
    assert (settings.cache_bytes, settings.cache_entries) == (64 << 20, 4096)


def test_environment_names(monkeypatch):
    for name, value in {"HOST": "0.0.0.0", "PORT": "9000", "QUERY_TIMEOUT": "2.5", "STORE": "/tmp/jak",
                        "LOAD": "a.nt:b.ttl.gz", "BACKEND": "http://127.0.0.1:1/query", "CACHE_MB": "0.5",
                        "SERVICE_ALLOWLIST": "https://a.example/sparql, https://b.example/sparql",
                        "QUERY_WORKERS": "0", "WARM_START": "1", "UPDATE_TOKEN": ""}.items():
        monkeypatch.setenv(f"JAKGRAPH_{name}", value)
    monkeypatch.setenv("STORE_DIR", "/not/this")  # only JAKGRAPH_* names count
    settings = Settings()
    assert (settings.host, settings.port, settings.query_timeout) == ("0.0.0.0", 9000, 2.5)
    assert settings.store_dir == Path("/tmp/jak") and settings.load_files == (Path("a.nt"), Path("b.ttl.gz"))
    assert settings.backend_url == "http://127.0.0.1:1/query" and settings.cache_bytes == 512 * 1024
    assert settings.service_allowlist == ("https://a.example/sparql", "https://b.example/sparql")
    assert settings.query_workers >= 2 and settings.warm_start is True and settings.update_token is None


@pytest.mark.parametrize(("name", "value", "words"), [
    ("PORT", "eighty", "port (JAKGRAPH_PORT): Input should be a valid integer"),
    ("QUERY_TIMEOUT", "-1", "JAKGRAPH_QUERY_TIMEOUT): Input should be greater than 0 (got '-1')"),
    ("CACHE_MB", "lots", "JAKGRAPH_CACHE_MB must be a number of megabytes (got 'lots')"),
    ("MAX_RESULT_ROWS", "0", "JAKGRAPH_MAX_RESULT_ROWS): Input should be greater than or equal to 1"),
])
def test_a_bad_value_is_refused_in_one_line(monkeypatch, name, value, words):
    monkeypatch.setenv(f"JAKGRAPH_{name}", value)
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert words in str(refused.value) and "\n" not in str(refused.value)


def test_assignment_is_checked():
    settings = Settings()
    with pytest.raises(SettingsError, match="max_url_bytes"):
        settings.max_url_bytes = -5
    settings.max_url_bytes = 100
    assert settings.max_url_bytes == 100


def test_flags_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("JAKGRAPH_PORT", "9000")
    monkeypatch.setenv("JAKGRAPH_QUERY_TIMEOUT", "3")
    settings = settings_from(make_parser().parse_args(["serve", "--port", "9100", "--cache-mb", "1"]))
    assert settings.port == 9100 and settings.query_timeout == 3 and settings.cache_bytes == 1 << 20
    assert settings.warm_start is True
    with pytest.raises(SettingsError, match="^--timeout: .*greater than 0"):
        settings_from(make_parser().parse_args(["serve", "--timeout", "0"]))
