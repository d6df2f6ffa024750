"""Security 6: the internal gRPC services are no public door. They listen on the loopback
address unless told otherwise, and each refuses every call (UNAUTHENTICATED, before reading
it) that lacks the internal service credential, health checks excepted: nothing but the gateway
and the services can pay an order or cancel an event."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
from django.test import SimpleTestCase, override_settings
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from rest_framework.test import APITestCase

from devkit.processes import GRPC_PROCESSES, shared_stack
from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.config import ENV_VARS
from servicekit.errors import DomainError
from servicekit.grpc_client import ServiceClient, credential_metadata, health_status
from servicekit.grpc_server import SERVICE_TOKEN_KEY, start_server
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp
from tests.security.support import GRPC_CONTRACTS, Scenario, methods_of, raw_call, records_lost, tried

SERVICES = tuple(GRPC_CONTRACTS)
STAFF = Caller(user_id=1, role="organizer", is_staff=True)
ORGANIZER = Caller(user_id=424_242_001, role="organizer")
CUSTOMER = Caller(user_id=424_242_002, role="customer")
GOOD_CARD = payments_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 2, cvc="123")


def forged_credentials(token: str) -> dict[str, tuple[tuple[str, str], ...]]:
    """Metadata a stranger might send instead of the credential, by name."""
    last = "0" if token[-1] != "0" else "1"
    return {
        "none": (),
        "empty": ((SERVICE_TOKEN_KEY, ""),),
        "one character off": ((SERVICE_TOKEN_KEY, token[:-1] + last),),
        "a prefix of it": ((SERVICE_TOKEN_KEY, token[: len(token) // 2]),),
        "it with more after it": ((SERVICE_TOKEN_KEY, token + "x"),),
        "under another key": (("authorization", f"Bearer {token}"),),
    }


class ServiceCredentialTest(Scenario, SimpleTestCase):
    """The real service processes, dialled directly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack = shared_stack(*SERVICES)
        cls.addrs = cls.stack.grpc_addrs
        cls.token = dict(credential_metadata())[SERVICE_TOKEN_KEY]

    def service(self, process: str) -> ServiceClient:
        module, service = GRPC_CONTRACTS[process]
        stubs = __import__(module.__name__.replace("_pb2", "_pb2_grpc"), fromlist=["_"])
        return ServiceClient(process, self.addrs[process], getattr(stubs, f"{service}Stub"), timeout=15)

    def assert_refused(self, target: str, method, metadata) -> None:
        with self.assertRaises(grpc.RpcError) as raised:
            raw_call(target, method, metadata=metadata)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED, method.full_name)

    def test_every_rpc_of_every_service_refuses_a_call_without_the_credential(self):
        for process in SERVICES:
            for method in methods_of(process):
                for name, metadata in forged_credentials(self.token).items():
                    with self.subTest(rpc=method.full_name, credential=name):
                        # A staff caller's identity opens nothing without the credential.
                        self.assert_refused(self.addrs[process], method, (*metadata, *STAFF.to_metadata()))
                        tried()

    def test_an_unknown_method_is_refused_the_same_way(self):
        with grpc.insecure_channel(self.addrs["payments"]) as channel, self.assertRaises(grpc.RpcError) as raised:
            channel.unary_unary("/microtix.payments.v1.PaymentService/DropTables")(b"", timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        tried()

    def test_pay_order_without_the_credential_charges_nothing(self):
        order = self.reserved_order()
        request = tickets_pb2.PayOrderRequest(order_id=order.id, card=tickets_pb2.Card(**_fields(GOOD_CARD)))
        with grpc.insecure_channel(self.addrs["tickets"]) as channel, self.assertRaises(grpc.RpcError) as raised:
            channel.unary_unary("/microtix.tickets.v1.TicketService/PayOrder")(
                request.SerializeToString(), metadata=CUSTOMER.to_metadata(), timeout=10
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        tried()

        after = self.service("tickets").GetOrder(tickets_pb2.GetOrderRequest(order_id=order.id), caller=CUSTOMER)
        with self.assertRaises(DomainError) as no_payment:
            self.service("payments").GetPayment(payments_pb2.GetPaymentRequest(order_id=order.id))
        changed = after.status != tickets_pb2.ORDER_STATUS_RESERVED
        records_lost(int(changed))
        self.assertFalse(changed, after)
        self.assertEqual(no_payment.exception.status, grpc.StatusCode.NOT_FOUND)

    def test_charge_and_refund_without_the_credential_are_refused(self):
        charge = payments_pb2.ChargeRequest(order_id=987_654_321, amount="10.00", currency="USD", card=GOOD_CARD)
        with grpc.insecure_channel(self.addrs["payments"]) as channel:
            for method, request in (("Charge", charge), ("Refund", payments_pb2.RefundRequest(order_id=987_654_321))):
                with self.subTest(method=method), self.assertRaises(grpc.RpcError) as raised:
                    channel.unary_unary(f"/microtix.payments.v1.PaymentService/{method}")(
                        request.SerializeToString(), timeout=10
                    )
                self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
                tried()
        with self.assertRaises(DomainError) as no_payment:
            self.service("payments").GetPayment(payments_pb2.GetPaymentRequest(order_id=987_654_321))
        self.assertEqual(no_payment.exception.status, grpc.StatusCode.NOT_FOUND)

    def test_cancel_event_without_the_credential_leaves_the_event_on_sale(self):
        event = self.event()
        request = events_pb2.CancelEventRequest(id=event.id)
        with grpc.insecure_channel(self.addrs["events"]) as channel, self.assertRaises(grpc.RpcError) as raised:
            channel.unary_unary("/microtix.events.v1.EventService/CancelEvent")(
                request.SerializeToString(), metadata=ORGANIZER.to_metadata(), timeout=10
            )
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        tried()

        after = self.service("events").GetEvent(events_pb2.GetEventRequest(id=event.id))
        changed = after.status != events_pb2.EVENT_STATUS_PUBLISHED
        records_lost(int(changed))
        self.assertFalse(changed, after)

    def test_calls_with_the_credential_are_served(self):
        event = self.event()  # CreateEvent, through the credentialed client helper

        cancelled = self.service("events").CancelEvent(events_pb2.CancelEventRequest(id=event.id), caller=ORGANIZER)

        self.assertEqual(cancelled.status, events_pb2.EVENT_STATUS_CANCELLED)

    def test_health_checks_need_no_credential(self):
        for process in SERVICES:
            with self.subTest(process=process):
                self.assertEqual(health_status(self.addrs[process], timeout=10), "SERVING")
                with grpc.insecure_channel(self.addrs[process]) as channel:
                    answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
                self.assertEqual(answer.status, health_pb2.HealthCheckResponse.SERVING)

    def test_reflection_needs_the_credential(self):
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        with grpc.insecure_channel(self.addrs["tickets"]) as channel:
            stub = reflection_pb2_grpc.ServerReflectionStub(channel)
            with self.assertRaises(grpc.RpcError) as raised:
                list(stub.ServerReflectionInfo(iter([request]), timeout=10))
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
            tried()
            answers = list(stub.ServerReflectionInfo(iter([request]), metadata=credential_metadata(), timeout=10))
        names = {service.name for service in answers[0].list_services_response.service}
        self.assertIn("microtix.tickets.v1.TicketService", names)

    def test_services_listen_on_the_loopback_address_by_default(self):
        for process, variable in GRPC_PROCESSES.items():
            with self.subTest(process=process):
                self.assertEqual(ENV_VARS[variable].default.rpartition(":")[0], "127.0.0.1")
        self.assertEqual(ENV_VARS["MICROTIX_WORKER_METRICS_ADDR"].default.rpartition(":")[0], "127.0.0.1")

    def test_running_services_and_their_metrics_are_bound_to_the_loopback_address_only(self):
        listening = _listening()
        offset = int(ENV_VARS["MICROTIX_METRICS_PORT_OFFSET"].default)
        for process, addr in self.addrs.items():
            port = int(addr.rpartition(":")[2])
            for what, number in (("gRPC", port), ("metrics", port + offset)):
                with self.subTest(process=process, listener=what):
                    self.assertEqual(listening.get(number), {"127.0.0.1"}, f"{process} {what} port {number}")
        other = _non_loopback_address()
        if other:  # nothing answers on the machine's other addresses
            port = int(self.addrs["payments"].rpartition(":")[2])
            with socket.socket() as probe:
                probe.settimeout(2)
                self.assertNotEqual(probe.connect_ex((other, port)), 0, f"payments answers on {other}")

    # --- fixtures, made through the credentialed client as the gateway would ---

    def event(self) -> events_pb2.Event:
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        request = events_pb2.CreateEventRequest(
            name="Door test", starts_at=to_timestamp(starts), ends_at=to_timestamp(starts + timedelta(hours=2))
        )
        return self.service("events").CreateEvent(request, caller=ORGANIZER)

    def reserved_order(self) -> tickets_pb2.Order:
        event = self.event()
        ticket_type = self.service("tickets").CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name="General", price="10.00", capacity=5),
            caller=ORGANIZER,
        )
        reserved = self.service("tickets").ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(
                ticket_type_id=ticket_type.id, quantity=1, email="door@example.com", full_name="Door Test"
            ),
            caller=CUSTOMER,
        )
        return reserved.order


