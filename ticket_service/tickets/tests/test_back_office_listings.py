"""The back office's listings of the tickets service: ListOrders, ListEventOrders, ListTickets and
ListVouchers count every row of their filters (with_total_count)."""

from ticket_service.tickets.models import Order
from ticket_service.tickets.tests.support import TicketServiceTestCase


class ListingTestCase(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.make_ticket_type(capacity=100)
        self.event_id = self.ticket_type.event_id

    def order(self, **row) -> int:
        """A reserved order of the event, its row then given `row`'s values (a created_at, a total...)."""
        order_id = self.reserve_order(self.ticket_type.id).id
        Order.objects.filter(pk=order_id).update(**row)
        return order_id

    def orders(self, **fields):
        return self.call("ListOrders", self.STAFF, all_users=True, event_id=self.event_id, **fields)

    def voucher(self, code: str) -> int:
        created = self.call(
            "CreateVouchers",
            self.ORGANIZER,
            event_id=self.event_id,
            code=code,
            discount_kind="percent",
            discount_value="10",
        )
        return created.vouchers[0].id


class OrderCountTests(ListingTestCase):
    def test_the_total_count_is_every_order_of_the_filters_on_every_page(self):
        for _ in range(3):
            self.order(status="paid")
        self.order(status="cancelled")

        first = self.orders(status="paid", page_size=2, with_total_count=True)
        second = self.orders(status="paid", page_size=2, with_total_count=True, page_token=first.next_page_token)

        self.assertEqual((first.total_count, second.total_count), (3, 3))

    def test_the_event_s_orders_are_counted_with_their_filters(self):
        self.order(email="ann@example.com")
        self.order(email="bob@example.com")

        listed = self.call("ListEventOrders", self.STAFF, event_id=self.event_id, query="ann", with_total_count=True)

        self.assertEqual(listed.total_count, 1)

    def test_orders_are_not_counted_unless_asked(self):
        self.order()

        self.assertEqual(self.orders().total_count, 0)


class TicketAndVoucherCountTests(ListingTestCase):
    def test_tickets_are_counted_with_their_filters(self):
        self.paid_order(self.ticket_type.id, quantity=3)

        listed = self.call(
            "ListTickets", self.STAFF, all_users=True, event_id=self.event_id, page_size=1, with_total_count=True
        )

        self.assertEqual((len(listed.tickets), listed.total_count), (1, 3))

    def test_an_event_s_vouchers_are_counted(self):
        for code in ("BETA", "ALPHA", "GAMMA"):
            self.voucher(code)

        listed = self.call("ListVouchers", self.ORGANIZER, event_id=self.event_id, page_size=2, with_total_count=True)

        self.assertEqual((len(listed.vouchers), listed.total_count), (2, 3))
