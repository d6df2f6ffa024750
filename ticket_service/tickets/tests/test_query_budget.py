"""What one purchase costs the tickets service in round trips, counted: the SQL statements (BEGIN
and COMMIT included) and the gRPC calls of a reservation, a sold-out refusal and a payment. Each
budget is today's count; a change that adds a round trip fails here, whatever the machine's
speed (make bench measures the time)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from devkit.databases import statement_kinds
from devkit.grpc_testing import counting_rpcs
from servicekit.errors import DomainError
from ticket_service.tickets.servicers import order_to_proto
from ticket_service.tickets.services import holds, payments, selectors
from ticket_service.tickets.services.payments import CardDetails
from ticket_service.tickets.tests.support import THIS_YEAR, VISA, TicketServiceTestCase

CARD = CardDetails(number=VISA, exp_month=12, exp_year=THIS_YEAR + 2, cvc="123")


class PurchaseBudgetTests(TicketServiceTestCase):
    def setUp(self):
        super().setUp()
        self.ticket_type = self.make_ticket_type(capacity=5)
        self.reserve(self.ticket_type.id, 1)  # the type has learnt its event's start, as in a sale

    def reservation(self, quantity: int = 1):
        return holds.reserve_seats(
            caller=self.OTHER_CUSTOMER,
            email="buyer@example.com",
            full_name="A Buyer",
            ticket_type_id=self.ticket_type.id,
            quantity=quantity,
        )[0]

    def test_a_reservation_and_its_answer_are_six_statements_and_no_rpc(self):
        with CaptureQueriesContext(connection) as queries, counting_rpcs() as rpcs:
            order_to_proto(self.reservation())  # the answer shows the lines just written, not read again

        self.assertEqual(
            statement_kinds(queries),
            [
                "SELECT tickets_tickettype",  # the type, for the rules and the refusal without a write
                # No look for expired holds: the seats fit without theirs.
                "BEGIN",
                "UPDATE tickets_tickettype",  # the seat guard
                "INSERT tickets_order",
                "INSERT tickets_orderline",
                "COMMIT",
            ],
        )
        self.assertEqual(rpcs, [])

    def test_a_sold_out_refusal_is_two_reads_and_no_write(self):
        with CaptureQueriesContext(connection) as queries, counting_rpcs() as rpcs, self.assertRaises(DomainError):
            self.reservation(quantity=10)

        self.assertEqual(statement_kinds(queries), ["SELECT tickets_tickettype", "SELECT tickets_order"])
        self.assertEqual(rpcs, [])

    def test_a_payment_and_its_answer_are_nine_statements_and_one_charge(self):
        order = self.reservation()

        with CaptureQueriesContext(connection) as queries, counting_rpcs() as rpcs:
            order_to_proto(payments.pay_order(caller=self.OTHER_CUSTOMER, order_id=order.id, card=CARD))

        # A reconnect's session SET is left out: whether the connection is closed before the charge depends on
        # how many the process holds (servicekit.db_connections), not on the payment.
        statements = [query["sql"] for query in queries.captured_queries if not query["sql"].startswith("SET")]
        self.assertEqual(
            [kind for kind in statement_kinds(queries) if kind != "SET"],
            [
                # Its lines joined with the order and their types, outside the transaction: they never change.
                "SELECT tickets_orderline",
                "UPDATE tickets_order",  # payment_started_at, before the card is charged
                "BEGIN",
                "SELECT tickets_order",  # locked
                "UPDATE tickets_tickettype",  # held -> sold
                "UPDATE tickets_order",  # paid
                # Its ticket's id, for the confirmation, comes with the insert (RETURNING on MariaDB, the last insert id
                # on MySQL): no read. (MySQL gives no ids of several rows: an order of several tickets reads them.)
                "INSERT tickets_ticket",
                "INSERT tickets_outboxmessage",
                "COMMIT",
            ],
        )
        self.assertEqual(rpcs, ["payments.Charge"])
        if connection.features.has_select_for_update:  # the saga's lock, where the database has row locks
            self.assertTrue(statements[3].endswith("FOR UPDATE"), statements[3])


class EventDeskBudgetTests(TicketServiceTestCase):
    """The organizer's listing reads a page in the same few statements however many orders, lines and
    tickets it shows: no query per order."""

    def setUp(self):
        super().setUp()
        self.event = self.make_event()
        self.types = [self.make_ticket_type(event_id=self.event.id, capacity=50, name=n) for n in ("A", "B")]

    def listed_page(self, page_size: int) -> tuple[list[str], list[str]]:
        """The statements and RPCs of a page of the event's orders, rendered as the RPC answers it."""
        with CaptureQueriesContext(connection) as queries, counting_rpcs() as rpcs:
            page = selectors.list_event_orders(caller=self.ORGANIZER, event_id=self.event.id, page_size=page_size)
            [order_to_proto(order) for order in page.items]
        self.assertEqual(len(page.items), page_size)
        # A reconnect's session SET after the events call is left out, as in the payment's budget above.
        return [kind for kind in statement_kinds(queries) if kind != "SET"], rpcs

    def test_a_page_of_orders_is_three_reads_whatever_its_size(self):
        for _ in range(4):  # paid orders of two lines and three tickets each
            order = self.reserve_lines([(self.types[0].id, 2), (self.types[1].id, 1)]).order
            self.pay(order.id)

        one, rpcs = self.listed_page(1)
        four, _ = self.listed_page(4)

        self.assertEqual(
            four,
            [
                "SELECT tickets_order",  # with its voucher
                "SELECT tickets_orderline",  # with their ticket types
                "SELECT tickets_ticket",
            ],
        )
        self.assertEqual(one, four)
        self.assertEqual(rpcs, ["events.GetEvent"])  # who the organizer is

    def test_counting_every_order_of_the_filters_is_one_read_more_in_any_order(self):
        for _ in range(3):
            self.pay(self.reserve_lines([(self.types[0].id, 1)]).order.id)

        with CaptureQueriesContext(connection) as queries:
            page = selectors.list_event_orders(
                caller=self.ORGANIZER, event_id=self.event.id, page_size=2, order_by="-total", with_total_count=True
            )
            [order_to_proto(order) for order in page.items]

        self.assertEqual(page.total_count, 3)
        self.assertEqual(
            [kind for kind in statement_kinds(queries) if kind != "SET"],
            ["SELECT tickets_order", "SELECT tickets_order", "SELECT tickets_orderline", "SELECT tickets_ticket"],
        )

    def test_a_page_of_a_customers_own_orders_is_three_reads_whatever_its_size(self):
        for _ in range(3):
            self.pay(self.reserve_lines([(self.types[0].id, 2), (self.types[1].id, 1)]).order.id)

        def listed(page_size: int) -> list[str]:
            with CaptureQueriesContext(connection) as queries:
                page = selectors.list_orders(caller=self.CUSTOMER, page_size=page_size)
                [order_to_proto(order) for order in page.items]
            return [kind for kind in statement_kinds(queries) if kind != "SET"]

        self.assertEqual(listed(3), ["SELECT tickets_order", "SELECT tickets_orderline", "SELECT tickets_ticket"])
        self.assertEqual(listed(1), listed(3))
