"""Shapes of the ticketing API (orders, tickets, check-ins): what a request may carry and how
orders and tickets look in JSON. Business rules (seats left, per-order limit, Luhn check and
expiry of a card, who owns what) are the tickets and payments services' to check."""

import re
from collections.abc import Mapping

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from gateway_project.api.links import LinkField
from gateway_project.api.openapi import (
    MAX_ID,
    MAX_VOUCHER_CODE_LENGTH,
    AmountField,
    ErrorSerializer,
    OptionalAmountField,
    ResponseSerializer,
)
from gateway_project.api.pagination import NextPageField, PageQuerySerializer, PreviousPageField
from gateway_project.api.protos import ORDER_STATUS, TICKET_STATUS, EnumField, OptionalIdField, TimestampField
from protos.tickets.v1 import tickets_pb2

IDEMPOTENCY_KEY_MAX_LENGTH = 128
MAX_LINES = 20  # lines of an order
MAX_QUANTITY = 100  # seats of a line: no ticket type allows more per order
MAX_NAME_LENGTH = 150  # an attendee's name

_CARD_SEPARATORS = re.compile(r"[ -]")
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")
_CVC = re.compile(r"[0-9]{3,4}")


class TicketSerializer(ResponseSerializer):
    """A ticket. `code` is the signed admission code its QR images carry."""  # a tickets_pb2.Ticket (context: request)

    id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    code = serializers.CharField()
    status = EnumField(TICKET_STATUS)
    checked_in_at = TimestampField(allow_null=True, help_text="When it was scanned in; null until then.")
    holder_name = serializers.CharField()
    url = LinkField("ticket-detail", ticket_id="id")
    order_url = LinkField("order-detail", "Its order.", order_id="order_id")
    event_url = LinkField("event-detail", "Its event.", event_id="event_id")
    qr_svg_url = LinkField("ticket-qr-svg", "Its code as a QR code, an SVG image.", ticket_id="id")
    qr_png_url = LinkField("ticket-qr-png", "Its code as a QR code, a PNG image.", ticket_id="id")


class EventOrderTicketSerializer(TicketSerializer):
    """A ticket of an order of the event, as its organizer sees it: its routes are its buyer's."""

    url = None
    order_url = None
    qr_svg_url = None
    qr_png_url = None


class PaymentSummarySerializer(ResponseSerializer):
    """The card an order was paid with."""

    brand = serializers.CharField(help_text="Card brand, e.g. visa.")
    last4 = serializers.CharField(help_text="Last 4 digits of the card (nothing else of it is kept).")


class OrderLineSerializer(ResponseSerializer):
    """A line of an order: the seats of one ticket type, their price and their holders."""  # a tickets_pb2.OrderLine

    ticket_type_id = serializers.IntegerField()
    name = serializers.CharField(help_text="The ticket type's name.")
    quantity = serializers.IntegerField()
    unit_price = AmountField()
    discount = AmountField(help_text='Taken off `unit_price` * `quantity`: "0.00" for now.')
    total = AmountField(help_text="`unit_price` * `quantity` - `discount`.")
    attendees = serializers.ListField(
        child=serializers.CharField(),
        help_text="The holder's name of each seat, in seat order: its ticket's `holder_name`.",
    )


class OrderSerializer(ResponseSerializer):
    """An order: seats of one or more ticket types of one event (its `lines`), paid at once. Its
    tickets are listed once it is paid."""  # renders a tickets_pb2.Order

    id = serializers.IntegerField()
    status = EnumField(ORDER_STATUS)
    event_id = serializers.IntegerField()
    ticket_type_id = OptionalIdField(
        allow_null=True, help_text="The ticket type of an order of one line; null for an order of several."
    )
    quantity = serializers.IntegerField(help_text="Seats of all lines.")
    unit_price = OptionalAmountField(
        allow_null=True, help_text="The unit price of an order of one line; null for an order of several."
    )
    total = AmountField(help_text="What is charged: the lines' totals added up.")
    currency = serializers.CharField()
    lines = OrderLineSerializer(many=True, help_text="One per ticket type, by ascending `ticket_type_id`.")
    expires_at = TimestampField(allow_null=True, help_text="When the seat hold of a reserved order lapses.")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    created_at = TimestampField(allow_null=True)
    paid_at = TimestampField(allow_null=True)
    tickets = TicketSerializer(many=True)
    payment = PaymentSummarySerializer(allow_null=True, help_text="The card charged; null until paid.")
    refunded_amount = AmountField()
    voucher = serializers.CharField(help_text='The voucher code the order used (upper case); "" for none.')
    voucher_seats = serializers.IntegerField(help_text="Seats the voucher discounted: its uses this order took.")
    url = LinkField("order-detail", order_id="id")
    event_url = LinkField("event-detail", "Its event.", event_id="event_id")
    pay_url = LinkField("order-pay", "POST a card: pay it (a reserved order).", order_id="id")
    cancel_url = LinkField("order-cancel", "POST: release its seats (a reserved order).", order_id="id")
    resend_url = LinkField("order-resend", "POST: email its confirmation again (a paid order).", order_id="id")