def _fields(message) -> dict:
    return {field.name: value for field, value in message.ListFields()}


def _listening() -> dict[int, set[str]]:
    """Port -> the addresses listening on it (IPv4-mapped IPv6 ones as IPv4), from the kernel's socket tables."""
    listening: dict[int, set[str]] = {}
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path("/proc/net") / table
        for line in path.read_text().splitlines()[1:] if path.exists() else ():
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            address, port = local.split(":")
            raw = bytes.fromhex(address)
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))  # the kernel's words, host order
            if family == socket.AF_INET6 and raw[:12] == b"\0" * 10 + b"\xff\xff":
                family_address = socket.inet_ntop(socket.AF_INET, raw[12:])
            else:
                family_address = socket.inet_ntop(family, raw)
            listening.setdefault(int(port, 16), set()).add(family_address)
    return listening


def _non_loopback_address() -> str | None:
    """One of this machine's IPv4 addresses that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent, only a route is chosen
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


class CredentialMismatchTest(Scenario, SimpleTestCase):
    """A process whose credential differs (a misconfiguration) is refused, and says so in its log."""

    def test_a_server_with_another_token_refuses_this_processs_calls(self):
        server = start_server(_echo_handlers, "127.0.0.1:0", max_workers=2, service_token="another-token")
        self.addCleanup(server.server.stop, None)
        client = ServiceClient("echo", f"127.0.0.1:{server.port}", EchoStub, timeout=10)

        with self.assertLogs("microtix.grpc", "WARNING") as logs, self.assertRaises(DomainError) as raised:
            client.Echo(b"hi")

        self.assertEqual(raised.exception.status, grpc.StatusCode.UNAUTHENTICATED)
        self.assertTrue(any("MICROTIX_SERVICE_TOKEN" in line for line in logs.output), logs.output)
        tried()

    def test_the_same_token_is_served(self):
        server = start_server(_echo_handlers, "127.0.0.1:0", max_workers=2)
        self.addCleanup(server.server.stop, None)
        client = ServiceClient("echo", f"127.0.0.1:{server.port}", EchoStub, timeout=10)

        with self.assertLogs("microtix.grpc", "INFO"):
            self.assertEqual(client.Echo(b"hi"), b"hi")


class GatewayWithTheWrongCredentialTest(Scenario, APITestCase):
    """The gateway's own misconfiguration is its failure (502), not the end user's (never a 401)."""

    @classmethod
    def setUpClass(cls):
        cls.stack = shared_stack(*SERVICES)
        cls.enterClassContext(override_settings(GRPC_ADDRS=cls.stack.grpc_addrs))
        super().setUpClass()

    def test_a_refused_credential_is_a_502_naming_the_service(self):
        with override_settings(SERVICE_TOKEN="not-the-services-token"), self.assertLogs("microtix.grpc", "ERROR"):
            response = self.client.get("/api/events/")

        self.assertEqual(response.status_code, 502, response.content)
        self.assertEqual(response.json()["code"], "events_error")


ECHO_SERVICE = "microtix.test.Echo"


class EchoStub:
    def __init__(self, channel: grpc.Channel):
        self.Echo = channel.unary_unary(f"/{ECHO_SERVICE}/Echo")


def _echo_handlers(server) -> None:
    handler = grpc.unary_unary_rpc_method_handler(lambda request, context: request)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(ECHO_SERVICE, {"Echo": handler}),))
