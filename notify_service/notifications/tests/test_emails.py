"""What the emails say: times in the event's local time, the list of changes, subjects."""

from datetime import UTC, datetime

from django.test import SimpleTestCase
from django.utils import timezone

from notify_service.notifications.emails import _change_rows, build_message, local_time, subject_for
from notify_service.notifications.models import Notification

EVENT = {"name": "Jazz\nnight", "timezone": "Europe/Paris", "starts_at": "2027-05-01T17:00:00+00:00"}


class LocalTimeTests(SimpleTestCase):
    def test_a_time_reads_in_the_event_s_time_zone_with_its_name(self):
        self.assertEqual(
            local_time(datetime(2027, 5, 1, 17, tzinfo=UTC), "Europe/Paris"),
            "Saturday 1 May 2027, 19:00 (Europe/Paris)",
        )

    def test_iso_8601_text_as_the_producers_send_it_is_read_too(self):
        self.assertEqual(
            local_time("2027-12-31T23:30:00+00:00", "Asia/Tokyo"), "Saturday 1 January 2028, 08:30 (Asia/Tokyo)"
        )
        self.assertEqual(local_time("2027-05-01T17:00:00Z", "UTC"), "Saturday 1 May 2027, 17:00 (UTC)")

    def test_an_unknown_time_zone_falls_back_to_utc_rather_than_failing_the_email(self):
        self.assertEqual(local_time("2027-05-01T17:00:00+00:00", "Mars/Olympus"), "Saturday 1 May 2027, 17:00 (UTC)")


class ChangeListTests(SimpleTestCase):
    def test_changes_are_listed_in_a_fixed_order_with_times_in_local_time(self):
        rows = _change_rows(
            {
                "venue": ["", "Red Room"],
                "ends_at": ["2027-05-01T20:00:00+00:00", "2027-05-01T21:00:00+00:00"],
                "name": ["A", "B"],
            },
            "Europe/Paris",
        )

        self.assertEqual(
            [(r["label"], r["old"], r["new"]) for r in rows],
            [
                ("Name", "A", "B"),
                ("Ends", "Saturday 1 May 2027, 22:00 (Europe/Paris)", "Saturday 1 May 2027, 23:00 (Europe/Paris)"),
                ("Venue", "(none)", "Red Room"),
            ],
        )


class SubjectTests(SimpleTestCase):
    def test_subjects_are_one_line_whatever_the_event_s_name(self):
        self.assertEqual(subject_for(Notification.Kind.ORDER_CONFIRMATION, EVENT), "Your tickets for Jazz night")
        self.assertEqual(subject_for(Notification.Kind.EVENT_CANCELLED, EVENT), "Jazz night is cancelled")
        self.assertEqual(
            subject_for(Notification.Kind.REMINDER, EVENT),
            "Reminder: Jazz night starts Saturday 1 May 2027, 19:00 (Europe/Paris)",
        )


class MessageTests(SimpleTestCase):
    def message(self, kind: str, context: dict):
        notification = Notification(
            id=9, kind=kind, recipient="ann@example.com", subject="S", context=context, created_at=timezone.now()
        )
        return build_message(notification)

    def test_the_html_part_escapes_what_organizers_typed_and_the_text_part_keeps_it_as_typed(self):
        event = {**EVENT, "name": "Rock & <Roll>", "venue": "O'Brien's", "ends_at": "2027-05-01T20:00:00+00:00"}

        message = self.message(Notification.Kind.REMINDER, {"full_name": "Ann", "event": event, "ticket_count": 1})

        self.assertIn("Rock & <Roll> starts", message.body)
        self.assertIn("O'Brien's", message.body)
        [(html, mimetype)] = message.alternatives
        self.assertEqual(mimetype, "text/html")
        self.assertIn("Rock &amp; &lt;Roll&gt;", html)
        self.assertNotIn("<Roll>", html)

    def test_only_an_order_confirmation_carries_images(self):
        event = {**EVENT, "venue": "", "ends_at": "2027-05-01T20:00:00+00:00"}
        context = {"full_name": "", "event": event, "amount_refunded": "5.00", "currency": "EUR", "ticket_count": 2}

        message = self.message(Notification.Kind.EVENT_CANCELLED, context)

        self.assertEqual(message.attachments, [])
        self.assertIn("Hello,", message.body)
        self.assertIn("Your 2 tickets will not be valid. You will be refunded 5.00 EUR", message.body)
