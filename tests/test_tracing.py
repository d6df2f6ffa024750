"""Tracing, logs and metrics of the real processes: one request id from the client's header
through the gateway, the services, the outbox and the Celery worker, in JSON log lines; and
the Prometheus metrics of the gateway, a gRPC service, the tickets service's business
counters and the worker."""

import contextlib
import json
import os
import re
import signal
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import grpc
from django.test import RequestFactory, SimpleTestCase
from prometheus_client import REGISTRY

from devkit.http import JsonClient
from devkit.net import free_port
from devkit.processes import ProcessStack
from gateway_project.api.middleware import RequestIdMiddleware
from servicekit.config import ENV_VARS
from servicekit.grpc_client import credential_metadata
from servicekit.grpc_server import serve_metrics, start_server
from servicekit.identity import Caller
from servicekit.tracing import current_request_id, request_id_context

PROCESSES = ["gateway", "events", "tickets", "payments", "notifications", "worker"]
SERVICES = ["events", "tickets", "payments", "notifications"]
CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 1, "cvc": "123"}
HEX_ID = re.compile(r"[0-9a-f]{32}")
METRICS_OFFSET = int(ENV_VARS["MICROTIX_METRICS_PORT_OFFSET"].default)


def _get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name{labels...}` in Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match[2] or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match[3])
    return 0.0


def _end_process_group(pgid: int, timeout: float = 15) -> None:
    """Make sure no process of the group this test started outlives it. ProcessStack stops a
    process by signalling its whole group, so the worker's pool processes die with their parent;
    with the filesystem broker's (non-async) pool, the parent can then block for ever at exit on
    the pool's queue lock that a killed child held (billiard). Wait for the group, then kill it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


class TracingStackTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker_metrics_port = free_port()
        environ = {
            "LOG_FORMAT": "json",
            "OUTBOX_INTERVAL_SECONDS": "0.5",
            "MICROTIX_WORKER_METRICS_ADDR": f"127.0.0.1:{cls.worker_metrics_port}",
        }
        cls.stack = ProcessStack(PROCESSES, environ=environ).start()
        cls.addClassCleanup(_end_process_group, cls.stack.processes["worker"].pid)  # runs after stop()
        cls.addClassCleanup(cls.stack.stop)
        cls.organizer = JsonClient(cls.stack.base_url)
        cls.organizer.login_as_new_user(f"org-{uuid.uuid4().hex[:8]}@example.com", "organizer")
        cls.customer = JsonClient(cls.stack.base_url)
        cls.customer.login_as_new_user(f"fan-{uuid.uuid4().hex[:8]}@example.com", "customer")

    # --- helpers ------------------------------------------------------------------------------

    def log_records(self, name: str) -> list[dict]:
        """The JSON records of a process's log (lines that are not JSON, like Celery's banner, skipped)."""
        records = []
        for line in self.stack.log_path(name).read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    def records_with(self, name: str, request_id: str) -> list[dict]:
        return [record for record in self.log_records(name) if record.get("request_id") == request_id]

    def wait_for_records(self, name: str, request_id: str, contains: str, timeout: float = 30) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            records = self.records_with(name, request_id)
            if any(contains in record["message"] for record in records) or time.monotonic() > deadline:
                return records
            time.sleep(0.3)

    def metrics_url(self, service: str) -> str:
        port = int(self.stack.grpc_addrs[service].rsplit(":", 1)[1]) + METRICS_OFFSET
        return f"http://127.0.0.1:{port}/metrics"

    def create_ticket_type(self) -> dict:
        _, ticket_type = self.organizer.create_event(
            timedelta(days=20), capacity=5, price="25.00", name=f"Traced gig {uuid.uuid4().hex[:6]}"
        )
        return ticket_type

    def purchase(self, request_id: str) -> dict:
        """Reserve and pay one seat; the payment is the request with `request_id`."""
        ticket_type = self.create_ticket_type()
        reserved = self.customer.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": 1})
        self.assertEqual(reserved.status, 201, reserved.body)
        paid = self.customer.post(f"/api/orders/{reserved.body['id']}/pay/", CARD, headers={"X-Request-ID": request_id})
        self.assertEqual((paid.status, paid.body["status"]), (200, "paid"), paid.body)
        self.assertEqual(paid.headers.get("X-Request-ID"), request_id)
        return paid.body

    # --- the request id -------------------------------------------------------------------------

    def test_a_purchase_request_id_is_in_the_logs_of_every_process_it_touched(self):
        request_id = str(uuid.uuid4())
        order = self.purchase(request_id)

        # gunicorn writes the access line once the response is sent: wait for it.
        gateway = self.wait_for_records("gateway", request_id, contains=f"/api/orders/{order['id']}/pay/", timeout=5)
        self.assertTrue(any(f"/api/orders/{order['id']}/pay/" in r["message"] for r in gateway), gateway)
        tickets = self.records_with("tickets", request_id)
        self.assertTrue(any("TicketService/PayOrder code=OK" in r["message"] for r in tickets), tickets)
        self.assertTrue(any(f"order {order['id']} paid" in r["message"] for r in tickets), tickets)
        payments = self.records_with("payments", request_id)
        self.assertTrue(any("PaymentService/Charge code=OK" in r["message"] for r in payments), payments)

        # The tickets service's outbox row keeps the id; the relay publishes the confirmation with
        # it; the worker's order_paid task, which sends the email itself, carries it on.
        worker = self.wait_for_records("worker", request_id, contains="email sent: ")
        messages = [r["message"] for r in worker]
        self.assertTrue(any("notifications.order_paid" in m and "received" in m for m in messages), messages)
        self.assertTrue(any("notifications.order_paid" in m and "succeeded" in m for m in messages), messages)
        self.assertTrue(any(m.startswith("email sent: to=") for m in messages), messages)
        # The worker asked the events service for the event on the same request's behalf.
        events = self.records_with("events", request_id)
        self.assertTrue(any("EventService/GetEvent code=OK" in r["message"] for r in events), events)

    def test_every_line_of_the_services_logs_is_a_json_record_with_a_request_id(self):
        self.customer.get("/api/events/")
        for name in SERVICES:
            with self.subTest(process=name):
                lines = [line for line in self.stack.log_path(name).read_text().splitlines() if line.strip()]
                self.assertTrue(lines)
                for line in lines:
                    record = json.loads(line)
                    self.assertEqual(
                        set(record) - {"exception", "stack"},
                        {"timestamp", "level", "logger", "message", "request_id"},
                    )
                    self.assertTrue(record["request_id"])

    def test_gateway_django_log_lines_carry_the_request_id(self):
        request_id = f"not-found-{uuid.uuid4().hex[:8]}"
        response = self.customer.get("/api/orders/999999999/", headers={"X-Request-ID": request_id})
        self.assertEqual(response.status, 404, response.body)
        deadline = time.monotonic() + 10
        while True:  # gunicorn writes its access line after the response: wait for both lines
            records = self.records_with("gateway", request_id)
            loggers = {r["logger"] for r in records}
            if {"django.request", "gunicorn.access"} <= loggers or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        self.assertIn("django.request", loggers, records)
        self.assertIn("gunicorn.access", loggers, records)

    def test_without_the_header_the_gateway_makes_a_fresh_id(self):
        first = self.customer.get("/api/events/")
        second = self.customer.get("/api/events/")
        self.assertRegex(first.headers["X-Request-ID"], HEX_ID)
        self.assertRegex(second.headers["X-Request-ID"], HEX_ID)
        self.assertNotEqual(first.headers["X-Request-ID"], second.headers["X-Request-ID"])

    def test_an_invalid_id_is_replaced(self):
        for bad in ["x" * 65, "has space", "caf\u00e9"]:
            with self.subTest(request_id=bad):
                response = self.customer.get("/api/events/", headers={"X-Request-ID": bad})
                self.assertEqual(response.status, 200)
                self.assertRegex(response.headers["X-Request-ID"], HEX_ID)

    def test_an_id_of_64_visible_characters_is_kept(self):
        request_id = "a-Z_0.9:" * 8
        response = self.customer.get("/api/events/", headers={"X-Request-ID": request_id})
        self.assertEqual(response.headers["X-Request-ID"], request_id)

    # --- metrics --------------------------------------------------------------------------------

    def test_gateway_counts_requests_by_route_method_and_status(self):
        metrics = _get_text(f"{self.stack.base_url}/metrics")
        labels = {"route": "event-list", "method": "GET", "status": "200"}
        before = sample(metrics, "microtix_http_requests_total", **labels)
        for _ in range(3):  # whichever gunicorn worker answers, /metrics sums them all
            self.assertEqual(self.customer.get("/api/events/").status, 200)
        self.assertEqual(self.customer.get("/api/events/424242424/").status, 404)

        metrics = _get_text(f"{self.stack.base_url}/metrics")
        self.assertEqual(sample(metrics, "microtix_http_requests_total", **labels), before + 3)
        self.assertGreaterEqual(
            sample(metrics, "microtix_http_requests_total", route="event-detail", method="GET", status="404"), 1
        )
        self.assertGreaterEqual(
            sample(metrics, "microtix_http_request_duration_seconds_count", route="event-list", method="GET"), 3
        )
        self.assertNotIn("424242424", metrics)  # routes, never raw paths

    def test_a_grpc_service_counts_calls_by_method_and_code(self):
        ticket_type = self.create_ticket_type()
        labels = {"method": "/microtix.events.v1.EventService/GetEvent", "code": "OK"}
        before = sample(_get_text(self.metrics_url("events")), "microtix_grpc_server_handled_total", **labels)
        self.assertEqual(self.customer.get(f"/api/events/{ticket_type['event_id']}/").status, 200)

        metrics = _get_text(self.metrics_url("events"))
        self.assertGreaterEqual(sample(metrics, "microtix_grpc_server_handled_total", **labels), before + 1)
        self.assertGreaterEqual(
            sample(metrics, "microtix_grpc_server_handling_seconds_count", method=labels["method"]), 1
        )

    def test_business_counters_count_paid_orders_and_sent_emails(self):
        paid_before = sample(_get_text(self.metrics_url("tickets")), "microtix_orders_paid_total")
        reserved_before = sample(_get_text(self.metrics_url("tickets")), "microtix_orders_reserved_total")
        worker_url = f"http://127.0.0.1:{self.worker_metrics_port}/metrics"
        sent_before = sample(_get_text(worker_url), "microtix_notifications_sent_total", kind="order_confirmation")

        request_id = uuid.uuid4().hex
        self.purchase(request_id)

        tickets = _get_text(self.metrics_url("tickets"))
        self.assertEqual(sample(tickets, "microtix_orders_paid_total"), paid_before + 1)
        self.assertEqual(sample(tickets, "microtix_orders_reserved_total"), reserved_before + 1)
        # The email is sent by a pool process of the worker; its main process serves the sum.
        self.wait_for_records("worker", request_id, contains="email sent: ")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sent = sample(_get_text(worker_url), "microtix_notifications_sent_total", kind="order_confirmation")
            if sent >= sent_before + 1:
                break
            time.sleep(0.3)
        self.assertEqual(sent, sent_before + 1)


class RequestIdMiddlewareTest(SimpleTestCase):
    """The gateway's middleware alone: what it accepts, what it replaces, what it makes current."""

    def respond(self, **headers):
        seen = {}

        def view(request):
            from django.http import HttpResponse

            seen["current"], seen["attribute"] = current_request_id(), request.request_id
            return HttpResponse("ok")

        response = RequestIdMiddleware(view)(RequestFactory().get("/", headers=headers))
        return response, seen

    def test_a_valid_id_is_current_during_the_request_and_answered(self):
        response, seen = self.respond(x_request_id="abc-123")
        self.assertEqual(response["X-Request-ID"], "abc-123")
        self.assertEqual(seen, {"current": "abc-123", "attribute": "abc-123"})
        self.assertEqual(current_request_id(), "")  # and no longer after it

    def test_control_characters_and_overlong_ids_are_replaced(self):
        for bad in ["abc\x01def", "tab\there", "x" * 65, ""]:
            with self.subTest(request_id=bad):
                response, seen = self.respond(x_request_id=bad)
                self.assertRegex(response["X-Request-ID"], HEX_ID)
                self.assertEqual(seen["current"], response["X-Request-ID"])

    def test_without_the_header_a_fresh_id(self):
        response, seen = self.respond()
        self.assertRegex(response["X-Request-ID"], HEX_ID)
        self.assertEqual(seen["current"], response["X-Request-ID"])


ECHO_SERVICE = "microtix.test.Echo"
ECHO_METHOD = f"/{ECHO_SERVICE}/RequestId"


def _echo_handlers(server) -> None:
    def request_id(request: bytes, context) -> bytes:
        return current_request_id().encode()

    handler = grpc.unary_unary_rpc_method_handler(request_id)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(ECHO_SERVICE, {"RequestId": handler}),))


class ServingInterceptorTest(SimpleTestCase):
    """A service's gRPC server in-process: the caller's request id is current while a call is
    served, and every call is counted by method and code."""

    def setUp(self):
        self.service = start_server(_echo_handlers, "127.0.0.1:0", max_workers=2)
        self.addCleanup(self.service.server.stop, None)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.service.port}")
        self.addCleanup(self.channel.close)
        self._echo = self.channel.unary_unary(ECHO_METHOD)
        self.enterContext(self.assertLogs("microtix", "INFO"))  # the call log lines, kept off the test output

    def echo(self, request: bytes, metadata=(), timeout: float = 5) -> bytes:
        return self._echo(request, metadata=(*credential_metadata(), *metadata), timeout=timeout)

    def test_the_callers_request_id_is_current_during_the_call(self):
        self.assertEqual(self.echo(b"", metadata=Caller(request_id="rpc-7").to_metadata(), timeout=5), b"rpc-7")
        with request_id_context("from-context"):  # a call made while handling a request carries its id
            self.assertEqual(self.echo(b"", metadata=Caller().to_metadata(), timeout=5), b"from-context")

    def test_a_call_without_a_valid_id_gets_a_fresh_one(self):
        self.assertRegex(self.echo(b"", timeout=5).decode(), HEX_ID)
        self.assertRegex(self.echo(b"", metadata=(("x-request-id", "two words"),), timeout=5).decode(), HEX_ID)

    def test_calls_are_counted_and_timed_by_method_and_code(self):
        before = REGISTRY.get_sample_value("microtix_grpc_server_handled_total", {"method": ECHO_METHOD, "code": "OK"})
        self.echo(b"", timeout=5)
        self.echo(b"", timeout=5)
        after = REGISTRY.get_sample_value("microtix_grpc_server_handled_total", {"method": ECHO_METHOD, "code": "OK"})
        self.assertEqual(after, (before or 0) + 2)
        count = REGISTRY.get_sample_value("microtix_grpc_server_handling_seconds_count", {"method": ECHO_METHOD})
        self.assertGreaterEqual(count, 2)

    def test_the_metrics_port_is_the_grpc_port_plus_the_offset(self):
        port = next(port for port in iter(free_port, None) if port > self.service.port)  # a positive offset
        server = serve_metrics(self.service, offset=port - self.service.port)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.echo(b"", timeout=5)
        self.assertIn(
            f'microtix_grpc_server_handled_total{{code="OK",method="{ECHO_METHOD}"}}',
            _get_text(f"http://127.0.0.1:{port}/metrics"),
        )
        self.assertIsNone(serve_metrics(self.service, offset=0))
