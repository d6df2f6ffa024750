"""Shapes of the ticketing API (orders, tickets, check-ins): what a request may carry and how
orders and tickets look in JSON. Business rules (seats left, per-order limit, Luhn check and
expiry of a card, who owns what) are the tickets and payments services' to check."""

import re

from rest_framework import serializers

from gateway_project.api.openapi import AmountField, ErrorSerializer, ResponseSerializer
from gateway_project.events_api.serializers import iso
from protos.tickets.v1 import tickets_pb2

MAX_ID = 999_999_999_999_999_999  # the largest id the `id` path converter routes
IDEMPOTENCY_KEY_MAX_LENGTH = 128

ORDER_STATUS_NAMES = {
    tickets_pb2.ORDER_STATUS_RESERVED: "reserved",
    tickets_pb2.ORDER_STATUS_PAID: "paid",
    tickets_pb2.ORDER_STATUS_CANCELLED: "cancelled",
    tickets_pb2.ORDER_STATUS_EXPIRED: "expired",
    tickets_pb2.ORDER_STATUS_REFUND_PENDING: "refund_pending",
    tickets_pb2.ORDER_STATUS_REFUNDED: "refunded",
}
TICKET_STATUS_NAMES = {
    tickets_pb2.TICKET_STATUS_VALID: "valid",
    tickets_pb2.TICKET_STATUS_CHECKED_IN: "checked_in",
    tickets_pb2.TICKET_STATUS_VOID: "void",
}

_CARD_SEPARATORS = re.compile(r"[ -]")
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")
_CVC = re.compile(r"[0-9]{3,4}")


def _optional_iso(message, field: str) -> str | None:
    return iso(getattr(message, field)) if message.HasField(field) else None


def ticket_json(ticket: tickets_pb2.Ticket) -> dict:
    return {
        "id": ticket.id,
        "order_id": ticket.order_id,
        "event_id": ticket.event_id,
        "ticket_type_id": ticket.ticket_type_id,
        "code": ticket.code,
        "status": TICKET_STATUS_NAMES.get(ticket.status, "unknown"),
        "checked_in_at": _optional_iso(ticket, "checked_in_at"),
        "holder_name": ticket.holder_name,
    }


def order_json(order: tickets_pb2.Order) -> dict:
    payment = {"brand": order.payment.brand, "last4": order.payment.last4} if order.HasField("payment") else None
    return {
        "id": order.id,
        "status": ORDER_STATUS_NAMES.get(order.status, "unknown"),
        "event_id": order.event_id,
        "ticket_type_id": order.ticket_type_id,
        "quantity": order.quantity,
        "unit_price": order.unit_price,
        "total": order.total,
        "currency": order.currency,
        "expires_at": _optional_iso(order, "expires_at"),
        "email": order.email,
        "full_name": order.full_name,
        "created_at": _optional_iso(order, "created_at"),
        "paid_at": _optional_iso(order, "paid_at"),
        "tickets": [ticket_json(ticket) for ticket in order.tickets],
        "payment": payment,
        "refunded_amount": order.refunded_amount,
    }


def check_in_json(response: tickets_pb2.CheckInResponse) -> dict:
    return {
        "ticket_id": response.ticket_id,
        "event_id": response.event_id,
        "checked_in_at": _optional_iso(response, "checked_in_at"),
        "holder_name": response.holder_name,
    }


class TicketSerializer(ResponseSerializer):
    """A ticket. `code` is the signed admission code its QR images carry."""  # as ticket_json shapes it

    id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=list(TICKET_STATUS_NAMES.values()))
    checked_in_at = serializers.DateTimeField(allow_null=True, help_text="When it was scanned in; null until then.")
    holder_name = serializers.CharField()


class PaymentSummarySerializer(ResponseSerializer):
    """The card an order was paid with."""

    brand = serializers.CharField(help_text="Card brand, e.g. visa.")
    last4 = serializers.CharField(help_text="Last 4 digits of the card (nothing else of it is kept).")


class OrderSerializer(ResponseSerializer):
    """An order. Its tickets are listed once it is paid."""  # as order_json shapes it

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=list(ORDER_STATUS_NAMES.values()))
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    unit_price = AmountField()
    total = AmountField()
    currency = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="When the seat hold of a reserved order lapses.")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    created_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    tickets = TicketSerializer(many=True)
    payment = PaymentSummarySerializer(allow_null=True, help_text="The card charged; null until paid.")
    refunded_amount = AmountField()


class OrderPageSerializer(ResponseSerializer):
    """A page of orders."""

    results = OrderSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")


class TicketPageSerializer(ResponseSerializer):
    """A page of tickets."""

    results = TicketSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page's URL; null on the last page.")


class CheckInResultSerializer(ResponseSerializer):
    """An admitted ticket."""  # as check_in_json shapes it

    ticket_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    holder_name = serializers.CharField()


class CheckInConflictSerializer(ErrorSerializer):
    """A ticket that cannot be admitted (again)."""

    checked_in_at = serializers.DateTimeField(
        required=False, help_text="With `already_checked_in`: when the ticket was first scanned in."
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


class ReserveSerializer(serializers.Serializer):
    ticket_type_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    # The per-order limit of the ticket type (at most 100) is the tickets service's to check.
    quantity = serializers.IntegerField(min_value=1, max_value=100)

    def reserve_request(self, user, key: str) -> tickets_pb2.ReserveSeatsRequest:
        return tickets_pb2.ReserveSeatsRequest(
            ticket_type_id=self.validated_data["ticket_type_id"],
            quantity=self.validated_data["quantity"],
            idempotency_key=key,
            email=user.email,
            full_name=user.full_name,
        )


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

    def pay_request(self, order_id: int) -> tickets_pb2.PayOrderRequest:
        data = self.validated_data
        card = tickets_pb2.Card(
            number=data["card_number"], exp_month=data["exp_month"], exp_year=data["exp_year"], cvc=data["cvc"]
        )
        return tickets_pb2.PayOrderRequest(order_id=order_id, card=card)


class CheckInSerializer(serializers.Serializer):
    # Generous: anything a scanner reads that is not a ticket is answered "invalid_ticket" by the service.
    code = serializers.CharField(max_length=1000)
