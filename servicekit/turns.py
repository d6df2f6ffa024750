"""How many threads of a process run their request or call at once: turns.

A server has many threads (GATEWAY_THREADS, GRPC_MAX_WORKERS) so that requests waiting on the world
outside (a slow payment provider) hold nothing while they wait. But threads that run at once share
one GIL and queue inside every deadline: with a hundred runnable, each call takes longer the more
run at once (a reservation holding the sold-out type's row lock waits for the GIL between two of its
statements while the others queue on the lock), until callers' deadlines pass and the abandoned
calls still run, taking the threads of the next ones: a storm of 503 ``tickets_busy``.

So at most ``RUNNING_CALLS`` threads of a process hold a turn; the others wait for one, holding no
CPU and no connection, at the door (the gateway), before any call's deadline starts. A thread
keeps its turn while it calls a service of ours, so work queues at the door, not between
services; a call a service makes runs on its caller's turn (it takes none of the called
service's: a call coming back, CancelEvent -> CancelEventSales -> GetEvent, never waits for a
turn its own caller holds), while a gateway's call takes one (the service's turns bound what any
number of gateways ask of it). A thread gives its turn away only while a call waits on the world
outside (``ServiceClient``'s `waits_outside` RPCs: the payment provider), unless it is in a
transaction (its locks must not wait for a turn); the call it makes then takes a turn of its own,
and the thread takes one again after it.
"""

from __future__ import annotations

import contextlib
import threading

from django.db import connections

_held = threading.local()  # .turns: the Turns this thread holds a turn of; .borrowed: on its caller's


class Turns:
    """At most `limit` threads hold a turn at once (0: no limit); `lent`: a call a holder makes
    runs on its turn."""

    def __init__(self, limit: int, *, lent: bool = True):
        self.lent = lent
        self._free = threading.BoundedSemaphore(limit) if limit > 0 else None

    def take(self, timeout: float | None = None) -> bool:
        """Take a turn for this thread, waiting at most `timeout` seconds (None: until one is given
        back); False if none came free in time."""
        if self._free is None:
            return True
        if not self._free.acquire(timeout=timeout):
            return False
        _held.turns = self
        return True

    def give_back(self) -> None:
        """Give this thread's turn back, if it holds one."""
        if getattr(_held, "turns", None) is self:
            _held.turns = None
            self._free.release()

    @contextlib.contextmanager
    def turn(self):
        """This thread's request, run in a turn."""
        self.take()
        try:
            yield
        finally:
            self.give_back()


def lends_turn() -> bool:
    """Whether a call this thread makes runs on its turn (its own, or its caller's it runs on)."""
    turns = getattr(_held, "turns", None)
    return (turns is not None and turns.lent) or getattr(_held, "borrowed", False)


@contextlib.contextmanager
def on_callers_turn():
    """This thread's call, run on the turn of the caller waiting for it."""
    _held.borrowed = True
    try:
        yield
    finally:
        _held.borrowed = False


@contextlib.contextmanager
def calling(*, waits_outside: bool = False):
    """A context in which this thread calls another service: if the call `waits_outside`, this
    thread's turn goes to another thread meanwhile (outside a transaction) and is taken again after."""
    turns = getattr(_held, "turns", None)
    if not waits_outside or turns is None or _in_transaction():
        yield
        return
    turns.give_back()
    try:
        yield
    finally:
        turns.take()


def _in_transaction() -> bool:
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))
