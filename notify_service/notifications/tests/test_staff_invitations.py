"""notifications.staff_invited: an address is told the role the event's organizer gave it, once per role."""

from datetime import UTC, datetime

from notify_service.notifications import tasks
from notify_service.notifications.models import Notification
from notify_service.notifications.tests.support import NotificationTestCase


class StaffInvitationEmailTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(
            name="Jazz night",
            venue="Blue Room",
            timezone="Europe/Paris",
            starts_at=datetime(2027, 5, 1, 17, tzinfo=UTC),
        )

    def staff_invited(self, **fields) -> None:
        """Run the task as the events service publishes it (by name, with these kwargs)."""
        kwargs = {"member_id": 5, "event_id": self.event.id, "email": "door@example.com", "role": "scanner", **fields}
        tasks.staff_invited.apply(kwargs=kwargs, throw=True)

    def test_a_scanner_is_told_to_sign_in_with_the_invited_address(self):
        self.staff_invited()
        self.run_published()

        [email] = self.smtp.to("door@example.com")
        self.assertEqual(email.message["Subject"], "Your role at Jazz night")
        for part in (email.text(), email.html()):
            self.assertIn("check its tickets in at the door", part)
            self.assertIn("door@example.com", part)
            self.assertIn("Saturday 1 May 2027, 19:00 (Europe/Paris)", part)

    def test_a_manager_is_told_what_they_may_not_do(self):
        self.staff_invited(role="manager")
        self.run_published()

        [email] = self.smtp.to("door@example.com")
        self.assertIn("but cancel it and manage its staff", email.text())

    def test_one_email_per_role_however_often_its_task_runs(self):
        for _ in range(3):
            self.staff_invited()
        self.staff_invited(role="manager")
        self.run_published()

        self.assertEqual(len(self.smtp.to("door@example.com")), 2)
        self.assertEqual(
            sorted(Notification.objects.values_list("dedupe_key", flat=True)),
            ["staff_invited:5:manager", "staff_invited:5:scanner"],
        )
