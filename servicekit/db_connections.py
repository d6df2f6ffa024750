"""How many MySQL connections one process holds, and how threads share them: threads are many (most
of them only wait on another service), connections are few (MySQL's max_connections is shared by
every process) and costly to open (a handshake and an authentication on both sides).

- A process opens at most ``DB_MAX_CONNECTIONS`` at once, in use or idle (settings, from the
  environment): a thread that needs one more waits for one to be given back, at most
  ``DB_CONNECTION_WAIT_SECONDS``, then fails with :class:`DatabaseBusy` (answered 503 ``database_busy``).
- A thread gives its connection back at the end of each request or RPC, and before it waits on
  another service (outside a transaction), so that threads blocked on a slow dependency hold none.
  Given back, a connection stays open, idle, for the next thread that needs one (up to
  ``DB_KEEP_CONNECTIONS`` idle; beyond that it is closed): opening one per request cost the gateway
  and MySQL more CPU than the request's own queries.
- A connection is reused only as it was left by Django outside any transaction, with no error
  since its last success, on the same database, and pinged first (Django's CONN_HEALTH_CHECKS
  does the same): a database restart or failover drops idle connections, and the next request
  must not be the one to find out.

The cap and the idle connections are the MySQL backend's (``servicekit.mysql``); SQLite is left alone.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_started
from django.db import OperationalError, connections, reset_queries
from django_grpc_framework.signals import grpc_request_started

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
    """The process's places (one per open connection, in use or idle) and its idle connections,
    under one condition: a thread that waits for a place also takes an idle connection given back
    meanwhile."""

    def __init__(self):
        self._changed = threading.Condition()
        self.taken = 0
        self._idle: list[_Idle] = []  # oldest first

    @property
    def idle(self) -> int:
        return len(self._idle)

    def take(self, limit: int, wait: float, key: tuple = ()) -> tuple[_Slot, object | None]:
        """A place, with an idle connection to `key`'s database if there is one: (place, connection
        or None). Waits at most `wait` seconds for a place."""
        deadline = time.monotonic() + wait
        stale = None
        try:
            with self._changed:
                while True:
                    for index in range(len(self._idle) - 1, -1, -1):  # the newest: the likeliest alive
                        if self._idle[index].key == key:
                            idle = self._idle.pop(index)
                            return idle.slot, idle.connection
                    if self.taken < limit:
                        self.taken += 1
                        return _Slot(self), None
                    if self._idle:  # idle on another database: its place is this thread's
                        stale = self._idle.pop(0)
                        return stale.slot, None
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise DatabaseBusy(
                            f"All {limit} database connections of this process are in use (DB_MAX_CONNECTIONS)."
                        )
                    self._changed.wait(remaining)
        finally:
            if stale is not None:
                _close_quietly(stale.connection)

    def park(self, slot: _Slot, connection, key: tuple, keep: int) -> bool:
        """Keep `connection` idle with its place for the next thread; False (nothing kept) if
        `keep` are idle already."""
        with self._changed:
            if len(self._idle) >= keep:
                return False
            self._idle.append(_Idle(key, connection, slot))
            self._changed.notify()
            return True

    def close_idle(self) -> int:
        """Close every idle connection, giving their places back; how many."""
        with self._changed:
            idle, self._idle = self._idle, []
        for each in idle:
            _close_quietly(each.connection)
            each.slot.give_back()
        return len(idle)

    def give_back(self) -> None:
        with self._changed:
            self.taken -= 1
            self._changed.notify()


class _Idle:
    __slots__ = ("connection", "key", "slot")

    def __init__(self, key: tuple, connection, slot: _Slot):
        self.key, self.connection, self.slot = key, connection, slot


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # already closed or broken: it is gone either way
        connection.close()


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
# A forked child must not share a parent's socket: idle connections are closed before any fork.
os.register_at_fork(before=SLOTS.close_idle)


def open_connection(wrapper, conn_params: dict, connect: Callable[[dict], object]) -> tuple[object, bool]:
    """Called by the backend to open `wrapper`'s connection: an idle one of the process if one is to
    the same database, else `connect(conn_params)` once a place is free. Returns (the connection,
    whether it was reused: it has its session settings already)."""
    give_back_slot(wrapper)  # a connection dropped without a close: its place is free again
    key = _key(conn_params)
    slot, connection = SLOTS.take(settings.DB_MAX_CONNECTIONS, settings.DB_CONNECTION_WAIT_SECONDS, key)
    try:
        # One round trip, a fraction of a connect's handshake, authentication and session setup.
        if connection is not None and not _alive(connection):
            _close_quietly(connection)
            connection = None
        reused = connection is not None
        if connection is None:
            connection = connect(conn_params)
    except BaseException:
        slot.give_back()
        raise
    # A thread that ends with its connection open never closes it: its wrapper's collection gives the place back.
    wrapper._servicekit_slot = (slot, weakref.finalize(wrapper, slot.give_back), key)
    return connection, reused


def close_connection(wrapper, close: Callable[[], None]) -> None:
    """Called by the backend to close `wrapper`'s connection: kept idle for another thread if it is
    clean (outside a transaction, no error since its last success), else closed (`close()`)."""
    from django.conf import settings

    slot, finalizer, key = getattr(wrapper, "_servicekit_slot", (None, None, ()))
    clean = (
        slot is not None
        and wrapper.connection is not None
        and not wrapper.in_atomic_block
        and not wrapper.errors_occurred
        and wrapper.get_autocommit()
    )
    if clean:
        wrapper._servicekit_slot = (None, None, ())
        finalizer.detach()
        if SLOTS.park(slot, wrapper.connection, key, settings.DB_KEEP_CONNECTIONS):
            return
        wrapper._servicekit_slot = (slot, weakref.finalize(wrapper, slot.give_back), key)
    try:
        close()
    finally:
        give_back_slot(wrapper)


def give_back_slot(wrapper) -> None:
    """Called by the backend once `wrapper`'s connection is closed (or failed to open)."""
    slot, finalizer, _ = getattr(wrapper, "_servicekit_slot", (None, None, ()))
    if slot is not None:
        wrapper._servicekit_slot = (None, None, ())
        finalizer.detach()
        slot.give_back()


def give_back_connections(**_) -> None:
    """Give this thread's connections back to the process (kept idle for the next thread), those
    not in a transaction. Connected to request_finished (HTTP requests and gRPC calls), and called
    before every call to another service (servicekit.grpc_client)."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()


def stop_clearing_query_logs() -> None:
    """Without DEBUG, no request (or gRPC call) start clears the connections' query logs: they only
    fill with DEBUG on, or while a test captures queries (counted from where it starts), and the
    clearing was 5% of the gateway's CPU under a flash sale."""
    if not settings.DEBUG:
        request_started.disconnect(reset_queries)
        grpc_request_started.disconnect(reset_queries)


def _key(conn_params: dict) -> tuple:
    """Which server, account and database a connection is to: only one to the same is reused."""
    return tuple(conn_params.get(name) for name in ("host", "port", "unix_socket", "user", "database", "db"))


def _alive(connection) -> bool:
    try:
        connection.ping()
    except Exception:  # any failure: open a new one instead
        return False
    return True
