"""Orders with lines: one order, one payment, seats of several ticket types of one event, each seat
with its holder's name. All the lines' seats are held in one transaction, or none are."""

import importlib

from django.apps import apps
from grpc import StatusCode

from protos.events.v1 import events_pb2
from protos.payments.v1 import payments_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit.timestamps import to_timestamp
from ticket_service.tickets.models import CustomerSeats, Order, OrderLine, Ticket, TicketType
from ticket_service.tickets.services import cancellation, holds, payments
from ticket_service.tickets.tests.support import TicketServiceTestCase, from_now, reserve_line
from ticket_service.tickets.tests.test_expiry_sweep import LONG_AGO


class OrderLinesTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.adult = self.make_ticket_type(event_id=self.event.id, name="Adult", price="30.00", capacity=10)
        self.child = self.make_ticket_type(event_id=self.event.id, name="Child", price="12.50", capacity=10)

    def family_order(self, caller=None, **fields) -> tickets_pb2.Order:
        """2 adults (Ann, Bob) and a child: 72.50 USD."""
        return self.reserve_lines([(self.adult.id, 2, "Ann", "Bob"), (self.child.id, 1)], caller, **fields).order

    def held(self) -> tuple[int, int]:
        return self.row(self.adult.id).held, self.row(self.child.id).held

    def sold(self) -> tuple[int, int]:
        return self.row(self.adult.id).sold, self.row(self.child.id).sold

    def assertInvalid(self, field: str, lines: list, **fields) -> None:
        """Reserving `lines` is INVALID_ARGUMENT naming `field`, and holds nothing."""
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ReserveSeats",
            self.CUSTOMER,
            lines=[reserve_line(*line) for line in lines],
            **fields,
        )
        self.assertIn(field, error.field_errors, error.field_errors)
        self.assertFalse(Order.objects.filter(user_id=self.CUSTOMER.user_id).exists())


class ReserveLinesTests(OrderLinesTestCase):
    def test_an_order_of_two_types_holds_the_seats_of_both(self):
        order = self.family_order()

        self.assertEqual(self.held(), (2, 1))
        self.assertEqual((order.status, order.event_id), (tickets_pb2.ORDER_STATUS_RESERVED, self.event.id))
        self.assertEqual((order.quantity, order.total, order.currency), (3, "72.50", "USD"))

    def test_an_order_of_several_lines_has_no_ticket_type_nor_unit_price_of_its_own(self):
        order = self.family_order()

        self.assertEqual((order.ticket_type_id, order.unit_price), (0, ""))
        row = self.order_row(order.id)
        self.assertEqual((row.ticket_type_id, row.unit_price), (None, None))

    def test_each_line_has_its_type_price_discount_total_and_holders(self):
        order = self.family_order()

        self.assertEqual(
            [
                (line.ticket_type_id, line.name, line.quantity, line.unit_price, line.discount, line.total)
                for line in order.lines
            ],
            [
                (self.adult.id, "Adult", 2, "30.00", "0.00", "60.00"),
                (self.child.id, "Child", 1, "12.50", "0.00", "12.50"),
            ],
        )
        self.assertEqual([list(line.attendees) for line in order.lines], [["Ann", "Bob"], [order.full_name]])

    def test_lines_given_in_any_order_come_back_by_ascending_ticket_type(self):
        order = self.reserve_lines([(self.child.id, 1), (self.adult.id, 2)]).order

        self.assertEqual([line.ticket_type_id for line in order.lines], [self.adult.id, self.child.id])

    def test_an_order_of_one_line_keeps_its_type_and_unit_price(self):
        order = self.reserve_lines([(self.child.id, 2)]).order

        self.assertEqual((order.ticket_type_id, order.unit_price, order.total), (self.child.id, "12.50", "25.00"))

    def test_the_one_type_form_is_an_order_of_one_line(self):
        order = self.reserve_order(self.adult.id, 2)

        [line] = order.lines
        self.assertEqual((line.ticket_type_id, line.quantity, line.total), (self.adult.id, 2, "60.00"))
        self.assertEqual(list(line.attendees), [order.full_name] * 2)
        self.assertEqual(OrderLine.objects.get(order_id=order.id).quantity, 2)

    def test_the_order_reads_back_and_lists_with_its_lines(self):
        reserved = self.family_order()

        read = self.call("GetOrder", self.CUSTOMER, order_id=reserved.id)
        [listed] = self.call("ListOrders", self.CUSTOMER).orders

        self.assertEqual(list(read.lines), list(reserved.lines))
        self.assertEqual(list(listed.lines), list(reserved.lines))


