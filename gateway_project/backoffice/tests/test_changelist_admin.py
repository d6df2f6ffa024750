"""The back office's listings as Django admin's changelist: how many rows the filters match (the
services count them), column headers that sort (`o=`) with pages following the sort, and the orders'
date hierarchy (years, months, days). Through the real services."""

import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from devkit.databases import mysql_connection
from gateway_project.backoffice.tests.test_notification_log_admin import LIST_URL, NotificationLogTestCase
from gateway_project.tests.base import GatewayAPITestCase
from protos.events.v1 import events_pb2
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

ORDERS_URL = "/admin/backoffice/orders/"


class Headers(HTMLParser):
    """The result table's header cells: each one's text, CSS classes and the link of its text."""

    def __init__(self, html: str):
        super().__init__()
        self.cells: dict[str, dict] = {}
        self._cell: dict | None = None
        self._in_text = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "th" and attrs.get("scope") == "col":
            self._cell = {"classes": set((attrs.get("class") or "").split()), "link": None, "text": ""}
        elif tag == "div" and self._cell is not None and "text" in (attrs.get("class") or "").split():
            self._in_text = True
        elif tag == "a" and self._in_text:
            self._cell["link"] = attrs.get("href")

    def handle_data(self, data):
        if self._in_text:
            self._cell["text"] += data.strip()

    def handle_endtag(self, tag):
        if tag == "div":
            self._in_text = False
        elif tag == "th" and self._cell is not None:
            self.cells[self._cell["text"]] = self._cell
            self._cell = None


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


class SortTests(NotificationLogTestCase):
    def setUp(self):
        super().setUp()
        self.ids = {attempts: self.record(status="sent", attempts=attempts) for attempts in (2, 1, 3)}

    def page(self, **params):
        response = self.client.get(LIST_URL, {"q": self.domain, **params})
        self.assertEqual(response.status_code, 200, response.content[:500])
        return response

    def ids_listed(self, response) -> list[int]:
        return [row["cells"][0]["value"] for row in response.context["rows"]]

    def test_a_sortable_column_s_header_links_to_the_listing_sorted_by_it_ascending(self):
        header = Headers(self.page().content.decode()).cells["Attempts"]

        self.assertIn("sortable", header["classes"])
        self.assertIn("o=attempts", header["link"])

    def test_rows_follow_the_column_sorted_ascending_or_descending(self):
        self.assertEqual(self.ids_listed(self.page(o="attempts")), [self.ids[1], self.ids[2], self.ids[3]])
        self.assertEqual(self.ids_listed(self.page(o="-attempts")), [self.ids[3], self.ids[2], self.ids[1]])

    def test_the_header_of_the_column_sorted_toggles_its_direction(self):
        ascending = Headers(self.page(o="attempts").content.decode()).cells["Attempts"]
        descending = Headers(self.page(o="-attempts").content.decode()).cells["Attempts"]

        self.assertLessEqual({"sorted", "ascending"}, ascending["classes"])
        self.assertIn("o=-attempts", ascending["link"])
        self.assertLessEqual({"sorted", "descending"}, descending["classes"])
        self.assertIn("o=attempts", descending["link"])

    def test_a_column_that_does_not_sort_has_no_link(self):
        header = Headers(self.page().content.decode()).cells["Subject"]

        self.assertEqual((header["link"], "sortable" in header["classes"]), (None, False))

    def test_the_next_page_of_a_sorted_listing_continues_in_its_order(self):
        for _ in range(50):
            self.record(status="sent", attempts=2)  # a tie of 51 rows across the page's end
        first = self.page(o="attempts")

        second = self.client.get(f"{LIST_URL}{first.context['next_url']}")

        listed = self.ids_listed(first) + self.ids_listed(second)
        self.assertEqual(len(listed), 53)
        self.assertEqual(len(set(listed)), 53)
        self.assertEqual((listed[0], listed[-1]), (self.ids[1], self.ids[3]))

    def test_a_header_link_starts_at_the_first_page(self):
        for _ in range(50):
            self.record(status="sent")
        second = self.client.get(f"{LIST_URL}{self.page().context['next_url']}")

        link = Headers(second.content.decode()).cells["Attempts"]["link"]

        self.assertNotIn("cursor=", link)
        self.assertIn(f"q={self.domain}", link)

    def test_the_filter_form_keeps_the_order(self):
        response = self.page(o="-attempts")

        self.assertContains(response, '<input type="hidden" name="o" value="-attempts">', html=True)

    def test_a_column_outside_the_listing_s_allowlist_is_a_bad_request_page_naming_it(self):
        response = self.client.get(LIST_URL, {"q": self.domain, "o": "dedupe_key"})

        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Cannot sort by “dedupe_key”", status_code=400)


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

    def test_orders_sort_by_their_total(self):
        two, one, three = self.order(2), self.order(1), self.order(3)

        self.assertEqual(self.ids_listed(self.listing(o="total")), [one, two, three])
        self.assertEqual(self.ids_listed(self.listing(o="-total")), [three, two, one])


