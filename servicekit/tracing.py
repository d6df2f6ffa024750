"""The request id: one id per client request, carried through every process the request
touches, so that grepping the logs for it shows the whole story.

The gateway takes it from the `X-Request-ID` header (or makes one) and answers with it; it
travels to the services in gRPC metadata (`x-request-id`, see servicekit.identity), to the
Celery worker in a task header (servicekit.tasks), through the outbox with the row that
promised the task (servicekit.outbox). Inside a process it lives in a context variable, set
for the duration of the HTTP request, the RPC or the task, and read by every log line
(servicekit.logging_config) and every outgoing call or task.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

MAX_LENGTH = 64
# Visible ASCII only: it goes into gRPC metadata (ASCII), HTTP headers and log lines unchanged.
_VALID = re.compile(rf"[\x21-\x7e]{{1,{MAX_LENGTH}}}")

_request_id: ContextVar[str] = ContextVar("microtix_request_id", default="")


def new_request_id() -> str:
    """A fresh id: 32 hex digits (uuid4)."""
    return uuid.uuid4().hex


def is_valid(request_id: str | None) -> bool:
    """True for 1 to MAX_LENGTH visible ASCII characters (no spaces, no control characters)."""
    return bool(request_id) and _VALID.fullmatch(request_id) is not None


def accept(request_id: str | None) -> str:
    """`request_id` if it is valid, else a fresh one: what a process adopts from its caller."""
    return request_id if is_valid(request_id) else new_request_id()


def current_request_id() -> str:
    """The id of the request being handled here, or "" outside any request."""
    return _request_id.get()


def set_request_id(request_id: str) -> Token:
    """Make `request_id` current; pass the token to `reset_request_id` when done."""
    return _request_id.set(request_id)


def reset_request_id(token: Token) -> None:
    _request_id.reset(token)


@contextmanager
def request_id_context(request_id: str) -> Iterator[str]:
    """`request_id` is current inside the block (and the previous one again after it)."""
    token = _request_id.set(request_id)
    try:
        yield request_id
    finally:
        _request_id.reset(token)
