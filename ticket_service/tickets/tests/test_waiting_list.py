"""The waiting list: sold-out buyers queue, freed seats are offered to them in order of joining
(strictly: a later, smaller entry never overtakes an earlier one), and the open sale cannot take
seats while anyone waits."""

from datetime import timedelta

from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from servicekit.identity import Caller
from ticket_service.tickets.models import CustomerSeats, Order, OutboxMessage, WaitingListEntry
from ticket_service.tickets.services import holds, waiting_list
from ticket_service.tickets.services.periodic import sweep
from ticket_service.tickets.tests.support import TicketServiceTestCase, new_caller

WAITING = tickets_pb2.WAITING_LIST_STATUS_WAITING
OFFERED = tickets_pb2.WAITING_LIST_STATUS_OFFERED


def offer_messages(entry_id: int) -> list[dict]:
    rows = OutboxMessage.objects.filter(task_name="notifications.waiting_list_offer", kwargs__entry_id=entry_id)
    return [row.kwargs for row in rows.order_by("id")]


class WaitingListTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()

    def sold_out_type(self, capacity: int = 4, **fields) -> tuple[tickets_pb2.TicketType, list[tickets_pb2.Order]]:
        """A type whose seats are all held, one order of one seat each (by other customers)."""
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=capacity, **fields)
        orders = [self.reserve_order(ticket_type.id, 1, new_caller("customer")) for _ in range(capacity)]
        return ticket_type, orders

    def join(self, ticket_type_id: int, quantity: int = 1, caller=None) -> tickets_pb2.JoinWaitingListResponse:
        caller = caller or self.CUSTOMER
        return self.call(
            "JoinWaitingList",
            caller,
            event_id=self.event.id,
            ticket_type_id=ticket_type_id,
            quantity=quantity,
            email=f"user{caller.user_id}@example.com",
            full_name=f"User {caller.user_id}",
        )

    def entry(self, ticket_type_id: int, caller=None) -> tickets_pb2.WaitingListEntry:
        return self.call(
            "GetWaitingListEntry", caller or self.CUSTOMER, event_id=self.event.id, ticket_type_id=ticket_type_id
        )

    def cancel(self, order: tickets_pb2.Order) -> None:
        self.call("CancelOrder", self.order_caller(order), order_id=order.id)

    def order_caller(self, order: tickets_pb2.Order) -> Caller:
        return Caller(user_id=order.user_id, role="customer")

    def waiting_row(self, entry_id: int) -> WaitingListEntry:
        return WaitingListEntry.objects.get(pk=entry_id)


