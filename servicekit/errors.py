"""Kinds of domain error: the one error contract of MicroTix. Service layers raise subclasses of
these; each kind declares once its machine `code`, the gRPC status it travels with
(servicekit.grpc_server) and the HTTP status the gateway answers it with. A client
(servicekit.grpc_client) raises the same kind again from the rich status a service answered, so a
domain error raised by a callee propagates through its caller unchanged.

`code` is a short machine-readable text that travels to the API client (e.g. ``sold_out``);
`message` is for humans; `extra` are machine-readable facts (JSON values: strings, numbers, lists
of them or of objects) the API client gets beside them. Adding a kind is adding a class here:
`kind_for` finds it by its status and code.
A kind declares what it changes in its class statement: ``class SoldOut(Conflict, code="sold_out")``.
"""

from __future__ import annotations

import grpc


class DomainError(Exception):
    code = "error"
    grpc_status = grpc.StatusCode.UNKNOWN
    http_status = 500

    def __init_subclass__(
        cls,
        *,
        code: str | None = None,
        grpc_status: grpc.StatusCode | None = None,
        http_status: int | None = None,
        **kwargs,
    ):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if grpc_status is not None:
            cls.grpc_status = grpc_status
        if http_status is not None:
            cls.http_status = http_status

    def __init__(self, message: str = "", *, code: str | None = None, extra: dict[str, object] | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code:
            self.code = code
        # Machine-readable facts the API client gets beside detail and code.
        self.extra = extra or {}
        # field -> messages: what is wrong with which input (InvalidInput's; empty for the other kinds).
        self.field_errors: dict[str, list[str]] = {}
        # Set by the client on an error a call raised: the service called and the status it arrived
        # with (e.g. DEADLINE_EXCEEDED for a ServiceUnavailable).
        self.service = ""
        self._status: grpc.StatusCode | None = None

    @property
    def message(self) -> str:
        return str(self.args[0])

    @property
    def status(self) -> grpc.StatusCode:
        """The gRPC status this error arrived with, else its kind's."""
        return self._status or self.grpc_status

    @status.setter
    def status(self, value: grpc.StatusCode) -> None:
        self._status = value


class NotFound(DomainError, code="not_found", grpc_status=grpc.StatusCode.NOT_FOUND, http_status=404):
    """Not found."""


class InvalidInput(DomainError, code="invalid", grpc_status=grpc.StatusCode.INVALID_ARGUMENT, http_status=400):
    """Invalid input."""

    def __init__(
        self,
        message: str = "",
        *,
        field_errors: dict[str, list[str]] | None = None,
        code: str | None = None,
        extra: dict[str, object] | None = None,
    ):
        super().__init__(message, code=code, extra=extra)
        self.field_errors = field_errors or {}


class Forbidden(DomainError, code="permission_denied", grpc_status=grpc.StatusCode.PERMISSION_DENIED, http_status=403):
    """You do not have permission to perform this action."""


class Conflict(DomainError, code="conflict", grpc_status=grpc.StatusCode.FAILED_PRECONDITION, http_status=409):
    """The resource's current state does not allow this."""


class PaymentDeclined(Conflict, code="payment_declined", http_status=402):
    """The card was declined."""


class AlreadyExists(DomainError, code="already_exists", grpc_status=grpc.StatusCode.ALREADY_EXISTS, http_status=409):
    """Already exists."""


class Unavailable(DomainError, code="unavailable", grpc_status=grpc.StatusCode.UNAVAILABLE, http_status=503):
    """A dependency is temporarily unable to do this; try again. Its code names what is down
    (``payments_unavailable``, ``database_busy``, ``<service>_busy``...)."""


class DatabaseBusy(Unavailable, code="database_busy"):
    """The database is busy; try again shortly."""


# The kinds a client raises for a call that got no domain error back: the service could not be
# reached in time, refused the call at its cap of calls at once, or failed (INTERNAL, UNKNOWN,
# UNAUTHENTICATED: nothing the caller's caller can fix). Passed on by a service, they travel as
# any Unavailable, with their code.


class ServiceUnavailable(Unavailable):
    """A service could not be reached (UNAVAILABLE, DEADLINE_EXCEEDED): ``<service>_unavailable``."""

    def __init__(self, service: str):
        super().__init__(f"The {service} service is unavailable; try again shortly.", code=f"{service}_unavailable")


class ServiceBusy(Unavailable):
    """A service refused the call at its cap of calls at once (RESOURCE_EXHAUSTED): ``<service>_busy``."""

    def __init__(self, service: str):
        super().__init__(f"The {service} service is busy; try again shortly.", code=f"{service}_busy")


class ServiceFailed(Unavailable, http_status=502):
    """A service failed to answer (INTERNAL, UNKNOWN, UNAUTHENTICATED...): ``<service>_error``."""

    def __init__(self, service: str):
        super().__init__(f"The {service} service failed to answer.", code=f"{service}_error")


# The kinds a service may answer with, most general first: what a client raises for a status and code.
KINDS: tuple[type[DomainError], ...] = (
    NotFound,
    InvalidInput,
    Forbidden,
    Conflict,
    PaymentDeclined,
    AlreadyExists,
    Unavailable,
    DatabaseBusy,
)


def kind_for(status: grpc.StatusCode, code: str) -> type[DomainError] | None:
    """The kind of a domain error that arrived with `status` and `code`: the one declaring that code
    for that status, else the general kind of the status; None if no kind travels with `status`."""
    general = None
    for kind in KINDS:
        if kind.grpc_status is status:
            if kind.code == code:
                return kind
            general = general or kind
    return general
