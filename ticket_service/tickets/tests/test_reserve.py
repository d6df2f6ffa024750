"""ReserveSeats: a customer holds seats for ORDER_HOLD_SECONDS, never more than exist."""

import time
from datetime import timedelta

from django.test import override_settings
from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from servicekit.timestamps import from_timestamp
from ticket_service.tickets.models import Order
from ticket_service.tickets.tests.support import TicketServiceTestCase, from_now


class ReserveSeatsTests(TicketServiceTestCase):
    def test_reservation_returns_a_reserved_order_priced_from_the_ticket_type(self):
        ticket_type = self.make_ticket_type(price="25.50", currency="EUR")

        response = self.reserve(ticket_type.id, 3)

        order = response.order
        self.assertTrue(response.created)
        self.assertEqual(order.status, tickets_pb2.ORDER_STATUS_RESERVED)
        self.assertEqual((order.ticket_type_id, order.event_id), (ticket_type.id, ticket_type.event_id))
        self.assertEqual(order.user_id, self.CUSTOMER.user_id)
        self.assertEqual(order.quantity, 3)
        self.assertEqual(order.unit_price, "25.50")
        self.assertEqual(order.total, "76.50")
        self.assertEqual(order.currency, "EUR")
        self.assertEqual(list(order.tickets), [])
        self.assertFalse(order.HasField("paid_at"))

    @override_settings(ORDER_HOLD_SECONDS=300)
    def test_hold_expires_order_hold_seconds_after_the_reservation(self):
        ticket_type = self.make_ticket_type()
        before = from_now()

        order = self.reserve_order(ticket_type.id)

        expires_at = from_timestamp(order.expires_at)
        self.assertGreaterEqual(expires_at, before + timedelta(seconds=300) - timedelta(seconds=1))
        self.assertLessEqual(expires_at, from_now(seconds=300 + 1))
        self.assertEqual(self.order_row(order.id).expires_at, expires_at)

    def test_buyers_email_and_full_name_are_stored(self):
        ticket_type = self.make_ticket_type()

        order = self.reserve(ticket_type.id, email="ada@example.com", full_name="Ada Lovelace").order

        self.assertEqual((order.email, order.full_name), ("ada@example.com", "Ada Lovelace"))
        row = self.order_row(order.id)
        self.assertEqual((row.email, row.full_name), ("ada@example.com", "Ada Lovelace"))

    def test_reserved_seats_are_held_and_no_longer_available(self):
        ticket_type = self.make_ticket_type(capacity=10)

        self.reserve(ticket_type.id, 4)

        row = self.row(ticket_type.id)
        self.assertEqual((row.held, row.sold, row.available), (4, 0, 6))

    def test_organizer_caller_is_permission_denied(self):
        ticket_type = self.make_ticket_type()

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "ReserveSeats",
            self.ORGANIZER,
            ticket_type_id=ticket_type.id,
            quantity=1,
        )
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_anonymous_caller_is_permission_denied(self):
        ticket_type = self.make_ticket_type()

        self.assertFails(
            StatusCode.PERMISSION_DENIED, None, "ReserveSeats", None, ticket_type_id=ticket_type.id, quantity=1
        )

    def test_quantity_0_is_invalid_argument(self):
        ticket_type = self.make_ticket_type()

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ReserveSeats", self.CUSTOMER, ticket_type_id=ticket_type.id, quantity=0
        )

        self.assertEqual(list(error.field_errors), ["quantity"])
        self.assertFalse(Order.objects.exists())

    def test_quantity_above_max_per_order_is_invalid_argument(self):
        ticket_type = self.make_ticket_type(capacity=50, max_per_order=4)

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ReserveSeats", self.CUSTOMER, ticket_type_id=ticket_type.id, quantity=5
        )

        self.assertEqual(list(error.field_errors), ["quantity"])
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_quantity_equal_to_max_per_order_is_allowed(self):
        ticket_type = self.make_ticket_type(capacity=50, max_per_order=4)

        self.assertEqual(self.reserve_order(ticket_type.id, 4).quantity, 4)

    def test_unknown_ticket_type_is_not_found(self):
        self.assertFails(
            StatusCode.NOT_FOUND, None, "ReserveSeats", self.CUSTOMER, ticket_type_id=987654321, quantity=1
        )

    def test_more_seats_than_available_is_failed_precondition_sold_out(self):
        ticket_type = self.make_ticket_type(capacity=5)
        self.reserve(ticket_type.id, 3, self.OTHER_CUSTOMER)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "sold_out",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=3,
        )
        self.assertEqual(self.row(ticket_type.id).held, 3)
        self.assertEqual(Order.objects.filter(user_id=self.CUSTOMER.user_id).count(), 0)

    def test_the_last_seats_can_be_reserved(self):
        ticket_type = self.make_ticket_type(capacity=5)
        self.reserve(ticket_type.id, 3, self.OTHER_CUSTOMER)

        self.reserve(ticket_type.id, 2)

        self.assertEqual(self.row(ticket_type.id).available, 0)

    def test_cancelled_event_is_failed_precondition_event_cancelled(self):
        ticket_type = self.make_ticket_type()
        self.cancel_event(ticket_type.event_id)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "event_cancelled",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
        )

    def test_started_event_is_failed_precondition_event_started(self):
        # The events service refuses past starts: create one starting very soon, then wait for it.
        starts_at = from_now(seconds=1.5)
        ticket_type = self.make_ticket_type(event_id=self.make_event(starts_at=starts_at).id)
        time.sleep(max(0.0, (starts_at - from_now()).total_seconds()) + 0.2)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "event_started",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
        )
        self.assertEqual(self.row(ticket_type.id).held, 0)