class JoiningTests(WaitingListTestCase):
    def test_a_customer_joins_a_sold_out_type_and_sees_their_position(self):
        ticket_type, _ = self.sold_out_type()

        first = self.join(ticket_type.id, 2)
        second = self.join(ticket_type.id, 1, self.OTHER_CUSTOMER)

        self.assertTrue(first.created)
        self.assertEqual((first.entry.status, first.entry.position, first.entry.quantity), (WAITING, 1, 2))
        seen = self.entry(ticket_type.id, self.OTHER_CUSTOMER)
        self.assertEqual((seen.id, seen.position, seen.seats_ahead), (second.entry.id, 2, 2))
        self.assertEqual(self.row(ticket_type.id).waiting, 2)

    def test_joining_again_answers_the_existing_entry(self):
        ticket_type, _ = self.sold_out_type()
        first = self.join(ticket_type.id, 2)

        again = self.join(ticket_type.id, 3)

        self.assertFalse(again.created)
        self.assertEqual((again.entry.id, again.entry.quantity), (first.entry.id, 2))
        self.assertEqual(self.row(ticket_type.id).waiting, 1)

    def test_a_type_with_seats_for_sale_and_nobody_waiting_is_tickets_available(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=5)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "tickets_available",
            "JoinWaitingList",
            self.CUSTOMER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
            quantity=2,
            email="ann@example.com",
        )
        self.assertEqual(error.extra["available"], 5)

    def test_a_type_with_fewer_seats_for_sale_than_asked_is_tickets_available_too(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=5)
        self.reserve_order(ticket_type.id, 4, self.OTHER_CUSTOMER)

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "tickets_available",
            "JoinWaitingList",
            self.CUSTOMER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
            quantity=2,
            email="ann@example.com",
        )
        self.assertEqual(error.extra["available"], 1)

    def test_a_type_with_seats_free_but_others_waiting_may_be_joined(self):
        ticket_type, orders = self.sold_out_type()
        self.join(ticket_type.id, 3, self.OTHER_CUSTOMER)
        self.cancel(orders[0])  # 1 seat free, kept for the entry of 3

        joined = self.join(ticket_type.id, 1)

        self.assertEqual((joined.entry.status, joined.entry.position), (WAITING, 2))

    def test_more_seats_than_the_type_has_in_all_is_invalid(self):
        ticket_type, _ = self.sold_out_type(capacity=2)

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "JoinWaitingList",
            self.CUSTOMER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
            quantity=3,
            email="ann@example.com",
        )
        self.assertIn("quantity", error.field_errors)

    def test_a_quantity_outside_one_to_max_per_order_is_invalid(self):
        ticket_type, _ = self.sold_out_type(max_per_order=3)
        for quantity in (0, 4):
            error = self.assertFails(
                StatusCode.INVALID_ARGUMENT,
                None,
                "JoinWaitingList",
                self.CUSTOMER,
                event_id=self.event.id,
                ticket_type_id=ticket_type.id,
                quantity=quantity,
                email="ann@example.com",
            )
            self.assertIn("quantity", error.field_errors)
        self.assertFalse(WaitingListEntry.objects.exists())

    def test_an_unknown_or_hidden_type_or_one_of_another_event_is_not_found(self):
        hidden = self.make_ticket_type(event_id=self.event.id, hidden=True)
        other = self.make_ticket_type()
        for type_id in (hidden.id, other.id, 999_999):
            self.assertFails(
                StatusCode.NOT_FOUND,
                None,
                "JoinWaitingList",
                self.CUSTOMER,
                event_id=self.event.id,
                ticket_type_id=type_id,
                quantity=1,
                email="ann@example.com",
            )

    def test_only_customers_may_join(self):
        ticket_type, _ = self.sold_out_type()
        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "JoinWaitingList",
            self.ORGANIZER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
            quantity=1,
            email="org@example.com",
        )

    def test_an_entry_over_the_customers_limit_is_refused_at_once(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=3, max_per_customer=3)
        self.reserve_order(ticket_type.id, 2)
        self.reserve_order(ticket_type.id, 1, self.OTHER_CUSTOMER)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "customer_limit_reached",
            "JoinWaitingList",
            self.CUSTOMER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
            quantity=2,
            email="ann@example.com",
        )

    def test_without_an_entry_the_caller_is_not_on_the_list(self):
        ticket_type, _ = self.sold_out_type()
        self.assertFails(
            StatusCode.NOT_FOUND,
            "not_on_waiting_list",
            "GetWaitingListEntry",
            self.CUSTOMER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
        )