class AllOrNothingTests(OrderLinesTestCase):
    def test_a_line_that_does_not_fit_holds_nothing_of_any_line(self):
        self.reserve_order(self.child.id, 9, self.OTHER_CUSTOMER)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sold_out", "ReserveSeats", self.CUSTOMER,
            lines=[reserve_line(self.adult.id, 2), reserve_line(self.child.id, 2)],
        )  # fmt: skip

        self.assertEqual(error.extra, {"ticket_types": [{"ticket_type_id": self.child.id, "available": 1}]})
        self.assertEqual(self.held(), (0, 9))
        self.assertFalse(Order.objects.filter(user_id=self.CUSTOMER.user_id).exists())

    def test_sold_out_names_every_type_that_did_not_fit_with_what_is_left(self):
        self.reserve_lines([(self.adult.id, 9), (self.child.id, 10)], self.OTHER_CUSTOMER)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sold_out", "ReserveSeats", self.CUSTOMER,
            lines=[reserve_line(self.child.id, 1), reserve_line(self.adult.id, 2)],
        )  # fmt: skip

        self.assertEqual(
            error.extra["ticket_types"],
            [{"ticket_type_id": self.adult.id, "available": 1}, {"ticket_type_id": self.child.id, "available": 0}],
        )

    def test_sold_out_of_a_one_type_order_names_its_type(self):
        self.reserve_order(self.adult.id, 9, self.OTHER_CUSTOMER)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sold_out", "ReserveSeats", self.CUSTOMER,
            ticket_type_id=self.adult.id, quantity=2,
        )  # fmt: skip

        self.assertEqual(error.extra, {"ticket_types": [{"ticket_type_id": self.adult.id, "available": 1}]})

    def test_the_seat_guard_refusing_a_later_line_gives_back_the_earlier_lines_seats(self):
        # The rows as read let the order through; the guard, in the transaction, refuses the child line.
        rows = TicketType.objects.in_bulk([self.adult.id, self.child.id])
        lines = [
            OrderLine(ticket_type=rows[self.adult.id], quantity=2, unit_price=30, total=60, attendees=[]),
            OrderLine(ticket_type=rows[self.child.id], quantity=11, unit_price=12, total=132, attendees=[]),
        ]

        with self.assertRaises(holds.SoldOut) as raised:
            holds._hold_seats(lines, {})

        self.assertEqual(raised.exception.extra["ticket_types"], [{"ticket_type_id": self.child.id, "available": 10}])
        self.assertEqual(self.held(), (0, 0))

    def test_a_line_past_its_types_customer_limit_holds_nothing_of_any_line(self):
        limited = self.make_ticket_type(event_id=self.event.id, name="Promo", capacity=10, max_per_customer=2)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "customer_limit_reached", "ReserveSeats", self.CUSTOMER,
            lines=[reserve_line(self.adult.id, 1), reserve_line(limited.id, 3)],
        )  # fmt: skip

        self.assertEqual(error.extra["ticket_type_id"], limited.id)
        self.assertEqual((self.row(self.adult.id).held, self.row(limited.id).held), (0, 0))
        self.assertFalse(CustomerSeats.objects.filter(user_id=self.CUSTOMER.user_id, seats__gt=0).exists())

    def test_a_line_outside_its_sale_window_holds_nothing_of_any_line(self):
        later = self.make_ticket_type(event_id=self.event.id, name="Late", sales_start=to_timestamp(from_now(days=1)))

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sales_not_started", "ReserveSeats", self.CUSTOMER,
            lines=[reserve_line(self.adult.id, 1), reserve_line(later.id, 1)],
        )  # fmt: skip

        self.assertEqual(self.row(self.adult.id).held, 0)

    def test_an_unknown_type_in_a_line_is_not_found_and_holds_nothing(self):
        self.assertFails(
            StatusCode.NOT_FOUND, "not_found", "ReserveSeats", self.CUSTOMER,
            lines=[reserve_line(self.adult.id, 1), reserve_line(999_999_999, 1)],
        )  # fmt: skip

        self.assertEqual(self.held(), (0, 0))


