"""notifications.send_reminders: buyers of events starting within 24 hours get one reminder."""

from notify_service.notifications import tasks
from notify_service.notifications.emails import local_time
from notify_service.notifications.models import Notification, ReminderFanOut
from notify_service.notifications.services import fan_out
from notify_service.notifications.tests.support import NotificationTestCase, from_now


class ReminderTests(NotificationTestCase):
    def send_reminders(self) -> list:
        """What Celery beat does every 10 minutes, then what the worker does with the tasks it publishes."""
        tasks.send_reminders.apply(throw=True)
        return self.run_published()

    def test_buyers_of_an_event_starting_within_24_hours_get_a_reminder_with_its_local_start(self):
        starts_at = from_now(hours=5)
        event = self.services.add_event(name="Jazz night", timezone="America/New_York", starts_at=starts_at)
        ann, bob = self.services.add_buyers(event.id, 2)

        self.send_reminders()

        local_start = local_time(starts_at, "America/New_York")
        for buyer in (ann, bob):
            [email] = self.smtp.to(buyer.email)
            self.assertEqual(email.message["Subject"], f"Reminder: Jazz night starts {local_start}")
            self.assertIn(f"Jazz night starts {local_start}", email.text())
            self.assertIn("You have 2 tickets", email.text())
            self.assertIn(local_start, email.html())

    def test_events_starting_later_than_24_hours_from_now_get_no_reminder_yet(self):
        soon = self.services.add_event(starts_at=from_now(hours=23))
        later = self.services.add_event(starts_at=from_now(hours=25))
        [soon_buyer] = self.services.add_buyers(soon.id, 1)
        [later_buyer] = self.services.add_buyers(later.id, 1)

        self.send_reminders()

        self.assertEqual(len(self.smtp.to(soon_buyer.email)), 1)
        self.assertEqual(self.smtp.to(later_buyer.email), [])
        self.assertEqual(list(Notification.objects.values_list("kind", "recipient")), [("reminder", soon_buyer.email)])

    def test_cancelled_events_get_no_reminder(self):
        event = self.services.add_event(starts_at=from_now(hours=3), cancelled=True)
        self.services.add_buyers(event.id, 2)

        self.send_reminders()

        self.assertEqual(self.smtp.received, [])

    def test_each_buyer_gets_one_reminder_however_often_beat_runs(self):
        event = self.services.add_event(starts_at=from_now(hours=10))
        buyers = self.services.add_buyers(event.id, 3)

        for _ in range(3):
            self.send_reminders()

        self.assertEqual([len(self.smtp.to(b.email)) for b in buyers], [1, 1, 1])
        self.assertEqual(
            sorted(Notification.objects.values_list("dedupe_key", flat=True)),
            sorted(f"reminder:{event.id}:{b.email}" for b in buyers),
        )

    def test_an_event_whose_reminders_all_went_out_is_not_paged_again(self):
        event = self.services.add_event(starts_at=from_now(hours=10))
        self.services.add_buyers(event.id, 5)

        with self.settings(NOTIFICATION_FAN_OUT_PAGE_SIZE=2):
            self.send_reminders()
            pages_first_run = len(self.services.buyer_pages)
            ran = self.send_reminders()

        self.assertEqual(pages_first_run, 3)
        self.assertEqual(len(self.services.buyer_pages), 3)
        self.assertEqual(ran, [])
        self.assertTrue(ReminderFanOut.objects.filter(event_id=event.id).exists())

    def test_a_reminder_run_for_an_event_postponed_beyond_24_hours_meanwhile_records_nothing(self):
        event = self.services.add_event(starts_at=from_now(days=3))
        self.services.add_buyers(event.id, 2)

        tasks.event_reminders.apply(kwargs={"event_id": event.id}, throw=True)

        self.assertFalse(Notification.objects.exists())
        self.assertFalse(ReminderFanOut.objects.exists())

    def test_every_event_starting_within_24_hours_is_found_across_pages_of_the_event_listing(self):
        events = [self.services.add_event(starts_at=from_now(hours=1 + n)) for n in range(5)]
        self.services.add_event(starts_at=from_now(hours=30))
        ReminderFanOut.objects.create(event_id=events[1].id)  # its reminders all went out

        due = list(fan_out.events_due_for_reminders(page_size=2))

        self.assertEqual(due, [events[0].id, *(e.id for e in events[2:])])
