"""notifications.send: claim, send once, retry SMTP failures with backoff, give up after
EMAIL_MAX_ATTEMPTS, and never send twice whoever delivers the task and however often."""

import threading
import unittest
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest import mock

from django.core.mail import EmailMultiAlternatives
from django.db import close_old_connections, connection
from django.utils import timezone

from devkit import databases
from devkit.net import free_port
from devkit.smtp import SmtpServer
from notify_service.notifications import tasks
from notify_service.notifications.models import Notification
from notify_service.notifications.services import sending
from notify_service.notifications.tests.support import NotificationTestCase
from servicekit import stack
from servicekit.config import env

Status = Notification.Status


class SendOnceTests(NotificationTestCase):
    def test_a_pending_notification_is_sent_and_marked_sent_with_its_time(self):
        notification = self.make_notification(recipient="ann@example.com")

        self.assertEqual(tasks.send.apply(args=[notification.id], throw=True).get(), "sent")

        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)
        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts, notification.last_error), ("sent", 1, ""))
        self.assertIsNotNone(notification.sent_at)

    def test_the_same_send_delivered_twice_sends_one_email(self):
        notification = self.make_notification(recipient="ann@example.com")

        first = tasks.send.apply(args=[notification.id], throw=True).get()
        second = tasks.send.apply(args=[notification.id], throw=True).get()

        self.assertEqual((first, second), ("sent", "done"))
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_two_concurrent_deliveries_of_the_same_send_send_one_email(self):
        notification = self.make_notification(recipient="ann@example.com")
        self.smtp.delay = 0.5  # the first delivery is still talking to the server when the second arrives
        barrier = threading.Barrier(2)

        def deliver(_):
            barrier.wait()
            try:
                return sending.send_notification(notification.id)
            finally:
                close_old_connections()

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(delivery.outcome for delivery in pool.map(deliver, range(2)))

        self.assertEqual(outcomes, ["busy", "sent"])
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_a_delivery_finding_the_notification_being_sent_looks_again_when_that_claim_expires(self):
        notification = self.make_notification(status=Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=1))

        delivery = sending.send_notification(notification.id)

        self.assertEqual(delivery.outcome, "busy")
        self.assertAlmostEqual(delivery.retry_in, 4 * 60 + 1, delta=5)
        self.assertEqual(self.smtp.received, [])

    def test_a_notification_abandoned_mid_send_by_a_dead_worker_is_sent_once_its_claim_expired(self):
        notification = self.make_notification(
            recipient="ann@example.com", status=Status.SENDING, claimed_at=timezone.now() - timedelta(minutes=6)
        )

        self.assertEqual(sending.send_notification(notification.id).outcome, "sent")
        self.assertEqual(sending.send_notification(notification.id).outcome, "done")

        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_a_failed_notification_is_not_sent_by_a_late_delivery(self):
        notification = self.make_notification(status=Status.FAILED, attempts=3)

        self.assertEqual(sending.send_notification(notification.id).outcome, "done")
        self.assertEqual(self.smtp.received, [])

    def test_sending_a_notification_that_does_not_exist_does_nothing(self):
        self.assertEqual(tasks.send.apply(args=[12345], throw=True).get(), "missing")

    def test_a_sent_email_is_one_info_line_naming_its_recipient_subject_and_dedupe_key(self):
        notification = self.make_notification(recipient="ann@example.com", subject="Your tickets", order_id=7)

        with self.assertLogs("microtix.notifications", "INFO") as logs:
            sending.send_notification(notification.id)

        self.assertEqual(
            logs.output,
            [
                "INFO:microtix.notifications:email sent: to=ann@example.com subject='Your tickets' "
                f"dedupe_key=order_confirmation:7 notification={notification.id}"
            ],
        )

    def test_the_email_has_a_message_id_that_stays_the_same_on_every_attempt(self):
        notification = self.make_notification(recipient="ann@example.com")

        sending.send_notification(notification.id)

        [email] = self.smtp.to("ann@example.com")
        self.assertRegex(email.message["Message-ID"], rf"^<notification-{notification.id}\.\d+@microtix>$")
        self.assertEqual(email.message["X-MicroTix-Notification"], str(notification.id))


