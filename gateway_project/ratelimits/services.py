"""A sliding-window rate limit decided by the database: a key may make `limit` requests in any
`window`. Each key has up to `limit` slot rows; a request is allowed iff it takes a free one with
a conditional UPDATE (one row updated), so every gunicorn worker and gateway replica shares the
count and simultaneous requests cannot exceed it."""

import itertools
import random
from datetime import UTC, datetime, timedelta

from django.db import OperationalError
from django.utils import timezone

from gateway_project.ratelimits.models import Slot
from servicekit.db import is_lock_conflict

# Slots are created on demand: while a key has few, a request that finds them all taken creates the next
# one and takes it, so a key costs rows for what it uses, not its limit, and a request is two or three
# statements. A key with many slots, all taken, doubles them.
NEVER_TAKEN = datetime(2000, 1, 1, tzinfo=UTC)
# The slots read per look, soonest free first: a few, tried in random order, so simultaneous requests
# rarely pick the same.
CANDIDATES = 8
MIN_WAIT = timedelta(seconds=1)
# Every CLEANUP_EVERY calls (per process), delete up to CLEANUP_BATCH slots free for over CLEANUP_AFTER.
CLEANUP_EVERY, CLEANUP_BATCH, CLEANUP_AFTER = 100, 1000, timedelta(hours=1)

_calls = itertools.count(1)


def take_slot(*, key: str, limit: int, window: timedelta, now: datetime | None = None) -> timedelta | None:
    """Count one request of `key` against `limit` requests per `window`.

    Returns None if it is allowed (it then holds a slot until `now + window`), else how long until
    a slot frees (at least a second). Only slots numbered below `limit` count, so a lowered limit
    applies at once and a raised one creates the slots it lacks. `key` is at most 255 characters.
    """
    now = now or timezone.now()
    if next(_calls) % CLEANUP_EVERY == 0:
        delete_expired(now=now)
    if limit <= 0:
        return window
    slots = Slot.objects.filter(key=key, slot__lt=limit)
    while True:
        try:
            soonest = list(slots.order_by("free_at").values_list("pk", "slot", "free_at")[:CANDIDATES])
            free = [pk for pk, _, free_at in soonest if free_at <= now]
            random.shuffle(free)
            for pk in free:
                # The guard: a slot another request took meanwhile is no longer free, and updates nothing.
                if Slot.objects.filter(pk=pk, free_at__lte=now).update(free_at=now + window):
                    return None
            if free:
                continue  # all taken meanwhile: there may be others
            if len(soonest) < CANDIDATES:  # every slot of the key was read
                if len(soonest) >= limit:
                    return max(soonest[0][2] - now, MIN_WAIT)
                numbers = {number for _, number, _ in soonest}
                unused = next(n for n in itertools.count() if n not in numbers)  # below limit: fewer than it exist
                if _created_taken(key, unused, now + window):
                    return None
                continue  # another request created that one: look again
            count = slots.count()
            if count >= limit:
                return max(soonest[0][2] - now, MIN_WAIT)
            # Numbers 0..target-1, existing ones ignored: also fills gaps left by delete_expired.
            target = min(limit, 2 * count)
            Slot.objects.bulk_create(
                [Slot(key=key, slot=number, free_at=NEVER_TAKEN) for number in range(target)], ignore_conflicts=True
            )
        except OperationalError as error:
            if not is_lock_conflict(error):  # a deadlock or lock wait timeout rolled back one statement: look again
                raise


def _created_taken(key: str, number: int, free_at: datetime) -> bool:
    """Create the key's slot `number` (if no other request did) and take it until `free_at`, by the
    same guard as any slot; False if another request got it."""
    Slot.objects.bulk_create([Slot(key=key, slot=number, free_at=NEVER_TAKEN)], ignore_conflicts=True)
    return bool(Slot.objects.filter(key=key, slot=number, free_at=NEVER_TAKEN).update(free_at=free_at))


def delete_expired(*, now: datetime, batch: int = CLEANUP_BATCH) -> int:
    """Delete up to `batch` slots (of any key) free since before `now - CLEANUP_AFTER`; the number deleted.

    Safe beside take_slot: only free slots go, a request that loses its candidate looks again, and
    missing numbers are created again when needed. By primary key, so it cannot deadlock a take.
    """
    pks = list(Slot.objects.filter(free_at__lte=now - CLEANUP_AFTER).values_list("pk", flat=True)[:batch])
    if not pks:
        return 0
    try:
        deleted, _ = Slot.objects.filter(pk__in=sorted(pks), free_at__lte=now - CLEANUP_AFTER).delete()
    except OperationalError as error:
        if not is_lock_conflict(error):
            raise
        return 0  # best effort: the next cleanup tries again
    return deleted
