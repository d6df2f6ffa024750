"""notifications.event_updated / event_cancelled: one email per buyer, page by page."""

import time
from datetime import UTC, datetime

from notify_service.notifications import tasks
from notify_service.notifications.models import Notification
from notify_service.notifications.tests.support import NotificationTestCase

PARIS_MAY_DAY = datetime(2027, 5, 1, 17, tzinfo=UTC)  # 19:00 in Paris
CHANGES = {
    "name": ["Jazz night", "Late jazz"],
    "starts_at": ["2027-05-01T17:00:00+00:00", "2027-05-01T19:30:00+00:00"],
    "venue": ["Blue Room", "Red Room"],
}


class EventUpdatedTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(name="Late jazz", venue="Red Room", starts_at=PARIS_MAY_DAY, version=2)

    def event_updated(self, version: int = 2, changes: dict | None = None) -> None:
        kwargs = {"event_id": self.event.id, "version": version, "changes": changes or CHANGES}
        tasks.event_updated.apply(kwargs=kwargs, throw=True)

    def test_each_buyer_gets_one_email_saying_what_changed_old_to_new_in_local_time(self):
        ann, bob = self.services.add_buyers(self.event.id, 2)

        self.event_updated()
        self.run_published()

        for buyer in (ann, bob):
            [email] = self.smtp.to(buyer.email)
            self.assertEqual(email.message["Subject"], "Late jazz has changed")
            text = email.text()
            self.assertIn("Name: Jazz night -> Late jazz", text)
            self.assertIn(
                "Starts: Saturday 1 May 2027, 19:00 (Europe/Paris) -> Saturday 1 May 2027, 21:30 (Europe/Paris)", text
            )
            self.assertIn("Venue: Blue Room -> Red Room", text)
            self.assertIn(buyer.full_name, text)
            html = email.html()
            self.assertIn("Saturday 1 May 2027, 19:00 (Europe/Paris)", html)
            self.assertIn("Saturday 1 May 2027, 21:30 (Europe/Paris)", html)

    def test_a_time_zone_change_shows_the_old_time_in_the_old_zone_and_the_new_in_the_new(self):
        [ann] = self.services.add_buyers(self.event.id, 1)
        changes = {
            "timezone": ["Europe/Paris", "Europe/London"],
            "starts_at": ["2027-05-01T17:00:00+00:00", "2027-05-01T18:00:00+00:00"],
        }

        self.event_updated(changes=changes)
        self.run_published()

        [email] = self.smtp.to(ann.email)
        self.assertIn(
            "Starts: Saturday 1 May 2027, 19:00 (Europe/Paris) -> Saturday 1 May 2027, 19:00 (Europe/London)",
            email.text(),
        )
        self.assertIn("Time zone: Europe/Paris -> Europe/London", email.text())

    def test_the_same_update_delivered_twice_sends_each_buyer_one_email(self):
        buyers = self.services.add_buyers(self.event.id, 3)

        self.event_updated()
        self.event_updated()
        self.run_published()
        self.event_updated()
        self.run_published()

        self.assertEqual([len(self.smtp.to(b.email)) for b in buyers], [1, 1, 1])

    def test_each_new_version_of_the_event_is_a_new_email(self):
        [ann] = self.services.add_buyers(self.event.id, 1)

        self.event_updated(version=2)
        self.event_updated(version=3, changes={"venue": ["Red Room", "Green Room"]})
        self.run_published()

        self.assertEqual(len(self.smtp.to(ann.email)), 2)

    def test_no_update_email_for_an_event_cancelled_since(self):
        self.services.add_buyers(self.event.id, 2)
        self.event.status = 2  # EVENT_STATUS_CANCELLED
        self.services.events[self.event.id] = self.event

        self.event_updated()

        self.assertEqual(self.run_published(), [])
        self.assertFalse(Notification.objects.exists())


