"""Who may act for an event: its organizer, platform staff, and the door staff the organizer
invites by email (managers and scanners). An invitation names an address, not an account, so it
holds for an account registered later; the caller's address travels in its gRPC identity. The
address is emailed its role (notifications.staff_invited, through the outbox)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from event_service.events.errors import (
    EventCancelled,
    EventNotFound,
    InvalidStaffMember,
    NotEventOwner,
    StaffMemberNotFound,
)
from event_service.events.models import Event, EventStaff, OutboxMessage
from protos.events.v1 import events_pb2
from servicekit import outbox
from servicekit.identity import Caller

ORGANIZER = events_pb2.EVENT_ROLE_ORGANIZER
MANAGER = events_pb2.EVENT_ROLE_MANAGER
SCANNER = events_pb2.EVENT_ROLE_SCANNER
NO_ROLE = events_pb2.EVENT_ROLE_UNSPECIFIED
ROLE_OF_STAFF = {EventStaff.Role.MANAGER: MANAGER, EventStaff.Role.SCANNER: SCANNER}
STAFF_ROLE = {role: name for name, role in ROLE_OF_STAFF.items()}
MAX_STAFF_EMAIL_LENGTH = EventStaff._meta.get_field("email").max_length


def caller_role(caller: Caller, event: Event) -> int:
    """The caller's EventRole on the event: ORGANIZER for its owner and for platform staff, a staff
    member's role by their email, else NO_ROLE. Reads the staff table only for someone else."""
    if caller.is_staff or (caller.user_id is not None and caller.user_id == event.organizer_id):
        return ORGANIZER
    if caller.user_id is None or not caller.email:
        return NO_ROLE
    role = EventStaff.objects.filter(event=event, email=caller.email).values_list("role", flat=True).first()
    return ROLE_OF_STAFF.get(role, NO_ROLE)


def event_for(caller: Caller, event_id: int, *, roles: frozenset[int], for_update: bool = False) -> Event:
    """The event, if the caller holds one of `roles` on it (NotEventOwner otherwise)."""
    events = Event.objects.select_for_update() if for_update else Event.objects
    event = events.filter(pk=event_id).first()
    if event is None:
        raise EventNotFound()
    if caller_role(caller, event) not in roles:
        raise NotEventOwner()
    return event


def invite_staff(*, caller: Caller, event_id: int, email: str, role: int) -> EventStaff:
    """Give `email` the `role` (MANAGER or SCANNER) on the event; the address's earlier role, if
    any, is replaced. The event's organizer (or platform staff) only."""
    email = _valid_email(email)
    if role not in STAFF_ROLE:
        raise InvalidStaffMember(field_errors={"role": ['Must be "manager" or "scanner".']})
    event = event_for(caller, event_id, roles=frozenset({ORGANIZER}))
    if event.status == Event.Status.CANCELLED:
        raise EventCancelled()
    if email == caller.email:
        raise InvalidStaffMember(field_errors={"email": ["The organizer already has every role."]})
    fields = {"role": STAFF_ROLE[role], "invited_by": caller.user_id or 0}
    # The unique row decides between racing invitations of one address: the losers change its role.
    try:
        with transaction.atomic():
            member = EventStaff.objects.create(event=event, email=email, **fields)
            _announce(member)
            return member
    except IntegrityError:
        pass
    with transaction.atomic():
        # Conditional: of racing invitations to one new role, one changes it and emails.
        changed = EventStaff.objects.filter(event=event, email=email).exclude(role=fields["role"]).update(**fields)
        member = EventStaff.objects.get(event=event, email=email)
        if changed:
            _announce(member)
    return member


def list_staff(*, caller: Caller, event_id: int) -> list[EventStaff]:
    """The event's staff in order of invitation. The event's organizer (or platform staff) only."""
    event = event_for(caller, event_id, roles=frozenset({ORGANIZER}))
    return list(event.staff.order_by("id"))


def remove_staff(*, caller: Caller, event_id: int, member_id: int) -> None:
    """Take a member's role on the event away. The event's organizer (or platform staff) only."""
    event = event_for(caller, event_id, roles=frozenset({ORGANIZER}))
    deleted, _ = EventStaff.objects.filter(event=event, pk=member_id).delete()
    if not deleted:
        raise StaffMemberNotFound()


def _announce(member: EventStaff) -> None:
    """Promise the email telling the address its role (in the transaction that gave it)."""
    outbox.enqueue(
        OutboxMessage,
        "notifications.staff_invited",
        member_id=member.id,
        event_id=member.event_id,
        email=member.email,
        role=member.role,
    )


def _valid_email(email: str) -> str:
    email = email.strip().lower()
    try:
        if len(email) > MAX_STAFF_EMAIL_LENGTH:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        raise InvalidStaffMember(field_errors={"email": ["Enter a valid email address."]}) from None
    return email
