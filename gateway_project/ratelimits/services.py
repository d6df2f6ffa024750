"""A sliding-window rate limit decided by the database: a key may make `limit` requests in any
`window`. Each key has up to `limit` slot rows; a request is allowed iff it takes a free one with
a conditional UPDATE (one row updated), so every gunicorn worker and gateway replica shares the
count and simultaneous requests cannot exceed it."""

import itertools
import random
from datetime import UTC, datetime, timedelta

from django.db import OperationalError, connection
from django.db.models.constants import OnConflict
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
    taken_until, never = _stored(now + window), _stored(NEVER_TAKEN)
    while True:
        try:
            with connection.cursor() as cursor:
                cursor.execute(_CANDIDATES, [key, limit, CANDIDATES])
                soonest = [(pk, number, _aware(when)) for pk, number, when in cursor.fetchall()]
                free = [pk for pk, _, when in soonest if when <= now]
                random.shuffle(free)
                for pk in free:
                    # The guard: a slot another request took meanwhile is no longer free, and updates nothing.
                    cursor.execute(_TAKE, [taken_until, pk, _stored(now)])
                    if cursor.rowcount:
                        return None
                if free:
                    continue  # all taken meanwhile: there may be others
                if len(soonest) < CANDIDATES:  # every slot of the key was read
                    if len(soonest) >= limit:
                        return max(soonest[0][2] - now, MIN_WAIT)
                    numbers = {number for _, number, _ in soonest}
                    unused = next(n for n in itertools.count() if n not in numbers)  # below limit: fewer than it exist
                    # Created (if no other request did), then taken by the same guard as any slot.
                    cursor.execute(_create(1), [key, unused, never])
                    cursor.execute(_TAKE_CREATED, [taken_until, key, unused, never])
                    if cursor.rowcount:
                        return None
                    continue  # another request created that one: look again
                cursor.execute(_COUNT, [key, limit])
                count = cursor.fetchone()[0]
                if count >= limit:
                    return max(soonest[0][2] - now, MIN_WAIT)
                # Numbers 0..target-1, existing ones ignored: also fills gaps left by delete_expired.
                target = min(limit, 2 * count)
                cursor.execute(_create(target), [value for n in range(target) for value in (key, n, never)])
        except OperationalError as error:
            if not is_lock_conflict(error):  # a deadlock or lock wait timeout rolled back one statement: look again
                raise


# take_slot's statements as SQL: on the purchase path, building them with the ORM cost the gateway more
# CPU than running them (about a fifth of its samples in the flash sale). Backquoted names: MySQL's and
# SQLite's. The table is Slot's (a test checks it).
_CANDIDATES = (
    "SELECT `id`, `slot`, `free_at` FROM `ratelimits_slot` WHERE `key` = %s AND `slot` < %s ORDER BY `free_at` LIMIT %s"
)
_TAKE = "UPDATE `ratelimits_slot` SET `free_at` = %s WHERE `id` = %s AND `free_at` <= %s"
_TAKE_CREATED = "UPDATE `ratelimits_slot` SET `free_at` = %s WHERE `key` = %s AND `slot` = %s AND `free_at` = %s"
_COUNT = "SELECT COUNT(*) FROM `ratelimits_slot` WHERE `key` = %s AND `slot` < %s"


def _create(slots: int) -> str:
    """Insert `slots` free slots (key, number, free_at each), skipping those that exist."""
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)  # INSERT IGNORE INTO, or OR IGNORE
    return f"{insert} `ratelimits_slot` (`key`, `slot`, `free_at`) VALUES " + ", ".join(["(%s, %s, %s)"] * slots)


def _stored(when: datetime):
    """`when` as the database stores a DateTimeField."""
    return connection.ops.adapt_datetimefield_value(when)


def _aware(value) -> datetime:
    """A `free_at` as the cursor reads it (naive UTC; text on SQLite), aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
