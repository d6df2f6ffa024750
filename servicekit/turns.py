"""How many threads of a process run their request or call at once: turns.

A server has many threads (GATEWAY_THREADS, GRPC_MAX_WORKERS) so that requests waiting on the world
outside (a slow payment provider) hold nothing while they wait. But threads that run at once share
one GIL and queue inside every deadline: with a hundred runnable, each call takes longer the more
run at once (a reservation holding the sold-out type's row lock waits for the GIL between two of its
statements while the others queue on the lock), until callers' deadlines pass and the abandoned
calls still run, taking the threads of the next ones: a storm of 503 ``tickets_busy``.

So at most ``RUNNING_CALLS`` threads of a process hold a turn; the others wait for one, holding no
CPU, no connection and no deadline of another service's. A thread keeps its turn while it calls
another service of ours (work queues at the door, not between services) and gives it away while a
call waits on the world outside (``ServiceClient``'s `waits_outside` RPCs), unless it is in a
transaction (its locks must not wait for a turn).
"""

from __future__ import annotations

import contextlib
import threading

from django.db import connections

_held = threading.local()  # .turns: the Turns this thread holds a turn of


class Turns:
    """At most `limit` threads hold a turn at once (0: no limit)."""

    def __init__(self, limit: int):
        self.limit = limit
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


@contextlib.contextmanager
def waiting_outside():
    """A context in which this thread waits on the world outside: its turn goes to another thread
    meanwhile (unless it is in a transaction), and is taken again after."""
    turns = getattr(_held, "turns", None)
    if turns is None or _in_transaction():
        yield
        return
    turns.give_back()
    try:
        yield
    finally:
        turns.take()


def _in_transaction() -> bool:
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))
