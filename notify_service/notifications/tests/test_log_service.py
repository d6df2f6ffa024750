"""NotificationService: the back office's window on the email log (ListNotifications) and its
retry button (RetryNotification), through a real gRPC server."""

from django.utils import timezone
from django_grpc_framework.settings import grpc_settings
from grpc import StatusCode

from devkit.pages import sorted_ids, walk_pages
from notify_service.notifications.models import Notification
from notify_service.notifications.services.log import NOTIFICATION_SORTS
from notify_service.notifications.tests.support import NotificationTestCase
from protos.notifications.v1 import notifications_pb2, notifications_pb2_grpc
from servicekit.errors import DomainError
from servicekit.grpc_client import ServiceClient
from servicekit.grpc_server import start_server
from servicekit.identity import Caller

STAFF = Caller(user_id=1, role="customer", is_staff=True)
ORGANIZER = Caller(user_id=5, role="organizer")
Status = Notification.Status


class NotificationServiceTestCase(NotificationTestCase):
    """Calls the real NotificationService served in-process (on a free port)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grpc_service = start_server(grpc_settings.ROOT_HANDLERS_HOOK, "127.0.0.1:0", max_workers=8)
        cls.addClassCleanup(lambda: cls.grpc_service.stop(None).wait(5))

    def setUp(self):
        super().setUp()
        target = f"127.0.0.1:{self.grpc_service.port}"
        self.client = ServiceClient("notifications", target, notifications_pb2_grpc.NotificationServiceStub, 10)

    def list(self, caller: Caller = STAFF, **fields) -> notifications_pb2.ListNotificationsResponse:
        return self.client.ListNotifications(notifications_pb2.ListNotificationsRequest(**fields), caller=caller)

    def retry(self, notification_id: int, caller: Caller = STAFF) -> notifications_pb2.Notification:
        return self.client.RetryNotification(
            notifications_pb2.RetryNotificationRequest(id=notification_id), caller=caller
        )

    def assertFails(self, grpc_status: StatusCode, code: str | None, call, *args, **kwargs) -> None:
        """call(*args, **kwargs) fails with `grpc_status` (and machine `code` unless None)."""
        with self.assertRaises(DomainError) as raised:
            call(*args, **kwargs)
        self.assertEqual(raised.exception.status, grpc_status, raised.exception)
        if code:
            self.assertEqual(raised.exception.code, code)


class ListNotificationsTests(NotificationServiceTestCase):
    def test_staff_lists_notifications_newest_first_with_their_state(self):
        first = self.make_notification(order_id=1, recipient="ann@example.com")
        second = self.make_notification(
            order_id=2, status=Status.FAILED, attempts=3, last_error="SMTPServerDisconnected: gone"
        )

        listed = self.list().notifications

        self.assertEqual([n.id for n in listed], [second.id, first.id])
        self.assertEqual(
            (listed[0].kind, listed[0].status, listed[0].attempts, listed[0].last_error, listed[0].dedupe_key),
            ("order_confirmation", "failed", 3, "SMTPServerDisconnected: gone", "order_confirmation:2"),
        )
        self.assertEqual((listed[1].recipient, listed[1].subject), ("ann@example.com", "Your tickets for Jazz night"))
        self.assertEqual(listed[1].created_at.ToDatetime().date(), timezone.now().date())
        self.assertFalse(listed[1].HasField("sent_at"))

    def test_listing_filters_by_kind_status_and_recipient(self):
        confirmation = self.make_notification(order_id=1, recipient="Ann.Smith@Example.com")
        failed = self.make_notification(order_id=2, recipient="bob@example.com", status=Status.FAILED)
        reminder = self.make_notification(
            order_id=3, recipient="ann.smith@example.com", kind="reminder", dedupe_key="reminder:1:ann"
        )

        self.assertEqual([n.id for n in self.list(kind="reminder").notifications], [reminder.id])
        self.assertEqual([n.id for n in self.list(status="failed").notifications], [failed.id])
        self.assertEqual(
            [n.id for n in self.list(recipient_query="ANN.smith").notifications], [reminder.id, confirmation.id]
        )
        self.assertEqual(
            [n.id for n in self.list(kind="order_confirmation", recipient_query="ann").notifications], [confirmation.id]
        )

    def test_listing_by_id_lists_that_notification_alone(self):
        self.make_notification(order_id=1)
        wanted = self.make_notification(order_id=2, status=Status.FAILED)
        self.make_notification(order_id=3)

        self.assertEqual([n.id for n in self.list(id=wanted.id).notifications], [wanted.id])
        self.assertEqual(list(self.list(id=wanted.id + 1000).notifications), [])

    def test_listing_pages_follow_the_token(self):
        made = [self.make_notification(order_id=n) for n in range(1, 6)]

        first = self.list(page_size=2)
        second = self.list(page_size=2, page_token=first.next_page_token)
        last = self.list(page_size=2, page_token=second.next_page_token)

        seen = [n.id for page in (first, second, last) for n in page.notifications]
        self.assertEqual(seen, [n.id for n in reversed(made)])
        self.assertEqual(last.next_page_token, "")

    def test_listing_by_a_non_staff_caller_is_permission_denied(self):
        self.assertFails(StatusCode.PERMISSION_DENIED, "permission_denied", self.list, ORGANIZER)
        self.assertFails(StatusCode.PERMISSION_DENIED, "permission_denied", self.list, Caller())

    def test_an_unknown_filter_value_or_page_token_is_invalid(self):
        self.assertFails(StatusCode.INVALID_ARGUMENT, None, self.list, kind="sms")
        self.assertFails(StatusCode.INVALID_ARGUMENT, None, self.list, status="lost")
        self.assertFails(StatusCode.INVALID_ARGUMENT, None, self.list, page_token="abc")


class CountedNotificationsTests(NotificationServiceTestCase):
    def test_the_log_is_counted_with_its_filters(self):
        for n, status in enumerate((Status.FAILED, Status.SENT, Status.FAILED)):
            self.make_notification(order_id=600 + n, status=status)

        listed = self.list(status="failed", page_size=1, with_total_count=True)

        self.assertEqual((len(listed.notifications), listed.total_count), (1, 2))

    def test_the_log_is_not_counted_unless_asked(self):
        self.make_notification(order_id=600)

        self.assertEqual(self.list().total_count, 0)


class SortedNotificationsTests(NotificationServiceTestCase):
    """The log's columns: sorted by one of NOTIFICATION_SORTS, pages in that order."""

    def setUp(self):
        super().setUp()
        # Ties of recipient, status and attempts: the pages still give each row once, by id within a tie.
        rows = [
            ("bob@example.com", Status.SENT, 1),
            ("ann@example.com", Status.FAILED, 3),
            ("bob@example.com", Status.FAILED, 1),
        ]
        self.ids = [
            self.make_notification(order_id=700 + n, recipient=recipient, status=status, attempts=attempts).id
            for n, (recipient, status, attempts) in enumerate(rows)
        ]

    def walk(self, order_by: str) -> list[int]:
        """The ids of every page in `order_by`'s order, a row a page."""
        return walk_pages(lambda token: self.list(order_by=order_by, page_size=1, page_token=token))

    def test_the_log_sorts_by_recipient_ties_by_id(self):
        listed = [n.id for n in self.list(order_by="recipient").notifications]

        self.assertEqual(listed, [self.ids[1], self.ids[0], self.ids[2]])

    def test_pages_of_every_order_give_each_notification_once_in_that_order(self):
        for column in sorted(NOTIFICATION_SORTS):
            for order_by in (column, f"-{column}"):
                with self.subTest(order_by=order_by):
                    self.assertEqual(self.walk(order_by), sorted_ids(Notification, self.ids, order_by))

    def test_a_column_outside_the_allowlist_is_invalid_argument(self):
        with self.assertRaises(DomainError) as raised:
            self.list(order_by="dedupe_key")

        self.assertEqual(raised.exception.status, StatusCode.INVALID_ARGUMENT)
        self.assertEqual(list(raised.exception.field_errors), ["order_by"])


