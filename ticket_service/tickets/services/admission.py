"""Ticket codes (random and signed) and check-in at the door.

A forged code is refused by its signature before any lookup. A ticket is admitted at most once:
check-in is a conditional UPDATE (valid -> checked_in), and the loser of a race is told the
winner's time.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from prometheus_client import Counter

from servicekit.identity import Caller
from servicekit.timestamps import iso_text
from ticket_service.tickets.models import Ticket
from ticket_service.tickets.services.errors import AlreadyCheckedIn, InvalidTicket, NotEventOrganizer, TicketVoid
from ticket_service.tickets.services.events import MAY_SCAN, get_event_info, require_organizer

# On the service's metrics port (servicekit.metrics).
TICKETS_CHECKED_IN = Counter("microtix_tickets_checked_in", "Tickets admitted at the door.")
_TICKET_CODE_SALT = "microtix.tickets.code"


def new_ticket_code() -> str:
    """192 random bits and an HMAC of them under the server key: unguessable and unforgeable."""
    token = secrets.token_urlsafe(24)
    return f"{token}.{_code_signature(token)}"


def _code_signature(token: str) -> str:
    digest = salted_hmac(_TICKET_CODE_SALT, token, algorithm="sha256").digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def is_signed_ticket_code(code: str) -> bool:
    """True if `code` carries a valid signature; checked before any database lookup."""
    token, dot, signature = code.partition(".")
    if not dot or len(code) > 100:
        return False
    try:
        return constant_time_compare(signature, _code_signature(token))
    except (binascii.Error, UnicodeError):
        return False


def find_ticket(*, caller: Caller, code: str) -> Ticket:
    """The ticket of `code`, for someone who may scan it: the event's organizer, its managers and
    scanners, platform staff. To anyone else a real code is InvalidTicket, as a forged one is, so
    door staff of one event learn nothing of another's tickets."""
    code = code.strip()
    if not is_signed_ticket_code(code):
        raise InvalidTicket()
    ticket = Ticket.objects.filter(code=code).first()
    if ticket is None or caller.user_id is None:
        raise InvalidTicket()
    try:
        require_organizer(get_event_info(ticket.event_id, caller), roles=MAY_SCAN)
    except NotEventOrganizer:
        raise InvalidTicket() from None
    return ticket


def check_in(*, caller: Caller, code: str) -> Ticket:
    """Admit the ticket's holder, at most once, for someone who may scan it (find_ticket)."""
    ticket = find_ticket(caller=caller, code=code)
    now = timezone.now()
    admitted = Ticket.objects.filter(pk=ticket.pk, status=Ticket.Status.VALID).update(
        status=Ticket.Status.CHECKED_IN, checked_in_at=now, checked_in_by=caller.user_id
    )
    ticket.refresh_from_db()
    if admitted:
        TICKETS_CHECKED_IN.inc()
        return ticket
    if ticket.status == Ticket.Status.CHECKED_IN:
        first_scan = iso_text(ticket.checked_in_at)
        raise AlreadyCheckedIn(f"Ticket already checked in at {first_scan}.", extra={"checked_in_at": first_scan})
    raise TicketVoid()