class EventCancelledTests(NotificationTestCase):
    def test_each_buyer_gets_one_email_saying_it_is_cancelled_and_what_they_are_refunded(self):
        event = self.services.add_event(name="Jazz night", starts_at=PARIS_MAY_DAY, cancelled=True)
        ann, bob = self.services.add_buyers(event.id, 2, amount_paid="120.00", currency="EUR")

        tasks.event_cancelled.apply(kwargs={"event_id": event.id}, throw=True)
        self.run_published()

        for buyer in (ann, bob):
            [email] = self.smtp.to(buyer.email)
            self.assertEqual(email.message["Subject"], "Jazz night is cancelled")
            for part in (email.text(), email.html()):
                self.assertIn("is cancelled", part)
                self.assertIn("120.00 EUR", part)
                self.assertIn("Saturday 1 May 2027, 19:00 (Europe/Paris)", part)
        self.assertEqual(
            sorted(Notification.objects.values_list("dedupe_key", flat=True)),
            [f"event_cancelled:{event.id}:{ann.email}", f"event_cancelled:{event.id}:{bob.email}"],
        )

    def test_a_cancellation_announced_twice_sends_each_buyer_one_email(self):
        event = self.services.add_event(cancelled=True)
        buyers = self.services.add_buyers(event.id, 2)

        for _ in range(2):
            tasks.event_cancelled.apply(kwargs={"event_id": event.id}, throw=True)
            self.run_published()

        self.assertEqual([len(self.smtp.to(b.email)) for b in buyers], [1, 1])


class FanOutPagingTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(cancelled=True)

    def test_each_run_handles_one_page_of_buyers_and_publishes_the_next_page_and_its_sends(self):
        self.services.add_buyers(self.event.id, 5)

        with self.settings(NOTIFICATION_FAN_OUT_PAGE_SIZE=2):
            tasks.event_cancelled.apply(kwargs={"event_id": self.event.id}, throw=True)

        published = self.published()
        self.assertEqual(Notification.objects.count(), 2)
        self.assertEqual(sorted(p.task for p in published), ["notifications.event_cancelled", "notifications.send"])
        [next_page] = [p for p in published if p.task == "notifications.event_cancelled"]
        self.assertEqual(next_page.kwargs["event_id"], self.event.id)
        self.assertEqual(next_page.kwargs["page_token"], f"buyer00002-{self.event.id}@example.com")
        self.assertEqual(next_page.kwargs["event"]["name"], self.event.name)  # not fetched again for each page
        [sends] = [p.args for p in published if p.task == "notifications.send"]  # the page's emails, one task
        self.assertEqual(sorted(sends), sorted(Notification.objects.values_list("id", flat=True)))

    def test_a_fan_out_over_several_pages_creates_one_notification_per_buyer_and_never_more_on_rerun(self):
        buyers = self.services.add_buyers(self.event.id, 5)

        with self.settings(NOTIFICATION_FAN_OUT_PAGE_SIZE=2):
            tasks.event_cancelled.apply(kwargs={"event_id": self.event.id}, throw=True)
            first = self.run_published()
            tasks.event_cancelled.apply(kwargs={"event_id": self.event.id}, throw=True)  # the whole fan-out again
            again = self.run_published()

        self.assertEqual([len(self.smtp.to(b.email)) for b in buyers], [1] * 5)
        self.assertEqual(Notification.objects.count(), 5)
        self.assertEqual(Notification.objects.filter(status="sent").count(), 5)
        self.assertEqual(sum(len(p.args) for p in first if p.task == "notifications.send"), 5)
        self.assertEqual([p.task for p in again].count("notifications.send"), 0)
        self.assertEqual(self._page_sizes(), [2, 2, 2, 2, 2, 2])

    def test_ten_thousand_buyers_are_notified_in_pages_of_500_one_task_per_page(self):
        self.services.add_buyers(self.event.id, 10_000)
        started = time.monotonic()

        tasks.event_cancelled.apply(kwargs={"event_id": self.event.id}, throw=True)
        ran = self.run_published(skip=("notifications.send",))

        self.assertEqual(Notification.objects.count(), 10_000)
        self.assertEqual(Notification.objects.values("recipient").distinct().count(), 10_000)
        self.assertEqual([p.task for p in ran].count("notifications.event_cancelled"), 19)  # pages 2 to 20
        sends = [p.args for p in ran if p.task == "notifications.send"]
        self.assertEqual(sorted(id_ for ids in sends for id_ in ids), self._all_ids())
        self.assertEqual({len(ids) for ids in sends}, {tasks.SEND_BATCH})  # 500 a page: 20 sends of 25
        self.assertEqual(self._page_sizes(), [500] * 20)
        self.assertLess(time.monotonic() - started, 120)

    def _page_sizes(self) -> list[int]:
        """The page size of every ListEventBuyers call the fan-outs made."""
        return [page_size for _, page_size, _ in self.services.buyer_pages]

    def _all_ids(self) -> list[int]:
        return sorted(Notification.objects.values_list("id", flat=True))