class EventOrderSerializer(OrderSerializer):
    """An order of the event, as its organizer (or staff) sees it: its links are the organizer's desk's."""

    tickets = EventOrderTicketSerializer(many=True)
    url = LinkField("event-order", event_id="event_id", order_id="id")
    pay_url = None
    cancel_url = None
    refund_url = LinkField(
        "event-order-refund",
        "POST: refund it, or some of its tickets (a paid order).",
        event_id="event_id",
        order_id="id",
    )
    resend_url = LinkField(
        "event-order-resend",
        "POST: email its buyer its confirmation again (a paid order).",
        event_id="event_id",
        order_id="id",
    )


class OrderPageSerializer(ResponseSerializer):
    """A page of orders."""  # renders a tickets_pb2.ListOrdersResponse (context: the request)

    results = OrderSerializer(many=True, source="orders")
    next = NextPageField()
    previous = PreviousPageField()


class EventOrderPageSerializer(ResponseSerializer):
    """A page of an event's orders."""  # renders a tickets_pb2.ListOrdersResponse (context: the request)

    results = EventOrderSerializer(many=True, source="orders")
    next = NextPageField()
    previous = PreviousPageField()


class TicketPageSerializer(ResponseSerializer):
    """A page of tickets."""  # renders a tickets_pb2.ListTicketsResponse (context: the request)

    results = TicketSerializer(many=True, source="tickets")
    next = NextPageField()
    previous = PreviousPageField()


class CheckInResultSerializer(ResponseSerializer):
    """An admitted ticket."""  # renders a tickets_pb2.CheckInResponse

    ticket_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    checked_in_at = TimestampField(allow_null=True)
    holder_name = serializers.CharField()


class ScannedTicketSerializer(ResponseSerializer):
    """A ticket as door staff see it."""  # renders a tickets_pb2.Ticket

    ticket_id = serializers.IntegerField(source="id")
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    status = EnumField(TICKET_STATUS)
    holder_name = serializers.CharField()
    checked_in_at = TimestampField(allow_null=True)


class CheckInConflictSerializer(ErrorSerializer):
    """A ticket that cannot be admitted (again)."""

    checked_in_at = serializers.DateTimeField(
        required=False, help_text="With `already_checked_in`: when the ticket was first scanned in."
    )


class SoldOutTypeSerializer(ResponseSerializer):
    """A ticket type of the order that did not fit."""

    ticket_type_id = serializers.IntegerField()
    available = serializers.IntegerField(help_text="Seats of it left.")


class ReserveConflictSerializer(ErrorSerializer):
    """Seats that cannot be held. Some codes add facts beside `detail` and `code`."""

    ticket_types = SoldOutTypeSerializer(
        many=True,
        required=False,
        help_text="With `sold_out`: every ticket type of the order that did not fit, with the seats it has left.",
    )
    ticket_type_id = serializers.IntegerField(
        required=False, help_text="With `customer_limit_reached`: the ticket type whose limit it is."
    )
    max_per_customer = serializers.IntegerField(
        required=False, help_text="With `customer_limit_reached`: the type's limit per customer."
    )
    held_and_bought = serializers.IntegerField(
        required=False, help_text="With `customer_limit_reached`: the caller's held and paid seats of the type."
    )
    sales_start = serializers.DateTimeField(
        required=False, help_text="With `sales_not_started`: when the type's sales open."
    )
    uses_left = serializers.IntegerField(
        required=False, help_text="With `voucher_used_up`: the seats the voucher may still discount."
    )
    valid_from = serializers.DateTimeField(
        required=False, allow_null=True, help_text="With `voucher_expired`: when the voucher's validity begins."
    )
    valid_until = serializers.DateTimeField(
        required=False, allow_null=True, help_text="With `voucher_expired`: when the voucher's validity ends."
    )


