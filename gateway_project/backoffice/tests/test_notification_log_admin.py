"""The notification log as a changelist: failed emails retried in bulk from the action bar (a
RetryNotification each, one message saying what happened, back to the listing as it was filtered
and paged), its pages forward and back, and each email's own page with its Retry button. Through
the real notifications service."""

import json
import uuid

from django.test import Client

from devkit.databases import mysql_connection
from gateway_project.tests.base import GatewayAPITestCase
from protos.notifications.v1 import notifications_pb2
from servicekit import clients
from servicekit.identity import Caller

LIST_URL = "/admin/backoffice/notifications/"
BULK_URL = f"{LIST_URL}retrynotification/"
ACTION = "retrynotification"


class NotificationLogTestCase(GatewayAPITestCase):
    def setUp(self):
        staff = self.make_user(is_staff=True, is_superuser=True)
        self.staff = Caller(user_id=staff.id, role=staff.role, is_staff=True)
        self.client.force_login(staff)
        # Every test's emails go to a domain of its own: the listing filtered to it shows them alone.
        self.domain = f"{uuid.uuid4().hex[:12]}.example.com"

    def record(self, status: str = "failed", kind: str = "order_confirmation", about: int = 1, **fields) -> int:
        """A row of the log, as the worker leaves it (a failed one: every attempt failed); its id.
        Written into the service's table directly: a failed email otherwise takes a worker and an
        SMTP server failing EMAIL_MAX_ATTEMPTS times."""
        row = {
            "dedupe_key": f"{kind}:{about}:{uuid.uuid4().hex}",
            "kind": kind,
            "recipient": f"ann-{uuid.uuid4().hex[:6]}@{self.domain}",
            "subject": "Your tickets for Listings",
            "context": json.dumps({}),
            "status": status,
            "attempts": 3 if status == "failed" else 1,
            "last_error": "SMTPServerDisconnected: gone" if status == "failed" else "",
            **fields,
        }
        connection = mysql_connection(self.services.database_url)
        with connection:
            cursor = connection.cursor()
            cursor.execute(
                f"INSERT INTO notifications_notification ({', '.join(row)}, created_at, sent_at) "
                f"VALUES ({', '.join(['%s'] * len(row))}, UTC_TIMESTAMP(6), "
                f"{'UTC_TIMESTAMP(6)' if status == 'sent' else 'NULL'})",
                list(row.values()),
            )
            return cursor.lastrowid

    def status(self, notification_id: int) -> str:
        """The notification's status, as the service has it now."""
        request = notifications_pb2.ListNotificationsRequest(id=notification_id)
        (notification,) = clients.notifications().ListNotifications(request, caller=self.staff).notifications
        return notification.status

    def retry_selected(self, *ids: int, query: str = "", **post):
        post.setdefault("action", ACTION)
        return self.client.post(f"{BULK_URL}{query}", {"_selected_action": [str(i) for i in ids], **post})

    def messages_of(self, response) -> list[str]:
        return [str(message) for message in response.context["messages"]]


class BulkRetryAdminTests(NotificationLogTestCase):
    def test_each_failed_row_has_a_checkbox_and_the_header_a_select_all_box(self):
        failed = self.record()
        sent = self.record(status="sent")

        response = self.client.get(LIST_URL, {"q": self.domain})

        self.assertContains(response, '<input type="checkbox" id="action-toggle" aria-label="Select all on this page">')
        self.assertContains(response, f'<input type="checkbox" name="_selected_action" value="{failed}"')
        self.assertNotContains(response, f'name="_selected_action" value="{sent}"')

    def test_the_action_bar_offers_retrying_the_selected_failed_emails(self):
        self.record()

        response = self.client.get(LIST_URL, {"q": self.domain, "status": "failed"})

        self.assertContains(response, '<div class="actions">')
        self.assertContains(response, f'<option value="{ACTION}">Retry selected failed emails</option>', html=True)
        self.assertContains(response, f'<form id="changelist-form" method="post" action="{BULK_URL}?q={self.domain}')

    def test_bulk_retry_retries_only_the_selected_failed_emails(self):
        first, second, left = self.record(), self.record(), self.record()

        self.retry_selected(first, second)

        self.assertEqual([self.status(i) for i in (first, second, left)], ["pending", "pending", "failed"])

    def test_bulk_retry_returns_to_the_listing_with_its_filters_and_page(self):
        failed = self.record()
        query = f"?q={self.domain}&status=failed&back=900&cursor=800"

        response = self.retry_selected(failed, query=query)

        self.assertRedirects(response, f"{LIST_URL}{query}", fetch_redirect_response=False)

    def test_bulk_retry_says_in_one_message_how_many_were_retried_and_which_were_not(self):
        failed, sent = self.record(), self.record(status="sent")

        response = self.client.get(self.retry_selected(failed, sent, 999999999)["Location"])

        (message,) = self.messages_of(response)
        self.assertTrue(message.startswith(f"1 of 3 selected retried: #{failed}. Not retried: #{sent} ("), message)
        self.assertIn("#999999999 (", message)

    def test_bulk_retry_of_every_selected_email_is_a_success_message(self):
        first, second = self.record(), self.record()

        response = self.client.get(self.retry_selected(first, second)["Location"])

        self.assertEqual(self.messages_of(response), [f"2 of 2 selected retried: #{first}, #{second}."])

    def test_bulk_retry_without_a_selection_changes_nothing(self):
        response = self.client.get(self.retry_selected()["Location"])

        (message,) = self.messages_of(response)
        self.assertIn("Items must be selected", message)

    def test_bulk_retry_without_choosing_the_action_changes_nothing(self):
        failed = self.record()

        self.retry_selected(failed, action="")

        self.assertEqual(self.status(failed), "failed")

    def test_a_get_of_the_bulk_action_does_nothing(self):
        failed = self.record()

        response = self.client.get(BULK_URL, {"action": ACTION, "_selected_action": [failed]})

        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.status(failed), "failed")

    def test_bulk_retry_needs_the_csrf_token(self):
        failed = self.record()
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.make_user(is_staff=True, is_superuser=True))

        response = client.post(BULK_URL, {"action": ACTION, "_selected_action": [failed]})

        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.status(failed), "failed")

    def test_bulk_retry_is_closed_to_non_staff_users(self):
        failed = self.record()
        self.client.force_login(self.make_user())

        response = self.retry_selected(failed)

        self.assertIn("/admin/login/", response["Location"])
        self.assertEqual(self.status(failed), "failed")


