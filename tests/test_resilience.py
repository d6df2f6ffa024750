"""Resilient gRPC clients: a deadline on every call, retries of idempotent reads (only) while a
service is unreachable, and the gateway's 503 naming the service that is down.

    python gateway_project/manage.py test tests.test_resilience
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

import grpc
from django.test import SimpleTestCase

from devkit.http import JsonClient
from devkit.net import free_port
from devkit.processes import ProcessStack
from servicekit import errors
from servicekit.errors import DomainError
from servicekit.grpc_client import ServiceClient, is_read
from servicekit.grpc_server import start_server
from servicekit.timestamps import iso_text

SERVICE = "microtix.test.Flaky"
METHODS = ("GetThing", "ListThings", "UpdateThing", "ReserveThing")


class FlakyStub:
    """A stub of the test service: each method sends and returns raw bytes."""

    def __init__(self, channel: grpc.Channel):
        for method in METHODS:
            setattr(self, method, channel.unary_unary(f"/{SERVICE}/{method}"))


class FlakyServer:
    """A real gRPC server (servicekit's) of the test service. Every call is counted; its
    request says how to answer: b"ok", b"unavailable" (the transport's UNAVAILABLE, as when
    a server refuses calls), b"domain-unavailable" (a domain error the service raised) or
    b"sleep:<seconds>"."""

    def __init__(self):
        self.calls: list[str] = []
        self._lock = threading.Lock()
        self.service = None

    def _handlers(self, server) -> None:
        def answer(method: str):
            def behavior(request: bytes, context) -> bytes:
                with self._lock:
                    self.calls.append(method)
                if request == b"unavailable":
                    context.abort(grpc.StatusCode.UNAVAILABLE, "Refusing calls.")
                if request == b"domain-unavailable":
                    raise errors.Unavailable("Payments are down.", code="payments_unavailable")
                if request.startswith(b"sleep:"):
                    time.sleep(float(request.split(b":")[1]))
                return b"done"

            return grpc.unary_unary_rpc_method_handler(behavior)

        handlers = {method: answer(method) for method in METHODS}
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))

    def start(self, port: int = 0) -> FlakyServer:
        self.service = start_server(self._handlers, f"127.0.0.1:{port}", max_workers=4)
        return self

    def start_later(self, port: int, delay: float) -> threading.Thread:
        def run():
            time.sleep(delay)
            self.start(port)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop(None).wait(5)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.service.port}"


class IdempotentMethodsTest(SimpleTestCase):
    def test_reads_are_the_get_and_list_methods(self):
        for method in ("GetEvent", "ListEvents", "ListTicketTypes", "GetSales", "GetOrder", "ListEventBuyers"):
            self.assertTrue(is_read(method), method)

    def test_writes_are_not_reads(self):
        writes = (
            "CreateEvent",
            "UpdateEvent",
            "CancelEvent",
            "CreateTicketType",
            "ReserveSeats",
            "PayOrder",
            "CancelOrder",
            "CheckIn",
            "CancelEventSales",
            "Charge",
            "Refund",
            "RetryNotification",
        )
        for method in writes:
            self.assertFalse(is_read(method), method)


class ClientRetryTest(SimpleTestCase):
    """ServiceClient against a real in-process gRPC server."""

    def server(self) -> FlakyServer:
        server = FlakyServer().start()
        self.addCleanup(server.stop)
        return server

    def flaky_client(self, target: str, timeout: float = 5, attempts: int | None = 3) -> ServiceClient:
        return ServiceClient("flaky", target, FlakyStub, timeout=timeout, attempts=attempts)

    def later_server(self, delay: float) -> tuple[FlakyServer, int]:
        """A server that starts listening on a fixed port `delay` seconds from now."""
        port = free_port()
        server = FlakyServer()
        started = server.start_later(port, delay)
        self.addCleanup(server.stop)
        self.addCleanup(started.join, 10)
        return server, port

    def test_a_read_is_retried_across_a_brief_outage(self):
        server, port = self.later_server(0.3)
        client = self.flaky_client(f"127.0.0.1:{port}")

        started = time.monotonic()
        self.assertEqual(client.GetThing(b"ok"), b"done")
        elapsed = time.monotonic() - started

        self.assertGreaterEqual(elapsed, 0.3)  # it did wait for the server
        self.assertLess(elapsed, 2.5)
        self.assertEqual(server.calls, ["GetThing"])

    def test_a_write_to_a_service_not_yet_started_fails_at_once_and_is_never_sent(self):
        server, port = self.later_server(0.3)
        client = self.flaky_client(f"127.0.0.1:{port}")

        started = time.monotonic()
        with self.assertRaises(DomainError) as raised:
            client.UpdateThing(b"ok")
        elapsed = time.monotonic() - started

        self.assertEqual(raised.exception.status, grpc.StatusCode.UNAVAILABLE)
        self.assertLess(elapsed, 0.25)  # before the server started: not retried
        # The same server does serve a read a moment later; the write never reached it.
        self.assertEqual(client.GetThing(b"ok"), b"done")
        self.assertEqual(server.calls, ["GetThing"])

    def test_an_unavailable_read_is_tried_at_most_the_configured_number_of_times(self):
        server = self.server()

        with self.assertRaises(DomainError) as raised:
            self.flaky_client(server.target, attempts=3).ListThings(b"unavailable")

        self.assertEqual(raised.exception.status, grpc.StatusCode.UNAVAILABLE)
        self.assertEqual(server.calls, ["ListThings"] * 3)

    def test_attempts_default_to_grpc_client_retries(self):
        server = self.server()

        with mock.patch.dict(os.environ, {"GRPC_CLIENT_RETRIES": "2"}):
            client = self.flaky_client(server.target, attempts=None)
        with self.assertRaises(DomainError):
            client.GetThing(b"unavailable")

        self.assertEqual(client.attempts, 2)
        self.assertEqual(server.calls, ["GetThing"] * 2)

    def test_one_attempt_turns_retries_off(self):
        server = self.server()

        with self.assertRaises(DomainError):
            self.flaky_client(server.target, attempts=1).GetThing(b"unavailable")

        self.assertEqual(server.calls, ["GetThing"])

    def test_a_write_is_never_retried(self):
        server = self.server()

        for method in ("UpdateThing", "ReserveThing"):
            with self.assertRaises(DomainError):
                getattr(self.flaky_client(server.target), method)(b"unavailable")

        self.assertEqual(server.calls, ["UpdateThing", "ReserveThing"])

    def test_a_domain_error_the_service_raised_is_not_retried(self):
        server = self.server()

        with self.assertRaises(DomainError) as raised:
            self.flaky_client(server.target).GetThing(b"domain-unavailable")

        self.assertEqual(
            (raised.exception.status, raised.exception.code), (grpc.StatusCode.UNAVAILABLE, "payments_unavailable")
        )
        self.assertEqual(server.calls, ["GetThing"])

    def test_a_deadline_exceeded_is_not_retried(self):
        server = self.server()

        started = time.monotonic()
        with self.assertRaises(DomainError) as raised:
            self.flaky_client(server.target, timeout=0.5).GetThing(b"sleep:1.5")

        self.assertEqual(raised.exception.status, grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(server.calls, ["GetThing"])

    def test_a_call_that_waits_outside_has_twice_the_deadline(self):
        server = self.server()
        client = ServiceClient("flaky", server.target, FlakyStub, timeout=0.5, waits_outside=frozenset({"UpdateThing"}))

        self.assertEqual(client.UpdateThing(b"sleep:0.8"), b"done")  # past one deadline, within two
        with self.assertRaises(DomainError) as raised:
            client.UpdateThing(b"sleep:1.5")

        self.assertEqual(raised.exception.status, grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_any_other_call_has_the_clients_deadline(self):
        server = self.server()
        client = ServiceClient("flaky", server.target, FlakyStub, timeout=0.5, waits_outside=frozenset({"UpdateThing"}))

        with self.assertRaises(DomainError) as raised:
            client.ReserveThing(b"sleep:0.8")

        self.assertEqual(raised.exception.status, grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_retries_never_exceed_the_calls_deadline(self):
        target = f"127.0.0.1:{free_port()}"  # nothing listens there
        for timeout in (0.2, 0.5, 1.0):
            client = self.flaky_client(target, timeout=timeout, attempts=50)

            started = time.monotonic()
            with self.assertRaises(DomainError) as raised:
                client.GetThing(b"ok")
            elapsed = time.monotonic() - started

            self.assertIn(raised.exception.status, (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))
            self.assertLessEqual(elapsed, timeout + 0.1, f"timeout {timeout}s")

    def test_a_server_refusing_calls_is_retried_within_the_deadline(self):
        server = self.server()

        started = time.monotonic()
        with self.assertRaises(DomainError):
            self.flaky_client(server.target, timeout=0.4, attempts=50).GetThing(b"unavailable")

        self.assertLessEqual(time.monotonic() - started, 0.5)
        self.assertGreater(len(server.calls), 1)


CLIENT_TIMEOUT = 2.0
# gunicorn, Django and the network on top of the gRPC deadline.
MARGIN = 1.5


class ServiceOutageTest(SimpleTestCase):
    """The real gateway and services; the events service is stopped, then started again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack = ProcessStack(
            ["gateway", "events", "tickets", "payments", "notifications"],
            environ={"GRPC_CLIENT_TIMEOUT": str(CLIENT_TIMEOUT)},
        ).start()
        cls.addClassCleanup(cls.stack.stop)

    def timed_get(self, client: JsonClient, path: str):
        started = time.monotonic()
        response = client.get(path)
        return response, time.monotonic() - started

    def test_gateway_answers_503_naming_the_service_within_the_deadline_then_recovers(self):
        organizer = JsonClient(self.stack.base_url)
        organizer.login_as_new_user(f"org-{uuid.uuid4().hex[:8]}@example.com", "organizer")
        starts = datetime.now(UTC) + timedelta(days=30)
        event = organizer.post(
            "/api/events/",
            {"name": "Outage", "starts_at": iso_text(starts), "ends_at": iso_text(starts + timedelta(hours=2))},
        )
        self.assertEqual(event.status, 201, event.body)
        anonymous = JsonClient(self.stack.base_url)
        reads = ["/api/events/", f"/api/events/{event.body['id']}/"]

        self.stack.stop_process("events")
        try:
            for path in reads:
                response, elapsed = self.timed_get(anonymous, path)
                self.assertEqual(response.status, 503, (path, response.body))
                self.assertEqual(response.body["code"], "events_unavailable", path)
                self.assertIn("Retry-After", response.headers, path)
                self.assertLess(elapsed, CLIENT_TIMEOUT + MARGIN, path)
            # A write is not retried: refused at once, same answer.
            started = time.monotonic()
            write = organizer.post(
                "/api/events/",
                {"name": "Never", "starts_at": iso_text(starts), "ends_at": iso_text(starts + timedelta(hours=2))},
            )
            self.assertEqual((write.status, write.body["code"]), (503, "events_unavailable"))
            self.assertLess(time.monotonic() - started, CLIENT_TIMEOUT + MARGIN)
        finally:
            self.stack.start_process("events")
            self.stack.wait_ready("events", 60)

        for path in reads:
            # The gateway's channels reconnect within their reconnect backoff (1 s at most).
            deadline = time.monotonic() + 15
            response, _ = self.timed_get(anonymous, path)
            while response.status != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
                response, _ = self.timed_get(anonymous, path)
            self.assertEqual(response.status, 200, (path, response.body))
        self.assertEqual(anonymous.get(f"/api/events/{event.body['id']}/").body["name"], "Outage")