class PaymentDeclinedSerializer(ErrorSerializer):
    """A declined card."""

    decline_reason = serializers.CharField(help_text="Why the card was declined, e.g. insufficient_funds.")


def idempotency_key(request) -> str:
    """The request's optional Idempotency-Key header ("" when absent); too long is a 400."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise serializers.ValidationError(
            {"Idempotency-Key": [f"Ensure this header has no more than {IDEMPOTENCY_KEY_MAX_LENGTH} characters."]}
        )
    return key


class ReserveLineSerializer(serializers.Serializer):
    """A line of an order: `quantity` seats of a ticket type."""

    ticket_type_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    # The per-order limit of the ticket type (at most 100) is the tickets service's to check.
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    attendees = serializers.ListField(
        child=serializers.CharField(max_length=MAX_NAME_LENGTH, allow_blank=True),
        max_length=MAX_QUANTITY,
        required=False,
        help_text="Optional: the holder's name of each seat, in seat order, shown on its ticket; at most "
        "`quantity` names; a missing or blank one is the buyer's full name.",
    )

    def validate(self, data: dict) -> dict:
        if len(data.get("attendees", [])) > data["quantity"]:
            raise serializers.ValidationError(
                {"attendees": [f"Give at most one name per seat ({data['quantity']} in all)."]}
            )
        return data


class VoucherCodeSerializer(serializers.Serializer):
    """The optional voucher code of a reservation."""

    voucher = serializers.CharField(
        max_length=MAX_VOUCHER_CODE_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A voucher code of the event (any case): it discounts the seats of the lines it applies to, one "
        "use per seat, and opens the hidden ticket types it unlocks.",
    )


class OneTypeReserveSerializer(VoucherCodeSerializer):
    """An order of one ticket type: `quantity` seats of it."""

    ticket_type_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class LinesReserveSerializer(VoucherCodeSerializer):
    """An order of one or more ticket types of one event and one currency, a line each: all held, or none."""

    # A ListField rather than many=True: the schema then gives the list's bounds.
    lines = serializers.ListField(child=ReserveLineSerializer(), min_length=1, max_length=MAX_LINES)


class ReserveSerializer(OneTypeReserveSerializer, LinesReserveSerializer):
    """Either form of a reservation (RESERVE_REQUEST documents them): `ticket_type_id` and `quantity`, or
    `lines`. A line's errors name it: `lines[1].quantity`, as the tickets service's do."""

    def run_validation(self, data=empty):
        # The form given decides which fields are required; giving both is refused by validate(). Set for
        # each body, not once in get_fields: an idle serializer (api.bodies.validated) validates both forms.
        lines_form = isinstance(data, Mapping) and "lines" in data
        for name in ("ticket_type_id", "quantity"):
            self.fields[name].required = not lines_form
        self.fields["lines"].required = lines_form
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError(flat_errors(exc.detail)) from None

    def validate(self, data: dict) -> dict:
        if "lines" in data and ("ticket_type_id" in data or "quantity" in data):
            raise serializers.ValidationError(
                {"lines": ["Give either lines or ticket_type_id and quantity, not both."]}
            )
        first_line_of: dict[int, int] = {}
        for index, line in enumerate(data.get("lines", [])):
            first = first_line_of.setdefault(line["ticket_type_id"], index)
            if first != index:
                raise serializers.ValidationError(
                    {f"lines[{index}].ticket_type_id": [f"This ticket type is already in lines[{first}]."]}
                )
        return data


def reserve_request(data: dict, user, key: str) -> tickets_pb2.ReserveSeatsRequest:
    """The ReserveSeats request of `user`'s reservation `data` (ReserveSerializer's validated data), with
    Idempotency-Key `key`."""
    return tickets_pb2.ReserveSeatsRequest(
        ticket_type_id=data.get("ticket_type_id", 0),
        quantity=data.get("quantity", 0),
        lines=[
            tickets_pb2.ReserveLine(
                ticket_type_id=line["ticket_type_id"],
                quantity=line["quantity"],
                attendees=line.get("attendees", []),
            )
            for line in data.get("lines", [])
        ],
        idempotency_key=key,
        email=user.email,
        full_name=user.full_name,
        voucher=data.get("voucher", ""),
    )


# What POST /api/orders/ takes: one form or the other.
RESERVE_REQUEST = PolymorphicProxySerializer(
    component_name="Reservation",
    serializers=[OneTypeReserveSerializer, LinesReserveSerializer],
    resource_type_field_name=None,
)


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation errors as one field -> messages map, each field named by its path:
    {"lines": [{}, {"quantity": [...]}]} -> {"lines[1].quantity": [...]}; a list's own errors
    ({"lines": {"non_field_errors": [...]}}) name the list ("lines")."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                name = prefix
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in flat_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        return {prefix: list(detail)} if detail else {}
    if isinstance(detail, list):
        return flat_errors(dict(enumerate(detail)), prefix)
    return {prefix: [str(detail)]}


class CardSerializer(serializers.Serializer):
    """Card data as typed: spaces and dashes in the number are allowed and stripped.
    The payments service also checks the Luhn digit and the expiry date."""

    card_number = serializers.CharField(max_length=40)
    exp_month = serializers.IntegerField(min_value=1, max_value=12)
    exp_year = serializers.IntegerField(min_value=0, max_value=9999)
    cvc = serializers.CharField(max_length=4, min_length=3)

    def validate_card_number(self, value: str) -> str:
        digits = _CARD_SEPARATORS.sub("", value)
        if not _CARD_NUMBER.fullmatch(digits):
            raise serializers.ValidationError("Enter a card number of 12 to 19 digits.")
        return digits

    def validate_cvc(self, value: str) -> str:
        if not _CVC.fullmatch(value):
            raise serializers.ValidationError("Enter the 3 or 4 digit security code.")
        return value


def pay_request(card: dict, order_id: int) -> tickets_pb2.PayOrderRequest:
    """The PayOrder request of the order `order_id` with `card` (CardSerializer's validated data)."""
    message = tickets_pb2.Card(
        number=card["card_number"], exp_month=card["exp_month"], exp_year=card["exp_year"], cvc=card["cvc"]
    )
    return tickets_pb2.PayOrderRequest(order_id=order_id, card=message)


class CheckInSerializer(serializers.Serializer):
    # Generous: anything a scanner reads that is not a ticket is answered "invalid_ticket" by the service.
    code = serializers.CharField(max_length=1000)


# --- the organizer's desk: an event's orders and attendees -------------------------------------------


class EventOrderQuerySerializer(PageQuerySerializer):
    """The filters of an event's orders; every one optional."""

    status = serializers.ChoiceField(
        choices=ORDER_STATUS.names,
        required=False,
        allow_blank=True,
        default="",
        help_text="Only orders of this status.",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        default="",
        help_text="Text in the buyer's email or full name, ignoring case.",
    )
    ticket_type = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only orders with a line of this ticket type."
    )

    def list_request(self, event_id: int) -> tickets_pb2.ListEventOrdersRequest:
        data = self.validated_data
        return tickets_pb2.ListEventOrdersRequest(
            event_id=event_id,
            page_size=data["page_size"],
            page_token=data["cursor"],
            status=data["status"],
            query=data["q"],
            ticket_type_id=data.get("ticket_type", 0),
        )


class RefundSerializer(serializers.Serializer):
    """What to refund: `tickets` of the order, or (without them) the whole order."""

    tickets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        allow_empty=True,
        max_length=1000,
        help_text="Ids of the order's tickets to refund; absent or empty: the whole order.",
    )

    def run_validation(self, data=empty):
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:  # an element's error is named by its path: tickets[1]
            raise serializers.ValidationError(flat_errors(exc.detail)) from None

    def refund_request(self, event_id: int, order_id: int) -> tickets_pb2.RefundOrderRequest:
        return tickets_pb2.RefundOrderRequest(
            event_id=event_id, order_id=order_id, ticket_ids=self.validated_data.get("tickets", [])
        )


class TicketsCheckedInSerializer(ErrorSerializer):
    """409 `ticket_checked_in`: the tickets checked in, which cannot be refunded."""

    ticket_ids = serializers.ListField(child=serializers.IntegerField(), required=False)