class KeptConnectionTests(NotificationTestCase):
    """A worker process sends one email after another on one SMTP connection."""

    def setUp(self):
        super().setUp()
        sending.close_kept_connection()
        self.addCleanup(sending.close_kept_connection)

    def send(self, recipient: str) -> str:
        return sending.send_notification(self.make_notification(recipient=recipient).id).outcome

    def test_emails_sent_one_after_another_share_one_connection(self):
        before = self.smtp.sessions

        outcomes = [self.send("ann@example.com"), self.send("bob@example.com")]

        self.assertEqual(outcomes, ["sent", "sent"])
        self.assertEqual(self.smtp.sessions - before, 1)

    def test_a_connection_the_server_closed_meanwhile_is_opened_again_and_the_email_sent_once(self):
        self.send("ann@example.com")
        self.smtp.drop_connections()

        self.assertEqual(self.send("bob@example.com"), "sent")
        self.assertEqual(len(self.smtp.to("bob@example.com")), 1)

    def test_the_email_after_a_failed_one_starts_a_new_connection(self):
        self.send("ann@example.com")
        before = self.smtp.sessions

        outcomes = [self.send("nobody@example.com"), self.send("bob@example.com")]

        self.assertEqual(outcomes, ["failed", "sent"])  # refused for good (550)
        self.assertEqual(self.smtp.sessions - before, 1)

    def test_changed_email_settings_take_a_connection_to_the_new_server(self):
        self.send("ann@example.com")
        other = SmtpServer().start()
        self.addCleanup(other.stop)

        with self.settings(EMAIL_PORT=other.port):
            self.send("bob@example.com")

        self.assertEqual((len(other.to("bob@example.com")), len(self.smtp.to("bob@example.com"))), (1, 0))


class SendBatchTests(NotificationTestCase):
    def test_one_send_of_several_notifications_sends_each_of_their_emails_once(self):
        ids = [self.make_notification(recipient=f"buyer{n}@example.com").id for n in range(3)]

        outcome = tasks.send.apply(args=ids, throw=True).get()
        tasks.send.apply(args=ids, throw=True)  # delivered again

        self.assertEqual(outcome, "sent sent sent")
        self.assertEqual([len(self.smtp.to(f"buyer{n}@example.com")) for n in range(3)], [1, 1, 1])

    def test_a_notification_of_a_batch_that_must_wait_is_sent_later_by_a_send_of_its_own(self):
        sent = self.make_notification(recipient="ann@example.com")
        busy = self.make_notification(status=Status.SENDING, claimed_at=timezone.now())  # another worker's

        outcome = tasks.send.apply(args=[busy.id, sent.id], throw=True).get()

        self.assertEqual(outcome, "busy sent")
        self.assertEqual([(p.task, p.args) for p in self.published()], [("notifications.send", (busy.id,))])


class SmtpFailureTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.closed_port = free_port()  # nothing listens there: connection refused

    def test_an_smtp_failure_puts_the_notification_back_to_pending_with_the_error_and_schedules_a_retry(self):
        notification = self.make_notification()

        with self.settings(EMAIL_PORT=self.closed_port), self.assertLogs("microtix.notifications", "WARNING") as logs:
            delivery = sending.send_notification(notification.id)

        self.assertEqual(delivery.outcome, "retry")
        self.assertTrue(2.5 <= delivery.retry_in <= 7.5, delivery.retry_in)  # EMAIL_RETRY_BACKOFF_SECONDS=5, jitter
        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts), ("pending", 1))
        self.assertIn("Connection refused", notification.last_error)
        self.assertIn(f"notification {notification.id} failed:", logs.output[0])
        self.assertIn("(attempt 1 of 3); retrying in", logs.output[0])

    def test_each_failed_attempt_counts_and_the_delay_doubles_with_jitter(self):
        notification = self.make_notification()

        with self.settings(EMAIL_PORT=self.closed_port):
            delays = [sending.send_notification(notification.id).retry_in for _ in range(2)]

        notification.refresh_from_db()
        self.assertEqual(notification.attempts, 2)
        self.assertTrue(2.5 <= delays[0] <= 7.5, delays)
        self.assertTrue(5 <= delays[1] <= 15, delays)
        with self.settings(EMAIL_RETRY_BACKOFF_SECONDS=10):
            samples = [sending.retry_delay(4) for _ in range(200)]
        self.assertTrue(all(40 <= delay <= 120 for delay in samples), (min(samples), max(samples)))
        self.assertGreater(len(set(samples)), 100)  # jitter: retries of many emails do not all fire together

    def test_after_email_max_attempts_failures_the_notification_is_failed(self):
        notification = self.make_notification(recipient="ann@example.com")

        # Run eagerly, the task's retries follow at once instead of after their countdown.
        with self.settings(EMAIL_PORT=self.closed_port), self.assertLogs("microtix.notifications", "WARNING") as logs:
            outcome = tasks.send.apply(args=[notification.id]).get()

        self.assertEqual(outcome, "failed")
        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts), ("failed", 3))
        self.assertIn("Connection refused", notification.last_error)
        self.assertIn(f"notification {notification.id} failed:", logs.output[-1])
        self.assertIn("(attempt 3 of 3); giving up", logs.output[-1])
        self.assertEqual(self.smtp.received, [])

    def test_a_failure_then_success_sends_one_email_and_counts_both_attempts(self):
        notification = self.make_notification(recipient="ann@example.com")

        with self.settings(EMAIL_PORT=self.closed_port):
            sending.send_notification(notification.id)
        sending.send_notification(notification.id)  # the scheduled retry, with the server back

        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts), ("sent", 2))
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_a_recipient_the_server_refuses_for_good_fails_at_once(self):
        notification = self.make_notification(recipient="nobody@example.com")

        self.assertEqual(sending.send_notification(notification.id).outcome, "failed")

        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts), ("failed", 1))
        self.assertIn("550", notification.last_error)


class StalledNotificationTests(NotificationTestCase):
    def test_sends_lost_long_ago_are_queued_again_and_nothing_else(self):
        now = timezone.now()
        never_tried = self.make_notification(order_id=1)
        retry_lost = self.make_notification(order_id=2, attempts=1, claimed_at=now - timedelta(hours=1))
        abandoned = self.make_notification(order_id=3, status=Status.SENDING, claimed_at=now - timedelta(minutes=6))
        self.make_notification(order_id=4)  # just recorded: its send is surely still queued
        self.make_notification(order_id=5, attempts=1, claimed_at=now)  # its retry is scheduled
        self.make_notification(order_id=6, status=Status.SENDING, claimed_at=now)  # being sent
        self.make_notification(order_id=7, status=Status.SENT, sent_at=now - timedelta(hours=1))
        self.make_notification(order_id=8, status=Status.FAILED)
        Notification.objects.filter(pk=never_tried.pk).update(created_at=now - timedelta(hours=1))

        self.assertEqual(tasks.requeue_stalled.apply(throw=True).get(), 3)

        published = [(p.task, p.args) for p in self.published()]
        self.assertEqual(published, [("notifications.send", (never_tried.id, retry_lost.id, abandoned.id))])


@unittest.skipUnless(stack.is_mysql(env("DATABASE_URL")), "KILLs MySQL connections")
class DatabaseDroppedWhileSendingTests(NotificationTestCase):
    def test_a_connection_dropped_once_the_email_went_out_still_records_it_sent(self):
        notification = self.make_notification(recipient="ann@example.com")
        self.addCleanup(connection.close)  # the tests that follow get a live connection, whatever happened
        send_email = EmailMultiAlternatives.send

        def send_then_drop_the_connection(message, *args, **kwargs):
            sent = send_email(message, *args, **kwargs)
            database = databases.sibling_database_url(env("DATABASE_URL"), connection.settings_dict["NAME"])
            self.assertGreaterEqual(databases.kill_connections(database), 1)  # as a database failover would
            return sent

        with mock.patch.object(EmailMultiAlternatives, "send", send_then_drop_the_connection):
            outcome = tasks.send.apply(args=[notification.id], throw=True).get()

        self.assertEqual(outcome, "sent")
        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts), ("sent", 1))
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)
