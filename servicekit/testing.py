"""Test support: a project's real gRPC server in-process, and the real
processes of the system (from the Procfile) on free loopback ports."""

from __future__ import annotations

import asyncio
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


def raw_mysql_connection():
    """A connection of its own to this process's MySQL database (a test's: the test database),
    outside Django's and isolated as the services' are, to hold locks against the code under test."""
    import MySQLdb
    from django.db import connection

    settings = connection.settings_dict
    return MySQLdb.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 3306),
        user=settings["USER"],
        password=settings["PASSWORD"],
        database=settings["NAME"],
        autocommit=False,
        init_command="SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    )


def lock_waits(cursor) -> int:
    """Transactions of the cursor's database waiting for a lock. InnoDB refreshes what this reads
    only once nobody read it for 0.1 s: poll it less often than that."""
    cursor.execute(
        "SELECT COUNT(*) FROM information_schema.innodb_trx t JOIN information_schema.processlist p "
        "ON p.id = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()"
    )
    return cursor.fetchone()[0]


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
                # Procfile lines are shell commands, as honcho runs them; exec: the process is the
                # command itself, so its exit code is the command's and signals reach it directly.
                ["/bin/sh", "-c", f"exec {command}"],
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
        return stack.kill_connections(self.database_url)

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


# --- a TCP path that can be cut ------------------------------------------------------------------


class TcpProxy:
    """Forwards a loopback port to `target` (host, port), so a test can make a server unreachable
    for one stack only (the machine's RabbitMQ stays up for everyone else): `cut()` closes every
    connection and refuses new ones, `restore()` listens again on the same port."""

    def __init__(self, target: tuple[str, int], port: int | None = None):
        self.target = target
        self.port = port or free_port()
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.create_server(("127.0.0.1", self.port), backlog=64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), name=f"proxy-{self.port}", daemon=True).start()
        return self

    restore = start

    def cut(self) -> None:
        """Refuse new connections and close the open ones, as a broker that went down would."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, set()
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pumps blocked on it; the peers see it closed

    stop = cut

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut: the listener was closed
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    return
                self._connections |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._connections -= {source, sink}
        source.close()


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
        # Seconds the server waits before answering DATA without blocking other clients; a client
        # that goes away meanwhile has its message dropped, never accepted (as a real server does).
        self.hold = 0.0
        # Recipients of the messages being held right now.
        self.holding: set[str] = set()
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
        if self.hold:
            recipients = set(envelope.rcpt_tos)
            with self._lock:
                self.holding |= recipients
            try:
                await asyncio.sleep(self.hold)  # cancelled if the client disconnects
            finally:
                with self._lock:
                    self.holding -= recipients
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

    def wait_holding(self, address: str, timeout: float = 60) -> None:
        """Return once a message to `address` is being held before acceptance (see `hold`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if address in self.holding:
                    return
            time.sleep(0.05)
        raise AssertionError(f"no message to {address} reached the server within {timeout}s")

    def wait_for(self, address: str, count: int = 1, timeout: float = 60) -> list[Received]:
        """The messages to `address` once there are `count` of them (fails after `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.to(address)
            if len(received) >= count:
                return received
            time.sleep(0.1)
        raise AssertionError(f"{len(self.to(address))} message(s) to {address} after {timeout}s, expected {count}")