class InvalidLinesTests(OrderLinesTestCase):
    def test_both_forms_at_once_are_invalid(self):
        self.assertInvalid("lines", [(self.adult.id, 1)], ticket_type_id=self.adult.id, quantity=1)

    def test_more_than_twenty_lines_are_invalid(self):
        self.assertInvalid("lines", [(type_id, 1) for type_id in range(1, 22)])

    def test_a_type_in_two_lines_is_invalid_naming_the_second(self):
        self.assertInvalid("lines[1].ticket_type_id", [(self.adult.id, 1), (self.adult.id, 2)])

    def test_a_line_of_no_seats_is_invalid_naming_it(self):
        self.assertInvalid("lines[1].quantity", [(self.adult.id, 1), (self.child.id, 0)])

    def test_a_line_past_its_types_max_per_order_is_invalid_naming_it(self):
        small = self.make_ticket_type(event_id=self.event.id, name="Box", max_per_order=2)

        self.assertInvalid("lines[1].quantity", [(self.adult.id, 1), (small.id, 3)])
        self.assertEqual(self.row(self.adult.id).held, 0)

    def test_lines_of_two_events_are_invalid_naming_the_other_events_line(self):
        elsewhere = self.make_ticket_type(name="Elsewhere")

        self.assertInvalid("lines[1].ticket_type_id", [(self.adult.id, 1), (elsewhere.id, 1)])

    def test_lines_in_two_currencies_are_invalid_naming_the_other_currencys_line(self):
        euros = self.make_ticket_type(event_id=self.event.id, name="Euro seat", currency="EUR")

        self.assertInvalid("lines[1].ticket_type_id", [(self.adult.id, 1), (euros.id, 1)])

    def test_more_names_than_seats_are_invalid(self):
        self.assertInvalid("lines[0].attendees", [(self.adult.id, 1, "Ann", "Bob")])

    def test_a_name_longer_than_150_characters_is_invalid_naming_its_seat(self):
        self.assertInvalid("lines[0].attendees[1]", [(self.adult.id, 2, "Ann", "B" * 151)])

    def test_the_one_type_form_names_its_fields_as_before(self):
        small = self.make_ticket_type(event_id=self.event.id, name="Box", max_per_order=2)

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ReserveSeats", self.CUSTOMER, ticket_type_id=small.id, quantity=3
        )

        self.assertEqual(list(error.field_errors), ["quantity"])


class AttendeeTests(OrderLinesTestCase):
    def test_missing_or_blank_names_are_the_buyers_and_names_are_trimmed(self):
        order = self.reserve_lines([(self.adult.id, 3, "  Ann ", " ")], full_name="Carla Smith").order

        self.assertEqual(list(order.lines[0].attendees), ["Ann", "Carla Smith", "Carla Smith"])

    def test_paying_issues_a_ticket_per_seat_of_each_line_with_its_type_and_holder(self):
        order = self.pay(self.family_order().id)

        self.assertEqual(
            [(ticket.ticket_type_id, ticket.holder_name) for ticket in order.tickets],
            [(self.adult.id, "Ann"), (self.adult.id, "Bob"), (self.child.id, order.full_name)],
        )

    def test_check_in_answers_the_name_on_the_ticket(self):
        order = self.pay(self.family_order().id)

        admitted = self.check_in(order.tickets[1].code)

        self.assertEqual(admitted.holder_name, "Bob")


