"""The exception tree: every error jakgraph raises on purpose, in one place, each with its HTTP status.

Why one tree: a refusal is decided deep inside (the policy, the writer, the protocol parser) and answered at
the edge (``web/guards.py``, the one place that turns an error into a response). Each class says what went
wrong in its name and carries the HTTP status that says it to a client as the class attribute ``status``;
``str(err)`` is the one line a user sees. An instance may override the status (``status=``) where one error
has two answers (a query over the size cap is 413 in a body and 414 in a URL), and may carry response
headers (``headers=``: ``Retry-After``, ``WWW-Authenticate``, ``Allow``).

New classes go under the closest ancestor below, with ``status: ClassVar[int]`` and a docstring that says
when it is raised.

The tree (status in brackets)::

    JakgraphError [400]
    ├── SourceError [500]            an input file is missing or not valid RDF
    ├── SettingsError [500]          a setting (environment, flag, token file) is not usable
    ├── QuerySyntaxError [400]
    │   └── UpdateSyntaxError [400]  (also a WriteError)
    ├── QueryTimeoutError [504]
    ├── ResultLimitError [422]
    ├── QueryFailed [500]
    ├── EngineUnavailable [503]
    ├── ValidationFailed [422]
    │   └── WriteNotConforming [422]
    ├── FormatNotSupported [406]
    │   └── NotAcceptable [406]
    ├── RequestError [400]           the SPARQL 1.1 Protocol broken (405, 414, 415 per instance)
    │   ├── GraphTargetError [400]   /store without one valid ?graph=IRI or ?default
    │   └── BodyTooLarge [413]
    ├── PolicyViolation [400]        refused on purpose by the query/update rules
    │   ├── ServiceRefused [403]
    │   └── OperationRefused [400]
    ├── CuratorAuthError [401]       (WWW-Authenticate header)
    │   └── TokenRejected [403]
    ├── WritesOff [404]
    ├── WriteError [400]             a write refused before anything changed
    │   ├── UpdateSyntaxError [400]
    │   ├── ReadOnlyGraph [403]
    │   ├── GraphNotFound [404]
    │   └── UnsupportedPayload [415]
    ├── StoreError [500]             the on-disk store cannot be used
    │   └── StoreInUse [409]
    └── PushError [502]              a graph did not reach a remote store whole
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # for the annotation only: errors.py imports nothing of jakgraph at run time
    from jakgraph.build.validation import ValidationOutcome

__all__ = [
    "CuratorAuthError",
    "EngineUnavailable",
    "FormatNotSupported",
    "GraphNotFound",
    "GraphTargetError",
    "InputTooLarge",
    "JakgraphError",
    "LimitExceeded",
    "NotAcceptable",
    "OperationRefused",
    "PolicyViolation",
    "PushError",
    "QueryFailed",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "ReadOnlyGraph",
    "RequestError",
    "ResultLimitError",
    "ServiceRefused",
    "SettingsError",
    "SourceError",
    "StoreError",
    "StoreInUse",
    "TokenRejected",
    "UnsupportedPayload",
    "UpdateSyntaxError",
    "ValidationFailed",
    "WriteError",
    "WriteNotConforming",
    "WritesOff",
    "status_of",
]


class JakgraphError(Exception):
    """Base of every error jakgraph raises on purpose; ``str(err)`` is the one line shown to users.

    ``status`` is the HTTP status of the class; ``status=`` overrides it for one instance. ``headers`` are
    added to the response (empty unless given).
    """

    status: ClassVar[int] = 400

    def __init__(self, message: str = "", *, status: int | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        if status is not None:
            vars(self)["status"] = status  # the instance's own status shadows the class's
        self.headers: dict[str, str] = dict(headers or {})


def status_of(error: BaseException) -> int:
    """The HTTP status for ``error``: its ``status`` for a JakgraphError, 500 for anything else."""
    return error.status if isinstance(error, JakgraphError) else 500


# --- build and configuration -------------------------------------------------------------------------

class SourceError(JakgraphError):
    """An input file is missing, unreadable or not valid RDF; names the file (and line when known)."""

    status: ClassVar[int] = 500

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class SettingsError(JakgraphError):
    """A setting cannot be used (a malformed value, an unreadable or too-short token file); names it."""

    status: ClassVar[int] = 500


# --- queries -----------------------------------------------------------------------------------------

class QuerySyntaxError(JakgraphError):
    """A SPARQL query or update does not parse."""

    status: ClassVar[int] = 400


class QueryTimeoutError(JakgraphError):
    """A query ran past its time limit and was cancelled."""

    status: ClassVar[int] = 504


class ResultLimitError(JakgraphError):
    """A query produced more rows than the configured cap."""

    status: ClassVar[int] = 422


class QueryFailed(JakgraphError):
    """The engine failed while evaluating a query that parsed (a worker crash, a storage error)."""

    status: ClassVar[int] = 500


class EngineUnavailable(JakgraphError):
    """The query engine cannot take a query now: every worker busy past the wait limit, or a backend down."""

    status: ClassVar[int] = 503

    def __init__(self, message: str = "", *, status: int | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message, status=status, headers={"Retry-After": "1", **(headers or {})})


class ValidationFailed(JakgraphError):
    """The graph does not conform to the shapes; carries the report so callers can show or return it."""

    status: ClassVar[int] = 422

    def __init__(self, message: str, report: object | None = None) -> None:
        self.report = report
        super().__init__(message)


class FormatNotSupported(JakgraphError):
    """An output or input format that jakgraph cannot produce or read."""

    status: ClassVar[int] = 406


class NotAcceptable(FormatNotSupported):
    """The client accepts no format the result can be given in (HTTP 406); names the formats on offer."""

    status: ClassVar[int] = 406


# --- requests ----------------------------------------------------------------------------------------

class RequestError(JakgraphError):
    """A request that breaks the SPARQL 1.1 Protocol (or the Graph Store Protocol); the instance's status
    says how when it is not 400 (405 a wrong method, 414 a URL too long, 415 a media type or charset)."""

    status: ClassVar[int] = 400


class GraphTargetError(RequestError):
    """A Graph Store request that does not name one graph: no or both of ``?graph=``/``?default``, or an
    IRI that is not absolute."""

    status: ClassVar[int] = 400


class PolicyViolation(JakgraphError):
    """A request jakgraph refuses on purpose (the query and update rules in ``jakgraph.policy``)."""

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
    """A body (query, update, upload) larger than its size limit (HTTP 413): the streamed request body as
    much as a file or query text checked by ``jakgraph.policy.limits``."""

    status: ClassVar[int] = 413


# --- curator writes ----------------------------------------------------------------------------------

class CuratorAuthError(JakgraphError):
    """A write without usable credentials (no ``Authorization`` header, or not ``Bearer <token>``); the
    response carries ``WWW-Authenticate``."""

    status: ClassVar[int] = 401


class TokenRejected(CuratorAuthError):
    """A well-formed bearer token that is not the curator token."""

    status: ClassVar[int] = 403


class WritesOff(JakgraphError):
    """A write to a server started without an update token (writes are off)."""

    status: ClassVar[int] = 404


class WriteError(JakgraphError):
    """A write that was refused before anything changed."""

    status: ClassVar[int] = 400


class UpdateSyntaxError(WriteError, QuerySyntaxError):
    """The update does not parse."""

    status: ClassVar[int] = 400


class ReadOnlyGraph(WriteError):
    """A write to a graph no write may change (``graph:shapes``, ``graph:derived``)."""

    status: ClassVar[int] = 403


class GraphNotFound(WriteError):
    """A write (``DROP``, ``DELETE /store``) naming a graph the store does not hold."""

    status: ClassVar[int] = 404


class UnsupportedPayload(WriteError):
    """A Graph Store upload whose Content-Type is not an RDF format jakgraph reads."""

    status: ClassVar[int] = 415


class WriteNotConforming(ValidationFailed):
    """The write would leave the graph not conforming to the shapes; carries the ValidationOutcome
    (``outcome``; its report graph is what the 422 answer shows)."""

    status: ClassVar[int] = 422

    def __init__(self, outcome: ValidationOutcome) -> None:
        self.outcome = outcome
        super().__init__("the write was refused: the graph would not conform to the shapes", outcome)


# --- stores ------------------------------------------------------------------------------------------

class StoreError(JakgraphError):
    """The store directory cannot be used (not a jakgraph store, unreadable, damaged)."""

    status: ClassVar[int] = 500


class StoreInUse(StoreError):
    """The on-disk store is open in another process (Oxigraph allows one writer per directory)."""

    status: ClassVar[int] = 409


class PushError(JakgraphError):
    """A graph could not be uploaded to a remote store, or did not arrive whole."""

    status: ClassVar[int] = 502
