"""Schemathesis against the application's own /openapi.json, in-process (ASGI), bounded.

Every documented operation gets generated requests (parameters, bodies, headers from the schema, plus
schemathesis' negative cases); none may answer 5xx. Curator writes are on (with the token) so /update
and /store are exercised past authentication.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from writes_support import TOKEN, client_for, fresh_state

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_schema(built):
    state = fresh_state(built, query_timeout=3.0)
    with client_for(state) as client:  # the lifespan runs: query workers start and are stopped after
        yield schemathesis.openapi.from_asgi("/openapi.json", client.app)


BOUND = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                 database=None)


def test_no_operation_answers_5xx(api_schema):
    """Each operation in turn (schemathesis' pytest plugin is driven by hand: one hypothesis run per operation)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert any(op.path == "/update" for op in operations) and any(op.path == "/store" for op in operations)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    failures: list[str] = []
    for operation in operations:

        @BOUND
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call(headers=headers)
            if (response.status_code >= 500 and response.status_code not in (503, 504)) or "Traceback" in response.text:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")

        run()
    assert not failures, failures[:5]
