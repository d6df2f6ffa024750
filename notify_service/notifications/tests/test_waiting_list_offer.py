"""notifications.waiting_list_offer: a waiting customer is told what their offer holds and until when, once."""

from datetime import UTC, datetime

from notify_service.notifications import tasks
from notify_service.notifications.models import Notification
from notify_service.notifications.tests.support import NotificationTestCase


class WaitingListOfferEmailTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(
            name="Jazz night",
            venue="Blue Room",
            timezone="Europe/Paris",
            starts_at=datetime(2027, 5, 1, 17, tzinfo=UTC),
        )

    def waiting_list_offer(self, **fields) -> None:
        """Run the task as the tickets service publishes it (by name, with these kwargs)."""
        kwargs = {
            "entry_id": 7,
            "order_id": 42,
            "email": "ann@example.com",
            "full_name": "Ann Smith",
            "event_id": self.event.id,
            "ticket_type_id": 3,
            "ticket_type_name": "Floor",
            "quantity": 2,
            "total": "80.00",
            "currency": "EUR",
            "expires_at": "2027-04-01T10:30:00Z",
            **fields,
        }
        tasks.waiting_list_offer.apply(kwargs=kwargs, throw=True)

    def test_the_offer_email_says_what_is_held_for_how_much_and_until_when(self):
        self.waiting_list_offer()
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertEqual(email.message["Subject"], "Seats are waiting for you: Jazz night")
        for part in (email.text(), email.html()):
            self.assertIn("2 Floor tickets are held for you in order #42", part)
            self.assertIn("80.00 EUR", part)
            self.assertIn("Thursday 1 April 2027, 12:30 (Europe/Paris)", part)

    def test_one_email_per_offer_however_often_its_task_runs(self):
        for _ in range(3):
            self.waiting_list_offer()
        self.waiting_list_offer(entry_id=8, email="bob@example.com")
        self.run_published()

        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)
        self.assertEqual(
            sorted(Notification.objects.values_list("dedupe_key", flat=True)),
            ["waiting_list_offer:7", "waiting_list_offer:8"],
        )
