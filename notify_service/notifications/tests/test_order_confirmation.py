"""notifications.order_paid: the buyer gets one confirmation with the event and the tickets."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import zxingcpp
from django.db import close_old_connections
from django.utils import timezone
from PIL import Image

from devkit.net import free_port
from notify_service.notifications import tasks
from notify_service.notifications.emails import qr_png
from notify_service.notifications.models import Notification
from notify_service.notifications.services import recording
from notify_service.notifications.tests.support import NotificationTestCase
from servicekit.errors import Unavailable

TICKETS = [{"id": 11, "code": "MTX-AAAA-1111"}, {"id": 12, "code": "MTX-BBBB-2222"}]
# A family's order as the tickets service announces it: 2 adults and a child, each ticket with its holder.
FAMILY = {
    "total": "72.50",
    "lines": [
        {
            "ticket_type_id": 1,
            "name": "Adult",
            "quantity": 2,
            "unit_price": "30.00",
            "discount": "0.00",
            "total": "60.00",
        },
        {
            "ticket_type_id": 2,
            "name": "Child",
            "quantity": 1,
            "unit_price": "12.50",
            "discount": "0.00",
            "total": "12.50",
        },
    ],
    "tickets": [
        {"id": 21, "code": "MTX-ANN-1", "ticket_type_id": 1, "holder_name": "Ann Smith"},
        {"id": 22, "code": "MTX-BOB-2", "ticket_type_id": 1, "holder_name": "Bob Smith"},
        {"id": 23, "code": "MTX-CAT-3", "ticket_type_id": 2, "holder_name": "Cat Smith"},
    ],
}


class OrderConfirmationTests(NotificationTestCase):
    def order_paid(self, order_id: int = 42, event_id: int | None = None, **fields) -> None:
        """Run the task as the tickets service publishes it (by name, with these kwargs)."""
        kwargs = {
            "order_id": order_id,
            "email": "ann@example.com",
            "full_name": "Ann Smith",
            "event_id": event_id or self.event.id,
            "total": "60.00",
            "currency": "USD",
            "tickets": TICKETS,
            **fields,
        }
        tasks.order_paid.apply(kwargs=kwargs, throw=True)

    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(
            name="Jazz night",
            venue="Blue Room",
            timezone="Europe/Paris",
            starts_at=datetime(2027, 5, 1, 17, tzinfo=UTC),
        )

    def test_a_paid_order_emails_the_buyer_the_event_in_its_local_time_and_each_ticket_code(self):
        self.order_paid()
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertEqual(email.message["Subject"], "Your tickets for Jazz night")
        for part in (email.text(), email.html()):
            self.assertIn("Jazz night", part)
            self.assertIn("Blue Room", part)
            self.assertIn("Saturday 1 May 2027, 19:00 (Europe/Paris)", part)
            self.assertIn("60.00 USD", part)
            self.assertIn("MTX-AAAA-1111", part)
            self.assertIn("MTX-BBBB-2222", part)
            self.assertIn("Ann Smith", part)

    def test_the_confirmation_lists_each_line_with_its_quantity_price_and_total(self):
        self.order_paid(**FAMILY)
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertIn("Adult: 2 x 30.00 USD = 60.00 USD", email.text())
        self.assertIn("Child: 1 x 12.50 USD = 12.50 USD", email.text())
        self.assertIn("Total: 72.50 USD", email.text())
        html = " ".join(email.html().split())
        for cells in (("Adult", "2", "30.00 USD", "60.00 USD"), ("Child", "1", "12.50 USD", "12.50 USD")):
            self.assertRegex(html, ".*".join(f">{cell}</td>" for cell in cells))

    def test_a_line_discounted_by_a_voucher_shows_its_discount(self):
        lines = [{**FAMILY["lines"][0], "discount": "15.00", "total": "45.00"}, FAMILY["lines"][1]]

        self.order_paid(**{**FAMILY, "total": "57.50", "lines": lines})
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertIn("Adult: 2 x 30.00 USD - 15.00 USD (voucher) = 45.00 USD", email.text())
        self.assertIn("Child: 1 x 12.50 USD = 12.50 USD", email.text())
        self.assertIn("-15.00 USD (voucher)</span> 45.00 USD</td>", email.html())

    def test_the_confirmation_names_each_tickets_type_and_holder(self):
        self.order_paid(**FAMILY)
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertIn("Ticket 2 of 3 (Adult), for Bob Smith: MTX-BOB-2", email.text())
        self.assertIn("Ticket 3 of 3 (Child), for Cat Smith: MTX-CAT-3", email.text())
        self.assertIn("Ticket 3 of 3</strong>: Child, for Cat Smith", email.html())

    def test_an_order_announced_before_lines_lists_its_tickets_without_lines(self):
        self.order_paid()  # no lines, tickets without a holder: a producer older than orders with lines
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        self.assertIn("Ticket 1 of 2: MTX-AAAA-1111", email.text())
        self.assertNotIn("Total:", email.text())

    def test_the_confirmation_carries_each_tickets_qr_code_as_an_inline_png_the_html_shows(self):
        self.order_paid()
        self.run_published()

        [email] = self.smtp.to("ann@example.com")
        images = email.images()
        self.assertEqual([image.get_content_type() for image in images], ["image/png", "image/png"])
        self.assertEqual([image.get_content() for image in images], [qr_png("MTX-AAAA-1111"), qr_png("MTX-BBBB-2222")])
        html = email.html()
        for image in images:
            self.assertIn(f'src="cid:{image["Content-ID"].strip("<>")}"', html)
        self.assertEqual(email.message.get_content_type(), "multipart/related")

    def test_each_tickets_qr_code_reads_back_as_its_code(self):
        code = "tPp3CZ0q4xV7mYb1nJ8rW2kL5sQ9dF6h.Xq1v0Yc7bN2mK8pR4sT6wA"  # a code's shape: 32 + 1 + 22

        read = zxingcpp.read_barcode(Image.open(io.BytesIO(qr_png(code))))

        self.assertEqual((read.format, read.text), (zxingcpp.BarcodeFormat.QRCode, code))

    def test_each_tickets_qr_code_is_a_1_bit_png_6_pixels_a_module_in_a_4_module_quiet_zone(self):
        code = "tPp3CZ0q4xV7mYb1nJ8rW2kL5sQ9dF6h.Xq1v0Yc7bN2mK8pR4sT6wA"  # version 4: 33 modules a side

        drawn = Image.open(io.BytesIO(qr_png(code)))

        self.assertEqual((drawn.format, drawn.mode, drawn.size), ("PNG", "1", ((33 + 2 * 4) * 6,) * 2))
        quiet = [drawn.getpixel((x, y)) for x in range(24) for y in range(drawn.height)]
        self.assertEqual(set(quiet), {255})  # the left quiet zone, light
        finder = [drawn.getpixel((24 + x, 24 + y)) for x in range(6) for y in range(6)]
        self.assertEqual(set(finder), {0})  # the first module, a finder pattern's dark corner, is 6 x 6 pixels

    def test_the_same_order_paid_task_run_twice_sends_one_email(self):
        self.order_paid()
        self.run_published()
        self.order_paid()
        self.run_published()

        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)
        self.assertEqual(Notification.objects.get().status, Notification.Status.SENT)

    def test_the_task_records_one_notification_and_sends_its_email_itself(self):
        self.order_paid(order_id=7)

        notification = self.notification("order_confirmation:7")
        self.assertEqual(self.published(), [])  # no send task: the email went out in this one
        self.assertEqual(
            (notification.kind, notification.recipient, notification.status, notification.attempts),
            ("order_confirmation", "ann@example.com", "sent", 1),
        )
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_two_deliveries_of_the_task_at_once_record_one_notification_and_send_one_email(self):
        barrier = threading.Barrier(2)

        def deliver(_):
            barrier.wait()
            try:
                self.order_paid(order_id=7)
            finally:
                close_old_connections()

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(deliver, range(2)))

        self.assertEqual(Notification.objects.filter(dedupe_key="order_confirmation:7").count(), 1)
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_an_order_paid_redelivered_while_its_email_is_being_sent_looks_again_once_that_claim_expires(self):
        self.order_paid(order_id=7)
        notification = self.notification("order_confirmation:7")
        Notification.objects.filter(pk=notification.id).update(status="sending", claimed_at=timezone.now())

        self.order_paid(order_id=7)  # its worker died mid-send: the broker delivers the task again

        [later] = self.published()
        self.assertEqual((later.task, later.args), ("notifications.send", (notification.id,)))
        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)

    def test_an_order_paid_redelivered_after_a_failed_attempt_leaves_it_to_its_scheduled_retry(self):
        with self.settings(EMAIL_PORT=free_port()):
            self.order_paid(order_id=7)
        self.published()

        self.order_paid(order_id=7)

        self.assertEqual(self.published(), [])
        self.assertEqual(self.notification("order_confirmation:7").attempts, 1)

    def test_a_failed_first_attempt_is_retried_as_a_send_task_of_its_own(self):
        with self.settings(EMAIL_PORT=free_port()):  # nothing listens: connection refused
            self.order_paid(order_id=7)

        notification = self.notification("order_confirmation:7")
        self.assertEqual((notification.status, notification.attempts), ("pending", 1))
        self.assertEqual([(p.task, p.args) for p in self.published()], [("notifications.send", (notification.id,))])

    def test_an_order_of_an_event_the_events_service_does_not_know_is_dropped_without_email(self):
        self.order_paid(event_id=999)

        self.assertEqual(self.published(), [])
        self.assertFalse(Notification.objects.exists())

    def test_with_the_events_service_down_nothing_is_recorded_and_the_task_will_run_again(self):
        with self.settings(GRPC_ADDRS={"events": f"127.0.0.1:{free_port()}"}), self.assertRaises(Unavailable):
            recording.record_order_confirmation(
                order_id=1, email="a@example.com", full_name="A", event_id=1, total="1.00", currency="USD", tickets=[]
            )

        self.assertFalse(Notification.objects.exists())
        self.assertIn(Unavailable, tasks.order_paid.autoretry_for)
        self.assertIsNone(tasks.order_paid.max_retries)

    def test_fields_a_newer_producer_adds_are_ignored(self):
        self.order_paid(seat="A12")
        self.run_published()

        self.assertEqual(len(self.smtp.to("ann@example.com")), 1)


class ResentConfirmationTests(NotificationTestCase):
    def setUp(self):
        super().setUp()
        self.event = self.services.add_event(name="Jazz night", starts_at=datetime(2027, 5, 1, 17, tzinfo=UTC))

    def order_paid(self, **fields) -> None:
        kwargs = {
            "order_id": 42,
            "email": "ann@example.com",
            "full_name": "Ann Smith",
            "event_id": self.event.id,
            "total": "60.00",
            "currency": "USD",
            "tickets": TICKETS,
            **fields,
        }
        tasks.order_paid.apply(kwargs=kwargs, throw=True)

    def test_each_resend_is_a_new_email_and_a_redelivered_one_is_not(self):
        self.order_paid()
        self.order_paid(resend=1)
        self.order_paid(resend=1)
        self.order_paid(resend=2)
        self.run_published()

        self.assertEqual(len(self.smtp.to("ann@example.com")), 3)
        self.assertEqual(
            sorted(Notification.objects.values_list("dedupe_key", flat=True)),
            ["order_confirmation:42", "order_confirmation:42:resend:1", "order_confirmation:42:resend:2"],
        )
