"""What each notification says: subjects, the templates' context, times in the event's local
time, the tickets' QR codes, and the email message (text, HTML and inline images)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email.mime.image import MIMEImage
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zxingcpp
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from PIL import Image

from notify_service.notifications.models import Notification
from protos.events.v1 import events_pb2

Kind = Notification.Kind

EVENT_STATUSES = {events_pb2.EVENT_STATUS_PUBLISHED: "published", events_pb2.EVENT_STATUS_CANCELLED: "cancelled"}
# The event's fields an update email lists, in this order, with their labels.
CHANGE_LABELS = {
    "name": "Name",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "venue": "Venue",
    "timezone": "Time zone",
}
TIME_FIELDS = {"starts_at", "ends_at"}


def event_snapshot(event: events_pb2.Event) -> dict:
    """The event as notifications keep it (JSON): what the emails show of it."""
    return {
        "id": event.id,
        "name": event.name,
        "venue": event.venue,
        "timezone": event.timezone or "UTC",
        "starts_at": event.starts_at.ToDatetime(tzinfo=UTC).isoformat(),
        "ends_at": event.ends_at.ToDatetime(tzinfo=UTC).isoformat(),
        "status": EVENT_STATUSES.get(event.status, "unknown"),
        "version": event.version,
    }


def local_time(moment: datetime | str, timezone_name: str) -> str:
    """`moment` in the time zone, e.g. "Saturday 1 May 2027, 19:00 (Europe/Paris)"."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(timezone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone, timezone_name = ZoneInfo("UTC"), "UTC"
    local = moment.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({timezone_name})"


def subject_for(kind: str, event: dict) -> str:
    """The subject line of a notification about `event` (one line, whatever the event's name)."""
    name = " ".join(event["name"].split())
    subjects = {
        Kind.ORDER_CONFIRMATION: f"Your tickets for {name}",
        Kind.EVENT_UPDATED: f"{name} has changed",
        Kind.EVENT_CANCELLED: f"{name} is cancelled",
        Kind.ORDER_REFUNDED: f"Your refund for {name}",
        Kind.STAFF_INVITED: f"Your role at {name}",
        Kind.WAITING_LIST_OFFER: f"Seats are waiting for you: {name}",
        Kind.REMINDER: f"Reminder: {name} starts {local_time(event['starts_at'], event['timezone'])}",
    }
    return subjects[kind][: Notification._meta.get_field("subject").max_length]


def build_message(notification: Notification) -> EmailMultiAlternatives:
    """The email of the notification: plain text and HTML from its kind's templates and, for an
    order confirmation, each ticket's QR code as an inline PNG the HTML shows (cid: links)."""
    context = _template_context(notification)
    template = f"notifications/{notification.kind}"
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
        headers={
            # The same id on every attempt, so a mail system can drop the copy of a resent email.
            "Message-ID": f"<notification-{notification.id}.{int(notification.created_at.timestamp())}@microtix>",
            "X-MicroTix-Notification": str(notification.id),
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if notification.kind == Kind.ORDER_CONFIRMATION:
        # multipart/related: the HTML part and the images it shows travel together.
        message.mixed_subtype = "related"
        for ticket in context["tickets"]:
            message.attach(_qr_image(ticket))
    return message


QR_SCALE = 6  # pixels a module


def qr_png(code: str) -> bytes:
    """The ticket code as a 1-bit PNG QR code (what the door scans), 6 pixels a module in the 4-module
    quiet zone the standard asks. zxing-cpp encodes it in C++ (segno, pure Python, took 0.7 ms a code, a
    third of the worker's CPU in a flash sale); Pillow scales and compresses it (faster than zxing's scaling)."""
    symbol = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = memoryview(symbol.to_image(add_quiet_zones=True))  # a pixel a module, 8-bit: 0 dark, 255 light
    height, width = modules.shape
    image = Image.frombuffer("L", (width, height), modules, "raw", "L", 0, 1).convert("1", dither=Image.Dither.NONE)
    png = io.BytesIO()
    image.resize((width * QR_SCALE, height * QR_SCALE), Image.Resampling.NEAREST).save(png, "PNG")
    return png.getvalue()


def _qr_image(ticket: dict) -> MIMEImage:
    image = MIMEImage(qr_png(ticket["code"]), "png")
    image.add_header("Content-ID", f"<{ticket['cid']}>")
    image.add_header("Content-Disposition", "inline", filename=f"ticket-{ticket['id']}.png")
    return image


def _template_context(notification: Notification) -> dict:
    data = notification.context
    event = data["event"]
    context = {
        **data,
        "recipient": notification.recipient,
        "subject": notification.subject,
        "event": {
            **event,
            "starts_local": local_time(event["starts_at"], event["timezone"]),
            "ends_local": local_time(event["ends_at"], event["timezone"]),
        },
    }
    if notification.kind == Kind.ORDER_CONFIRMATION:
        context["tickets"] = [
            {**ticket, "cid": f"ticket-{ticket['id']}-qr@microtix"} for ticket in data.get("tickets", [])
        ]
    if notification.kind == Kind.WAITING_LIST_OFFER:
        context["expires_local"] = local_time(data["expires_at"], event["timezone"])
    if notification.kind == Kind.EVENT_UPDATED:
        context["changes"] = _change_rows(data.get("changes", {}), event["timezone"])
    return context


def _change_rows(changes: dict, timezone_name: str) -> list[dict]:
    """Each change as {label, old, new}; times in the event's local time (the old one in the old
    time zone when the time zone changed too)."""
    old_zone, new_zone = changes.get("timezone", [timezone_name, timezone_name])
    rows = []
    for field, label in CHANGE_LABELS.items():
        if field not in changes:
            continue
        old, new = changes[field]
        if field in TIME_FIELDS:
            old, new = local_time(old, old_zone), local_time(new, new_zone)
        rows.append({"field": field, "label": label, "old": old or "(none)", "new": new or "(none)"})
    return rows
