"""Kinds of domain error. Service layers raise subclasses of these; the gRPC server
turns each kind into its status code and the gateway turns that into HTTP.

`code` is a short machine-readable text that travels to the API client
(e.g. ``sold_out``); `message` is for humans.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None, extra: dict[str, str] | None = None):
        super().__init__(message or self.__class__.__doc__ or self.code)
        if code:
            self.code = code
        # Machine-readable facts the API client gets beside detail and code.
        self.extra = extra or {}

    @property
    def message(self) -> str:
        return str(self.args[0])


class NotFound(DomainError):
    """Not found."""

    code = "not_found"


class InvalidInput(DomainError):
    """Invalid input."""

    code = "invalid"

    def __init__(self, message: str = "", *, field_errors: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.field_errors = field_errors or {}


class Forbidden(DomainError):
    """You do not have permission to perform this action."""

    code = "permission_denied"


class Conflict(DomainError):
    """The resource's current state does not allow this."""

    code = "conflict"


class AlreadyExists(DomainError):
    """Already exists."""

    code = "already_exists"


class Unavailable(DomainError):
    """A dependency is temporarily unable to do this; try again."""

    code = "unavailable"