class OfferTests(WaitingListTestCase):
    @override_settings(WAITING_LIST_OFFER_SECONDS=900)
    def test_a_cancelled_orders_seats_are_offered_to_the_first_entry_with_one_email(self):
        ticket_type, orders = self.sold_out_type(price="30.00")
        first = self.join(ticket_type.id, 1).entry
        second = self.join(ticket_type.id, 1, self.OTHER_CUSTOMER).entry

        self.cancel(orders[0])

        offered = self.entry(ticket_type.id)
        self.assertEqual((offered.status, offered.position), (OFFERED, 0))
        self.assertEqual(offered.order_status, tickets_pb2.ORDER_STATUS_RESERVED)
        order = self.order_row(offered.order_id)
        self.assertEqual((order.user_id, order.quantity, order.total), (self.CUSTOMER.user_id, 1, 30))
        remaining = order.expires_at - timezone.now()
        self.assertGreater(remaining, timedelta(seconds=890))
        self.assertLessEqual(remaining, timedelta(seconds=900))
        [message] = offer_messages(first.id)
        self.assertEqual(message["order_id"], order.id)
        self.assertEqual((message["quantity"], message["total"], message["currency"]), (1, "30.00", "USD"))
        self.assertEqual(message["email"], f"user{self.CUSTOMER.user_id}@example.com")
        self.assertEqual(self.entry(ticket_type.id, self.OTHER_CUSTOMER).position, 1)
        self.assertEqual(offer_messages(second.id), [])
        row = self.row(ticket_type.id)
        self.assertEqual((row.held, row.waiting), (4, 1))

    def test_the_offered_order_is_paid_like_any_other(self):
        ticket_type, orders = self.sold_out_type()
        self.join(ticket_type.id, 1)
        self.cancel(orders[0])

        paid = self.pay(self.entry(ticket_type.id).order_id)

        self.assertEqual(paid.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual(len(paid.tickets), 1)
        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held), (1, 3))

    def test_while_entries_wait_a_plain_reservation_is_sold_out_even_with_seats_free(self):
        ticket_type, orders = self.sold_out_type()
        self.join(ticket_type.id, 3)
        self.cancel(orders[0])
        self.cancel(orders[1])  # 2 seats free, kept for the entry of 3

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION,
            "sold_out",
            "ReserveSeats",
            self.OTHER_CUSTOMER,
            ticket_type_id=ticket_type.id,
            quantity=1,
        )

        self.assertEqual(error.extra["ticket_types"], [{"ticket_type_id": ticket_type.id, "available": 0}])
        listed = self.call("GetTicketType", self.OTHER_CUSTOMER, event_id=self.event.id, ticket_type_id=ticket_type.id)
        self.assertEqual(listed.available, 0)
        row = self.row(ticket_type.id)
        self.assertEqual((row.held, row.waiting), (2, 1))

    def test_strict_order_a_later_smaller_entry_does_not_overtake_an_earlier_one(self):
        ticket_type, orders = self.sold_out_type(capacity=5)
        big = self.join(ticket_type.id, 3).entry
        small = self.join(ticket_type.id, 1, self.OTHER_CUSTOMER).entry

        self.cancel(orders[0])
        self.cancel(orders[1])

        self.assertEqual(self.waiting_row(big.id).status, WaitingListEntry.Status.WAITING)
        self.assertEqual(self.waiting_row(small.id).status, WaitingListEntry.Status.WAITING)
        self.cancel(orders[2])  # now the first entry's 3 fit
        self.assertEqual(self.waiting_row(big.id).status, WaitingListEntry.Status.OFFERED)
        self.assertEqual(self.waiting_row(small.id).status, WaitingListEntry.Status.WAITING)
        self.cancel(orders[3])
        self.assertEqual(self.waiting_row(small.id).status, WaitingListEntry.Status.OFFERED)

    def test_an_expired_offer_goes_to_the_next_entry_and_is_never_offered_again(self):
        ticket_type, orders = self.sold_out_type()
        first = self.join(ticket_type.id, 1).entry
        second = self.join(ticket_type.id, 1, self.OTHER_CUSTOMER).entry
        self.cancel(orders[0])
        offered = self.waiting_row(first.id).order_id
        self.expire(offered)

        sweep()
        sweep()

        self.assertEqual(self.order_row(offered).status, Order.Status.EXPIRED)
        self.assertEqual(self.waiting_row(second.id).status, WaitingListEntry.Status.OFFERED)
        self.assertEqual(len(offer_messages(first.id)), 1)
        self.assertEqual(Order.objects.filter(waiting_entry__id=first.id).count(), 1)
        seen = self.entry(ticket_type.id)
        self.assertEqual((seen.status, seen.order_status), (OFFERED, tickets_pb2.ORDER_STATUS_EXPIRED))

    def test_an_entry_an_advance_read_as_waiting_but_offered_since_is_not_offered_again(self):
        ticket_type, orders = self.sold_out_type()
        first = self.join(ticket_type.id, 1).entry
        stale = self.waiting_row(first.id)  # as an advance that read the list before the offer sees it
        self.cancel(orders[0])
        self.cancel(orders[1])
        held = self.row(ticket_type.id).held

        with transaction.atomic():
            outcome, order = waiting_list._offer(self.row(ticket_type.id), stale, timezone.now())

        self.assertEqual((outcome, order), ("gone", None))
        self.assertEqual(Order.objects.filter(user_id=self.CUSTOMER.user_id).count(), 1)
        self.assertEqual(self.row(ticket_type.id).held, held)  # the seats it took were given back
        self.assertEqual(len(offer_messages(first.id)), 1)

    def test_an_expired_plain_hold_is_offered_to_the_list_by_the_sweep(self):
        ticket_type, orders = self.sold_out_type()
        entry = self.join(ticket_type.id, 1).entry
        self.expire(orders[2].id)

        holds.release_expired_holds()

        self.assertEqual(self.waiting_row(entry.id).status, WaitingListEntry.Status.OFFERED)

    def test_the_sweep_offers_free_seats_a_list_is_owed(self):
        ticket_type, _ = self.sold_out_type()
        entry = self.join(ticket_type.id, 1).entry
        # Seats given back by a change whose own advance never ran (a crash between the two).
        type_row = self.row(ticket_type.id)
        type_row.held -= 1
        type_row.save(update_fields=["held"])

        sweep()

        self.assertEqual(self.waiting_row(entry.id).status, WaitingListEntry.Status.OFFERED)

    def test_a_refund_offers_its_seats_to_the_list(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=2)
        paid = self.paid_order(ticket_type.id, 2, self.OTHER_CUSTOMER)
        entry = self.join(ticket_type.id, 1).entry

        self.call(
            "RefundOrder", self.ORGANIZER, event_id=self.event.id, order_id=paid.id, ticket_ids=[paid.tickets[0].id]
        )

        self.assertEqual(self.waiting_row(entry.id).status, WaitingListEntry.Status.OFFERED)
        row = self.row(ticket_type.id)
        self.assertEqual((row.sold, row.held, row.waiting), (1, 1, 0))

    def test_raising_the_capacity_offers_the_new_seats_to_the_list(self):
        ticket_type, _ = self.sold_out_type()
        first = self.join(ticket_type.id, 2).entry
        second = self.join(ticket_type.id, 2, self.OTHER_CUSTOMER).entry

        updated = self.call(
            "UpdateTicketType", self.ORGANIZER, event_id=self.event.id, ticket_type_id=ticket_type.id, capacity=7
        )

        self.assertEqual(self.waiting_row(first.id).status, WaitingListEntry.Status.OFFERED)
        self.assertEqual(self.waiting_row(second.id).status, WaitingListEntry.Status.WAITING)
        self.assertEqual(updated.available, 0)  # the last seat is kept for the second entry
        self.assertEqual(self.row(ticket_type.id).held, 6)

    def test_an_entry_its_customers_limit_has_no_room_for_passes_its_turn(self):
        ticket_type = self.make_ticket_type(event_id=self.event.id, capacity=2, max_per_customer=2)
        blocker = self.reserve_order(ticket_type.id, 2, self.OTHER_CUSTOMER)
        entry = self.join(ticket_type.id, 2).entry
        later = new_caller("customer")
        next_entry = self.join(ticket_type.id, 1, later).entry
        # Meanwhile the customer's limit filled up (seats counted elsewhere, e.g. an earlier order).
        CustomerSeats.objects.filter(user_id=self.CUSTOMER.user_id, ticket_type_id=ticket_type.id).delete()
        CustomerSeats.objects.create(user_id=self.CUSTOMER.user_id, ticket_type_id=ticket_type.id, seats=1)

        self.cancel(blocker)

        self.assertEqual(self.waiting_row(entry.id).status, WaitingListEntry.Status.REFUSED)
        self.assertEqual(self.waiting_row(next_entry.id).status, WaitingListEntry.Status.OFFERED)
        self.assertEqual(self.row(ticket_type.id).waiting, 0)

    def test_a_customer_whose_offer_ended_may_join_again_at_the_end(self):
        ticket_type, orders = self.sold_out_type()
        first = self.join(ticket_type.id, 1).entry
        self.cancel(orders[0])
        self.pay(self.waiting_row(first.id).order_id)
        self.join(ticket_type.id, 1, self.OTHER_CUSTOMER)

        again = self.join(ticket_type.id, 1)

        self.assertTrue(again.created)
        self.assertNotEqual(again.entry.id, first.id)
        self.assertEqual(again.entry.position, 2)


