"""Several processes serving one gRPC port: grpc's pre-fork pattern (its Python multiprocessing
example). The parent forks the children before any gRPC object exists in it (gRPC's threads do
not survive a fork); each child starts its own server on the same port with SO_REUSEPORT, and the
kernel spreads new connections over them. So a service uses every core, where one Python
process, bound by its interpreter lock, uses one.

The parent only supervises: a child that dies is started again, unless it died at start (a port
it cannot bind, settings it cannot load), which would only repeat; SIGTERM/SIGINT stop every
child within the grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable

from django.db import connections

from servicekit import metrics

log = logging.getLogger("microtix.grpc")

# A child that dies sooner than this after its start is taken to die of its start: not restarted.
START_SECONDS = 5.0
POLL_SECONDS = 0.2


def serve_forked(processes: int, child: Callable[[int], None], *, grace: float) -> int:
    """Run `child(index)` in `processes` forked processes (index 0 to processes - 1) until
    SIGTERM/SIGINT; returns the exit code for the parent (0, or 1 when a child died at start)."""
    connections.close_all()  # no connection is shared across a fork
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    children: dict[int, tuple[int, float]] = {}  # pid -> (index, started)
    for index in range(processes):
        pid, started = _fork(child, index)
        children[pid] = (index, started)
    log.info("serving in %d processes: %s", processes, ", ".join(map(str, children)))
    failed = False
    while children and not stop:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if not pid:
            time.sleep(POLL_SECONDS)
            continue
        index, started = children.pop(pid)
        metrics.mark_process_dead(pid)
        if time.monotonic() - started < START_SECONDS:
            log.error("process %d (%d) died at start (%s): stopping", index, pid, _status(status))
            failed = True
            break
        log.warning("process %d (%d) died (%s): starting another", index, pid, _status(status))
        pid, started = _fork(child, index)
        children[pid] = (index, started)
    _stop(children, grace)
    return 1 if failed else 0


def _fork(child: Callable[[int], None], index: int) -> tuple[int, float]:
    pid = os.fork()
    if pid:
        return pid, time.monotonic()
    code = 1
    try:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)  # the child's server installs its own
        child(index)
        code = 0
    except BaseException:
        log.exception("process %d failed", index)
    finally:
        logging.shutdown()
        os._exit(code)


def _stop(children: dict[int, tuple[int, float]], grace: float) -> None:
    """SIGTERM every child, wait up to `grace` (and a second) for them, SIGKILL any left."""
    for pid in children:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace + 1
    while children and time.monotonic() < deadline:
        pid, _status = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.pop(pid, None)
            metrics.mark_process_dead(pid)
        else:
            time.sleep(POLL_SECONDS)
    for pid in children:
        log.warning("process %d did not stop within %.1fs: killed", pid, grace)
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # gone meanwhile
        os.kill(pid, sig)


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
