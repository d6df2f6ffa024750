"""Sale windows: a ticket type takes holds from its sales_start until its sales_end (by default
its event's start, which the events service moves with UpdateEventStart), checked in the same
guarded UPDATE that holds the seats."""

from grpc import StatusCode

from servicekit.timestamps import from_timestamp, iso_text, to_timestamp
from ticket_service.tickets.models import Order, TicketType
from ticket_service.tickets.services.inventory import take_seats
from ticket_service.tickets.tests.support import TicketServiceTestCase, from_now


class SaleWindowTests(TicketServiceTestCase):
    def test_a_type_is_on_sale_from_its_creation_until_its_event_starts(self):
        starts_at = from_now(days=10)
        before = from_now(seconds=-1)

        created = self.make_ticket_type(event_id=self.make_event(starts_at=starts_at).id)

        self.assertGreaterEqual(from_timestamp(created.sales_start), before)
        self.assertLessEqual(from_timestamp(created.sales_start), from_now(seconds=1))
        self.assertEqual(from_timestamp(created.sales_end), starts_at)

    def test_an_organizer_chooses_the_window(self):
        sales_start, sales_end = from_now(days=1), from_now(days=2)

        created = self.make_ticket_type(sales_start=to_timestamp(sales_start), sales_end=to_timestamp(sales_end))

        self.assertEqual(
            (from_timestamp(created.sales_start), from_timestamp(created.sales_end)), (sales_start, sales_end)
        )

    def test_a_reservation_before_the_window_opens_is_sales_not_started_with_its_start(self):
        sales_start = from_now(days=1)
        ticket_type = self.make_ticket_type(sales_start=to_timestamp(sales_start))

        error = self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sales_not_started", "ReserveSeats", self.CUSTOMER,
            ticket_type_id=ticket_type.id, quantity=1,
        )  # fmt: skip

        self.assertEqual(error.extra, {"sales_start": iso_text(sales_start)})
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_a_reservation_after_the_window_closed_is_sales_ended(self):
        ticket_type = self.make_ticket_type(
            sales_start=to_timestamp(from_now(hours=-2)), sales_end=to_timestamp(from_now(hours=-1))
        )

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "sales_ended", "ReserveSeats", self.CUSTOMER,
            ticket_type_id=ticket_type.id, quantity=1,
        )  # fmt: skip
        self.assertFalse(Order.objects.filter(ticket_type_id=ticket_type.id).exists())

    def test_a_window_may_close_after_the_event_starts_for_sales_at_the_door(self):
        event = self.make_event(starts_at=from_now(days=2))
        ticket_type = self.make_ticket_type(event_id=event.id, sales_end=to_timestamp(from_now(days=3)))
        TicketType.objects.filter(pk=ticket_type.id).update(event_starts_at=from_now(hours=-1))  # it has started

        reserved = self.reserve(ticket_type.id)

        self.assertEqual(reserved.order.quantity, 1)

    def test_sales_ending_before_they_start_are_invalid(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "CreateTicketType", self.ORGANIZER,
            event_id=self.make_event().id, name="Late", price="5.00", capacity=5,
            sales_start=to_timestamp(from_now(days=2)), sales_end=to_timestamp(from_now(days=1)),
        )  # fmt: skip

        self.assertEqual(list(error.field_errors), ["sales_end"])

    def test_sales_starting_after_the_event_without_an_end_of_their_own_are_invalid(self):
        event = self.make_event(starts_at=from_now(days=2))

        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "CreateTicketType", self.ORGANIZER,
            event_id=event.id, name="Late", price="5.00", capacity=5, sales_start=to_timestamp(from_now(days=3)),
        )  # fmt: skip

        self.assertEqual(list(error.field_errors), ["sales_start"])