class NotificationPagesAdminTests(NotificationLogTestCase):
    def test_the_second_page_links_back_to_the_first(self):
        for _ in range(51):
            self.record()
        first = self.client.get(LIST_URL, {"q": self.domain})

        second = self.client.get(f"{LIST_URL}{first.context['next_url']}")
        back = self.client.get(f"{LIST_URL}{second.context['previous_url']}")

        self.assertContains(second, "&lsaquo; Previous page")
        self.assertEqual(len(second.context["rows"]), 1)
        self.assertEqual(back.context["rows"], first.context["rows"])
        self.assertNotIn("previous_url", first.context)

    def test_previous_goes_back_one_page_at_a_time(self):
        for _ in range(101):
            self.record()
        first = self.client.get(LIST_URL, {"q": self.domain})
        second = self.client.get(f"{LIST_URL}{first.context['next_url']}")
        third = self.client.get(f"{LIST_URL}{second.context['next_url']}")

        back = self.client.get(f"{LIST_URL}{third.context['previous_url']}")

        self.assertEqual(back.context["rows"], second.context["rows"])
        self.assertEqual(back.context["count"], "101 notifications (page 2)")

    def test_the_listing_says_how_many_rows_its_filters_match(self):
        self.record()
        self.record()

        response = self.client.get(LIST_URL, {"q": self.domain})

        self.assertContains(response, '<span class="count">2 notifications</span>', html=True)


class NotificationPageAdminTests(NotificationLogTestCase):
    def page(self, notification_id: int):
        return self.client.get(f"{LIST_URL}{notification_id}/")

    def test_the_listing_links_each_notification_to_its_page(self):
        failed = self.record()

        response = self.client.get(LIST_URL, {"q": self.domain})

        self.assertContains(response, f'<a href="{LIST_URL}{failed}/">{failed}</a>', html=True)

    def test_a_notification_page_shows_subject_recipient_status_attempts_and_last_error(self):
        failed = self.record(subject="Your tickets for Hamlet")

        fields = {label: value for label, value, _url in self.page(failed).context["fields"]}

        self.assertEqual(
            (fields["Subject"], fields["Status"], fields["Attempts"], fields["Last error"]),
            ("Your tickets for Hamlet", "failed", 3, "SMTPServerDisconnected: gone"),
        )
        self.assertTrue(fields["Recipient"].endswith(self.domain))

    def test_a_notification_page_links_the_order_it_is_about(self):
        failed = self.record(kind="order_confirmation", about=42)

        self.assertContains(self.page(failed), '<a href="/admin/backoffice/orders/42/">Order 42</a>', html=True)

    def test_a_reminders_page_links_the_event_it_is_about(self):
        reminder = self.record(kind="reminder", about=7)

        self.assertContains(self.page(reminder), '<a href="/admin/backoffice/events/7/">Event 7</a>', html=True)

    def test_a_failed_notifications_page_has_a_retry_button_that_returns_to_it(self):
        failed = self.record()
        self.assertContains(self.page(failed), f'<form method="post" action="{LIST_URL}{failed}/{ACTION}/">')

        response = self.client.post(f"{LIST_URL}{failed}/{ACTION}/", {"next": f"{LIST_URL}{failed}/"})

        self.assertRedirects(response, f"{LIST_URL}{failed}/", fetch_redirect_response=False)
        self.assertEqual(self.status(failed), "pending")

    def test_a_retry_does_not_return_to_another_site(self):
        failed = self.record()

        response = self.client.post(f"{LIST_URL}{failed}/{ACTION}/", {"next": "https://evil.example.com/"})

        self.assertRedirects(response, LIST_URL, fetch_redirect_response=False)

    def test_a_sent_notifications_page_has_no_retry_button(self):
        sent = self.record(status="sent")

        self.assertNotContains(self.page(sent), 'id="detail-action"')

    def test_an_unknown_notification_is_a_404(self):
        self.assertEqual(self.page(999999999).status_code, 404)

    def test_a_notification_page_is_closed_to_non_staff_users(self):
        failed = self.record()
        self.client.force_login(self.make_user())

        self.assertIn("/admin/login/", self.page(failed)["Location"])
