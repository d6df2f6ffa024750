"""The notification log, as the back office uses it (NotificationService): staff list the
notifications and send a failed one again."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils import timezone

from notify_service.notifications.models import Notification
from notify_service.notifications.services.errors import AlreadySent, BeingSent, NotificationNotFound
from notify_service.notifications.services.sending import claim_timeout
from servicekit.errors import Forbidden, InvalidInput, Unavailable
from servicekit.identity import Caller
from servicekit.pagination import Page, sorted_page
from servicekit.tasks import publish

log = logging.getLogger("microtix.notifications")

Kind = Notification.Kind
Status = Notification.Status

DEFAULT_LOG_PAGE_SIZE = 50
MAX_LOG_PAGE_SIZE = 100
# The columns the log sorts by (order_by): NOT NULL ones only, as a keyset needs.
NOTIFICATION_SORTS = frozenset({"id", "recipient", "kind", "status", "attempts", "created_at"})


def list_notifications(
    *,
    caller: Caller,
    kind: str = "",
    status: str = "",
    recipient_query: str = "",
    page_size: int = 0,
    page_token: str = "",
    id: int = 0,  # the request field's name: one notification's page
    order_by: str = "",
    with_total_count: bool = False,
) -> Page:
    """Notifications newest first (or in `order_by`'s order, NOTIFICATION_SORTS), for staff, filtered:
    one page, and the next page's token ("" at the end). `id`: that notification alone (none if it does
    not exist). `with_total_count`: their number too."""
    _require_staff(caller)
    problems: dict[str, list[str]] = {}
    if kind and kind not in Kind.values:
        problems["kind"] = [f"Must be one of {', '.join(Kind.values)}."]
    if status and status not in Status.values:
        problems["status"] = [f"Must be one of {', '.join(Status.values)}."]
    if problems:
        raise InvalidInput(field_errors=problems)
    notifications = Notification.objects.all()
    if kind:
        notifications = notifications.filter(kind=kind)
    if status:
        notifications = notifications.filter(status=status)
    if recipient_query:
        notifications = notifications.filter(recipient__icontains=recipient_query)
    if id:
        notifications = notifications.filter(pk=id)
    return sorted_page(
        notifications,
        page_size=page_size,
        page_token=page_token,
        order_by=order_by,
        sortable=NOTIFICATION_SORTS,
        default_size=DEFAULT_LOG_PAGE_SIZE,
        max_size=MAX_LOG_PAGE_SIZE,
        count_total=with_total_count,
    )


def retry_notification(*, caller: Caller, notification_id: int) -> Notification:
    """Send a failed (or still pending) notification again, its attempts starting over; for
    staff. A sent one is AlreadySent; one being sent right now is BeingSent."""
    _require_staff(caller)
    now = timezone.now()
    # A claim that expired is a dead worker's: the notification may be taken back from it.
    retryable = Q(status__in=[Status.FAILED, Status.PENDING]) | Q(
        status=Status.SENDING, claimed_at__lt=now - claim_timeout()
    )
    reset = Notification.objects.filter(retryable, pk=notification_id).update(
        status=Status.PENDING, attempts=0, last_error=""
    )
    if not reset:
        status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
        if status is None:
            raise NotificationNotFound()
        if status == Status.SENT:
            raise AlreadySent()
        raise BeingSent()
    notification = Notification.objects.get(pk=notification_id)  # as reset: a worker may take it at once
    try:
        publish("notifications.send", notification_id)
    except Exception as exc:
        log.warning("notification %s: could not queue its send (%s)", notification_id, exc)
        raise Unavailable("The task broker is unavailable; try again.", code="broker_unavailable") from None
    log.info("notification %s queued again by staff user %s", notification_id, caller.user_id)
    return notification


def _require_staff(caller: Caller) -> None:
    if not caller.is_staff:
        raise Forbidden("Only staff can read and retry notifications.")