class SeatGuardWindowTests(TicketServiceTestCase):
    """The window is part of the seat guard's UPDATE: what a request read before does not matter."""

    def test_the_guard_takes_no_hold_before_the_window_opens(self):
        ticket_type = self.make_ticket_type(sales_start=to_timestamp(from_now(days=1)))

        self.assertFalse(take_seats(ticket_type.id, 1, column="held"))
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_the_guard_takes_no_hold_once_the_window_closed(self):
        ticket_type = self.make_ticket_type()
        TicketType.objects.filter(pk=ticket_type.id).update(sales_end=from_now(seconds=-1))

        self.assertFalse(take_seats(ticket_type.id, 1, column="held"))
        self.assertEqual(self.row(ticket_type.id).held, 0)

    def test_the_guard_takes_no_hold_once_the_event_started(self):
        ticket_type = self.make_ticket_type()
        TicketType.objects.filter(pk=ticket_type.id).update(event_starts_at=from_now(seconds=-1))

        self.assertFalse(take_seats(ticket_type.id, 1, column="held"))

    def test_the_guard_takes_a_hold_inside_the_window(self):
        ticket_type = self.make_ticket_type()

        self.assertTrue(take_seats(ticket_type.id, 1, column="held"))
        self.assertEqual(self.row(ticket_type.id).held, 1)


class EventStartTests(TicketServiceTestCase):
    """UpdateEventStart: the events service tells the new start of an event before saving it."""

    def move(self, event_id: int, starts_at, version: int, caller=None):
        return self.call(
            "UpdateEventStart", caller or self.ORGANIZER,
            event_id=event_id, starts_at=to_timestamp(starts_at), version=version,
        )  # fmt: skip

    def test_a_new_start_moves_the_end_of_every_window_that_has_none_of_its_own(self):
        event = self.make_event(starts_at=from_now(days=10))
        following = self.make_ticket_type(event_id=event.id)
        own_end = from_now(days=4)
        fixed = self.make_ticket_type(event_id=event.id, sales_end=to_timestamp(own_end))
        new_start = from_now(days=3)

        self.move(event.id, new_start, version=event.version + 1)

        self.assertEqual(self.row(following.id).sales_until, new_start)
        self.assertEqual(self.row(fixed.id).sales_until, own_end)

    def test_an_older_version_of_the_start_changes_nothing(self):
        event = self.make_event(starts_at=from_now(days=10))
        ticket_type = self.make_ticket_type(event_id=event.id)
        newer = from_now(days=3)
        self.move(event.id, newer, version=event.version + 2)

        self.move(event.id, from_now(days=5), version=event.version + 1)

        self.assertEqual(self.row(ticket_type.id).event_starts_at, newer)

    def test_a_start_passed_ends_the_sales_with_event_started(self):
        event = self.make_event(starts_at=from_now(days=10))
        ticket_type = self.make_ticket_type(event_id=event.id)

        self.move(event.id, from_now(seconds=-1), version=event.version + 1)

        self.assertFails(
            StatusCode.FAILED_PRECONDITION, "event_started", "ReserveSeats", self.CUSTOMER,
            ticket_type_id=ticket_type.id, quantity=1,
        )  # fmt: skip

    def test_another_organizer_cannot_move_the_start(self):
        event = self.make_event()

        with self.assertRaises(Exception) as raised:
            self.move(event.id, from_now(days=3), version=event.version + 1, caller=self.OTHER_ORGANIZER)

        self.assertDomainError(raised.exception, StatusCode.PERMISSION_DENIED)

    def test_a_type_from_before_sale_windows_learns_its_events_start_at_its_first_reservation(self):
        starts_at = from_now(days=10)
        ticket_type = self.make_ticket_type(event_id=self.make_event(starts_at=starts_at).id)
        TicketType.objects.filter(pk=ticket_type.id).update(event_starts_at=None, event_version=0)

        self.reserve(ticket_type.id)

        self.assertEqual(self.row(ticket_type.id).event_starts_at, starts_at)
        self.assertEqual(self.row(ticket_type.id).held, 1)
