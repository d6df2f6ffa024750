"""What one purchase costs the gateway in round trips, counted: its own SQL statements and the
gRPC calls of POST /api/orders/ and of paying. Each budget is today's count; a change that adds a
round trip fails here (make bench measures the time). The buyer made a request just before, as in a
sale, so the gateway worker knows its user (accounts.authentication)."""

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework import status

from devkit.databases import statement_kinds
from devkit.grpc_testing import counting_rpcs
from gateway_project.accounts import authentication
from gateway_project.tests.ticketing import ORDERS_URL, TicketingAPITestCase, card, order_url


# Each worker reads the users changed elsewhere once a second (accounts.authentication), whatever
# its traffic: not a round trip of these requests, so it is kept out of their counts.
@override_settings(USER_CHANGES_POLL_SECONDS=3600)
class PurchaseRequestBudgetTests(TicketingAPITestCase):
    def setUp(self):
        authentication.forget_all()
        super().setUp()
        self.ticket_type = self.ticket_type_on_sale()
        self.authenticate(self.customer)

    def test_a_reservation_is_three_statements_and_one_rpc(self):
        self.reserved_order(self.ticket_type)  # the user's throttle slots exist, as in a sale
        self.authenticate(self.customer)
        with CaptureQueriesContext(connection) as queries, counting_rpcs() as rpcs:
            response = self.client.post(
                ORDERS_URL, {"ticket_type_id": self.ticket_type["id"], "quantity": 1}, format="json"
            )

        self.assertEqual(response.status_code, status.HTTP_201_CREATED, response.content)
        self.assertEqual(
            statement_kinds(queries),
            [
                # The order throttle: its slots soonest free first, none free, so one more is made and taken.
                "SELECT ratelimits_slot",
                "INSERT ratelimits_slot",
                "UPDATE ratelimits_slot",
            ],
        )
        self.assertEqual(rpcs, ["tickets.ReserveSeats"])

    def test_a_payment_is_no_statement_and_one_rpc(self):
        order = self.reserved_order(self.ticket_type)
        self.authenticate(self.customer)
        with CaptureQueriesContext(connection) as queries, counting_rpcs() as rpcs:
            response = self.client.post(order_url(order["id"], "pay"), card(), format="json")

        self.assertEqual(response.status_code, status.HTTP_200_OK, response.content)
        self.assertEqual(statement_kinds(queries), [])
        self.assertEqual(rpcs, ["tickets.PayOrder"])
