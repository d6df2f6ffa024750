"""The real processes of the system, as the Procfile runs them, each on a free loopback port
against a database of their own: what end-to-end tests, fault drills and benchmarks start."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from devkit import databases
from devkit.net import free_port
from servicekit import stack
from servicekit.config import REPO_ROOT, VAR_DIR, env
from servicekit.grpc_client import health_status

LOG_DIR = VAR_DIR / "test-logs"
PROCFILE = REPO_ROOT / "Procfile"
GRPC_PROCESSES = {
    "events": "MICROTIX_EVENTS_ADDR",
    "tickets": "MICROTIX_TICKETS_ADDR",
    "payments": "MICROTIX_PAYMENTS_ADDR",
    "notifications": "MICROTIX_NOTIFICATIONS_ADDR",
}


def procfile_commands(path: Path = PROCFILE) -> dict[str, str]:
    """Process name -> shell command, as honcho reads them."""
    commands = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if match:
            commands[match.group(1)] = match.group(2).strip()
    return commands


class ProcessStack:
    """Processes named in the Procfile, started as `make up` starts them, each on
    a free loopback port, against a database of their own that is migrated first
    and dropped on stop. `commands` replaces the Procfile's command of some of them
    (the benchmark's events service, which also serves its JSON/HTTP comparison)."""

    def __init__(
        self,
        names: list[str],
        database_name: str | None = None,
        environ: dict[str, str] | None = None,
        commands: dict[str, str] | None = None,
    ):
        self.names = names
        self.commands = dict(commands or {})
        database_name = database_name or f"microtix_test_{uuid.uuid4().hex[:8]}"
        self.database_url = databases.sibling_database_url(env("DATABASE_URL"), database_name)
        self.http_port = free_port()
        self.grpc_addrs = {name: f"127.0.0.1:{free_port()}" for name in GRPC_PROCESSES}
        self.env = stack.project_environ(
            {
                "DATABASE_URL": self.database_url,
                "MICROTIX_HTTP_PORT": str(self.http_port),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "WEB_CONCURRENCY": "2",
                # One process per service: the tests' limits (threads, connections, busy answers) are a
                # process's. The tests of several (tests/test_grpc_server.py) and the bench set their own.
                "GRPC_PROCESSES": "1",
                # Its own queue: no other run's tasks reach this stack's worker, and none of its tasks leave it.
                "CELERY_QUEUE": f"test-{database_name}",
                # (The worker's node name follows the queue, see the Procfile: two stacks' workers never collide.)
                **{var: self.grpc_addrs[name] for name, var in GRPC_PROCESSES.items()},
                # Each service listens where it is dialled, whatever the shell around the tests sets.
                **{f"MICROTIX_{name.upper()}_LISTEN_ADDR": "" for name in GRPC_PROCESSES},
                **(environ or {}),
            }
        )
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def log_path(self, name: str) -> Path:
        return LOG_DIR / f"{name}-{self.http_port}.log"

    def start(self, timeout: float = 60) -> ProcessStack:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        databases.drop_database(self.database_url)
        try:
            stack.migrate(self.env)
            for name in self.names:
                self.start_process(name)
            for name in self.names:
                self.wait_ready(name, timeout)
        except BaseException:
            self.stop()  # leave no process or database behind
            raise
        return self

    def start_process(self, name: str, environ: dict[str, str] | None = None) -> None:
        """Start one Procfile process (or its command in `commands`); `environ` overrides this
        stack's environment for it only."""
        command = self.commands.get(name) or procfile_commands()[name]
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path(name).open("ab") as log:
            self.processes[name] = subprocess.Popen(
                # Procfile lines are shell commands, as honcho runs them; exec: the process is the
                # command itself, so its exit code is the command's and signals reach it directly.
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=REPO_ROOT,
                env={**self.env, **(environ or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, name: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                break
            if self._is_ready(name):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not become ready; its log:\n{self.log_path(name).read_text()[-4000:]}")

    def _is_ready(self, name: str) -> bool:
        if name in GRPC_PROCESSES:
            return health_status(self.grpc_addrs[name], timeout=1) == "SERVING"
        if name == "gateway":
            try:
                urllib.request.urlopen(f"{self.base_url}/api/health/", timeout=2)  # noqa: S310 - own http URL
            except urllib.error.HTTPError:
                return True  # answering, even if a dependency is down
            except OSError:
                return False
            return True
        return True

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
        """Signal the process's group, wait for it, and kill whatever of the group is left
        (its children, e.g. a worker's pool stuck in shutdown, may outlive it); returns the
        process's exit code (negative: the signal that ended it)."""
        process = self.processes.pop(name, None)
        return _terminate([process], sig, timeout)[0] if process else None

    def kill_process(self, name: str) -> int | None:
        """SIGKILL the process's group at once: a crash, with no chance to clean up."""
        return self.stop_process(name, signal.SIGKILL, timeout=10)

    def restart_process(
        self, name: str, sig: int = signal.SIGTERM, environ: dict[str, str] | None = None, timeout: float = 60
    ) -> None:
        """Stop the process (with `sig`; SIGKILL for a crash) and start it again on the same
        port, which its clients keep dialling; returns once it is ready. The stack keeps
        serving meanwhile, so this can run while load is applied."""
        if name in self.processes:
            self.stop_process(name, sig)
        self.start_process(name, environ)
        self.wait_ready(name, timeout)

    def kill_database_connections(self) -> int:
        """KILL every MySQL connection of this stack's database (any process's); returns how many."""
        return databases.kill_connections(self.database_url)

    def stop(self) -> None:
        processes, self.processes = list(self.processes.values()), {}
        _terminate(processes, signal.SIGTERM, timeout=20)
        databases.drop_database(self.database_url)


def _terminate(processes: list[subprocess.Popen], sig: int, timeout: float) -> list[int]:
    """Signal every process group at once, give them `timeout` seconds, SIGKILL what is left."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    deadline = time.monotonic() + timeout
    waiting = list(processes)
    while waiting and time.monotonic() < deadline:
        for process in waiting:
            process.poll()  # reap the shell, so a finished group really is empty
        waiting = [process for process in waiting if _group_alive(process.pid)]
        time.sleep(0.1)
    for process in waiting:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    return [process.wait() for process in processes]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


_shared: dict[tuple[str, ...], ProcessStack] = {}


def shared_stack(*names: str) -> ProcessStack:
    """A ProcessStack started on first use and stopped when the test process exits."""
    key = tuple(sorted(names))
    if key not in _shared:
        running = _shared[key] = ProcessStack(list(key)).start()
        atexit.register(running.stop)
    return _shared[key]
