"""The back office's listings as Django admin's changelist: how many rows the filters match (the
services count them). Through the real services."""

import uuid
from datetime import UTC, datetime, timedelta

from devkit.databases import mysql_connection
from gateway_project.backoffice.tests.test_notification_log_admin import LIST_URL, NotificationLogTestCase
from gateway_project.tests.base import GatewayAPITestCase
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

ORDERS_URL = "/admin/backoffice/orders/"


class CountTests(NotificationLogTestCase):
    def test_the_listing_says_how_many_rows_its_filters_match_not_how_many_it_shows(self):
        for _ in range(51):
            self.record()

        response = self.client.get(LIST_URL, {"q": self.domain})

        self.assertEqual(len(response.context["rows"]), 50)
        self.assertContains(response, '<span class="count">51 notifications</span>', html=True)

    def test_a_later_page_says_the_same_total_and_which_page_it_is(self):
        for _ in range(51):
            self.record()
        first = self.client.get(LIST_URL, {"q": self.domain})

        second = self.client.get(f"{LIST_URL}{first.context['next_url']}")

        self.assertEqual(second.context["count"], "51 notifications (page 2)")

    def test_a_count_in_thousands_is_written_with_a_thousands_separator(self):
        self.record_many(1234)

        response = self.client.get(LIST_URL, {"q": self.domain})

        self.assertEqual(response.context["count"], "1,234 notifications")

    def test_one_row_is_counted_in_the_singular(self):
        self.record()

        self.assertEqual(self.client.get(LIST_URL, {"q": self.domain}).context["count"], "1 notification")

    def record_many(self, count: int) -> None:
        """`count` sent emails of the test's domain, in one statement."""
        rows = [
            (f"reminder:{uuid.uuid4().hex}", "reminder", f"n{n}@{self.domain}", "Soon", "{}", "sent", 1, "")
            for n in range(count)
        ]
        connection = mysql_connection(self.services.database_url)
        with connection:
            connection.cursor().executemany(
                "INSERT INTO notifications_notification (dedupe_key, kind, recipient, subject, context, status, "
                "attempts, last_error, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, UTC_TIMESTAMP(6))",
                rows,
            )


class OrdersTestCase(GatewayAPITestCase):
    def setUp(self):
        self.client.force_login(self.make_user(is_staff=True, is_superuser=True))
        organizer = Caller(user_id=self.make_organizer().id, role="organizer")
        starts = datetime.now(UTC) + timedelta(days=20)
        event = clients.events().CreateEvent(
            events_pb2.CreateEventRequest(
                name="Changelist", starts_at=to_timestamp(starts), ends_at=to_timestamp(starts + timedelta(hours=2))
            ),
            caller=organizer,
        )
        self.ticket_type = clients.tickets().CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name="General", price="10.00", capacity=50),
            caller=organizer,
        )
        # Every test's buyers have addresses of their own: the listing searched for it shows their orders alone.
        self.tag = uuid.uuid4().hex[:12]

    def order(self, quantity: int = 1, created_at: datetime | None = None) -> int:
        """A reserved order of a new buyer of the test; its id. `created_at`: written into its row."""
        email = f"{uuid.uuid4().hex[:6]}-{self.tag}@example.com"
        buyer = Caller(user_id=self.make_user(email=email).id, role="customer")
        request = tickets_pb2.ReserveSeatsRequest(
            ticket_type_id=self.ticket_type.id, quantity=quantity, email=email, full_name="B"
        )
        order_id = clients.tickets().ReserveSeats(request, caller=buyer).order.id
        if created_at is not None:
            connection = mysql_connection(self.services.database_url)
            with connection:
                connection.cursor().execute(
                    "UPDATE tickets_order SET created_at = %s WHERE id = %s",
                    (created_at.replace(tzinfo=None), order_id),
                )
        return order_id

    def listing(self, status: int = 200, **params):
        response = self.client.get(ORDERS_URL, {"q": self.tag, **params})
        self.assertEqual(response.status_code, status, response.content[:500])
        return response

    def ids_listed(self, response) -> list[int]:
        return [row["cells"][0]["value"] for row in response.context["rows"]]


class OrderListingTests(OrdersTestCase):
    def test_the_orders_listing_counts_the_orders_of_its_filters(self):
        for _ in range(3):
            self.order()

        self.assertEqual(self.listing().context["count"], "3 orders")
