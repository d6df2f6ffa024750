"""Ticketing API: validate, call the tickets service over gRPC, shape the JSON.

The tickets service decides whose order or ticket is whose: someone else's is a 404 there; and
whose event an order is of, for the organizer's desk (an event's orders and attendees).
"""

import csv
import io
from collections.abc import Iterator

import segno
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from gateway_project.accounts.throttles import (
    ConfirmationResendThrottle,
    OrderCreationThrottle,
    VoucherAccountThrottle,
    VoucherAddressThrottle,
)
from gateway_project.api import clients
from gateway_project.api.bodies import validated
from gateway_project.api.openapi import ServiceSchema, bad_request, error, path_id
from gateway_project.api.pagination import PageQuerySerializer, page_query
from gateway_project.api.permissions import ActsForEvent, IsCustomer
from gateway_project.api.protos import TICKET_STATUS, iso
from gateway_project.api.views import ServiceView
from gateway_project.ticketing_api.serializers import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    RESERVE_REQUEST,
    CardSerializer,
    CheckInConflictSerializer,
    CheckInResultSerializer,
    CheckInSerializer,
    EventOrderPageSerializer,
    EventOrderQuerySerializer,
    EventOrderSerializer,
    OrderPageSerializer,
    OrderSerializer,
    PaymentDeclinedSerializer,
    ReserveConflictSerializer,
    ReserveSerializer,
    ScannedTicketSerializer,
    TicketPageSerializer,
    TicketSerializer,
    idempotency_key,
    pay_request,
    reserve_request,
)
from protos.tickets.v1 import tickets_pb2

EVENT_ID = path_id("event_id", "event")
ORDER_ID = path_id("order_id", "order")
TICKET_ID = path_id("ticket_id", "ticket")
NO_ORDER = error("not_found", description="No such order of the caller's.")
NO_TICKET = error("not_found", description="No such ticket of the caller's.")
PAGES = "Keyset pagination: follow `next` (null on the last page) and `previous` (null on the first)."
PAGE_400 = bad_request("E.g. `cursor` is not valid.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
    OpenApiParameter.HEADER,
    description="Optional. A retry with the same key (the same lines: ticket types, quantities and attendees, in "
    "any order) returns the order first reserved with it (200) instead of holding more seats; the same key for a "
    "different order is a 409.",
)


