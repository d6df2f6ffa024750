"""The waiting list end to end: the real gateway, services, sweep, relay and Celery worker (from the
Procfile), a real SMTP server, driven over HTTP. Freed seats reach the first entry as an offer and
its email; an unpaid offer lapses to the next entry; the open sale stays sold out meanwhile."""

import time
import uuid
from datetime import UTC, datetime

from django.test import SimpleTestCase

from devkit.http import JsonClient
from devkit.processes import ProcessStack
from devkit.smtp import SmtpServer

CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 1, "cvc": "123"}
PROCESSES = ["gateway", "events", "tickets", "payments", "notifications", "worker"]
OFFER_SECONDS = 5


class WaitingListThroughTheStackTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = SmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        environ = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(cls.smtp.port),
            "OUTBOX_INTERVAL_SECONDS": "0.5",
            "SWEEP_INTERVAL_SECONDS": "0.5",
            "WAITING_LIST_OFFER_SECONDS": str(OFFER_SECONDS),
        }
        cls.stack = ProcessStack(PROCESSES, environ=environ).start()
        cls.addClassCleanup(cls.stack.stop)

    def customer(self) -> tuple[JsonClient, str]:
        client = JsonClient(self.stack.base_url)
        email = f"wl-{uuid.uuid4().hex[:10]}@example.com"
        client.login_as_new_user(email, "customer")
        return client, email

    def wait_for_entry(self, client: JsonClient, url: str, status: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            entry = client.get(url).body
            if entry.get("status") == status or time.monotonic() > deadline:
                return entry
            time.sleep(0.2)

    def test_freed_seats_are_offered_in_order_by_email_and_an_unpaid_offer_goes_to_the_next(self):
        organizer = JsonClient(self.stack.base_url)
        organizer.login_as_new_user(f"org-{uuid.uuid4().hex[:8]}@example.com", "organizer")
        event, ticket_type = organizer.create_event(capacity=2, price="30.00", timezone="Europe/Paris")
        url = f"/api/events/{event['id']}/ticket-types/{ticket_type['id']}/waiting-list/"
        holder, _ = self.customer()
        held = holder.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": 2})
        self.assertEqual(held.status, 201, held.body)
        (first, first_email), (second, second_email), (bot, _) = self.customer(), self.customer(), self.customer()
        self.assertEqual(first.post(url, {"quantity": 2}).status, 201)
        self.assertEqual(second.post(url, {"quantity": 1}).status, 201)

        cancelled = holder.post(f"/api/orders/{held.body['id']}/cancel/")
        self.assertEqual(cancelled.status, 200, cancelled.body)

        # The open sale is sold out while anyone waits, the freed seats being the list's.
        refused = bot.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": 1})
        self.assertEqual((refused.status, refused.body.get("code")), (409, "sold_out"), refused.body)
        offer = first.get(url).body
        self.assertEqual(offer["status"], "offered", offer)
        self.assertEqual(second.get(url).body["position"], 1)
        [email] = self.smtp.wait_for(first_email)
        self.assertIn(f"order #{offer['order_id']}", email.text())
        self.assertIn("60.00 USD", email.text())
        self.assertIn("(Europe/Paris)", email.text())

        # Unpaid, the offer lapses (the sweep) and its seats go to the next entry, which pays.
        next_offer = self.wait_for_entry(second, url, "offered", timeout=OFFER_SECONDS + 20)
        self.assertEqual(next_offer["status"], "offered", next_offer)
        self.assertEqual(first.get(f"/api/orders/{offer['order_id']}/").body["status"], "expired")
        self.smtp.wait_for(second_email)
        paid = second.post(f"/api/orders/{next_offer['order_id']}/pay/", CARD)
        self.assertEqual((paid.status, paid.body.get("status")), (200, "paid"), paid.body)
        self.smtp.wait_for(second_email, count=2)  # the offer, then the confirmation
        # The list is empty: the seat left is the open sale's again, and nobody was offered twice.
        self.assertEqual(bot.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": 1}).status, 201)
        self.assertEqual(len(self.smtp.to(first_email)), 1)