class PayLinesTests(OrderLinesTestCase):
    def test_paying_charges_the_order_total_once_and_sells_every_lines_seats(self):
        order = self.family_order()

        paid = self.pay(order.id)
        again = self.pay(order.id)

        self.assertEqual((paid.status, again.status), (tickets_pb2.ORDER_STATUS_PAID,) * 2)
        payment = self.payment_of(order.id)
        self.assertEqual((payment.amount, payment.currency), ("72.50", "USD"))
        self.assertEqual((self.sold(), self.held()), ((2, 1), (0, 0)))
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 3)

    def test_the_sales_report_gives_each_type_the_revenue_of_its_lines(self):
        self.pay(self.family_order().id)
        self.paid_order(self.child.id, 2, self.OTHER_CUSTOMER)
        self.reserve_order(self.adult.id, 1, self.OTHER_CUSTOMER)  # not paid: no revenue

        report = self.call("GetSales", self.ORGANIZER, event_id=self.event.id)

        self.assertEqual(
            {line.ticket_type_id: (line.sold, line.revenue) for line in report.ticket_types},
            {self.adult.id: (2, "60.00"), self.child.id: (3, "37.50")},
        )

    def test_the_buyers_list_counts_the_seats_of_every_line(self):
        self.pay(self.family_order().id)

        [buyer] = self.call("ListEventBuyers", None, event_id=self.event.id).buyers

        self.assertEqual((buyer.tickets, buyer.amount_paid), (3, "72.50"))


class ReleaseLinesTests(OrderLinesTestCase):
    def test_cancelling_gives_back_the_seats_of_every_line(self):
        order = self.family_order()

        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(self.held(), (0, 0))

    def test_cancelling_gives_back_the_customers_count_of_every_limited_line(self):
        limited = [
            self.make_ticket_type(event_id=self.event.id, name=f"Limited {n}", max_per_customer=3) for n in range(2)
        ]
        order = self.reserve_lines([(limited[0].id, 2), (limited[1].id, 3)]).order

        self.call("CancelOrder", self.CUSTOMER, order_id=order.id)

        seats = CustomerSeats.objects.filter(user_id=self.CUSTOMER.user_id).values_list("seats", flat=True)
        self.assertEqual(list(seats), [0, 0])

    def test_an_expired_hold_gives_back_the_seats_of_every_line(self):
        order = self.family_order()
        self.expire(order.id)

        self.assertEqual(holds.release_expired_holds(), 1)

        self.assertEqual(self.order_row(order.id).status, Order.Status.EXPIRED)
        self.assertEqual(self.held(), (0, 0))

    def test_reserving_a_type_first_releases_expired_holds_with_a_line_of_it(self):
        lapsed = self.reserve_lines([(self.adult.id, 1), (self.child.id, 10)], self.OTHER_CUSTOMER).order
        self.expire(lapsed.id)

        self.reserve_order(self.child.id, 10)

        self.assertEqual(self.order_row(lapsed.id).status, Order.Status.EXPIRED)
        self.assertEqual(self.held(), (0, 10))

    def test_cancelling_the_event_gives_back_every_lines_held_seats_and_refunds_paid_orders(self):
        held = self.family_order()
        paid = self.pay(self.family_order(self.OTHER_CUSTOMER).id, self.OTHER_CUSTOMER)

        result = self.cancel_event(self.event.id)
        cancellation.refund_pending_orders()

        self.assertEqual(result.status, events_pb2.EVENT_STATUS_CANCELLED)
        self.assertEqual(self.order_row(held.id).status, Order.Status.CANCELLED)
        self.assertEqual(self.held(), (0, 0))
        self.assertEqual(self.order_row(paid.id).status, Order.Status.REFUNDED)
        self.assertEqual(self.payment_of(paid.id).refunded_amount, "72.50")


