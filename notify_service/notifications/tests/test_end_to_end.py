"""The whole path of every email through the real processes, started from the Procfile on free
ports against a fresh database and a queue of their own: the events, tickets and payments
services publish through their outboxes, the Celery worker (a real `celery worker`) consumes
RabbitMQ (or the filesystem broker), asks the real services, and sends to a real SMTP server;
the log is read and retried through the real notifications process."""

import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from devkit.net import free_port
from devkit.processes import ProcessStack
from devkit.smtp import SmtpServer
from notify_service.notifications.emails import local_time, qr_png
from protos.events.v1 import events_pb2, events_pb2_grpc
from protos.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from protos.tickets.v1 import tickets_pb2, tickets_pb2_grpc
from servicekit.grpc_client import ServiceClient
from servicekit.identity import Caller
from servicekit.tasks import celery_app
from servicekit.timestamps import to_timestamp

STAFF = Caller(user_id=1, role="customer", is_staff=True)
ORGANIZER = Caller(user_id=2, role="organizer")
_customer_ids = itertools.count(100)


def in_days(days: int, hour: int = 17) -> datetime:
    """`days` from now at `hour`:00 UTC."""
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


class EndToEndTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp_port = free_port()
        cls.stack = ProcessStack(
            ["events", "tickets", "payments", "notifications", "worker"],
            environ={
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(cls.smtp_port),
                "EMAIL_MAX_ATTEMPTS": "3",
                "EMAIL_RETRY_BACKOFF_SECONDS": "0.5",
                "OUTBOX_INTERVAL_SECONDS": "0.2",
            },
        ).start(timeout=90)
        cls.addClassCleanup(cls.stack.stop)
        addrs = cls.stack.grpc_addrs
        cls.events = ServiceClient("events", addrs["events"], events_pb2_grpc.EventServiceStub, 10)
        cls.tickets = ServiceClient("tickets", addrs["tickets"], tickets_pb2_grpc.TicketServiceStub, 10)
        cls.log = ServiceClient(
            "notifications", addrs["notifications"], notifications_pb2_grpc.NotificationServiceStub, 10
        )

    def setUp(self):
        self.smtp = SmtpServer(self.smtp_port).start()
        self.addCleanup(self.smtp.stop)
        self.tag = uuid.uuid4().hex[:8]

    # --- the real services, as the gateway calls them ------------------------------------------

    def make_event(self, name: str, starts_at: datetime, timezone: str = "Europe/Paris") -> events_pb2.Event:
        request = events_pb2.CreateEventRequest(
            name=name,
            venue="Blue Room",
            timezone=timezone,
            starts_at=to_timestamp(starts_at),
            ends_at=to_timestamp(starts_at + timedelta(hours=3)),
        )
        event = self.events.CreateEvent(request, caller=ORGANIZER)
        self.ticket_type = self.tickets.CreateTicketType(
            tickets_pb2.CreateTicketTypeRequest(event_id=event.id, name="Standing", price="30.00", capacity=50),
            caller=ORGANIZER,
        )
        return event

    def buy(self, email: str, quantity: int = 2) -> tickets_pb2.Order:
        """`quantity` tickets of the last event's type, paid by card, for a new customer."""
        customer = Caller(user_id=next(_customer_ids), role="customer")
        reserved = self.tickets.ReserveSeats(
            tickets_pb2.ReserveSeatsRequest(
                ticket_type_id=self.ticket_type.id, quantity=quantity, email=email, full_name="Ann Smith"
            ),
            caller=customer,
        )
        card = tickets_pb2.Card(number="4242424242424242", exp_month=12, exp_year=datetime.now(UTC).year + 2, cvc="123")
        return self.tickets.PayOrder(
            tickets_pb2.PayOrderRequest(order_id=reserved.order.id, card=card), caller=customer
        )

    def logged(self, **filters) -> list[notifications_pb2.Notification]:
        request = notifications_pb2.ListNotificationsRequest(**filters)
        return list(self.log.ListNotifications(request, caller=STAFF).notifications)

    def publish(self, task_name: str) -> None:
        """As Celery beat does: the task by name, to the stack's queue."""
        celery_app("notify-e2e-test").send_task(task_name, queue=self.stack.env["CELERY_QUEUE"])

    def worker_log(self) -> str:
        return self.stack.log_path("worker").read_text()

    def wait_until(self, condition, timeout: float = 60, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.2)
        self.fail(f"timed out waiting for {what}")

    def settle(self) -> None:
        """Give a duplicate (if the system made one) the time to arrive."""
        time.sleep(2)

    # --- the tests -------------------------------------------------------------------------------

    def test_paying_an_order_emails_the_buyer_one_confirmation_with_local_time_codes_and_qr_codes(self):
        starts_at = in_days(60)
        event = self.make_event(f"Jazz night {self.tag}", starts_at)
        buyer = f"ann-{self.tag}@example.com"

        order = self.buy(buyer)

        [email] = self.smtp.wait_for(buyer)
        self.assertEqual(email.message["Subject"], f"Your tickets for {event.name}")
        paris_start = starts_at.astimezone(ZoneInfo("Europe/Paris"))
        self.assertIn(f"{paris_start:%H:%M} (Europe/Paris)", email.text())
        self.assertIn(local_time(starts_at, "Europe/Paris"), email.html())
        codes = [ticket.code for ticket in order.tickets]
        self.assertEqual(len(codes), 2)
        for code in codes:
            self.assertIn(code, email.text())
        self.assertEqual(sorted(image.get_content() for image in email.images()), sorted(map(qr_png, codes)))
        self.settle()
        self.assertEqual(len(self.smtp.to(buyer)), 1)
        [logged] = self.logged(recipient_query=buyer)
        self.assertEqual(
            (logged.kind, logged.status, logged.dedupe_key),
            ("order_confirmation", "sent", f"order_confirmation:{order.id}"),
        )
        self.assertIn(
            f"email sent: to={buyer} subject='Your tickets for {event.name}' "
            f"dedupe_key=order_confirmation:{order.id} notification={logged.id}",
            self.worker_log(),
        )

    def test_changing_then_cancelling_an_event_emails_each_buyer_once_each_time(self):
        starts_at = in_days(40)
        event = self.make_event(f"Gig {self.tag}", starts_at)
        buyers = [f"buyer{n}-{self.tag}@example.com" for n in range(3)]
        for buyer in buyers:
            self.buy(buyer)
            self.smtp.wait_for(buyer)  # the confirmation

        new_start = starts_at + timedelta(hours=2)
        self.events.UpdateEvent(
            events_pb2.UpdateEventRequest(
                id=event.id,
                name=f"Late gig {self.tag}",
                starts_at=to_timestamp(new_start),
                ends_at=to_timestamp(new_start + timedelta(hours=3)),
            ),
            caller=ORGANIZER,
        )
        for buyer in buyers:
            update = self.smtp.wait_for(buyer, 2)[1]
            self.assertEqual(update.message["Subject"], f"Late gig {self.tag} has changed")
            self.assertIn(f"Name: Gig {self.tag} -> Late gig {self.tag}", update.text())
            old, new = local_time(starts_at, "Europe/Paris"), local_time(new_start, "Europe/Paris")
            self.assertIn(f"Starts: {old} -> {new}", update.text())

        self.events.CancelEvent(events_pb2.CancelEventRequest(id=event.id), caller=ORGANIZER)
        for buyer in buyers:
            cancellation = self.smtp.wait_for(buyer, 3)[2]
            self.assertEqual(cancellation.message["Subject"], f"Late gig {self.tag} is cancelled")
            self.assertIn("refunded 60.00 USD", cancellation.text())

        self.settle()
        self.assertEqual([len(self.smtp.to(buyer)) for buyer in buyers], [3, 3, 3])

    def test_buyers_of_an_event_starting_within_a_day_get_one_reminder_however_often_beat_runs(self):
        soon = self.make_event(f"Soon {self.tag}", datetime.now(UTC) + timedelta(hours=3))
        soon_buyer = f"soon-{self.tag}@example.com"
        self.buy(soon_buyer)
        self.make_event(f"Later {self.tag}", in_days(3))
        later_buyer = f"later-{self.tag}@example.com"
        self.buy(later_buyer)
        runs_before = self.worker_log().count("starting within 24 hours to remind")

        self.publish("notifications.send_reminders")
        [_, reminder] = self.smtp.wait_for(soon_buyer, 2)
        self.publish("notifications.send_reminders")
        self.wait_until(
            lambda: self.worker_log().count("starting within 24 hours to remind") >= runs_before + 2,
            what="the second reminder run",
        )

        self.assertEqual(
            reminder.message["Subject"],
            f"Reminder: {soon.name} starts {local_time(soon.starts_at.ToDatetime(tzinfo=UTC), 'Europe/Paris')}",
        )
        self.settle()
        self.assertEqual(len(self.smtp.to(soon_buyer)), 2)  # the confirmation and one reminder
        self.assertEqual(len(self.smtp.to(later_buyer)), 1)  # the confirmation only
        self.assertEqual([n.recipient for n in self.logged(kind="reminder")], [soon_buyer])

    def test_while_smtp_is_down_the_worker_retries_then_gives_up_and_a_staff_retry_sends_it_once(self):
        self.make_event(f"Quiet night {self.tag}", in_days(50))
        buyer = f"unlucky-{self.tag}@example.com"
        self.smtp.stop()

        self.buy(buyer)

        [failed] = self.wait_until(
            lambda: [n for n in self.logged(recipient_query=buyer) if n.status == "failed"], what="failed"
        )
        self.assertEqual(failed.attempts, 3)
        self.assertIn("Connection refused", failed.last_error)
        log = self.worker_log()
        self.assertIn(f"notification {failed.id} failed: ConnectionRefusedError", log)
        self.assertIn("(attempt 1 of 3); retrying in", log)
        self.assertIn("(attempt 3 of 3); giving up", log)
        self.assertIn("Task notifications.send[", log)
        self.assertIn("retry: Retry in", log)  # Celery's own line: the retry is a scheduled message

        self.smtp.start()
        retried = self.log.RetryNotification(notifications_pb2.RetryNotificationRequest(id=failed.id), caller=STAFF)
        self.assertEqual((retried.status, retried.attempts), ("pending", 0))

        [email] = self.smtp.wait_for(buyer)
        self.assertEqual(email.message["Subject"], f"Your tickets for Quiet night {self.tag}")
        self.settle()
        self.assertEqual(len(self.smtp.to(buyer)), 1)
        [sent] = self.logged(recipient_query=buyer)
        self.assertEqual((sent.status, sent.attempts), ("sent", 1))
