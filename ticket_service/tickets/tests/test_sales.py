"""GetSales: the organizer's report of an event, per ticket type and for check-ins."""

from grpc import StatusCode

from ticket_service.tickets.tests.support import TicketServiceTestCase


class SalesReportTests(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.floor = self.make_ticket_type(event_id=self.event.id, capacity=10, price="40.00", name="Floor")
        self.balcony = self.make_ticket_type(event_id=self.event.id, capacity=5, price="15.50", name="Balcony")

    def report(self, caller=None):
        return self.call("GetSales", caller or self.ORGANIZER, event_id=self.event.id)

    def test_reports_capacity_sold_held_and_available_per_type(self):
        self.paid_order(self.floor.id, 2)
        self.paid_order(self.floor.id, 1, self.OTHER_CUSTOMER)
        self.reserve_order(self.floor.id, 3)
        self.paid_order(self.balcony.id, 2)

        report = self.report()

        self.assertEqual(report.event_id, self.event.id)
        floor, balcony = report.ticket_types
        self.assertEqual((floor.ticket_type_id, floor.name, floor.currency), (self.floor.id, "Floor", "USD"))
        self.assertEqual((floor.capacity, floor.sold, floor.held, floor.available), (10, 3, 3, 4))
        self.assertEqual((balcony.ticket_type_id, balcony.name), (self.balcony.id, "Balcony"))
        self.assertEqual((balcony.capacity, balcony.sold, balcony.held, balcony.available), (5, 2, 0, 3))

    def test_reports_the_revenue_of_paid_orders_per_type_as_an_amount_with_cents(self):
        self.paid_order(self.floor.id, 2)
        self.paid_order(self.floor.id, 1, self.OTHER_CUSTOMER)
        self.reserve_order(self.floor.id, 3)
        self.paid_order(self.balcony.id, 2)

        floor, balcony = self.report().ticket_types

        self.assertEqual((floor.revenue, balcony.revenue), ("120.00", "31.00"))

    def test_revenue_is_exact_to_the_cent(self):
        dimes = self.make_ticket_type(event_id=self.event.id, price="0.10", name="Dime")
        self.paid_order(dimes.id, 1)
        self.paid_order(dimes.id, 2, self.OTHER_CUSTOMER)

        revenue = self.report().ticket_types[2].revenue

        self.assertEqual(revenue, "0.30")

    def test_type_without_sales_has_zero_revenue(self):
        self.reserve_order(self.floor.id, 2)

        floor, _ = self.report().ticket_types

        self.assertEqual(floor.revenue, "0.00")
        self.assertEqual((floor.sold, floor.held), (0, 2))

    def test_refunded_orders_bring_no_revenue(self):
        self.paid_order(self.floor.id, 2)
        self.call("CancelEventSales", self.ORGANIZER, event_id=self.event.id)

        floor, _ = self.report().ticket_types

        self.assertEqual(floor.revenue, "0.00")

    def test_counts_the_tickets_checked_in(self):
        order = self.paid_order(self.floor.id, 3)
        self.paid_order(self.balcony.id, 1, self.OTHER_CUSTOMER)
        for ticket in order.tickets[:2]:
            self.check_in(ticket.code)

        self.assertEqual(self.report().checked_in, 2)

    def test_staff_may_read_the_report(self):
        self.paid_order(self.floor.id, 1)

        floor, _ = self.report(self.STAFF).ticket_types

        self.assertEqual(floor.sold, 1)

    def test_another_organizer_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, None, "GetSales", self.OTHER_ORGANIZER, event_id=self.event.id)

    def test_customer_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, None, "GetSales", self.CUSTOMER, event_id=self.event.id)