class DateHierarchyTests(OrdersTestCase):
    def setUp(self):
        super().setUp()
        self.last_year = self.order(created_at=datetime(2029, 12, 31, 23, 30, tzinfo=UTC))
        self.january = self.order(created_at=datetime(2030, 1, 1, 0, 15, tzinfo=UTC))
        self.april_2nd = self.order(created_at=datetime(2030, 4, 2, 10, tzinfo=UTC))
        self.april_9th = self.order(created_at=datetime(2030, 4, 9, 10, tzinfo=UTC))

    def hierarchy(self, response) -> tuple[str | None, list[str]]:
        """The date hierarchy's back link's title (None: none) and its choices' titles."""
        links = response.context["date_hierarchy"]
        return (links["back"] or {}).get("title"), [choice["title"] for choice in links["choices"]]

    def test_the_orders_listing_links_the_years_its_orders_were_created_in(self):
        response = self.listing()

        self.assertEqual(self.hierarchy(response), (None, ["2029", "2030"]))
        self.assertContains(response, f'<a href="?q={self.tag}&amp;created_at__year=2030">2030</a>', html=True)

    def test_a_year_lists_its_orders_alone_and_links_its_months(self):
        response = self.listing(created_at__year=2030)

        self.assertEqual(self.ids_listed(response), [self.april_9th, self.april_2nd, self.january])
        self.assertEqual(self.hierarchy(response), ("All dates", ["January 2030", "April 2030"]))

    def test_a_month_lists_its_orders_alone_and_links_its_days(self):
        response = self.listing(created_at__year=2030, created_at__month=4)

        self.assertEqual(self.ids_listed(response), [self.april_9th, self.april_2nd])
        self.assertEqual(self.hierarchy(response), ("2030", ["April 2", "April 9"]))

    def test_a_day_lists_its_orders_alone_and_links_back_to_its_month(self):
        response = self.listing(created_at__year=2029, created_at__month=12, created_at__day=31)

        self.assertEqual(self.ids_listed(response), [self.last_year])
        self.assertEqual(self.hierarchy(response), ("December 2029", ["December 31"]))

    def test_the_hierarchy_keeps_the_sort_and_the_count_follows_it(self):
        response = self.listing(created_at__year=2030, o="created_at")

        self.assertEqual(self.ids_listed(response), [self.january, self.april_2nd, self.april_9th])
        self.assertEqual(response.context["count"], "3 orders")
        self.assertIn("o=created_at", response.context["date_hierarchy"]["choices"][0]["link"])

    def test_a_date_that_is_not_one_is_a_bad_request_page(self):
        for params in ({"created_at__year": "2030", "created_at__month": "13"}, {"created_at__month": "4"}):
            with self.subTest(**params):
                response = self.listing(status=400, **params)

                self.assertContains(response, "Not a date of the date hierarchy.", status_code=400)
