"""notifications.order_refunded: the buyer is told what the event's organizer refunded, once per refund."""

from datetime import UTC, datetime

from notify_service.notifications import tasks
from notify_service.notifications.models import Notification
from notify_service.notifications.tests.support import NotificationTestCase


class OrderRefundEmailTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(
            name="Jazz night",
            venue="Blue Room",
            timezone="Europe/Paris",
            starts_at=datetime(2027, 5, 1, 17, tzinfo=UTC),
        )

    def order_refunded(self, **fields) -> None:
        """Run the task as the tickets service publishes it (by name, with these kwargs)."""
        kwargs = {
            "order_id": 42,
            "refund_key": "full",
            "email": "ann@example.com",
            "full_name": "Ann Smith",
            "event_id": self.event.id,
            "amount": "95.00",
            "currency": "USD",
            "tickets": 3,
            "full": True,
            **fields,
        }
        tasks.order_refunded.apply(kwargs=kwargs, throw=True)

    def test_a_full_refund_emails_the_buyer_the_amount(self):
        self.order_refunded()
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertEqual(email.message["Subject"], "Your refund for Jazz night")
        for part in (email.text(), email.html()):
            self.assertIn("refunded your order #42", part)
            self.assertIn("95.00 USD", part)
            self.assertIn("Saturday 1 May 2027, 19:00 (Europe/Paris)", part)
        self.assertIn("Your tickets will not be valid.", email.text())

    def test_a_partial_refund_says_how_many_tickets_and_that_the_others_stay_valid(self):
        self.order_refunded(refund_key="tickets:7", amount="40.00", tickets=1, full=False)
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertIn("refunded 1 ticket of your order #42", email.text())
        self.assertIn("That ticket will not be valid; your other tickets still are.", email.text())
        self.assertIn("40.00 USD", email.text())

    def test_one_email_per_refund_however_often_its_task_runs(self):
        for _ in range(3):
            self.order_refunded()
        self.order_refunded(refund_key="tickets:7", amount="40.00", tickets=1, full=False)
        self.run_published()

        self.assertEqual(len(self.smtp.to("ann@example.com")), 2)
        self.assertEqual(
            sorted(Notification.objects.values_list("dedupe_key", flat=True)),
            ["order_refunded:42:full", "order_refunded:42:tickets:7"],
        )
