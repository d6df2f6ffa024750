"""GetOrder, ListOrders, GetTicket, ListTickets: a customer sees their own, newest first."""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from ticket_service.tickets.tests.support import TicketServiceTestCase


class OrderListingTests(TicketServiceTestCase):
    def test_orders_are_listed_newest_first(self):
        ticket_type = self.make_ticket_type(capacity=20)
        first, second, third = (self.reserve_order(ticket_type.id) for _ in range(3))

        listed = self.call("ListOrders", self.CUSTOMER)

        self.assertEqual([o.id for o in listed.orders], [third.id, second.id, first.id])
        self.assertEqual(listed.next_page_token, "")

    def test_pages_follow_each_other_through_page_token(self):
        ticket_type = self.make_ticket_type(capacity=20)
        orders = [self.reserve_order(ticket_type.id) for _ in range(5)]

        first_page = self.call("ListOrders", self.CUSTOMER, page_size=2)
        second_page = self.call("ListOrders", self.CUSTOMER, page_size=2, page_token=first_page.next_page_token)
        last_page = self.call("ListOrders", self.CUSTOMER, page_size=2, page_token=second_page.next_page_token)

        newest_first = [o.id for o in reversed(orders)]
        self.assertEqual([o.id for o in first_page.orders], newest_first[:2])
        self.assertEqual([o.id for o in second_page.orders], newest_first[2:4])
        self.assertEqual([o.id for o in last_page.orders], newest_first[4:])
        self.assertNotEqual(first_page.next_page_token, "")
        self.assertEqual(last_page.next_page_token, "")

    def test_page_exactly_full_at_the_end_has_no_next_page(self):
        ticket_type = self.make_ticket_type(capacity=20)
        for _ in range(2):
            self.reserve_order(ticket_type.id)

        page = self.call("ListOrders", self.CUSTOMER, page_size=2)

        self.assertEqual(len(page.orders), 2)
        self.assertEqual(page.next_page_token, "")

    def test_a_page_is_unaffected_by_orders_created_after_the_first_page(self):
        ticket_type = self.make_ticket_type(capacity=20)
        older, old = self.reserve_order(ticket_type.id), self.reserve_order(ticket_type.id)
        first_page = self.call("ListOrders", self.CUSTOMER, page_size=1)
        self.reserve_order(ticket_type.id)

        second_page = self.call("ListOrders", self.CUSTOMER, page_size=1, page_token=first_page.next_page_token)

        self.assertEqual([o.id for o in first_page.orders], [old.id])
        self.assertEqual([o.id for o in second_page.orders], [older.id])

    def test_only_the_callers_orders_are_listed(self):
        ticket_type = self.make_ticket_type(capacity=20)
        mine = self.reserve_order(ticket_type.id)
        self.reserve_order(ticket_type.id, caller=self.OTHER_CUSTOMER)

        listed = self.call("ListOrders", self.CUSTOMER)

        self.assertEqual([o.id for o in listed.orders], [mine.id])

    def test_invalid_page_token_is_invalid_argument(self):
        for token in ("abc", "-1", "9" * 19):
            with self.subTest(token=token):
                self.assertFails(StatusCode.INVALID_ARGUMENT, None, "ListOrders", self.CUSTOMER, page_token=token)

    def test_page_token_of_non_ascii_digits_is_invalid_argument(self):
        for token in ("²", "1²"):
            with self.subTest(token=token):
                self.assertFails(StatusCode.INVALID_ARGUMENT, None, "ListOrders", self.CUSTOMER, page_token=token)

    def test_page_size_above_100_is_invalid_argument(self):
        self.assertFails(StatusCode.INVALID_ARGUMENT, None, "ListOrders", self.CUSTOMER, page_size=101)

    def test_get_order_returns_the_callers_order_with_its_tickets(self):
        order = self.paid_order(self.make_ticket_type().id, 2)

        fetched = self.call("GetOrder", self.CUSTOMER, order_id=order.id)

        self.assertEqual(fetched.status, tickets_pb2.ORDER_STATUS_PAID)
        self.assertEqual([t.code for t in fetched.tickets], [t.code for t in order.tickets])

    def test_get_order_of_another_user_is_not_found(self):
        order = self.reserve_order(self.make_ticket_type().id, caller=self.OTHER_CUSTOMER)

        self.assertFails(StatusCode.NOT_FOUND, None, "GetOrder", self.CUSTOMER, order_id=order.id)

    def test_staff_may_get_anyones_order(self):
        order = self.reserve_order(self.make_ticket_type().id)

        self.assertEqual(self.call("GetOrder", self.STAFF, order_id=order.id).id, order.id)


