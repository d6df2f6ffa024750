"""Security 8 (gRPC half): every RPC of every service, called straight with protobuf-valid but
hostile messages (extreme and negative integers, huge, empty and odd unicode strings, timestamps
out of range, malformed cursors and amounts) by every kind of caller (and callers whose identity
metadata is itself garbage), with the service credential: no call ends INTERNAL or UNKNOWN, and
no service goes away (UNAVAILABLE without a domain code, or a missed deadline). Bad input is
INVALID_ARGUMENT or another domain status.

The services run as real processes of their own (hostile calls cancel and refund things), seeded
with an event, a ticket type, orders and tickets, so that ids and codes also hit real rows.
Hypothesis draws a fixed number of examples per RPC, derandomized: every run sends the same calls.
The REST half of point 8 is tests/test_openapi.py (schemathesis over every operation of the schema,
as a customer and as an organizer, valid and invalid requests)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import grpc
from django.test import SimpleTestCase
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message_factory import GetMessageClass
from google.protobuf.timestamp_pb2 import Timestamp
from grpc_status import rpc_status
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from devkit.processes import ProcessStack
from protos.events.v1 import events_pb2, events_pb2_grpc
from protos.notifications.v1 import notifications_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from servicekit.grpc_client import ServiceClient, channel_for
from servicekit.identity import REQUEST_ID_KEY, ROLE_KEY, STAFF_KEY, USER_ID_KEY, Caller
from servicekit.timestamps import to_timestamp
from servicekit.wire import error_from_status
from tests.security.support import GRPC_CONTRACTS, Scenario, methods_of, tried

EXAMPLES_PER_RPC = 40
# Elements of a repeated field the fuzzer draws at most.
REPEATED_MAX = 22
# Outcomes that mean the service failed rather than refused: a crash, or a service gone.
FAILURES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED}
# Run last: they cancel or refund the seeded rows the other RPCs are drawn against (or, moving the
# event's start, end their sales; or hide, close, shrink or delete a ticket type).
DESTRUCTIVE = (
    "CancelEvent",
    "CancelEventSales",
    "Refund",
    "RefundOrder",
    "CancelOrder",
    "UpdateEventStart",
    "UpdateTicketType",
    "DeleteTicketType",
    "RemoveEventStaff",
    "LeaveWaitingList",
    "ClearWaitingList",
)

ORGANIZER = Caller(user_id=7_001, role="organizer")
CUSTOMER = Caller(user_id=7_002, role="customer")
OTHER_ORGANIZER = Caller(user_id=7_003, role="organizer")
STAFF = Caller(user_id=1, role="customer", is_staff=True)
ANONYMOUS = Caller()
CALLERS = [ORGANIZER, CUSTOMER, OTHER_ORGANIZER, STAFF, ANONYMOUS]

INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_ENUM: (-(2**31), 2**31 - 1),
}
TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)  # 0001-01-01 .. 9999-12-31, what Timestamp allows


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode() if not isinstance(value, bytes) else value).decode()


HOSTILE_STRINGS = [
    "",
    " ",
    "x" * 70_000,  # more than a TEXT column holds
    "é" * 40_000,
    "😀" * 20_000,
    "9" * 5_000,
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    "%",
    "\u202etxet",
    "NaN",
    "sNaN",
    "Infinity",
    "-1.00",
    "1e999999999",
    "10.00",
    "USD",
    "ﬀa",
    "a@b",
    "a" * 64 + "@" + "b" * 189,
    "123456789012345678901234567890",
    "-5",
    _cursor(["2026-01-01T00:00:00+00:00", 10**30]),
    _cursor(["2026-01-01T00:00:00+00:00", -1]),
    _cursor(["9999-12-31T23:59:59+00:00", 2**63]),
    _cursor({"a": 1, "b": 2}),
    _cursor(b"[" * 100_000),  # nested deeper than any parser recurses
    _cursor(b"\xff\xfe"),
    "!!!not-base64!!!",
]
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)  # what gRPC metadata values may hold


def hostile_callers() -> st.SearchStrategy:
    """Metadata of a caller: a known one, or identity values that are themselves garbage."""
    garbage = st.fixed_dictionaries(
        {},
        optional={
            USER_ID_KEY: st.one_of(
                st.text(PRINTABLE, max_size=25),
                st.sampled_from(["0", "-1", "9" * 19, "9" * 40, "1e3", " 7001", "7001 "]),
            ),
            ROLE_KEY: st.one_of(st.text(PRINTABLE, max_size=20), st.sampled_from(["organizer", "customer", "ADMIN"])),
            STAFF_KEY: st.sampled_from(["1", "0", "true", "", "11"]),
            REQUEST_ID_KEY: st.text(PRINTABLE, max_size=80),
        },
    ).map(lambda values: tuple(values.items()))
    return st.one_of(st.sampled_from([caller.to_metadata() for caller in CALLERS]), garbage)


class Fuzzer:
    """Hypothesis strategies of a request message, from its descriptor."""

    def __init__(self, known_ints: list[int], known_strings: list[str]):
        self.known_ints = known_ints
        self.known_strings = known_strings

    def integers(self, kind: int) -> st.SearchStrategy:
        low, high = INT_RANGES[kind]
        edges = [low, high, low + 1, high - 1, 0, 1, -1, 2, 100, 101, 1001, 10**6 + 1]
        edges = [value for value in edges + self.known_ints if low <= value <= high]
        return st.one_of(st.sampled_from(edges), st.integers(low, high))

    def strings(self) -> st.SearchStrategy:
        return st.one_of(
            st.sampled_from(HOSTILE_STRINGS + self.known_strings),
            st.text(max_size=40),
            st.text(st.characters(codec="utf-8"), min_size=100, max_size=400),
        )

    def timestamps(self) -> st.SearchStrategy:
        seconds = st.one_of(
            st.integers(*TIMESTAMP_SECONDS), st.sampled_from([-(2**63), 2**63 - 1, TIMESTAMP_SECONDS[1] + 1])
        )
        nanos = st.one_of(st.integers(0, 999_999_999), st.sampled_from([-1, 10**9, 2**31 - 1, -(2**31)]))
        return st.builds(Timestamp, seconds=seconds, nanos=nanos)

    def field(self, field: FieldDescriptor) -> st.SearchStrategy:
        if field.is_repeated:  # a few elements, up to past the limits the services set (e.g. 20 lines)
            return st.lists(self.element(field), max_size=REPEATED_MAX)
        return self.element(field)

    def element(self, field: FieldDescriptor) -> st.SearchStrategy:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.full_name == "google.protobuf.Timestamp":
                return self.timestamps()
            return self.message(field.message_type)
        if field.type == FieldDescriptor.TYPE_STRING:
            return self.strings()
        if field.type == FieldDescriptor.TYPE_BOOL:
            return st.booleans()
        return self.integers(field.type)

    def message(self, descriptor, template=None) -> st.SearchStrategy:
        """Messages of `descriptor`: some fields drawn, the others left as in `template` (or unset)."""
        message_class = GetMessageClass(descriptor)
        fields = {field.name: field for field in descriptor.fields}
        values = st.fixed_dictionaries({}, optional={name: self.field(field) for name, field in fields.items()})

        def build(chosen: dict):
            message = message_class()
            if template is not None and chosen:
                message.CopyFrom(template)
            for name, value in chosen.items():
                set_field(message, fields[name], value)
            return message

        return values.map(build)


class GrpcFuzzTest(Scenario, SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack = ProcessStack(list(GRPC_CONTRACTS)).start(timeout=120)
        cls.addClassCleanup(cls.stack.stop)
        cls.fuzzer = Fuzzer(*cls.seed())

    @classmethod
    def seed(cls) -> tuple[list[int], list[str]]:
        """Real rows for the hostile calls to meet: ids and codes of them."""
        events = ServiceClient("events", cls.stack.grpc_addrs["events"], events_pb2_grpc.EventServiceStub, 30)
        tickets = ServiceClient("tickets", cls.stack.grpc_addrs["tickets"], tickets_pb2_grpc.TicketServiceStub, 30)
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        event = events.CreateEvent(
            events_pb2.CreateEventRequest(
                name="Fuzz night", starts_at=to_timestamp(starts), ends_at=to_timestamp(starts + timedelta(hours=3))
            ),
            caller=ORGANIZER,
        )
        ticket_type = tickets.CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name="General", price="10.00", capacity=1000),
            caller=ORGANIZER,
        )
        # Nothing is ever sold of it: DeleteTicketType's valid request deletes it.
        spare = tickets.CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name="Spare", price="5.00", capacity=10),
            caller=ORGANIZER,
        )
        orders = [
            tickets.ReserveSeats(
                tickets_pb2.ReserveSeatsRequest(
                    ticket_type_id=ticket_type.id, quantity=2, email="fuzz@example.com", full_name="Fuzz Buyer"
                ),
                caller=CUSTOMER,
            ).order
            for _ in range(2)
        ]
        card = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=starts.year + 2, cvc="123")
        paid = tickets.PayOrder(tickets_pb2.PayOrderRequest(order_id=orders[1].id, card=card), caller=CUSTOMER)
        codes = [ticket.code for ticket in paid.tickets]
        ints = [event.id, ticket_type.id, spare.id, *(order.id for order in orders)]
        ints += [ticket.id for ticket in paid.tickets]
        strings = [*codes, codes[0][:-1], codes[0].partition(".")[0], "4242424242424242", "123"]
        cls.templates = {
            name: found if isinstance(found, list) else [found]
            for name, found in valid_requests(event, ticket_type, spare, orders[0], paid, starts).items()
        }
        return ints, strings

    def every_method(self) -> list[tuple[str, object]]:
        """(process, method) of every RPC, those that cancel or refund the seeded rows last."""
        methods = [(process, method) for process in GRPC_CONTRACTS for method in methods_of(process)]
        return sorted(methods, key=lambda pair: pair[1].name in DESTRUCTIVE)

    def test_every_template_covers_its_rpc(self):
        self.assertEqual({method.name for _, method in self.every_method()}, set(self.templates))

    def test_no_rpc_fails_on_one_hostile_field_of_a_valid_request(self):
        failures: list[str] = []
        sent = 0
        for process, method in self.every_method():
            call = self.rpc(process, method)
            for template, caller in self.templates[method.name]:
                for request in one_field_changed(template):
                    sent += 1
                    self.send(call, method, request, caller.to_metadata(), failures)
        tried(sent)
        self.assertEqual(failures, [], f"{len(failures)} of {sent} calls failed:\n" + "\n".join(failures[:40]))

    def test_no_rpc_fails_on_hostile_requests_and_callers(self):
        failures: list[str] = []
        sent = 0
        for process, method in self.every_method():
            sent += self.fuzz(process, method, failures)
        tried(sent)
        self.assertEqual(failures, [], f"{len(failures)} of {sent} calls failed:\n" + "\n".join(failures[:40]))

    def rpc(self, process: str, method):
        return channel_for(self.stack.grpc_addrs[process]).unary_unary(
            f"/{method.containing_service.full_name}/{method.name}"
        )

    @staticmethod
    def send(call, method, request, metadata, failures: list[str]) -> None:
        """Call; a failure (not a refusal) is added to `failures`."""
        try:
            call(request.SerializeToString(), metadata=metadata, timeout=30)
        except grpc.RpcError as error:
            gone = error.code() == grpc.StatusCode.UNAVAILABLE and not _error_code(error)
            if error.code() in FAILURES or gone:
                failures.append(
                    f"{method.full_name} {error.code().name} {error.details()!r}\n"
                    f"    metadata={metadata!r}\n    request={_shown(request)}"
                )

    def fuzz(self, process: str, method, failures: list[str]) -> int:
        """Send EXAMPLES_PER_RPC hostile requests to `method`; returns how many were sent."""
        call = self.rpc(process, method)
        sent = 0
        templates = self.templates[method.name]
        requests = st.one_of(
            self.fuzzer.message(method.input_type),
            *(self.fuzzer.message(method.input_type, template=template) for template, _ in templates),
        )
        metadata = st.one_of(st.sampled_from([caller.to_metadata() for _, caller in templates]), hostile_callers())

        @settings(
            max_examples=EXAMPLES_PER_RPC,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(request=requests, metadata=metadata)
        def send(request, metadata):
            nonlocal sent
            sent += 1
            self.send(call, method, request, metadata, failures)

        send()
        return sent


def set_field(message, field: FieldDescriptor, value) -> None:
    """Set `field` of `message` to `value` (a list of elements for a repeated field)."""
    if field.is_repeated:
        del getattr(message, field.name)[:]
        getattr(message, field.name).extend(value)
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        getattr(message, field.name).CopyFrom(value)
    else:
        setattr(message, field.name, value)


def hostile_values(field: FieldDescriptor) -> list:
    """The hostile values one field of a request is set to, one at a time, by its type; of a repeated
    field, one hostile element, and all of them at once."""
    if field.is_repeated:
        elements = hostile_elements(field)
        return [[element] for element in elements] + [elements * (REPEATED_MAX // len(elements) + 1)]
    return hostile_elements(field)


def hostile_elements(field: FieldDescriptor) -> list:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            seconds = [-(2**63), 2**63 - 1, TIMESTAMP_SECONDS[0] - 1, TIMESTAMP_SECONDS[1] + 1, TIMESTAMP_SECONDS[0], 0]
            return [Timestamp(seconds=value) for value in seconds] + [Timestamp(seconds=10**9, nanos=-1)]
        return [GetMessageClass(field.message_type)()]  # present but empty; its own fields are changed too
    if field.type == FieldDescriptor.TYPE_STRING:
        return HOSTILE_STRINGS
    if field.type == FieldDescriptor.TYPE_BOOL:
        return [True, False]
    low, high = INT_RANGES[field.type]
    return [value for value in (low, high, -1, 0, 2**31 - 1, -(2**31), 10**6 + 1) if low <= value <= high]


def one_field_changed(template) -> list:
    """Copies of `template`, each with one field (of it or of a message inside it) set to a hostile value."""
    requests = []
    for field in template.DESCRIPTOR.fields:
        for value in hostile_values(field):
            request = type(template)()
            request.CopyFrom(template)
            set_field(request, field, value)
            requests.append(request)
        if field.type == FieldDescriptor.TYPE_MESSAGE and field.message_type.full_name != "google.protobuf.Timestamp":
            # A message field, or each element of a repeated one (the first alone if there are none).
            inner_templates = (
                list(getattr(template, field.name)) if field.is_repeated else [getattr(template, field.name)]
            )
            for index, inner_template in enumerate(inner_templates or [GetMessageClass(field.message_type)()]):
                for inner in one_field_changed(inner_template):
                    request = type(template)()
                    request.CopyFrom(template)
                    if field.is_repeated:
                        elements = list(getattr(template, field.name)) or [inner]
                        elements[index] = inner
                        set_field(request, field, elements)
                    else:
                        getattr(request, field.name).CopyFrom(inner)
                    requests.append(request)
    return requests


def valid_requests(event, ticket_type, spare, reserved, paid, starts: datetime) -> dict:
    """A valid request of each RPC against the seeded rows, with the caller allowed to make it (a list
    of them for an RPC of several forms)."""
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": starts.year + 2, "cvc": "123"}
    times = {"starts_at": to_timestamp(starts), "ends_at": to_timestamp(starts + timedelta(hours=3))}
    return {
        "CreateEvent": (events_pb2.CreateEventRequest(name="Fuzzed", venue="Hall", timezone="UTC", **times), ORGANIZER),
        "GetEvent": (events_pb2.GetEventRequest(id=event.id), ANONYMOUS),
        "ListEvents": (events_pb2.ListEventsRequest(query="Fuzz", page_size=5), ANONYMOUS),
        "UpdateEvent": (events_pb2.UpdateEventRequest(id=event.id, name="Fuzz night", **times), ORGANIZER),
        "CancelEvent": (events_pb2.CancelEventRequest(id=event.id), ORGANIZER),
        "CreateTicketType": (
            tickets_pb2.CreateTicketTypeRequest(
                event_id=event.id, name="VIP", price="20.00", currency="EUR", capacity=5
            ),
            ORGANIZER,
        ),
        "ListTicketTypes": (tickets_pb2.ListTicketTypesRequest(event_id=event.id), ANONYMOUS),
        "GetTicketType": (
            tickets_pb2.GetTicketTypeRequest(event_id=event.id, ticket_type_id=ticket_type.id),
            ANONYMOUS,
        ),
        "UpdateTicketType": [
            (
                tickets_pb2.UpdateTicketTypeRequest(
                    event_id=event.id, ticket_type_id=ticket_type.id, name="General", price="10.00", capacity=1000
                ),
                ORGANIZER,
            ),
            (
                tickets_pb2.UpdateTicketTypeRequest(
                    event_id=event.id,
                    ticket_type_id=spare.id,
                    max_per_order=5,
                    sales_start=to_timestamp(starts - timedelta(days=2)),
                    sales_end=to_timestamp(starts - timedelta(days=1)),
                    hidden=False,
                ),
                ORGANIZER,
            ),
            (
                tickets_pb2.UpdateTicketTypeRequest(event_id=event.id, ticket_type_id=spare.id, reset_sales_end=True),
                STAFF,
            ),
        ],
        "DeleteTicketType": (
            tickets_pb2.DeleteTicketTypeRequest(event_id=event.id, ticket_type_id=spare.id),
            ORGANIZER,
        ),
        "GetSales": (tickets_pb2.GetSalesRequest(event_id=event.id), ORGANIZER),
        "ReserveSeats": [
            (
                tickets_pb2.ReserveSeatsRequest(
                    ticket_type_id=ticket_type.id, quantity=1, email="fuzz@example.com", full_name="Fuzz Buyer"
                ),
                CUSTOMER,
            ),
            (
                tickets_pb2.ReserveSeatsRequest(
                    lines=[
                        tickets_pb2.ReserveLine(ticket_type_id=ticket_type.id, quantity=2, attendees=["Fuzz Guest"])
                    ],
                    email="fuzz@example.com",
                    full_name="Fuzz Buyer",
                ),
                CUSTOMER,
            ),
        ],
        "PayOrder": (tickets_pb2.PayOrderRequest(order_id=reserved.id, card=tickets_pb2.Card(**card)), CUSTOMER),
        "CancelOrder": (tickets_pb2.CancelOrderRequest(order_id=reserved.id), CUSTOMER),
        "GetOrder": (tickets_pb2.GetOrderRequest(order_id=paid.id), CUSTOMER),
        "ListOrders": (tickets_pb2.ListOrdersRequest(page_size=5, all_users=True, status="paid"), STAFF),
        "GetTicket": (tickets_pb2.GetTicketRequest(ticket_id=paid.tickets[0].id), CUSTOMER),
        "ListTickets": (tickets_pb2.ListTicketsRequest(page_size=5, all_users=True, status="valid"), STAFF),
        "CheckIn": (tickets_pb2.CheckInRequest(code=paid.tickets[0].code), ORGANIZER),
        "LookUpTicket": (tickets_pb2.LookUpTicketRequest(code=paid.tickets[0].code), ORGANIZER),
        "InviteEventStaff": (
            events_pb2.InviteEventStaffRequest(
                event_id=event.id, email="door@example.com", role=events_pb2.EVENT_ROLE_SCANNER
            ),
            ORGANIZER,
        ),
        "ListEventStaff": (events_pb2.ListEventStaffRequest(event_id=event.id), ORGANIZER),
        "RemoveEventStaff": (events_pb2.RemoveEventStaffRequest(event_id=event.id, id=1), ORGANIZER),
        "JoinWaitingList": (
            tickets_pb2.JoinWaitingListRequest(
                event_id=event.id, ticket_type_id=ticket_type.id, quantity=1, email="wait@example.com", full_name="W"
            ),
            CUSTOMER,
        ),
        "GetWaitingListEntry": (
            tickets_pb2.GetWaitingListEntryRequest(event_id=event.id, ticket_type_id=ticket_type.id),
            CUSTOMER,
        ),
        "LeaveWaitingList": (
            tickets_pb2.LeaveWaitingListRequest(event_id=event.id, ticket_type_id=ticket_type.id),
            CUSTOMER,
        ),
        "ClearWaitingList": (
            tickets_pb2.ClearWaitingListRequest(event_id=event.id, ticket_type_id=ticket_type.id),
            ORGANIZER,
        ),
        "CancelEventSales": (tickets_pb2.CancelEventSalesRequest(event_id=event.id), ORGANIZER),
        "UpdateEventStart": (
            tickets_pb2.UpdateEventStartRequest(
                event_id=event.id, starts_at=to_timestamp(starts), version=event.version
            ),
            ORGANIZER,
        ),
        "ListEventBuyers": (tickets_pb2.ListEventBuyersRequest(event_id=event.id, page_size=5), ANONYMOUS),
        "RefundOrder": [
            (
                tickets_pb2.RefundOrderRequest(event_id=event.id, order_id=paid.id, ticket_ids=[paid.tickets[1].id]),
                ORGANIZER,
            ),
            (tickets_pb2.RefundOrderRequest(event_id=event.id, order_id=paid.id), ORGANIZER),
        ],
        "ResendConfirmation": [
            (tickets_pb2.ResendConfirmationRequest(order_id=paid.id), CUSTOMER),
            (tickets_pb2.ResendConfirmationRequest(order_id=paid.id, event_id=event.id), ORGANIZER),
        ],
        "CreateVouchers": (
            tickets_pb2.CreateVouchersRequest(
                event_id=event.id, code="FUZZ", discount_kind="percent", discount_value="10", max_uses=5
            ),
            ORGANIZER,
        ),
        "ListVouchers": (tickets_pb2.ListVouchersRequest(event_id=event.id, page_size=5), ORGANIZER),
        "DeactivateVoucher": (tickets_pb2.DeactivateVoucherRequest(event_id=event.id, voucher_id=1), ORGANIZER),
        "ListEventOrders": (
            tickets_pb2.ListEventOrdersRequest(
                event_id=event.id, page_size=5, status="paid", query="fuzz", ticket_type_id=ticket_type.id
            ),
            ORGANIZER,
        ),
        "GetEventOrder": (tickets_pb2.GetEventOrderRequest(event_id=event.id, order_id=paid.id), ORGANIZER),
        "ListEventAttendees": (tickets_pb2.ListEventAttendeesRequest(event_id=event.id, page_size=5), ORGANIZER),
        "Charge": (
            payments_pb2.ChargeRequest(
                order_id=987_654_321, amount="10.00", currency="USD", card=payments_pb2.Card(**card), description="x"
            ),
            ANONYMOUS,
        ),
        "GetPayment": (payments_pb2.GetPaymentRequest(order_id=paid.id), ANONYMOUS),
        "Refund": [
            (payments_pb2.RefundRequest(order_id=paid.id, reason="fuzz", amount="1.00", key="fuzz:1"), ANONYMOUS),
            (payments_pb2.RefundRequest(order_id=paid.id, reason="fuzz"), ANONYMOUS),
        ],
        "ListPayments": (payments_pb2.ListPaymentsRequest(status="succeeded", page_size=5), STAFF),
        "ListNotifications": (
            notifications_pb2.ListNotificationsRequest(kind="order_confirmation", page_size=5),
            STAFF,
        ),
        "RetryNotification": (notifications_pb2.RetryNotificationRequest(id=1), STAFF),
    }


def _error_code(error: grpc.RpcError) -> str:
    """The machine code of the domain error the call answered (its rich status), "" if none."""
    found = error_from_status(rpc_status.from_call(error), error.code())
    return found.code if found else ""


def _shown(request) -> str:
    text = str(request).replace("\n", " ")
    return text if len(text) < 300 else f"{text[:300]}... ({len(text)} characters)"
