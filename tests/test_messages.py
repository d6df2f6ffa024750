"""Rows to proto messages and back to names (servicekit.messages), and pages of a listing as their
List*Response (servicekit.pagination): pure functions, no server.

    python gateway_project/manage.py test tests.test_messages
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.test import SimpleTestCase

from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.messages import UNKNOWN, EnumNames, message_from
from servicekit.pagination import Page, message_fields, page_message
from servicekit.timestamps import to_timestamp

WHEN = datetime(2031, 5, 6, 19, 0, tzinfo=UTC)


@dataclass
class PaymentRow:
    id: int = 7
    order_id: int = 3
    status: str = "refunded"
    amount: Decimal = Decimal("25")
    currency: str = "EUR"
    brand: str = "visa"
    last4: str = "4242"
    decline_reason: str = ""
    refunded_amount: object = Decimal("25.5")
    created_at: datetime = WHEN
    refunded_at: datetime | None = None
    description: str = "not in the message"


class EnumNamesTest(SimpleTestCase):
    def test_a_value_is_named_by_its_name_without_the_enums_prefix_in_lower_case(self):
        names = EnumNames.of(tickets_pb2.OrderStatus)

        self.assertEqual(names.name(tickets_pb2.ORDER_STATUS_REFUND_PENDING), "refund_pending")
        self.assertEqual(names.number("refund_pending"), tickets_pb2.ORDER_STATUS_REFUND_PENDING)

    def test_names_follow_the_protos_order_without_the_zero_value(self):
        self.assertEqual(EnumNames.of(events_pb2.EventStatus).names, ["published", "cancelled"])

    def test_zero_and_values_of_a_newer_proto_are_unknown(self):
        names = EnumNames.of(tickets_pb2.TicketStatus)

        self.assertEqual((names.name(0), names.name(99)), (UNKNOWN, UNKNOWN))

    def test_a_name_the_proto_lacks_has_no_number(self):
        with self.assertRaises(KeyError):
            EnumNames.of(payments_pb2.PaymentStatus).number("processing")


class MessageFromTest(SimpleTestCase):
    def test_each_field_takes_the_rows_attribute_of_its_name(self):
        message = message_from(payments_pb2.Payment, PaymentRow())

        self.assertEqual((message.id, message.order_id, message.currency, message.last4), (7, 3, "EUR", "4242"))

    def test_a_choice_value_becomes_the_enum_value_of_its_name(self):
        message = message_from(payments_pb2.Payment, PaymentRow())

        self.assertEqual(message.status, payments_pb2.PAYMENT_STATUS_REFUNDED)

    def test_money_travels_as_text_with_two_decimals_a_new_rows_zero_too(self):
        message = message_from(payments_pb2.Payment, PaymentRow(refunded_amount=0))

        self.assertEqual((message.amount, message.refunded_amount), ("25.00", "0.00"))

    def test_a_datetime_is_a_timestamp_and_none_leaves_the_field_unset(self):
        message = message_from(payments_pb2.Payment, PaymentRow())

        self.assertEqual(message.created_at.ToDatetime(tzinfo=UTC), WHEN)
        self.assertFalse(message.HasField("refunded_at"))

    def test_given_values_win_over_the_rows_attributes(self):
        message = message_from(payments_pb2.Payment, PaymentRow(), currency="USD", status=None)

        self.assertEqual((message.currency, message.status), ("USD", 0))

    def test_a_choice_value_the_proto_lacks_is_an_error_not_a_wrong_status(self):
        with self.assertRaises(KeyError):
            message_from(payments_pb2.Payment, PaymentRow(status="processing"))


class PageMessageTest(SimpleTestCase):
    def test_a_page_fills_the_responses_repeated_field_and_its_next_token(self):
        page = Page([PaymentRow(id=9), PaymentRow(id=8)], "8")

        response = page_message(
            payments_pb2.ListPaymentsResponse, page, lambda row: message_from(payments_pb2.Payment, row)
        )

        self.assertEqual([payment.id for payment in response.payments], [9, 8])
        self.assertEqual(response.next_page_token, "8")

    def test_a_list_requests_fields_are_keyword_arguments_by_name(self):
        request = tickets_pb2.ListOrdersRequest(page_size=5, status="paid", email_query="ann")

        self.assertEqual(
            message_fields(request),
            {
                "page_size": 5,
                "page_token": "",
                "all_users": False,
                "status": "paid",
                "event_id": 0,
                "email_query": "ann",
                "order_by": "",
                "with_total_count": False,
                "created_after": None,
                "created_before": None,
                "date_hierarchy": "",
                "time_zone": "",
            },
        )

    def test_a_list_requests_timestamp_is_a_datetime_and_none_while_unset(self):
        request = tickets_pb2.ListOrdersRequest(created_after=to_timestamp(WHEN))

        fields = message_fields(request)

        self.assertEqual((fields["created_after"], fields["created_before"]), (WHEN, None))

    def test_a_counted_page_gives_its_total_count(self):
        page = Page([PaymentRow(id=9)], "", total_count=1234)

        response = page_message(
            payments_pb2.ListPaymentsResponse, page, lambda row: message_from(payments_pb2.Payment, row)
        )

        self.assertEqual(response.total_count, 1234)
