"""Without an SMTP server (EMAIL_HOST unset) the worker's console shows each email's text part, one
log record per email, and nothing of its MIME structure (no HTML, no base64 QR images)."""

import contextlib
import io
import os
import subprocess
import sys
from email.mime.image import MIMEImage

from django.core.mail import EmailMultiAlternatives, get_connection
from django.test import SimpleTestCase

from notify_service.notifications.emails import qr_png
from servicekit.config import REPO_ROOT

CONSOLE_BACKEND = "notify_service.notifications.backends.ConsoleEmailBackend"


def confirmation() -> EmailMultiAlternatives:
    """An email shaped like an order confirmation: text, HTML and an inline QR image."""
    message = EmailMultiAlternatives(
        subject="Your tickets for Jazz night",
        body="Hello Ann,\n\nTicket 1 of 1: CODE-ONE\n",
        from_email="MicroTix <tickets@microtix.local>",
        to=["ann@example.com"],
    )
    message.attach_alternative("<html><body><img src='cid:ticket-1'></body></html>", "text/html")
    message.mixed_subtype = "related"
    message.attach(MIMEImage(qr_png("CODE-ONE"), "png"))
    return message


def email_backend_of_the_worker(**environ: str) -> str:
    """settings.EMAIL_BACKEND of notify_service in a fresh process with `environ` (EMAIL_HOST unset unless given)."""
    env = {key: value for key, value in os.environ.items() if key not in ("EMAIL_HOST", "DJANGO_SETTINGS_MODULE")}
    code = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "notify_service.settings", **environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


class ConsoleBackendTests(SimpleTestCase):
    def send(self, message: EmailMultiAlternatives) -> int:
        return get_connection(CONSOLE_BACKEND).send_messages([message])

    def test_each_email_is_one_info_record_with_its_recipient_subject_and_text_part(self):
        with self.assertLogs("microtix.emails", "INFO") as logs:
            self.send(confirmation())

        [record] = logs.records
        self.assertEqual(record.levelname, "INFO")
        self.assertIn("To: ann@example.com", record.getMessage())
        self.assertIn("Subject: Your tickets for Jazz night", record.getMessage())
        self.assertIn("Hello Ann,\n\nTicket 1 of 1: CODE-ONE", record.getMessage())

    def test_the_html_part_and_the_images_are_left_out(self):
        with self.assertLogs("microtix.emails", "INFO") as logs:
            self.send(confirmation())

        message = logs.records[0].getMessage()
        for mime in ("<html", "Content-Type", "Content-Transfer-Encoding", "base64", "iVBORw0KGgo"):
            with self.subTest(mime=mime):
                self.assertNotIn(mime, message)

    def test_nothing_is_written_to_stdout(self):
        # The Celery worker logs whatever is written to stdout, as a WARNING.
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout), self.assertLogs("microtix.emails", "INFO"):
            self.send(confirmation())

        self.assertEqual(stdout.getvalue(), "")

    def test_every_email_counts_as_sent(self):
        with self.assertLogs("microtix.emails", "INFO"):
            self.assertEqual(get_connection(CONSOLE_BACKEND).send_messages([confirmation(), confirmation()]), 2)


class EmailBackendSettingTests(SimpleTestCase):
    def test_without_email_host_the_worker_uses_the_console_backend(self):
        self.assertEqual(email_backend_of_the_worker(), CONSOLE_BACKEND)

    def test_with_email_host_the_worker_sends_over_smtp(self):
        self.assertEqual(
            email_backend_of_the_worker(EMAIL_HOST="mail.example.com"), "django.core.mail.backends.smtp.EmailBackend"
        )
