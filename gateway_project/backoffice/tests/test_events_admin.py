import uuid
from datetime import UTC, datetime, timedelta
from unittest import mock

from django.conf import settings
from django.contrib import admin
from django.test import Client, override_settings

from devkit.net import free_port
from gateway_project.backoffice import views
from gateway_project.backoffice.sites import MicroTixAdminSite
from gateway_project.tests.base import GatewayAPITestCase
from protos.tickets.v1 import tickets_pb2
from servicekit import clients
from servicekit.identity import Caller

LIST_URL = "/admin/backoffice/events/"
VISA = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 2, cvc="123")


class EventsAdminTests(GatewayAPITestCase):
    def setUp(self):
        self.organizer = self.make_organizer()
        self.staff = self.make_user(is_staff=True, is_superuser=True)

    def create_event(self, organizer=None, days: int = 30, **fields) -> dict:
        starts = datetime.now(UTC) + timedelta(days=days)
        payload = {
            "name": f"Backoffice {uuid.uuid4().hex}",
            "venue": "Hall 1",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            **fields,
        }
        self.authenticate(organizer or self.organizer)
        response = self.client.post("/api/events/", payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.authenticate(None)
        return response.json()

    def sell(self, event: dict, seats: int) -> None:
        """A paid order of `seats` tickets of a new "General" type at 10.00, through the services."""
        organizer = Caller(user_id=self.organizer.id, role="organizer")
        ticket_type = clients.tickets().CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event["id"], name="General", price="10.00", capacity=10),
            caller=organizer,
        )
        user = self.make_user()
        buyer = Caller(user_id=user.id, role="customer")
        request = tickets_pb2.ReserveSeatsRequest(
            ticket_type_id=ticket_type.id, quantity=seats, email=user.email, full_name="B"
        )
        order = clients.tickets().ReserveSeats(request, caller=buyer).order
        clients.tickets().PayOrder(tickets_pb2.PayOrderRequest(order_id=order.id, card=VISA), caller=buyer)

    def login_staff(self):
        self.client.force_login(self.staff)

    def test_default_admin_site_is_microtix(self):
        self.assertIsInstance(admin.site, MicroTixAdminSite)

    def test_admin_index_lists_events(self):
        self.login_staff()
        response = self.client.get("/admin/")
        self.assertContains(response, "Events service")
        self.assertContains(response, f'<a href="{LIST_URL}">Events</a>', html=True)
        self.assertContains(response, "Users")

    def test_list_finds_event_by_search(self):
        event = self.create_event()
        other = self.create_event()
        self.login_staff()
        response = self.client.get(LIST_URL, {"q": event["name"]})
        self.assertContains(response, "Every event, whatever its status and date")
        self.assertContains(response, event["name"])
        self.assertContains(response, f"{LIST_URL}{event['id']}/")
        self.assertNotContains(response, other["name"])

    def test_organizer_filter_lists_cancelled_events(self):
        event = self.create_event()
        self.login_staff()
        self.client.post(f"{LIST_URL}{event['id']}/cancel/")
        detail_url = f"{LIST_URL}{event['id']}/"
        self.assertNotContains(self.client.get(LIST_URL, {"q": event["name"], "status": "published"}), detail_url)
        response = self.client.get(LIST_URL, {"organizer_id": self.organizer.id})
        self.assertContains(response, detail_url)
        self.assertContains(response, "cancelled")

    def test_next_page_link(self):
        first, second = self.create_event(days=10), self.create_event(days=20)
        self.login_staff()
        with mock.patch.object(views, "PAGE_SIZE", 1):
            page = self.client.get(LIST_URL, {"organizer_id": self.organizer.id})
            self.assertContains(page, first["name"])
            self.assertNotContains(page, second["name"])
            next_page = self.client.get(LIST_URL + page.context["next_url"])
        self.assertContains(next_page, second["name"])
        self.assertNotContains(next_page, first["name"])
        self.assertNotIn("next_url", next_page.context)

    def test_invalid_filter_is_400(self):
        self.login_staff()
        response = self.client.get(LIST_URL, {"organizer_id": "abc"})
        self.assertContains(response, "Enter a whole number", status_code=400)

    def test_detail_shows_event(self):
        event = self.create_event(description="Bring a towel.")
        self.login_staff()
        response = self.client.get(f"{LIST_URL}{event['id']}/")
        self.assertContains(response, event["name"])
        self.assertContains(response, "Bring a towel.")
        self.assertContains(response, "Hall 1")
        self.assertContains(response, "published")
        self.assertContains(response, "Cancel event")

    def test_cancel_event(self):
        event = self.create_event()
        self.login_staff()
        response = self.client.post(f"{LIST_URL}{event['id']}/cancel/", follow=True)
        self.assertRedirects(response, f"{LIST_URL}{event['id']}/")
        self.assertContains(response, "was cancelled")
        self.assertNotContains(response, "Cancel event")
        self.assertEqual(self.client.get(f"/api/events/{event['id']}/").json()["status"], "cancelled")

    def test_the_event_page_leads_to_the_cancel_confirmation(self):
        event = self.create_event()
        self.login_staff()
        response = self.client.get(f"{LIST_URL}{event['id']}/")
        self.assertContains(response, f'href="{LIST_URL}{event["id"]}/cancel/"')
        self.assertNotContains(response, f'action="{LIST_URL}{event["id"]}/cancel/"')

    def test_cancel_confirmation_says_what_will_happen(self):
        event = self.create_event()
        self.login_staff()
        response = self.client.get(f"{LIST_URL}{event['id']}/cancel/")
        self.assertContains(response, f"Are you sure you want to cancel the event “{event['name']}”?")
        for consequence in ("sales close", "becomes void", "refunded in full", "emailed"):
            self.assertContains(response, consequence)
        self.assertContains(response, "delete-confirmation")
        self.assertContains(response, f'action="{LIST_URL}{event["id"]}/cancel/"')

    def test_cancel_confirmation_counts_the_tickets_sold(self):
        event = self.create_event()
        self.sell(event, seats=3)
        self.login_staff()
        response = self.client.get(f"{LIST_URL}{event['id']}/cancel/")
        self.assertContains(response, "General: 3 tickets sold (30.00 USD paid), 0 seats on hold")

    def test_cancel_confirmation_cancels_nothing(self):
        event = self.create_event()
        self.login_staff()
        self.client.get(f"{LIST_URL}{event['id']}/cancel/")
        self.assertEqual(self.client.get(f"/api/events/{event['id']}/").json()["status"], "published")

    def test_cancel_confirmation_of_a_cancelled_event_offers_no_form(self):
        event = self.create_event()
        self.login_staff()
        self.client.post(f"{LIST_URL}{event['id']}/cancel/")
        response = self.client.get(f"{LIST_URL}{event['id']}/cancel/")
        self.assertContains(response, "is cancelled already")
        self.assertNotContains(response, 'name="post"')

    def test_cancel_needs_a_csrf_token(self):
        event = self.create_event()
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(self.staff)
        self.assertEqual(browser.post(f"{LIST_URL}{event['id']}/cancel/").status_code, 403)
        self.assertEqual(self.client.get(f"/api/events/{event['id']}/").json()["status"], "published")

    def test_non_staff_is_sent_to_admin_login(self):
        event = self.create_event()
        self.client.force_login(self.make_user())
        for url in (LIST_URL, f"{LIST_URL}{event['id']}/", f"{LIST_URL}{event['id']}/cancel/"):
            response = self.client.get(url)
            self.assertRedirects(response, f"/admin/login/?next={url}", fetch_redirect_response=False)
        response = self.client.post(f"{LIST_URL}{event['id']}/cancel/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get(f"/api/events/{event['id']}/").json()["status"], "published")

    def test_unknown_event_is_404(self):
        self.login_staff()
        self.assertEqual(self.client.get(f"{LIST_URL}999999999/").status_code, 404)
        self.assertEqual(self.client.post(f"{LIST_URL}999999999/cancel/").status_code, 404)
        self.assertEqual(self.client.get(f"{LIST_URL}9999999999999999999/").status_code, 404)

    def test_events_service_down_is_503_page(self):
        self.login_staff()
        with override_settings(GRPC_ADDRS={**settings.GRPC_ADDRS, "events": f"127.0.0.1:{free_port()}"}):
            for url in (LIST_URL, f"{LIST_URL}1/"):
                response = self.client.get(url)
                self.assertContains(response, "events service is unavailable", status_code=503)
                self.assertContains(response, '<div class="breadcrumbs">', status_code=503)
            response = self.client.post(f"{LIST_URL}1/cancel/")
            self.assertContains(response, "events service is unavailable", status_code=503)