class LapsedChargedLinesTests(OrderLinesTestCase):
    def charged_after_its_hold_lapsed(self) -> tickets_pb2.Order:
        order = self.family_order()
        self.expire(order.id)
        holds.release_expired_holds()
        self.charge_directly(self.order_row(order.id))
        Order.objects.filter(pk=order.id).update(payment_started_at=from_now() - LONG_AGO)
        return order

    def test_a_lapsed_charged_order_takes_the_seats_of_all_its_lines_again(self):
        order = self.charged_after_its_hold_lapsed()

        self.assertEqual(payments.reconcile_abandoned_payments(), 1)

        self.assertEqual(self.order_row(order.id).status, Order.Status.PAID)
        self.assertEqual((self.sold(), self.held()), ((2, 1), (0, 0)))
        self.assertEqual(Ticket.objects.filter(order_id=order.id).count(), 3)

    def test_a_lapsed_charged_order_one_of_whose_lines_was_resold_is_refunded_and_takes_nothing(self):
        order = self.charged_after_its_hold_lapsed()
        self.reserve_order(self.child.id, 10, self.OTHER_CUSTOMER)

        payments.reconcile_abandoned_payments()

        self.assertEqual(self.order_row(order.id).status, Order.Status.REFUNDED)
        self.assertEqual(self.payment_of(order.id).status, payments_pb2.PAYMENT_STATUS_REFUNDED)
        self.assertEqual((self.sold(), self.held()), ((0, 0), (0, 10)))
        self.assertFalse(Ticket.objects.filter(order_id=order.id).exists())


class IdempotentLinesTests(OrderLinesTestCase):
    def test_replaying_a_key_with_the_same_lines_in_another_order_returns_the_order_and_holds_once(self):
        first = self.family_order(idempotency_key="family")

        replay = self.reserve_lines([(self.child.id, 1), (self.adult.id, 2, "Ann", "Bob")], idempotency_key="family")

        self.assertEqual((replay.order.id, replay.created), (first.id, False))
        self.assertEqual(self.held(), (2, 1))

    def test_a_key_replayed_with_other_lines_is_refused(self):
        self.family_order(idempotency_key="family")
        others = {
            "another quantity": [(self.adult.id, 2, "Ann", "Bob"), (self.child.id, 2)],
            "a line less": [(self.adult.id, 2, "Ann", "Bob")],
            "other names": [(self.adult.id, 2, "Ann", "Eve"), (self.child.id, 1)],
        }
        for what, lines in others.items():
            with self.subTest(what):
                self.assertFails(
                    StatusCode.FAILED_PRECONDITION, "idempotency_key_reused", "ReserveSeats", self.CUSTOMER,
                    lines=[reserve_line(*line) for line in lines], idempotency_key="family",
                )  # fmt: skip
        self.assertEqual(self.held(), (2, 1))


class OneLinePerOrderMigrationTests(OrderLinesTestCase):
    def test_an_order_made_before_lines_gets_one_line_of_its_type_seats_and_buyer(self):
        order = self.reserve_order(self.adult.id, 2)
        OrderLine.objects.filter(order_id=order.id).delete()  # as the migration found it
        migration = importlib.import_module("ticket_service.tickets.migrations.0008_order_lines")

        migration.one_line_per_order(apps, None)

        [line] = OrderLine.objects.filter(order_id=order.id)
        self.assertEqual(
            (line.ticket_type_id, line.quantity, str(line.unit_price), str(line.discount), str(line.total)),
            (self.adult.id, 2, "30.00", "0.00", "60.00"),
        )
        self.assertEqual(line.attendees, [order.full_name] * 2)