class LeavingAndClearingTests(WaitingListTestCase):
    def test_leaving_takes_the_entry_off_and_the_next_moves_up(self):
        ticket_type, _ = self.sold_out_type()
        self.join(ticket_type.id, 1)
        self.join(ticket_type.id, 1, self.OTHER_CUSTOMER)

        self.call("LeaveWaitingList", self.CUSTOMER, event_id=self.event.id, ticket_type_id=ticket_type.id)

        self.assertEqual(self.entry(ticket_type.id, self.OTHER_CUSTOMER).position, 1)
        self.assertEqual(self.entry(ticket_type.id).status, tickets_pb2.WAITING_LIST_STATUS_LEFT)
        self.assertEqual(self.row(ticket_type.id).waiting, 1)
        self.assertFails(
            StatusCode.NOT_FOUND,
            "not_on_waiting_list",
            "LeaveWaitingList",
            self.CUSTOMER,
            event_id=self.event.id,
            ticket_type_id=ticket_type.id,
        )

    def test_leaving_lets_a_smaller_next_entry_have_the_seats_kept_for_the_first(self):
        ticket_type, orders = self.sold_out_type()
        self.join(ticket_type.id, 3)
        second = self.join(ticket_type.id, 1, self.OTHER_CUSTOMER).entry
        self.cancel(orders[0])

        self.call("LeaveWaitingList", self.CUSTOMER, event_id=self.event.id, ticket_type_id=ticket_type.id)

        self.assertEqual(self.waiting_row(second.id).status, WaitingListEntry.Status.OFFERED)

    def test_leaving_with_an_offer_gives_it_up_to_the_next_entry(self):
        ticket_type, orders = self.sold_out_type()
        first = self.join(ticket_type.id, 1).entry
        second = self.join(ticket_type.id, 1, self.OTHER_CUSTOMER).entry
        self.cancel(orders[0])

        self.call("LeaveWaitingList", self.CUSTOMER, event_id=self.event.id, ticket_type_id=ticket_type.id)

        self.assertEqual(self.order_row(self.waiting_row(first.id).order_id).status, Order.Status.CANCELLED)
        self.assertEqual(self.waiting_row(second.id).status, WaitingListEntry.Status.OFFERED)
        self.assertEqual(self.row(ticket_type.id).held, 4)

    def test_the_organizer_clears_the_list_and_the_open_sale_resumes(self):
        ticket_type, orders = self.sold_out_type()
        self.join(ticket_type.id, 3)
        self.join(ticket_type.id, 1, self.OTHER_CUSTOMER)
        self.cancel(orders[0])

        cleared = self.call("ClearWaitingList", self.ORGANIZER, event_id=self.event.id, ticket_type_id=ticket_type.id)

        self.assertEqual(cleared.cleared, 2)
        self.assertEqual(self.row(ticket_type.id).waiting, 0)
        self.assertEqual(self.entry(ticket_type.id).status, tickets_pb2.WAITING_LIST_STATUS_CLEARED)
        self.reserve(ticket_type.id, 1, new_caller("customer"))

    def test_only_the_events_organizer_clears_its_list(self):
        ticket_type, _ = self.sold_out_type()
        self.join(ticket_type.id, 1)
        for caller in (self.OTHER_ORGANIZER, self.CUSTOMER):
            self.assertFails(
                StatusCode.PERMISSION_DENIED,
                None,
                "ClearWaitingList",
                caller,
                event_id=self.event.id,
                ticket_type_id=ticket_type.id,
            )
        self.assertEqual(self.row(ticket_type.id).waiting, 1)


class EventCancellationTests(WaitingListTestCase):
    def test_cancelling_the_event_clears_its_waiting_lists(self):
        ticket_type, _ = self.sold_out_type()
        entry = self.join(ticket_type.id, 1).entry

        self.cancel_event(self.event.id)

        self.assertEqual(self.waiting_row(entry.id).status, WaitingListEntry.Status.CLEARED)
        self.assertEqual(self.row(ticket_type.id).waiting, 0)


class SalesReportTests(WaitingListTestCase):
    def test_the_sales_report_gives_each_types_waiting_entries_and_seats(self):
        ticket_type, _ = self.sold_out_type()
        other = self.make_ticket_type(event_id=self.event.id, name="Balcony")
        self.join(ticket_type.id, 2)
        self.join(ticket_type.id, 3, self.OTHER_CUSTOMER)

        report = self.call("GetSales", self.ORGANIZER, event_id=self.event.id)

        lines = {line.ticket_type_id: line for line in report.ticket_types}
        self.assertEqual((lines[ticket_type.id].waiting_entries, lines[ticket_type.id].waiting_seats), (2, 5))
        self.assertEqual((lines[other.id].waiting_entries, lines[other.id].waiting_seats), (0, 0))
