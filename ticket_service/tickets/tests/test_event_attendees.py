"""ListEventAttendees: the event's admissions (valid and checked-in tickets) for its organizer's
export, a page at a time by ascending ticket id."""

from django.core.management import call_command
from grpc import StatusCode

from devkit.commands import bench_buyers
from protos.tickets.v1 import tickets_pb2
from servicekit.timestamps import from_timestamp
from ticket_service.tickets.models import Ticket
from ticket_service.tickets.services.selectors import ATTENDEES_MAX_PAGE_SIZE, CODE_PREFIX_LENGTH
from ticket_service.tickets.tests.support import TicketServiceTestCase


class ListEventAttendeesTests(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.general = self.make_ticket_type(event_id=self.event.id, capacity=5000, price="0.00", name="General")

    def attendees(self, caller=None, **fields) -> tickets_pb2.ListEventAttendeesResponse:
        return self.call("ListEventAttendees", caller or self.ORGANIZER, event_id=self.event.id, **fields)

    def test_one_per_valid_ticket_with_its_type_holder_and_buyer(self):
        order = self.pay(self.reserve_lines([(self.general.id, 2, "Ann", "Bob")]).order.id)

        listed = self.attendees()

        self.assertEqual([a.ticket_id for a in listed.attendees], [t.id for t in order.tickets])
        first = listed.attendees[0]
        self.assertEqual((first.ticket_type_id, first.ticket_type_name), (self.general.id, "General"))
        self.assertEqual([a.holder_name for a in listed.attendees], ["Ann", "Bob"])
        self.assertEqual((first.email, first.order_id), (order.email, order.id))
        self.assertEqual(first.status, tickets_pb2.TICKET_STATUS_VALID)
        self.assertFalse(first.HasField("checked_in_at"))
        self.assertEqual(listed.next_page_token, "")

    def test_shows_a_prefix_of_the_code_never_the_code(self):
        (ticket,) = self.paid_order(self.general.id).tickets

        (attendee,) = self.attendees().attendees

        self.assertEqual(attendee.code_prefix, ticket.code[:CODE_PREFIX_LENGTH])
        self.assertLess(len(attendee.code_prefix), len(ticket.code.partition(".")[0]))

    def test_a_checked_in_ticket_shows_when(self):
        (ticket,) = self.paid_order(self.general.id).tickets
        admitted = self.check_in(ticket.code)

        (attendee,) = self.attendees().attendees

        self.assertEqual(attendee.status, tickets_pb2.TICKET_STATUS_CHECKED_IN)
        self.assertEqual(from_timestamp(attendee.checked_in_at), from_timestamp(admitted.checked_in_at))

    def test_void_tickets_and_unpaid_orders_are_left_out(self):
        void, kept = self.paid_order(self.general.id, 2).tickets
        Ticket.objects.filter(pk=void.id).update(status=Ticket.Status.VOID)
        self.reserve_order(self.general.id)

        self.assertEqual([a.ticket_id for a in self.attendees().attendees], [kept.id])

    def test_tickets_of_other_events_are_left_out(self):
        self.paid_order(self.make_ticket_type(capacity=5).id)

        self.assertEqual(list(self.attendees().attendees), [])

    def test_pages_follow_each_other_by_ascending_ticket_id(self):
        tickets = self.paid_order(self.general.id, 3).tickets

        first_page = self.attendees(page_size=2)
        last_page = self.attendees(page_size=2, page_token=first_page.next_page_token)

        self.assertEqual([a.ticket_id for a in first_page.attendees], [tickets[0].id, tickets[1].id])
        self.assertEqual([a.ticket_id for a in last_page.attendees], [tickets[2].id])
        self.assertEqual(last_page.next_page_token, "")

    def test_a_page_larger_than_the_most_is_invalid(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ListEventAttendees",
            self.ORGANIZER,
            event_id=self.event.id,
            page_size=ATTENDEES_MAX_PAGE_SIZE + 1,
        )

        self.assertEqual(list(error.field_errors), ["page_size"])

    def test_an_invalid_page_token_is_invalid(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT,
            None,
            "ListEventAttendees",
            self.ORGANIZER,
            event_id=self.event.id,
            page_token="-1",
        )

        self.assertEqual(list(error.field_errors), ["page_token"])

    def test_staff_may_list_them(self):
        self.paid_order(self.general.id)

        self.assertEqual(len(self.attendees(self.STAFF).attendees), 1)

    def test_another_organizer_is_permission_denied(self):
        self.assertFails(
            StatusCode.PERMISSION_DENIED, None, "ListEventAttendees", self.OTHER_ORGANIZER, event_id=self.event.id
        )

    def test_a_ticket_holder_is_permission_denied(self):
        self.paid_order(self.general.id)

        self.assertFails(
            StatusCode.PERMISSION_DENIED, None, "ListEventAttendees", self.CUSTOMER, event_id=self.event.id
        )

    def test_an_unknown_event_is_not_found(self):
        self.assertFails(StatusCode.NOT_FOUND, None, "ListEventAttendees", self.ORGANIZER, event_id=999_999_999)

    def test_thousands_of_tickets_come_in_full_pages_each_ticket_once(self):
        call_command(bench_buyers.Command(), ticket_type=self.general.id, count=2_500)

        seen, pages, token = [], 0, ""
        while True:
            page = self.attendees(page_size=ATTENDEES_MAX_PAGE_SIZE, page_token=token)
            seen += [attendee.ticket_id for attendee in page.attendees]
            pages, token = pages + 1, page.next_page_token
            if not token:
                break

        self.assertEqual((len(seen), len(set(seen)), pages), (2_500, 2_500, 3))
        self.assertEqual(seen, sorted(seen))