class TicketListingTests(TicketServiceTestCase):
    def test_tickets_are_listed_newest_first(self):
        ticket_type = self.make_ticket_type(capacity=20)
        first = self.paid_order(ticket_type.id, 2)
        second = self.paid_order(ticket_type.id, 1)

        listed = self.call("ListTickets", self.CUSTOMER)

        expected = sorted([t.id for t in first.tickets] + [t.id for t in second.tickets], reverse=True)
        self.assertEqual([t.id for t in listed.tickets], expected)

    def test_ticket_pages_follow_each_other_through_page_token(self):
        order = self.paid_order(self.make_ticket_type(capacity=20).id, 3)

        first_page = self.call("ListTickets", self.CUSTOMER, page_size=2)
        second_page = self.call("ListTickets", self.CUSTOMER, page_size=2, page_token=first_page.next_page_token)

        newest_first = sorted((t.id for t in order.tickets), reverse=True)
        self.assertEqual([t.id for t in first_page.tickets], newest_first[:2])
        self.assertEqual([t.id for t in second_page.tickets], newest_first[2:])
        self.assertEqual(second_page.next_page_token, "")

    def test_only_the_callers_tickets_are_listed(self):
        ticket_type = self.make_ticket_type(capacity=20)
        mine = self.paid_order(ticket_type.id, 1)
        self.paid_order(ticket_type.id, 2, self.OTHER_CUSTOMER)

        listed = self.call("ListTickets", self.CUSTOMER)

        self.assertEqual([t.id for t in listed.tickets], [mine.tickets[0].id])

    def test_get_ticket_returns_the_callers_ticket(self):
        order = self.paid_order(self.make_ticket_type().id, 1)
        (ticket,) = order.tickets

        fetched = self.call("GetTicket", self.CUSTOMER, ticket_id=ticket.id)

        self.assertEqual((fetched.code, fetched.order_id), (ticket.code, order.id))
        self.assertEqual(fetched.status, tickets_pb2.TICKET_STATUS_VALID)

    def test_get_ticket_of_another_user_is_not_found(self):
        (ticket,) = self.paid_order(self.make_ticket_type().id, 1, self.OTHER_CUSTOMER).tickets

        self.assertFails(StatusCode.NOT_FOUND, None, "GetTicket", self.CUSTOMER, ticket_id=ticket.id)


class StaffListingTests(TicketServiceTestCase):
    """The back office: staff list every user's orders and tickets, filtered."""

    def setUp(self):
        super().setUp()
        self.ticket_type = self.make_ticket_type(capacity=20)
        self.other_type = self.make_ticket_type(capacity=20)

    def test_staff_lists_every_users_orders_newest_first(self):
        mine = self.reserve_order(self.ticket_type.id)
        theirs = self.reserve_order(self.ticket_type.id, caller=self.OTHER_CUSTOMER)

        listed = self.call("ListOrders", self.STAFF, all_users=True)

        self.assertEqual([o.id for o in listed.orders], [theirs.id, mine.id])

    def test_customer_asking_for_every_users_orders_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, None, "ListOrders", self.CUSTOMER, all_users=True)

    def test_orders_filtered_by_status_event_and_email(self):
        paid = self.paid_order(self.ticket_type.id)
        reserved = self.reserve(self.ticket_type.id, email="Grace.Hopper@example.com").order
        elsewhere = self.reserve_order(self.other_type.id, caller=self.OTHER_CUSTOMER)

        def ids(**filters):
            return [o.id for o in self.call("ListOrders", self.STAFF, all_users=True, **filters).orders]

        self.assertEqual(ids(status="paid"), [paid.id])
        self.assertEqual(ids(event_id=self.other_type.event_id), [elsewhere.id])
        self.assertEqual(ids(email_query="grace.hopper"), [reserved.id])

    def test_unknown_status_filter_is_invalid_argument(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ListOrders", self.STAFF, all_users=True, status="x"
        )

        self.assertEqual(list(error.field_errors), ["status"])

    def test_staff_lists_every_users_tickets_filtered_by_status_and_event(self):
        (mine,) = self.paid_order(self.ticket_type.id).tickets
        (theirs,) = self.paid_order(self.other_type.id, caller=self.OTHER_CUSTOMER).tickets
        self.check_in(theirs.code)

        def ids(**filters):
            return [t.id for t in self.call("ListTickets", self.STAFF, all_users=True, **filters).tickets]

        self.assertEqual(ids(), [theirs.id, mine.id])
        self.assertEqual(ids(status="checked_in"), [theirs.id])
        self.assertEqual(ids(event_id=self.ticket_type.event_id), [mine.id])

    def test_staff_finds_a_ticket_by_a_prefix_of_its_code(self):
        (wanted,) = self.paid_order(self.ticket_type.id).tickets
        self.paid_order(self.ticket_type.id, caller=self.OTHER_CUSTOMER)

        listed = self.call("ListTickets", self.STAFF, all_users=True, code_query=wanted.code[:12])

        self.assertEqual([t.id for t in listed.tickets], [wanted.id])

    def test_customer_asking_for_every_users_tickets_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, None, "ListTickets", self.CUSTOMER, all_users=True)