class RetryNotificationTests(NotificationServiceTestCase):
    def test_retrying_a_failed_notification_starts_its_attempts_over_and_queues_its_send(self):
        notification = self.make_notification(status=Status.FAILED, attempts=3, last_error="refused")

        answer = self.retry(notification.id)

        self.assertEqual(
            (answer.id, answer.status, answer.attempts, answer.last_error), (notification.id, "pending", 0, "")
        )
        self.assertEqual([(p.task, p.args) for p in self.published()], [("notifications.send", (notification.id,))])

    def test_a_retried_notification_is_sent_once_smtp_is_back(self):
        notification = self.make_notification(recipient="ann@example.com", status=Status.FAILED, attempts=3)

        self.retry(notification.id)
        self.run_published()

        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)
        [listed] = self.list().notifications
        self.assertEqual((listed.status, listed.attempts), ("sent", 1))
        self.assertTrue(listed.HasField("sent_at"))

    def test_retrying_a_sent_notification_is_refused_as_already_sent(self):
        notification = self.make_notification(status=Status.SENT, sent_at=timezone.now())

        self.assertFails(StatusCode.FAILED_PRECONDITION, "already_sent", self.retry, notification.id)
        self.assertEqual(self.published(), [])

    def test_retrying_a_notification_being_sent_right_now_is_refused(self):
        notification = self.make_notification(status=Status.SENDING, claimed_at=timezone.now())

        self.assertFails(StatusCode.FAILED_PRECONDITION, "being_sent", self.retry, notification.id)

    def test_retrying_an_unknown_notification_is_not_found(self):
        self.assertFails(StatusCode.NOT_FOUND, None, self.retry, 404)

    def test_retrying_by_a_non_staff_caller_is_permission_denied_and_changes_nothing(self):
        notification = self.make_notification(status=Status.FAILED, attempts=3)

        self.assertFails(StatusCode.PERMISSION_DENIED, "permission_denied", self.retry, notification.id, ORGANIZER)

        notification.refresh_from_db()
        self.assertEqual((notification.status, notification.attempts), ("failed", 3))
        self.assertEqual(self.published(), [])