class OrderListView(ServiceView):
    """GET: the caller's orders, newest first. POST: hold seats (customers); an
    Idempotency-Key header makes a retry return the same order (200) instead of a new one (201)."""

    services = ("tickets",)
    query_serializer_class = PageQuerySerializer  # its GET's (the browsable API's filter form)
    serializer_class = ReserveSerializer

    def get_services(self):
        # Reserving seats also asks the events service whether the event still sells.
        return ("tickets", "events") if self.request.method == "POST" else self.services

    def get_permissions(self):
        return [IsCustomer()] if self.request.method == "POST" else super().get_permissions()

    def get_throttles(self):
        if self.request.method != "POST":
            return super().get_throttles()
        return [OrderCreationThrottle(), VoucherAddressThrottle(), VoucherAccountThrottle()]

    @extend_schema(
        operation_id="orders_list",
        summary="List my orders",
        description=f"The caller's orders, newest first. {PAGES}",
        parameters=[PageQuerySerializer],
        responses={200: OrderPageSerializer, 400: PAGE_400},
    )
    def get(self, request):
        page = clients.tickets().ListOrders(
            tickets_pb2.ListOrdersRequest(**page_query(request)), caller=clients.caller_for(request)
        )
        return Response(OrderPageSerializer(page, context={"request": request}).data)

    @extend_schema(
        summary="Reserve seats",
        description="Hold seats for the calling customer: a `reserved` order whose seats are held until "
        "`expires_at`; pay it before then. Either `quantity` seats of one ticket type (`ticket_type_id`), or "
        "`lines`: 1 to 20 ticket types of one event and one currency, each at most once, with optional "
        "`attendees` (a holder's name per seat, shown on its ticket; by default the buyer's). Every line's seats "
        "are held, or none. An optional `voucher` code discounts the seats of the lines it applies to (one use "
        "per seat) and opens the hidden types it unlocks. Throttled per user (429 `throttled`), and reservations "
        "with a voucher per user and per client address as logins are (guessing codes is slow).",
        parameters=[IDEMPOTENCY_KEY],
        request=RESERVE_REQUEST,
        responses={
            201: OpenApiResponse(OrderSerializer, description="Seats held: a new reserved order."),
            200: OpenApiResponse(
                OrderSerializer, description="A replay: the order reserved with this Idempotency-Key."
            ),
            400: bad_request(
                "Also a too long `Idempotency-Key`, more than a type's `max_per_order`, both forms at once "
                "(`lines`), a type in two lines, lines of several events or currencies. A line's fields are "
                "named by their path, e.g. `lines[1].quantity`, `lines[0].attendees[2]`. "
                "`voucher_not_applicable`: the voucher applies to none of the order's ticket types (it gives "
                "`ticket_type_ids`, those it applies to).",
                codes=("voucher_not_applicable",),
            ),
            403: error("permission_denied", description="Only customers buy tickets."),
            404: error(
                "not_found",
                "invalid_voucher",
                description="No such ticket type, or no such voucher code in the event (or a deactivated one).",
            ),
            409: error(
                "sold_out",
                "customer_limit_reached",
                "event_cancelled",
                "event_started",
                "sales_not_started",
                "sales_ended",
                "idempotency_key_reused",
                "voucher_used_up",
                "voucher_expired",
                description="Nothing is held. `sold_out` gives `ticket_types`, each type that did not fit with "
                "the seats it has left; `customer_limit_reached` gives `ticket_type_id`, `max_per_customer` and "
                "`held_and_bought` (the caller's held and paid seats of the type); `sales_not_started` gives "
                "`sales_start`. Outside a type's sale window: `sales_not_started` before it opens, `sales_ended` "
                "after its own `sales_end`, `event_started` once the event started (where the window ends with the "
                "event's start). `voucher_used_up` gives `uses_left` (the voucher has fewer uses left than "
                "the seats it would discount); `voucher_expired` gives `valid_from` and `valid_until`.",
                serializer=ReserveConflictSerializer,
            ),
            429: error(
                "throttled",
                description="Too many orders, or orders with a voucher, of the caller's (or its address) lately; "
                "see the `Retry-After` header.",
            ),
        },
    )
    def post(self, request):
        reservation = validated(ReserveSerializer, request.data)
        key = idempotency_key(request)
        reserved = clients.tickets().ReserveSeats(
            reserve_request(reservation, request.user, key), caller=clients.caller_for(request)
        )
        return Response(
            OrderSerializer(reserved.order, context={"request": request}).data,
            status=status.HTTP_201_CREATED if reserved.created else status.HTTP_200_OK,
        )


class OrderDetailView(ServiceView):
    """One of the caller's orders."""

    services = ("tickets",)

    @extend_schema(
        operation_id="orders_retrieve",
        summary="Get an order",
        description="One of the caller's orders (someone else's is a 404).",
        parameters=[ORDER_ID],
        responses={200: OrderSerializer, 404: NO_ORDER},
    )
    def get(self, request, order_id: int):
        order = clients.tickets().GetOrder(
            tickets_pb2.GetOrderRequest(order_id=order_id), caller=clients.caller_for(request)
        )
        return Response(OrderSerializer(order, context={"request": request}).data)


class PayOrderView(ServiceView):
    """Charge the card and issue the tickets. Paying a paid order returns it and charges nothing."""

    services = ("tickets", "payments")
    serializer_class = CardSerializer

    @extend_schema(
        summary="Pay an order",
        description="Charge the card for the order's total and issue its tickets: 200 with the paid order and its "
        "tickets. Paying a paid order returns it and charges nothing. Spaces and dashes in `card_number` are "
        "ignored; `exp_year` has 2 or 4 digits.",
        parameters=[ORDER_ID],
        request=CardSerializer,
        responses={
            200: OrderSerializer,
            400: bad_request("E.g. `card_number` fails its check digit, or the card has expired."),
            402: error("payment_declined", description="Nothing was charged.", serializer=PaymentDeclinedSerializer),
            404: NO_ORDER,
            409: error(
                "hold_expired",
                "order_cancelled",
                "order_not_payable",
                description="Reserve again after `hold_expired`. `order_cancelled`: the order was cancelled while "
                "the card was charged; the charge is refunded (`refunded_amount`) and the order stays cancelled.",
            ),
            # Beside the services' own: the card processor's outage (not a service of the gateway's).
            503: error(
                "tickets_unavailable",
                "payments_unavailable",
                "payment_provider_error",
                description="Nothing was charged, or a retry completes the same charge.",
            ),
        },
    )
    def post(self, request, order_id: int):
        card = validated(CardSerializer, request.data)
        order = clients.tickets().PayOrder(pay_request(card, order_id), caller=clients.caller_for(request))
        return Response(OrderSerializer(order, context={"request": request}).data)