class IdempotentReservationTests(TicketServiceTestCase):
    def test_same_key_twice_returns_the_same_order_and_holds_nothing_more(self):
        ticket_type = self.make_ticket_type(capacity=10)
        first = self.reserve(ticket_type.id, 2, idempotency_key="key-1")

        second = self.reserve(ticket_type.id, 2, idempotency_key="key-1")

        self.assertTrue(first.created)
        self.assertFalse(second.created)
        self.assertEqual(second.order.id, first.order.id)
        self.assertEqual(self.row(ticket_type.id).held, 2)
        self.assertEqual(Order.objects.count(), 1)

    def test_same_key_with_a_different_quantity_is_idempotency_key_reused(self):
        ticket_type = self.make_ticket_type(capacity=10)
        self.reserve(ticket_type.id, 2, idempotency_key="key-1")

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "idempotency_key_reused",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=3,
            idempotency_key="key-1",
        )
        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_same_key_for_another_ticket_type_is_idempotency_key_reused(self):
        ticket_type = self.make_ticket_type()
        other_type = self.make_ticket_type(event_id=ticket_type.event_id, name="Balcony")
        self.reserve(ticket_type.id, 1, idempotency_key="key-1")

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "idempotency_key_reused",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=other_type.id,
            quantity=1,
            idempotency_key="key-1",
        )
        self.assertEqual(self.row(other_type.id).held, 0)

    def test_same_key_from_another_customer_is_another_order(self):
        ticket_type = self.make_ticket_type(capacity=10)
        first = self.reserve(ticket_type.id, 1, idempotency_key="key-1")

        second = self.reserve(ticket_type.id, 1, self.OTHER_CUSTOMER, idempotency_key="key-1")

        self.assertTrue(second.created)
        self.assertNotEqual(second.order.id, first.order.id)
        self.assertEqual(self.row(ticket_type.id).held, 2)

    def test_reservations_without_a_key_are_never_replays(self):
        ticket_type = self.make_ticket_type(capacity=10)
        first = self.reserve(ticket_type.id, 1)

        second = self.reserve(ticket_type.id, 1)

        self.assertTrue(second.created)
        self.assertNotEqual(second.order.id, first.order.id)
        self.assertEqual(self.row(ticket_type.id).held, 2)


class ExpiredHoldsOnReservationTests(TicketServiceTestCase):
    def test_expired_holds_of_the_type_are_released_by_the_next_reservation(self):
        ticket_type = self.make_ticket_type(capacity=3)
        stale = self.reserve_order(ticket_type.id, 3, self.OTHER_CUSTOMER)
        self.expire(stale.id)

        order = self.reserve_order(ticket_type.id, 3)

        self.assertEqual(order.status, tickets_pb2.ORDER_STATUS_RESERVED)
        self.assertEqual(self.order_row(stale.id).status, Order.Status.EXPIRED)
        row = self.row(ticket_type.id)
        self.assertEqual((row.held, row.sold), (3, 0))

    def test_holds_not_yet_expired_are_kept(self):
        ticket_type = self.make_ticket_type(capacity=3)
        current = self.reserve_order(ticket_type.id, 3, self.OTHER_CUSTOMER)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "sold_out",
            "ReserveSeats",
            self.CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
        )
        self.assertEqual(self.order_row(current.id).status, Order.Status.RESERVED)
