"""The exception tree. Every error a user can cause is a JakgraphError with a one-line message."""
from __future__ import annotations

from typing import ClassVar


class JakgraphError(Exception):
    """Base of every error jakgraph raises on purpose; ``str(err)`` is the one line shown to users."""


class SourceError(JakgraphError):
    """An input file is missing, unreadable or not valid RDF; names the file (and line when known)."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class QuerySyntaxError(JakgraphError):
    """A SPARQL query or update does not parse."""


class QueryTimeoutError(JakgraphError):
    """A query ran past its time limit and was cancelled."""


class ResultLimitError(JakgraphError):
    """A query produced more rows than the configured cap."""


class ValidationFailed(JakgraphError):
    """The graph does not conform to the shapes; carries the report so callers can show or return it."""

    def __init__(self, message: str, report: object | None = None) -> None:
        self.report = report
        super().__init__(message)


class FormatNotSupported(JakgraphError):
    """An output or input format that jakgraph cannot produce or read."""


class NotAcceptable(FormatNotSupported):
    """The client accepts no format the result can be given in (HTTP 406); names the formats on offer."""


class EngineUnavailable(JakgraphError):
    """The query engine cannot take a query now: every worker busy past the wait limit, or a backend down."""


class QueryFailed(JakgraphError):
    """The engine failed while evaluating a query that parsed (a worker crash, a storage error)."""


# -- what may run: the safety rules and the input limits (jakgraph.policy) ----------------------------

class PolicyViolation(JakgraphError):
    """A request jakgraph refuses on purpose; ``status`` is the HTTP status that says why."""

    status: ClassVar[int] = 400


class ServiceRefused(PolicyViolation):
    """A ``SERVICE`` call to an endpoint that is not allowed (not listed, not http(s), not public, or a variable)."""

    status: ClassVar[int] = 403


class OperationRefused(PolicyViolation):
    """An operation this endpoint does not perform (an update on the query endpoint, ``LOAD``, …)."""

    status: ClassVar[int] = 400


class LimitExceeded(PolicyViolation):
    """Input over one of the input limits (``jakgraph.policy.limits``), found before any parser saw it; the
    message names the limit, its setting and the value found. The CLI exits 2 with it."""

    status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 2

    def __init__(self, limit: str, found: int, allowed: int, setting: str, unit: str = "") -> None:
        self.limit, self.found, self.allowed, self.setting, self.unit = limit, found, allowed, setting, unit
        units = f" {unit}" if unit else ""
        super().__init__(f"input limit exceeded: {limit} is {found:,}{units}, the limit is {allowed:,}{units} "
                         f"({setting})")


class InputTooLarge(LimitExceeded):
    """A body (query, update, upload) larger than its size limit (HTTP 413)."""

    status: ClassVar[int] = 413