class CancelOrderView(ServiceView):
    """Release a reserved order's seats."""

    services = ("tickets",)

    @extend_schema(
        summary="Cancel an order",
        description="Release a reserved order's seats: 200 with the cancelled order. A paid order cannot be cancelled.",
        parameters=[ORDER_ID],
        request=None,
        responses={200: OrderSerializer, 404: NO_ORDER, 409: error("order_not_cancellable")},
    )
    def post(self, request, order_id: int):
        order = clients.tickets().CancelOrder(
            tickets_pb2.CancelOrderRequest(order_id=order_id), caller=clients.caller_for(request)
        )
        return Response(OrderSerializer(order, context={"request": request}).data)


class ResendConfirmationView(ServiceView):
    """Email the buyer a paid order's confirmation again."""

    services = ("tickets",)
    throttle_classes = [ConfirmationResendThrottle]

    @extend_schema(
        summary="Resend my order's confirmation",
        description="Email the caller's paid order's confirmation again, with its tickets still valid: a new email "
        "each time, at most `RESEND_THROTTLE_RATE` per order.",
        parameters=[ORDER_ID],
        request=None,
        responses={
            200: OrderSerializer,
            404: NO_ORDER,
            409: error("order_not_paid", description="Only a paid order has a confirmation."),
            429: error(
                "throttled",
                description="The order's confirmation was sent again too often lately; see the `Retry-After` header.",
            ),
        },
    )
    def post(self, request, order_id: int):
        order = clients.tickets().ResendConfirmation(
            tickets_pb2.ResendConfirmationRequest(order_id=order_id), caller=clients.caller_for(request)
        )
        return Response(OrderSerializer(order, context={"request": request}).data)


class TicketListView(ServiceView):
    """The caller's tickets, newest first."""

    services = ("tickets",)
    query_serializer_class = PageQuerySerializer  # its GET's (the browsable API's filter form)

    @extend_schema(
        operation_id="tickets_list",
        summary="List my tickets",
        description=f"The caller's tickets, newest first. {PAGES}",
        parameters=[PageQuerySerializer],
        responses={200: TicketPageSerializer, 400: PAGE_400},
    )
    def get(self, request):
        page = clients.tickets().ListTickets(
            tickets_pb2.ListTicketsRequest(**page_query(request)), caller=clients.caller_for(request)
        )
        return Response(TicketPageSerializer(page, context={"request": request}).data)


def _get_ticket(request, ticket_id: int) -> tickets_pb2.Ticket:
    return clients.tickets().GetTicket(
        tickets_pb2.GetTicketRequest(ticket_id=ticket_id), caller=clients.caller_for(request)
    )


class TicketDetailView(ServiceView):
    """One of the caller's tickets."""

    services = ("tickets",)

    @extend_schema(
        operation_id="tickets_retrieve",
        summary="Get a ticket",
        description="One of the caller's tickets (someone else's is a 404).",
        parameters=[TICKET_ID],
        responses={200: TicketSerializer, 404: NO_TICKET},
    )
    def get(self, request, ticket_id: int):
        return Response(TicketSerializer(_get_ticket(request, ticket_id), context={"request": request}).data)


class JSONErrorsOnly(DefaultContentNegotiation):
    """The image views answer an image whatever the Accept header says; only their errors go
    through a renderer, always JSON (so Accept: image/png is not a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class QRCodeSchema(ServiceSchema):
    """TicketQRCodeView is routed twice, once per image type (its `kind` and `content_type`)."""

    def get_operation_id(self) -> str:
        return f"tickets_qr_{self.view.kind}"

    def get_response_serializers(self) -> dict:
        image = OpenApiTypes.STR if self.view.kind == "svg" else OpenApiTypes.BINARY
        return {(200, self.view.content_type): OpenApiResponse(image, description="The QR code."), 404: NO_TICKET}


class TicketQRCodeView(ServiceView):
    """The ticket's code as a QR code image, for its holder (or staff) to show at the door."""

    services = ("tickets",)
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly
    kind = "svg"
    content_type = "image/svg+xml"

    schema = QRCodeSchema()

    @extend_schema(
        summary="A ticket's QR code",
        description="The ticket's code as a QR code image, for its holder (or staff) to show at the door.",
        parameters=[TICKET_ID],
    )
    def get(self, request, ticket_id: int):
        ticket = _get_ticket(request, ticket_id)
        image = io.BytesIO()
        qr = segno.make_qr(ticket.code, error="m")
        if self.kind == "svg":
            qr.save(image, kind="svg", scale=4, border=4, title="MicroTix ticket")
        else:
            qr.save(image, kind="png", scale=8, border=4)
        response = HttpResponse(image.getvalue(), content_type=self.content_type)
        # The image is an admission credential: keep it out of shared caches.
        response["Cache-Control"] = "private, no-store"
        return response


