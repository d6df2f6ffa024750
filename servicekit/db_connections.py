"""How many MySQL connections one process holds: threads are many (most of them only wait on
another service), connections are few (MySQL's max_connections is shared by every process).

- A process opens at most ``DB_MAX_CONNECTIONS`` at once (settings, from the environment): a
  thread that needs one more waits for one to be given back, at most ``DB_CONNECTION_WAIT_SECONDS``,
  then fails with :class:`DatabaseBusy` (answered 503 ``database_busy``).
- A thread keeps its connection between requests (Django's ``CONN_MAX_AGE``) only while the
  process holds at most ``DB_KEEP_CONNECTIONS`` (half of the cap); beyond that it gives it back at
  the end of each request or RPC, and before it waits on another service (outside a transaction),
  so that threads blocked on a slow dependency hold no connection.

The cap is enforced by the MySQL backend ``servicekit.mysql``; SQLite is left alone.
"""

from __future__ import annotations

import threading
import time
import weakref

from django.db import OperationalError, connections

from servicekit.db import LOCK_CONFLICT_CODES

# MySQL/MariaDB ER_CON_COUNT_ERROR: the server's max_connections are all taken.
TOO_MANY_CONNECTIONS = 1040
BUSY_CODES = frozenset({*LOCK_CONFLICT_CODES, TOO_MANY_CONNECTIONS})


class DatabaseBusy(OperationalError):
    """Every database connection this process may open is in use, and none was given back in time."""


def is_database_busy(exc: BaseException) -> bool:
    """True for a database error that says "busy, try again": a deadlock's victim, a lock wait
    timeout, no connection to be had (here or at the server)."""
    if isinstance(exc, DatabaseBusy):
        return True
    return isinstance(exc, OperationalError) and bool(exc.args) and exc.args[0] in BUSY_CODES


class _Slots:
    """A counting cap, with how many are taken readable by anyone."""

    def __init__(self):
        self._changed = threading.Condition()
        self.taken = 0

    def take(self, limit: int, wait: float) -> _Slot:
        deadline = time.monotonic() + wait
        with self._changed:
            while self.taken >= limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DatabaseBusy(
                        f"All {limit} database connections of this process are in use (DB_MAX_CONNECTIONS)."
                    )
                self._changed.wait(remaining)
            self.taken += 1
        return _Slot(self)

    def give_back(self) -> None:
        with self._changed:
            self.taken -= 1
            self._changed.notify()


class _Slot:
    """One taken place; given back once, whoever asks first (the close, or the connection's
    wrapper being collected with its thread)."""

    def __init__(self, slots: _Slots):
        self._slots = slots
        self._given_back = False
        self._lock = threading.Lock()

    def give_back(self) -> None:
        with self._lock:
            if self._given_back:
                return
            self._given_back = True
        self._slots.give_back()


SLOTS = _Slots()


def take_slot(wrapper) -> None:
    """Called by the backend before it opens a connection for `wrapper`: waits for a free place."""
    from django.conf import settings

    give_back_slot(wrapper)  # a connection dropped without a close: its place is free again
    slot = SLOTS.take(settings.DB_MAX_CONNECTIONS, settings.DB_CONNECTION_WAIT_SECONDS)
    # A thread that ends with its connection open never closes it: its wrapper's collection gives the place back.
    finalizer = weakref.finalize(wrapper, slot.give_back)
    wrapper._servicekit_slot = (slot, finalizer)


def give_back_slot(wrapper) -> None:
    """Called by the backend once `wrapper`'s connection is closed (or failed to open)."""
    slot, finalizer = getattr(wrapper, "_servicekit_slot", (None, None))
    if slot is not None:
        wrapper._servicekit_slot = (None, None)
        finalizer.detach()
        slot.give_back()


def release_if_crowded(**_) -> None:
    """Close this thread's connections if the process holds more than DB_KEEP_CONNECTIONS and they
    are not in a transaction. Connected to request_finished (HTTP requests and gRPC calls), and
    called before every call to another service (servicekit.grpc_client)."""
    from django.conf import settings

    if SLOTS.taken <= settings.DB_KEEP_CONNECTIONS:
        return
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()
