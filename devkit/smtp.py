"""A real SMTP server (aiosmtpd) on a loopback port for tests and benchmarks, keeping what it accepts."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from devkit.net import free_port


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
        # SMTP conversations started (EHLO or HELO): how many connections the clients opened.
        self.sessions = 0
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

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    def drop_connections(self) -> None:
        """Close every client's connection, as a server does to idle ones: stop, start again."""
        self.stop()
        self.start()

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
