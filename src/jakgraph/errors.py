"""The exception tree. Every error a user can cause is a JakgraphError with a one-line message."""
from __future__ import annotations


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
