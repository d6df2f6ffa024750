"""Emails end to end: the real gateway, services, relay and Celery worker (from the
Procfile) against MySQL/RabbitMQ in CI, a real SMTP server, driven over HTTP."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase, override_settings

from devkit.http import JsonClient
from devkit.net import free_port
from devkit.processes import ProcessStack
from devkit.smtp import SmtpServer
from protos.tickets.v1 import tickets_pb2
from servicekit import clients, stack
from servicekit.config import env
from servicekit.identity import Caller
from servicekit.tasks import celery_app

CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 1, "cvc": "123"}
PROCESSES = ["gateway", "events", "tickets", "payments", "notifications", "worker"]


class NotificationStackTestCase(SimpleTestCase):
    """A whole stack sending mail to a real SMTP server of the test's own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = SmtpServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        environ = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(cls.smtp.port),
            "OUTBOX_INTERVAL_SECONDS": "0.5",
            "SWEEP_INTERVAL_SECONDS": "1",
            "EMAIL_RETRY_BACKOFF_SECONDS": "1",
            # Every test logs new users in from this one address.
            "LOGIN_THROTTLE_RATE": "1000/min",
        }
        cls.stack = ProcessStack(PROCESSES, environ=environ).start()
        cls.addClassCleanup(cls.stack.stop)

    def setUp(self):
        self.organizer = JsonClient(self.stack.base_url)
        self.organizer.login_as_new_user(f"org-{uuid.uuid4().hex[:8]}@example.com", "organizer")

    def new_customer(self) -> tuple[JsonClient, str]:
        customer = JsonClient(self.stack.base_url)
        email = f"fan-{uuid.uuid4().hex[:10]}@example.com"
        customer.login_as_new_user(email, "customer")
        return customer, email

    def create_event(
        self, starts_in: timedelta = timedelta(days=30), capacity: int = 10, **fields
    ) -> tuple[dict, dict]:
        return self.organizer.create_event(starts_in, capacity, timezone="Europe/Paris", **fields)

    def buy(self, customer: JsonClient, ticket_type: dict, quantity: int = 2) -> dict:
        reserved = customer.post("/api/orders/", {"ticket_type_id": ticket_type["id"], "quantity": quantity})
        self.assertEqual(reserved.status, 201, reserved.body)
        paid = customer.post(f"/api/orders/{reserved.body['id']}/pay/", CARD)
        self.assertEqual((paid.status, paid.body.get("status")), (200, "paid"), paid.body)
        return paid.body


class EmailsThroughTheGatewayTest(NotificationStackTestCase):
    def test_paying_sends_one_confirmation_with_the_event_the_codes_and_their_qr_images(self):
        event, ticket_type = self.create_event()
        customer, email = self.new_customer()

        order = self.buy(customer, ticket_type)

        [confirmation] = self.smtp.wait_for(email)
        text = confirmation.text()
        self.assertIn(event["name"], text)
        self.assertIn("Blue Hall", text)
        for ticket in order["tickets"]:
            self.assertIn(ticket["code"], text)
        self.assertEqual(len(confirmation.images()), 2)

    def test_changing_the_venue_tells_each_buyer_once_what_changed(self):
        event, ticket_type = self.create_event()
        customer, email = self.new_customer()
        self.buy(customer, ticket_type, quantity=2)
        self.buy(customer, ticket_type, quantity=1)
        self.smtp.wait_for(email, count=2)  # the two confirmations

        changed = self.organizer.patch(f"/api/events/{event['id']}/", {"venue": "Red Hall"})
        self.assertEqual(changed.status, 200, changed.body)

        received = self.smtp.wait_for(email, count=3)
        update = received[-1].text()
        self.assertIn("Blue Hall", update)
        self.assertIn("Red Hall", update)

    def test_door_staff_is_emailed_its_role_and_scans_with_an_account_registered_later(self):
        event, ticket_type = self.create_event()
        address = f"door-{uuid.uuid4().hex[:8]}@example.com"
        invited = self.organizer.post(f"/api/events/{event['id']}/staff/", {"email": address, "role": "scanner"})
        self.assertEqual(invited.status, 201, invited.body)

        [invitation] = self.smtp.wait_for(address)
        self.assertIn("check its tickets in at the door", invitation.text())
        customer, _ = self.new_customer()
        ticket = self.buy(customer, ticket_type, quantity=1)["tickets"][0]
        scanner = JsonClient(self.stack.base_url)
        scanner.login_as_new_user(address, "customer")
        admitted = scanner.post("/api/checkins/", {"code": ticket["code"]})
        self.assertEqual(admitted.status, 200, admitted.body)

    def test_cancelling_the_event_tells_each_buyer_the_amount_refunded(self):
        event, ticket_type = self.create_event()
        customer, email = self.new_customer()
        self.buy(customer, ticket_type, quantity=2)
        self.smtp.wait_for(email)

        self.assertEqual(self.organizer.delete(f"/api/events/{event['id']}/").status, 204)

        cancellation = self.smtp.wait_for(email, count=2)[-1].text()
        self.assertIn("cancel", cancellation.lower())
        self.assertIn("60.00", cancellation)

    def test_buyers_are_reminded_once_a_day_before_the_event(self):
        event, ticket_type = self.create_event(starts_in=timedelta(hours=20))
        customer, email = self.new_customer()
        self.buy(customer, ticket_type, quantity=1)
        self.smtp.wait_for(email)

        beat = celery_app("e2e-beat")
        for _ in range(2):  # as Celery beat would, twice
            beat.send_task("notifications.send_reminders", queue=self.stack.env["CELERY_QUEUE"])

        reminder = self.smtp.wait_for(email, count=2)[-1].text()
        self.assertIn(event["name"], reminder)
        self.assertEqual(len(self.smtp.to(email)), 2)


