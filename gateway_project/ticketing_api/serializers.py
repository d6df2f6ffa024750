"""Shapes of the ticketing API (orders, tickets, check-ins): what a request may carry and how
orders and tickets look in JSON. Business rules (seats left, per-order limit, Luhn check and
expiry of a card, who owns what) are the tickets and payments services' to check."""

import re

from rest_framework import serializers

from gateway_project.api.openapi import AmountField, ErrorSerializer, ResponseSerializer
from gateway_project.api.pagination import NextPageField
from gateway_project.api.protos import ORDER_STATUS, TICKET_STATUS, EnumField, TimestampField
from protos.tickets.v1 import tickets_pb2

MAX_ID = 999_999_999_999_999_999  # the largest id the `id` path converter routes
IDEMPOTENCY_KEY_MAX_LENGTH = 128

_CARD_SEPARATORS = re.compile(r"[ -]")
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")
_CVC = re.compile(r"[0-9]{3,4}")


class TicketSerializer(ResponseSerializer):
    """A ticket. `code` is the signed admission code its QR images carry."""  # renders a tickets_pb2.Ticket

    id = serializers.IntegerField()
    order_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    code = serializers.CharField()
    status = EnumField(TICKET_STATUS)
    checked_in_at = TimestampField(allow_null=True, help_text="When it was scanned in; null until then.")
    holder_name = serializers.CharField()


class PaymentSummarySerializer(ResponseSerializer):
    """The card an order was paid with."""

    brand = serializers.CharField(help_text="Card brand, e.g. visa.")
    last4 = serializers.CharField(help_text="Last 4 digits of the card (nothing else of it is kept).")


class OrderSerializer(ResponseSerializer):
    """An order. Its tickets are listed once it is paid."""  # renders a tickets_pb2.Order

    id = serializers.IntegerField()
    status = EnumField(ORDER_STATUS)
    event_id = serializers.IntegerField()
    ticket_type_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    unit_price = AmountField()
    total = AmountField()
    currency = serializers.CharField()
    expires_at = TimestampField(allow_null=True, help_text="When the seat hold of a reserved order lapses.")
    email = serializers.EmailField()
    full_name = serializers.CharField()
    created_at = TimestampField(allow_null=True)
    paid_at = TimestampField(allow_null=True)
    tickets = TicketSerializer(many=True)
    payment = PaymentSummarySerializer(allow_null=True, help_text="The card charged; null until paid.")
    refunded_amount = AmountField()


class OrderPageSerializer(ResponseSerializer):
    """A page of orders."""  # renders a tickets_pb2.ListOrdersResponse (context: the request)

    results = OrderSerializer(many=True, source="orders")
    next = NextPageField()


class TicketPageSerializer(ResponseSerializer):
    """A page of tickets."""  # renders a tickets_pb2.ListTicketsResponse (context: the request)

    results = TicketSerializer(many=True, source="tickets")
    next = NextPageField()


class CheckInResultSerializer(ResponseSerializer):
    """An admitted ticket."""  # renders a tickets_pb2.CheckInResponse

    ticket_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    checked_in_at = TimestampField(allow_null=True)
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