NOT_A_TICKET = error(
    "invalid_ticket", description="Not a ticket code, or a ticket of an event the caller does not scan for."
)


class CheckInView(ServiceView):
    """Admit a ticket holder, at most once (the event's organizer, managers and scanners, or staff)."""

    services = ("tickets", "events")
    permission_classes = [ActsForEvent]
    serializer_class = CheckInSerializer

    @extend_schema(
        summary="Check a ticket in",
        description="Admit the holder of the scanned ticket code, at most once (the event's organizer, its "
        "managers and scanners, or staff). A ticket of an event the caller does not scan for is answered as a forged "
        "code is.",
        request=CheckInSerializer,
        responses={
            200: CheckInResultSerializer,
            400: bad_request(),
            404: NOT_A_TICKET,
            409: error(
                "already_checked_in",
                "ticket_void",
                description="`already_checked_in` carries `checked_in_at`, the first scan's time.",
                serializer=CheckInConflictSerializer,
            ),
        },
    )
    def post(self, request):
        scanned = validated(CheckInSerializer, request.data)
        admitted = clients.tickets().CheckIn(
            tickets_pb2.CheckInRequest(code=scanned["code"]),
            caller=clients.caller_for(request),
        )
        return Response(CheckInResultSerializer(admitted).data)


class TicketLookupView(ServiceView):
    """The ticket of a scanned code, admitting no one (the event's door staff)."""

    services = ("tickets", "events")
    permission_classes = [ActsForEvent]
    serializer_class = CheckInSerializer

    @extend_schema(
        summary="Look a scanned ticket up",
        description="The ticket of a scanned code: its status, holder and first scan, without checking it in (the "
        "event's organizer, its managers and scanners, or staff). A POST, so the code stays out of URLs and logs.",
        request=CheckInSerializer,
        responses={200: ScannedTicketSerializer, 400: bad_request(), 404: NOT_A_TICKET},
    )
    def post(self, request):
        scanned = validated(CheckInSerializer, request.data)
        ticket = clients.tickets().LookUpTicket(
            tickets_pb2.LookUpTicketRequest(code=scanned["code"]),
            caller=clients.caller_for(request),
        )
        return Response(ScannedTicketSerializer(ticket).data)


# --- the organizer's desk: an event's orders and attendees -------------------------------------------

NOT_EVENT_OWNER = error("permission_denied", description="Not an organizer, or not this event's organizer.")
NO_EVENT = error("not_found", description="No such event.")
# Tickets per ListEventAttendees call of the export: the most either process holds of it at once.
ATTENDEES_PAGE_SIZE = 500
ATTENDEES_CSV_COLUMNS = (
    "ticket_id",
    "code_prefix",
    "ticket_type",
    "attendee_name",
    "buyer_email",
    "order_id",
    "status",
    "checked_in_at",
)
# Names and emails are the buyers' to choose: a cell a spreadsheet would run as a formula is quoted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class EventOrderListView(ServiceView):
    """Every order of the event, newest first, filtered (its organizer, or staff)."""

    services = ("tickets", "events")
    query_serializer_class = EventOrderQuerySerializer  # its GET's (the browsable API's filter form)
    permission_classes = [ActsForEvent]

    @extend_schema(
        operation_id="events_orders_list",
        summary="List an event's orders",
        description="Every order of the event, any buyer and status, newest first, with its lines, tickets and "
        "payment (the event's organizer, or staff). `status`, `q` (the buyer's email or full name, ignoring "
        "case) and `ticket_type` (orders with a line of it) filter them. Keyset pagination: follow `next` (null "
        "on the last page) and `previous` (null on the first).",
        parameters=[EVENT_ID, EventOrderQuerySerializer],
        responses={
            200: EventOrderPageSerializer,
            400: bad_request("E.g. an unknown `status`, or `cursor` is not valid."),
            403: NOT_EVENT_OWNER,
            404: NO_EVENT,
        },
    )
    def get(self, request, event_id: int):
        query = EventOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = clients.tickets().ListEventOrders(query.list_request(event_id), caller=clients.caller_for(request))
        return Response(EventOrderPageSerializer(page, context={"request": request}).data)


