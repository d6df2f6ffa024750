"""ListEventOrders, GetEventOrder: the organizer's desk sees every order of their event, filtered."""

from grpc import StatusCode

from protos.tickets.v1 import tickets_pb2
from ticket_service.tickets.models import Order
from ticket_service.tickets.tests.support import TicketServiceTestCase


class EventOrdersTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.general = self.make_ticket_type(event_id=self.event.id, capacity=50, name="General")
        self.vip = self.make_ticket_type(event_id=self.event.id, capacity=50, price="90.00", name="VIP")

    def orders(self, caller=None, **filters) -> tickets_pb2.ListOrdersResponse:
        return self.call("ListEventOrders", caller or self.ORGANIZER, event_id=self.event.id, **filters)

    def ids(self, caller=None, **filters) -> list[int]:
        return [order.id for order in self.orders(caller, **filters).orders]


class ListEventOrdersTests(EventOrdersTestCase):
    def test_lists_every_buyers_orders_of_the_event_newest_first(self):
        first = self.reserve_order(self.general.id)
        second = self.reserve_order(self.vip.id, caller=self.OTHER_CUSTOMER)
        third = self.paid_order(self.general.id, 2)

        listed = self.orders()

        self.assertEqual([o.id for o in listed.orders], [third.id, second.id, first.id])
        self.assertEqual(listed.next_page_token, "")

    def test_orders_of_other_events_are_not_listed(self):
        mine = self.reserve_order(self.general.id)
        self.reserve_order(self.make_ticket_type(capacity=5).id)

        self.assertEqual(self.ids(), [mine.id])

    def test_pages_follow_each_other_through_page_token(self):
        orders = [self.reserve_order(self.general.id) for _ in range(3)]

        first_page = self.orders(page_size=2)
        last_page = self.orders(page_size=2, page_token=first_page.next_page_token)

        self.assertEqual([o.id for o in first_page.orders], [orders[2].id, orders[1].id])
        self.assertEqual([o.id for o in last_page.orders], [orders[0].id])
        self.assertEqual(last_page.next_page_token, "")

    def test_paid_orders_come_with_their_lines_tickets_and_payment(self):
        paid = self.paid_order(self.vip.id, 2)

        (listed,) = self.orders().orders

        self.assertEqual(listed.id, paid.id)
        self.assertEqual([(line.name, line.quantity) for line in listed.lines], [("VIP", 2)])
        self.assertEqual([t.id for t in listed.tickets], [t.id for t in paid.tickets])
        self.assertEqual((listed.payment.brand, listed.payment.last4), (paid.payment.brand, "4242"))

    def test_filters_by_status(self):
        paid = self.paid_order(self.general.id)
        self.reserve_order(self.general.id)

        self.assertEqual(self.ids(status="paid"), [paid.id])

    def test_an_unknown_status_is_invalid_and_names_the_field(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ListEventOrders", self.ORGANIZER, event_id=self.event.id, status="gone"
        )

        self.assertIn("status", error.field_errors)

    def test_an_invalid_page_token_is_invalid_and_names_the_cursor(self):
        error = self.assertFails(
            StatusCode.INVALID_ARGUMENT, None, "ListEventOrders", self.ORGANIZER, event_id=self.event.id, page_token="x"
        )

        self.assertIn("cursor", error.field_errors)

    def test_query_matches_the_buyers_email_in_any_case(self):
        wanted = self.reserve(self.general.id, email="Grace.Hopper@example.com", full_name="G. H.").order
        self.reserve(self.general.id, caller=self.OTHER_CUSTOMER, email="ada@example.com", full_name="Ada")

        self.assertEqual(self.ids(query="grace.HOPPER"), [wanted.id])

    def test_query_matches_the_buyers_full_name_in_any_case(self):
        wanted = self.reserve(self.general.id, email="gh@example.com", full_name="Grace Hopper").order
        self.reserve(self.general.id, caller=self.OTHER_CUSTOMER, email="ada@example.com", full_name="Ada")

        self.assertEqual(self.ids(query="ace hop"), [wanted.id])

    def test_ticket_type_filter_lists_the_orders_with_a_line_of_that_type(self):
        family = self.reserve_lines([(self.general.id, 1), (self.vip.id, 1)]).order
        vip_only = self.reserve_order(self.vip.id, caller=self.OTHER_CUSTOMER)
        self.reserve_order(self.general.id)

        self.assertEqual(self.ids(ticket_type_id=self.vip.id), [vip_only.id, family.id])

    def test_staff_may_list_any_events_orders(self):
        order = self.reserve_order(self.general.id)

        self.assertEqual(self.ids(self.STAFF), [order.id])

    def test_another_organizer_is_permission_denied(self):
        self.assertFails(
            StatusCode.PERMISSION_DENIED, None, "ListEventOrders", self.OTHER_ORGANIZER, event_id=self.event.id
        )

    def test_a_customer_is_permission_denied_even_for_their_own_orders(self):
        self.reserve_order(self.general.id)

        self.assertFails(StatusCode.PERMISSION_DENIED, None, "ListEventOrders", self.CUSTOMER, event_id=self.event.id)

    def test_an_unknown_event_is_not_found(self):
        self.assertFails(StatusCode.NOT_FOUND, None, "ListEventOrders", self.ORGANIZER, event_id=999_999_999)


class GetEventOrderTests(EventOrdersTestCase):
    def get(self, order_id: int, caller=None, event_id: int | None = None) -> tickets_pb2.Order:
        return self.call(
            "GetEventOrder", caller or self.ORGANIZER, event_id=event_id or self.event.id, order_id=order_id
        )

    def test_answers_the_order_with_its_lines_tickets_payment_and_refund(self):
        paid = self.paid_order(self.general.id, 2)
        Order.objects.filter(pk=paid.id).update(refunded_amount="50.00")

        order = self.get(paid.id)

        self.assertEqual((order.id, order.status), (paid.id, tickets_pb2.ORDER_STATUS_PAID))
        self.assertEqual([line.ticket_type_id for line in order.lines], [self.general.id])
        self.assertEqual(len(order.tickets), 2)
        self.assertEqual(order.payment.last4, "4242")
        self.assertEqual(order.refunded_amount, "50.00")

    def test_staff_may_read_it(self):
        order = self.reserve_order(self.general.id)

        self.assertEqual(self.get(order.id, self.STAFF).id, order.id)

    def test_an_order_of_another_event_is_not_found(self):
        elsewhere = self.reserve_order(self.make_ticket_type(capacity=5).id)

        self.assertFails(
            StatusCode.NOT_FOUND, None, "GetEventOrder", self.ORGANIZER, event_id=self.event.id, order_id=elsewhere.id
        )

    def test_another_organizer_is_permission_denied(self):
        order = self.reserve_order(self.general.id)

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "GetEventOrder",
            self.OTHER_ORGANIZER,
            event_id=self.event.id,
            order_id=order.id,
        )

    def test_the_buyer_is_permission_denied_here(self):
        order = self.reserve_order(self.general.id)

        self.assertFails(
            StatusCode.PERMISSION_DENIED,
            None,
            "GetEventOrder",
            self.CUSTOMER,
            event_id=self.event.id,
            order_id=order.id,
        )
