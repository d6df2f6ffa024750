"""The back office's events: the staff listing of every event with status and date filters, and
the event page with its ticket types inline (from the tickets service): availability, sale window,
hidden, and a link to the event's vouchers."""

import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.test import override_settings
from django.utils.formats import date_format

from devkit.net import free_port
from gateway_project.tests.base import GatewayAPITestCase
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.grpc_client import ServiceClient
from servicekit.identity import Caller
from servicekit.timestamps import to_timestamp

LIST_URL = "/admin/backoffice/events/"


def day(days: int) -> str:
    """The UTC date `days` from today, as the date inputs send it."""
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


class EventsAdminTestCase(GatewayAPITestCase):
    def setUp(self):
        self.organizer = self.make_organizer()
        self.staff = self.make_user(is_staff=True, is_superuser=True)
        self.tag = uuid.uuid4().hex[:12]

    def create_event(self, starts: datetime | None = None, **fields) -> dict:
        starts = starts or datetime.now(UTC) + timedelta(days=30)
        payload = {
            "name": f"Filters {self.tag} {uuid.uuid4().hex[:6]}",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            **fields,
        }
        self.authenticate(self.organizer)
        response = self.client.post("/api/events/", payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.authenticate(None)
        return response.json()

    def cancel(self, event: dict) -> None:
        self.authenticate(self.organizer)
        self.assertEqual(self.client.delete(f"/api/events/{event['id']}/").status_code, 204)
        self.authenticate(None)

    def detail_url(self, event: dict) -> str:
        return f"{LIST_URL}{event['id']}/"


class EventFiltersAdminTests(EventsAdminTestCase):
    def listed(self, **filters) -> set[int]:
        """Ids of this test's events the listing shows with `filters` (and this test's tag)."""
        self.client.force_login(self.staff)
        response = self.client.get(LIST_URL, {"q": self.tag, **filters})
        self.assertEqual(response.status_code, 200, response.content)
        return {event["id"] for event in response.context["events"]}

    def test_status_filter(self):
        published = self.create_event()
        cancelled = self.create_event()
        self.cancel(cancelled)

        self.assertEqual(self.listed(status="published"), {published["id"]})
        self.assertEqual(self.listed(status="cancelled"), {cancelled["id"]})
        self.assertEqual(self.listed(status=""), {published["id"], cancelled["id"]})
        self.assertEqual(self.listed(), {published["id"], cancelled["id"]})

    def test_date_range_filter_takes_whole_utc_days(self):
        now = datetime.now(UTC)
        early = self.create_event(now + timedelta(days=10))
        middle = self.create_event(now + timedelta(days=20))
        late = self.create_event(now + timedelta(days=30))

        self.assertEqual(self.listed(starts_after=day(15)), {middle["id"], late["id"]})
        self.assertEqual(self.listed(starts_before=day(25)), {early["id"], middle["id"]})
        self.assertEqual(self.listed(starts_after=day(15), starts_before=day(25)), {middle["id"]})
        # The first day counts from its midnight, the last one is left out.
        self.assertEqual(self.listed(starts_after=day(20), starts_before=day(21)), {middle["id"]})
        self.assertEqual(self.listed(starts_after=day(21), starts_before=day(30)), set())

    def test_status_and_dates_combine(self):
        now = datetime.now(UTC)
        cancelled_soon = self.create_event(now + timedelta(days=5))
        self.cancel(cancelled_soon)
        cancelled_later = self.create_event(now + timedelta(days=40))
        self.cancel(cancelled_later)
        self.create_event(now + timedelta(days=6))

        self.assertEqual(self.listed(status="cancelled", starts_before=day(20)), {cancelled_soon["id"]})

    def test_opened_without_filters_shows_upcoming_published_events(self):
        self.client.force_login(self.staff)
        sent = []
        real_rpc = ServiceClient.__getattr__

        def spy(client, method):
            rpc = real_rpc(client, method)

            def recorded(request, **kwargs):
                sent.append((method, request))
                return rpc(request, **kwargs)

            return recorded

        with mock.patch.object(ServiceClient, "__getattr__", spy):
            response = self.client.get(LIST_URL)

        self.assertEqual(response.status_code, 200)
        ((method, request),) = sent
        self.assertEqual(method, "ListEvents")
        self.assertTrue(request.all_statuses)
        self.assertEqual(request.status, "published")
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.assertEqual(request.starts_after.ToDatetime(tzinfo=UTC), today)
        # The form shows the filters that were applied.
        self.assertContains(response, f'value="{today.date().isoformat()}"')
        self.assertContains(response, '<option value="published" selected>published</option>', html=True)

    def test_next_page_keeps_the_filters(self):
        now = datetime.now(UTC)
        first = self.create_event(now + timedelta(days=11))
        second = self.create_event(now + timedelta(days=12))
        self.client.force_login(self.staff)

        with mock.patch("gateway_project.backoffice.views.PAGE_SIZE", 1):
            page = self.client.get(LIST_URL, {"q": self.tag, "status": "published", "starts_after": day(10)})
            next_url = page.context["next_url"]
            next_page = self.client.get(LIST_URL + next_url)

        self.assertEqual([e["id"] for e in page.context["events"]], [first["id"]])
        self.assertIn("status=published", next_url)
        self.assertIn(f"starts_after={day(10)}", next_url)
        self.assertEqual([e["id"] for e in next_page.context["events"]], [second["id"]])

    def test_invalid_filters_are_a_bad_request_page(self):
        self.client.force_login(self.staff)

        for filters in (
            {"status": "deleted"},
            {"starts_after": "tomorrow"},
            {"starts_after": day(10), "starts_before": day(10)},
        ):
            with self.subTest(filters=filters):
                response = self.client.get(LIST_URL, filters)
                self.assertEqual(response.status_code, 400)
                self.assertContains(response, "errornote", status_code=400)


class EventTicketTypesAdminTests(EventsAdminTestCase):
    def add_ticket_type(self, event: dict, **fields) -> tickets_pb2.TicketType:
        return clients.tickets().CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event["id"], **fields),
            caller=Caller(user_id=self.organizer.id, role="organizer"),
        )

    def test_event_page_shows_its_ticket_types_with_live_availability(self):
        event = self.create_event()
        standing = self.add_ticket_type(event, name="Standing", price="12.50", capacity=100)
        self.add_ticket_type(event, name="Balcony VIP", price="80.00", currency="EUR", capacity=8, max_per_order=2)
        buyer = self.make_user()
        clients.tickets().ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(ticket_type_id=standing.id, quantity=3, email=buyer.email, full_name="B"),
            caller=Caller(user_id=buyer.id, role="customer"),
        )
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        self.assertContains(response, "Ticket types")
        rows = {row["name"]: row for row in response.context["ticket_types"]}
        self.assertEqual(
            rows["Standing"],
            {
                "id": standing.id,
                "name": "Standing",
                "price": "12.50 USD",
                "capacity": 100,
                "available": 97,
                "max_per_order": 10,
                "sales_start": rows["Standing"]["sales_start"],  # when it was created: its own test below
                "sales_end": "at the event's start",
                "hidden": False,
                "waiting": "none",
            },
        )
        self.assertEqual((rows["Balcony VIP"]["price"], rows["Balcony VIP"]["available"]), ("80.00 EUR", 8))
        self.assertContains(response, "<td>Balcony VIP</td>", html=True)
        self.assertContains(response, "<td>97</td>", html=True)

    def test_event_page_shows_how_many_wait_on_each_types_waiting_list_and_for_how_many_seats(self):
        event = self.create_event()
        tiny = self.add_ticket_type(event, name="Tiny", price="5.00", capacity=2)
        buyers = [self.make_user() for _ in range(3)]
        clients.tickets().ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(ticket_type_id=tiny.id, quantity=2, email=buyers[0].email, full_name="A"),
            caller=Caller(user_id=buyers[0].id, role="customer"),
        )
        for buyer, quantity in ((buyers[1], 1), (buyers[2], 2)):
            clients.tickets().JoinWaitingList(
                tickets_pb2.JoinWaitingListRequest(
                    event_id=event["id"], ticket_type_id=tiny.id, quantity=quantity, email=buyer.email
                ),
                caller=Caller(user_id=buyer.id, role="customer"),
            )
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        (row,) = response.context["ticket_types"]
        self.assertEqual((row["available"], row["waiting"]), (0, "2 for 3 seats"))
        self.assertContains(response, "<td>2 for 3 seats</td>", html=True)

    def test_event_page_shows_a_types_own_sale_window(self):
        event = self.create_event(datetime.now(UTC) + timedelta(days=30))
        opens = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        closes = opens + timedelta(days=7)
        self.add_ticket_type(
            event,
            name="Early",
            price="9.00",
            capacity=5,
            sales_start=to_timestamp(opens),
            sales_end=to_timestamp(closes),
        )
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        (row,) = response.context["ticket_types"]
        shown = f"{date_format(opens, 'DATETIME_FORMAT')} UTC", f"{date_format(closes, 'DATETIME_FORMAT')} UTC"
        self.assertEqual((row["sales_start"], row["sales_end"]), shown)
        self.assertContains(response, f"<td>{shown[0]}</td><td>{shown[1]}</td>", html=True)

    def test_a_type_without_a_sales_end_is_shown_selling_until_the_events_start(self):
        event = self.create_event()
        self.add_ticket_type(event, name="Door", price="15.00", capacity=5)
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        (row,) = response.context["ticket_types"]
        self.assertEqual(row["sales_end"], "at the event's start")
        self.assertContains(response, "<td>at the event&#x27;s start</td>", html=True)

    def test_event_page_marks_hidden_types(self):
        event = self.create_event()
        self.add_ticket_type(event, name="Presale", price="20.00", capacity=5, hidden=True)
        self.add_ticket_type(event, name="Public", price="25.00", capacity=5)
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        self.assertEqual(
            {row["name"]: row["hidden"] for row in response.context["ticket_types"]},
            {
                "Presale": True,
                "Public": False,
            },
        )
        self.assertContains(response, "<td>yes</td>", html=True, count=1)

    def test_event_page_links_to_the_events_vouchers(self):
        event = self.create_event()
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        self.assertContains(response, f'href="/admin/backoffice/vouchers/?event_id={event["id"]}"')

    def test_event_without_ticket_types_says_so(self):
        event = self.create_event()
        self.client.force_login(self.staff)

        response = self.client.get(self.detail_url(event))

        self.assertEqual(response.context["ticket_types"], [])
        self.assertContains(response, "No ticket types.")

    def test_tickets_service_down_still_shows_the_event_with_a_warning(self):
        event = self.create_event()
        self.client.force_login(self.staff)

        with override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "tickets": f"127.0.0.1:{free_port()}"}):
            response = self.client.get(self.detail_url(event))

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, event["name"])
        self.assertContains(response, "Ticket types cannot be shown: the tickets service is unavailable.")
        self.assertNotContains(response, "No ticket types.")
        self.assertContains(response, "Cancel event")
