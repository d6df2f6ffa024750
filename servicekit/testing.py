"""Test support: a project's real gRPC server in-process, and the real
processes of the system (from the Procfile) on free loopback ports."""

from __future__ import annotations

import atexit
import contextlib
import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from django.test import TransactionTestCase
from django_grpc_framework.settings import grpc_settings

from servicekit import stack
from servicekit.config import VAR_DIR, env
from servicekit.grpc_client import ServiceClient, health_status
from servicekit.grpc_server import start_server

LOG_DIR = VAR_DIR / "test-logs"
GRPC_PROCESSES = {
    "events": "MICROTIX_EVENTS_ADDR",
    "tickets": "MICROTIX_TICKETS_ADDR",
    "payments": "MICROTIX_PAYMENTS_ADDR",
    "notifications": "MICROTIX_NOTIFICATIONS_ADDR",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class GrpcServerTestCase(TransactionTestCase):
    """Serves this project's gRPC services from a real server on a free loopback
    port for the whole class; tests call it through a real channel.

    TransactionTestCase, because the server's threads use their own database
    connections and must see committed rows.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grpc_service = start_server(grpc_settings.ROOT_HANDLERS_HOOK, "127.0.0.1:0", max_workers=8)
        cls.grpc_target = f"127.0.0.1:{cls.grpc_service.port}"

    @classmethod
    def tearDownClass(cls):
        cls.grpc_service.stop(None).wait(5)
        super().tearDownClass()

    def grpc_client(self, stub_class, service: str = "test") -> ServiceClient:
        return ServiceClient(service, self.grpc_target, stub_class, timeout=10)


class ProcessStack:
    """Processes named in the Procfile, started as `make up` starts them, each on
    a free loopback port, against a database of their own that is migrated first
    and dropped on stop."""

    def __init__(self, names: list[str], database_name: str | None = None, environ: dict[str, str] | None = None):
        self.names = names
        database_name = database_name or f"microtix_test_{uuid.uuid4().hex[:8]}"
        self.database_url = stack.sibling_database_url(env("DATABASE_URL"), database_name)
        self.http_port = free_port()
        self.grpc_addrs = {name: f"127.0.0.1:{free_port()}" for name in GRPC_PROCESSES}
        self.env = stack.project_environ(
            {
                "DATABASE_URL": self.database_url,
                "MICROTIX_HTTP_PORT": str(self.http_port),
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                "WEB_CONCURRENCY": "2",
                # Its own queue: no other run's tasks reach this stack's worker, and none of its tasks leave it.
                "CELERY_QUEUE": f"test-{database_name}",
                # Its own worker node name (celery's CLI reads CELERY_WORKER_HOSTNAME): two workers named
                # celery@<host> on one broker collide on their exclusive remote-control queue, and one dies.
                "CELERY_WORKER_HOSTNAME": f"{database_name}@%h",
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
        stack.drop_database(self.database_url)
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
        """Start one Procfile process; `environ` overrides this stack's environment for it only."""
        command = stack.procfile_commands()[name]
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with self.log_path(name).open("ab") as log:
            self.processes[name] = subprocess.Popen(
                ["/bin/sh", "-c", command],  # Procfile lines are shell commands, as honcho runs them
                cwd=stack.REPO_ROOT,
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
        (the shell's children, e.g. a worker stuck in shutdown, may outlive the shell)."""
        process = self.processes.pop(name, None)
        return _terminate([process], sig, timeout)[0] if process else None

    def stop(self) -> None:
        processes, self.processes = list(self.processes.values()), {}
        _terminate(processes, signal.SIGTERM, timeout=20)
        stack.drop_database(self.database_url)


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


# --- a real SMTP server ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()

    def images(self) -> list[EmailMessage]:
        return [part for part in self.message.walk() if part.get_content_maintype() == "image"]


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a loopback port that keeps every message it accepts.
    Recipients whose address starts with "nobody" are refused for good (550)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: list[Received] = []
        # Seconds each message takes to accept: lets a test overlap two deliveries.
        self.delay = 0.0
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # blocks the server's loop: the next client waits, as on a slow server
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def wait_for(self, address: str, count: int = 1, timeout: float = 60) -> list[Received]:
        """The messages to `address` once there are `count` of them (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.to(address)
            if len(received) >= count:
                return received
            time.sleep(0.1)
        raise AssertionError(f"{len(self.to(address))} message(s) to {address} after {timeout}s, expected {count}")