class EventOrderDetailView(ServiceView):
    """One order of the event (its organizer, or staff)."""

    services = ("tickets", "events")
    permission_classes = [ActsForEvent]

    @extend_schema(
        operation_id="events_orders_retrieve",
        summary="Get an order of an event",
        description="One order of the event with its lines, tickets, payment and refunded amount (the event's "
        "organizer, or staff).",
        parameters=[EVENT_ID, ORDER_ID],
        responses={
            200: EventOrderSerializer,
            403: NOT_EVENT_OWNER,
            404: error("not_found", description="No such event, or no such order of it."),
        },
    )
    def get(self, request, event_id: int, order_id: int):
        order = clients.tickets().GetEventOrder(
            tickets_pb2.GetEventOrderRequest(event_id=event_id, order_id=order_id), caller=clients.caller_for(request)
        )
        return Response(EventOrderSerializer(order, context={"request": request}).data)


class EventAttendeesCSVView(ServiceView):
    """The event's attendees as CSV, streamed a page of tickets at a time (its organizer, or staff)."""

    services = ("tickets", "events")
    permission_classes = [ActsForEvent]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsOnly

    @extend_schema(
        operation_id="events_attendees_csv",
        summary="Export an event's attendees",
        description="A CSV row per valid or checked-in ticket of the event, by ticket id, under a header row: "
        f"{', '.join(f'`{column}`' for column in ATTENDEES_CSV_COLUMNS)} (`code_prefix` is the start of the "
        "ticket's code, never the code; `checked_in_at` ISO 8601 UTC, empty until scanned). Streamed: any number "
        "of tickets, a page at a time (the event's organizer, or staff).",
        parameters=[EVENT_ID],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The attendees, as CSV."),
            403: NOT_EVENT_OWNER,
            404: NO_EVENT,
        },
    )
    def get(self, request, event_id: int):
        caller = clients.caller_for(request)
        # The first page is read before the answer starts: a refusal is still an HTTP error, not a cut-off file.
        first = _attendee_page(event_id, caller)
        response = StreamingHttpResponse(
            _csv_chunks(_attendee_pages(event_id, caller, first)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="event-{event_id}-attendees.csv"'
        # Buyers' names and emails: never kept by a shared cache.
        response["Cache-Control"] = "private, no-store"
        return response


def _attendee_page(event_id: int, caller, page_token: str = "") -> tickets_pb2.ListEventAttendeesResponse:
    request = tickets_pb2.ListEventAttendeesRequest(
        event_id=event_id, page_size=ATTENDEES_PAGE_SIZE, page_token=page_token
    )
    return clients.tickets().ListEventAttendees(request, caller=caller)


def _attendee_pages(event_id: int, caller, first) -> Iterator[tickets_pb2.ListEventAttendeesResponse]:
    """`first`, then each next page, read only when the response has sent the one before. A failure
    past the first page ends the file early (the status is sent by then); the gateway logs it."""
    page = first
    yield page
    while page.next_page_token:
        page = _attendee_page(event_id, caller, page.next_page_token)
        yield page


def _csv_chunks(pages) -> Iterator[str]:
    """The header row, then a chunk of rows per page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ATTENDEES_CSV_COLUMNS)
    for page in pages:
        writer.writerows(_attendee_row(attendee) for attendee in page.attendees)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _attendee_row(attendee: tickets_pb2.Attendee) -> list:
    checked_in = iso(attendee.checked_in_at) if attendee.HasField("checked_in_at") else ""
    return [
        attendee.ticket_id,
        attendee.code_prefix,
        _cell(attendee.ticket_type_name),
        _cell(attendee.holder_name),
        _cell(attendee.email),
        attendee.order_id,
        TICKET_STATUS.name(attendee.status),
        checked_in,
    ]


def _cell(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text
