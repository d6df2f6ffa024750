"""End to end: the real gateway (gunicorn) and gRPC service processes, started
from the Procfile on free ports against a fresh database, driven over HTTP."""

import time
import uuid
from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase

from devkit.http import JsonClient
from devkit.processes import ProcessStack
from servicekit.tasks import celery_app
from servicekit.timestamps import iso_text


class EventsEndToEndTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stack = ProcessStack(["gateway", "events", "tickets", "payments", "notifications"]).start()
        cls.addClassCleanup(cls.stack.stop)

    def setUp(self):
        self.organizer = JsonClient(self.stack.base_url)
        self.organizer_user = self.organizer.login_as_new_user(f"org-{uuid.uuid4().hex[:8]}@example.com", "organizer")
        self.customer = JsonClient(self.stack.base_url)
        self.customer.login_as_new_user(f"cust-{uuid.uuid4().hex[:8]}@example.com", "customer")
        self.anonymous = JsonClient(self.stack.base_url)

    def create_event(self, name: str, days_ahead: int = 30) -> dict:
        starts = datetime.now(UTC) + timedelta(days=days_ahead)
        response = self.organizer.post(
            "/api/events/",
            {
                "name": name,
                "venue": "Main Hall, 1 Rue X",
                "starts_at": iso_text(starts),
                "ends_at": iso_text(starts + timedelta(hours=3)),
            },
        )
        self.assertEqual(response.status, 201, response.body)
        return response.body

    def test_health_reports_every_service_ok(self):
        response = self.anonymous.get("/api/health/")
        self.assertEqual(response.status, 200, response.body)
        self.assertEqual(
            response.body["services"], {"events": "ok", "tickets": "ok", "payments": "ok", "notifications": "ok"}
        )

    def test_organizer_publishes_changes_and_cancels_an_event_the_public_sees(self):
        tag = uuid.uuid4().hex[:10]
        event = self.create_event(f"Jazz night {tag}")
        self.assertEqual(event["organizer_id"], self.organizer_user["id"])

        listed = self.anonymous.get(f"/api/events/?q={tag}")
        self.assertEqual([e["id"] for e in listed.body["results"]], [event["id"]])

        renamed = self.organizer.patch(f"/api/events/{event['id']}/", {"name": f"Late jazz {tag}"})
        self.assertEqual((renamed.status, renamed.body["name"]), (200, f"Late jazz {tag}"))
        self.assertEqual(self.customer.patch(f"/api/events/{event['id']}/", {"name": "x"}).status, 403)

        self.assertEqual(self.organizer.delete(f"/api/events/{event['id']}/").status, 204)
        cancelled = self.anonymous.get(f"/api/events/{event['id']}/")
        self.assertEqual((cancelled.status, cancelled.body["status"]), (200, "cancelled"))
        self.assertEqual(self.anonymous.get(f"/api/events/?q={tag}").body["results"], [])
        self.assertEqual(self.organizer.patch(f"/api/events/{event['id']}/", {"name": "y"}).status, 409)

    def test_next_links_walk_every_event_once(self):
        tag = uuid.uuid4().hex[:10]
        created = [self.create_event(f"Series {tag} #{n}", days_ahead=10 + n)["id"] for n in range(5)]
        seen, url = [], f"/api/events/?q={tag}&page_size=2"
        while url:
            page = self.anonymous.get(url)
            self.assertEqual(page.status, 200, page.body)
            seen += [e["id"] for e in page.body["results"]]
            url = page.body["next"]
        self.assertEqual(seen, created)

    def test_customer_buys_tickets_that_the_door_scans_once(self):
        event = self.create_event(f"Gig {uuid.uuid4().hex[:8]}")
        ticket_type = self.organizer.post(
            f"/api/events/{event['id']}/ticket-types/", {"name": "Standing", "price": "30.00", "capacity": 3}
        )
        self.assertEqual(ticket_type.status, 201, ticket_type.body)

        reserved = self.customer.post("/api/orders/", {"ticket_type_id": ticket_type.body["id"], "quantity": 2})
        self.assertEqual((reserved.status, reserved.body["total"]), (201, "60.00"), reserved.body)
        card = {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 1}
        paid = self.customer.post(f"/api/orders/{reserved.body['id']}/pay/", {**card, "cvc": "123"})
        self.assertEqual((paid.status, paid.body["status"], len(paid.body["tickets"])), (200, "paid", 2), paid.body)
        self.assertEqual(self.anonymous.get(f"/api/events/{event['id']}/").body["ticket_types"][0]["available"], 1)

        code = paid.body["tickets"][0]["code"]
        self.assertEqual(self.organizer.post("/api/checkins/", {"code": code}).status, 200)
        second = self.organizer.post("/api/checkins/", {"code": code})
        self.assertEqual((second.status, second.body["code"]), (409, "already_checked_in"))

    def test_a_published_task_reaches_the_worker(self):
        self.stack.start_process("worker")
        self.addCleanup(self.stack.stop_process, "worker")
        payload = uuid.uuid4().hex
        publisher = celery_app("e2e-test")
        publisher.send_task("notifications.ping", args=[payload], queue=self.stack.env["CELERY_QUEUE"])
        log = self.stack.log_path("worker")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and f"pong {payload}" not in log.read_text():
            time.sleep(0.5)
        self.assertIn(f"pong {payload}", log.read_text())
