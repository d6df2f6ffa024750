"""The email backend of a worker without an SMTP server (EMAIL_HOST unset)."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger("microtix.emails")


class ConsoleEmailBackend(BaseEmailBackend):
    """Each email's text part in the worker's console, one log record (INFO) per email, instead of
    Django's console backend's whole MIME message (base64 QR images included) on stdout, which the
    Celery worker logs as a WARNING. A log record, so LOG_FORMAT=json still writes one object per line."""

    def send_messages(self, email_messages):
        for message in email_messages:
            log.info(
                "email not sent (no EMAIL_HOST), its text part:\nTo: %s\nSubject: %s\n\n%s",
                ", ".join(message.recipients()),
                message.subject,
                message.body.strip(),
            )
        return len(email_messages)