class BrokerOutageTest(NotificationStackTestCase):
    def test_a_purchase_during_a_broker_outage_succeeds_and_its_email_arrives_once_when_the_broker_is_back(self):
        _, ticket_type = self.create_event()
        customer, email = self.new_customer()
        unreachable = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
        self.stack.stop_process("tickets")
        self.stack.start_process("tickets", environ={"CELERY_BROKER_URL": unreachable})
        self.stack.wait_ready("tickets", timeout=60)

        self.buy(customer, ticket_type)
        with self.assertRaises(AssertionError):
            self.smtp.wait_for(email, timeout=5)  # promised, but held in the outbox

        self.stack.stop_process("tickets")
        self.stack.start_process("tickets")
        self.stack.wait_ready("tickets", timeout=60)
        self.smtp.wait_for(email, timeout=60)
        with self.assertRaises(AssertionError):
            self.smtp.wait_for(email, count=2, timeout=5)


class CancellationFanOutTest(NotificationStackTestCase):
    # The embedded SQLite default serializes every writer of every process: a laptop-sized crowd
    # there; the 2,000 on MySQL (CI).
    BUYERS = 2000 if stack.is_mysql(env("DATABASE_URL")) else 200

    def test_cancelling_an_event_with_2000_buyers_emails_each_of_them_once(self):  # 200 on SQLite
        event, ticket_type = self.create_event(capacity=self.BUYERS)
        with override_settings(GRPC_ADDRS=self.stack.grpc_addrs), ThreadPoolExecutor(max_workers=8) as pool:
            emails = list(pool.map(lambda n: self.buy_over_grpc(ticket_type["id"], n), range(self.BUYERS)))
        for address in emails:
            self.smtp.wait_for(address, timeout=300)  # the confirmations
        self.smtp.clear()

        self.assertEqual(self.organizer.delete(f"/api/events/{event['id']}/").status, 204)

        for address in emails:
            self.smtp.wait_for(address, timeout=300)
        received = list(self.smtp.received)
        self.assertEqual(len(received), self.BUYERS)
        self.assertEqual(sorted(a for r in received for a in r.rcpt_tos), sorted(emails))

    @staticmethod
    def buy_over_grpc(ticket_type_id: int, n: int) -> str:
        """A paid order of one ticket for buyer number `n`, straight through the tickets service."""
        buyer = Caller(user_id=10_000_000 + n, role="customer")
        email = f"crowd-{n}-{uuid.uuid4().hex[:6]}@example.com"
        tickets = clients.tickets()
        reserved = tickets.ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(
                ticket_type_id=ticket_type_id, quantity=1, email=email, full_name=f"Fan {n}"
            ),
            caller=buyer,
        )
        card = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 1, cvc="123")
        tickets.PayOrder(tickets_pb2.PayOrderRequest(order_id=reserved.order.id, card=card), caller=buyer)
        return email
