"""Transactional outbox: a service records the Celery tasks its change promises in
the same database transaction as the change; a relay publishes them to the broker
afterwards and marks them sent. A rolled-back change publishes nothing, and a broker
outage only delays the tasks. Each service has its own outbox table (a subclass of
`OutboxMessage` in its app), so ownership of tables is kept. The relay runs inside the producing
service's process (its PERIODIC_TASKS, every OUTBOX_INTERVAL_SECONDS, in every replica) and
publishes with the broker's confirms (servicekit.tasks.publish_confirmed).

A message keeps the request id of the request whose transaction wrote it, and the relay
publishes the task with it: the worker's log lines about it carry the id of the request
that caused it, not of the relay's run."""

from __future__ import annotations

import logging

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from servicekit import sql, tracing
from servicekit.tasks import publish_confirmed

log = logging.getLogger("microtix.outbox")

RELAY_BATCH = 100


class OutboxMessage(models.Model):
    """A task to publish by name, once the transaction that wrote it has committed."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    request_id = models.CharField(max_length=tracing.MAX_LENGTH, blank=True, default="")

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["sent_at", "id"], name="%(app_label)s_outbox_unsent")]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.id}"


def enqueue(outbox: type[OutboxMessage], task_name: str, **kwargs) -> OutboxMessage:
    """Promise the task `task_name(**kwargs)`; call inside the transaction of the change. Returns
    the message written, with its id."""
    # One INSERT by servicekit.sql, not objects.create(): every payment writes one, and the ORM's
    # build of it was ~4.4% of the tickets service's CPU in the flash sale's profile.
    message = outbox(task_name=task_name, kwargs=kwargs, request_id=tracing.current_request_id())
    return sql.insert([message])[0]


def relay(outbox: type[OutboxMessage], batch: int = RELAY_BATCH) -> int:
    """Publish unsent messages in order, each confirmed by the broker; returns how many.

    Stops at the first failure (the broker is likely down) and tries again next time.
    Rows are locked with SKIP LOCKED, so several processes can relay the same outbox;
    a message published twice (a crash between publish and commit) is harmless because
    every consumer deduplicates.
    """
    published: list[int] = []
    with transaction.atomic():
        pending = outbox.objects.select_for_update(skip_locked=True).filter(sent_at=None).order_by("id")[:batch]
        for message in pending:
            request_id = message.request_id or tracing.current_request_id()
            with tracing.request_id_context(request_id):
                try:
                    publish_confirmed(message.task_name, message.kwargs, request_id=request_id)
                except Exception as exc:
                    outbox.objects.filter(pk=message.pk).update(
                        attempts=message.attempts + 1, last_error=str(exc)[:1000]
                    )
                    log.warning("outbox: could not publish %s #%s (%s); will retry", message.task_name, message.pk, exc)
                    break
            published.append(message.pk)
        # One statement for the batch: the rows stay locked, and commit together, either way.
        outbox.objects.filter(pk__in=published).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
    if published:
        log.info("outbox: published %d message(s) from %s", len(published), outbox._meta.db_table)
    return len(published)
