"""take_slot: the limit, Retry-After, the sliding window (with `now` given, no sleeping), limit
changes, cleanup; and simultaneous requests of one key on real connections."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.db import connection, connections
from django.test import TestCase, TransactionTestCase
from django.test.utils import CaptureQueriesContext

from devkit.databases import statement_kinds
from gateway_project.ratelimits import services
from gateway_project.ratelimits.models import Slot
from gateway_project.ratelimits.services import delete_expired, take_slot

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def take(key: str = "orders:user:1", limit: int = 3, at: timedelta = timedelta(0), window: timedelta = MINUTE):
    return take_slot(key=key, limit=limit, window=window, now=T0 + at)


def seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


class TakeSlotTests(TestCase):
    def test_requests_up_to_the_limit_are_allowed_and_the_next_is_told_the_whole_window(self):
        self.assertEqual([take(), take(), take()], [None, None, None])

        self.assertEqual(take(), MINUTE)
        self.assertEqual(take(at=seconds(1)), seconds(59))  # refused requests take nothing

    def test_a_slot_frees_a_window_after_it_was_taken(self):
        for at in (0, 10, 20):
            self.assertIsNone(take(at=seconds(at)))

        self.assertEqual(take(at=seconds(30)), seconds(30))  # the oldest frees at 60 s
        self.assertIsNone(take(at=seconds(60)))
        self.assertEqual(take(at=seconds(60)), seconds(10))  # the next frees at 70 s
        self.assertIsNone(take(at=seconds(70)))

    def test_retry_after_is_at_least_a_second(self):
        take(limit=1)

        self.assertEqual(take(limit=1, at=seconds(59.5)), seconds(1))

    def test_keys_are_counted_apart(self):
        for _ in range(3):
            take(key="orders:user:1")

        self.assertIsNone(take(key="orders:user:2"))
        self.assertIsNotNone(take(key="orders:user:1"))

    def test_a_lowered_limit_applies_at_once_and_a_raised_one_allows_more(self):
        for _ in range(3):
            take(limit=3)

        self.assertEqual(take(limit=2), MINUTE)
        self.assertIsNone(take(limit=4))
        self.assertEqual(take(limit=4), MINUTE)

    def test_a_zero_limit_refuses_everything(self):
        self.assertEqual(take(limit=0), MINUTE)

    def test_a_key_has_rows_for_what_it_used_not_for_its_limit(self):
        for _ in range(3):
            take(limit=1_000_000)

        self.assertLessEqual(Slot.objects.filter(key="orders:user:1").count(), 4)

    def test_cleanup_deletes_slots_free_for_long_and_the_count_stays_exact(self):
        take(), take()  # free from T0 + 1 min
        take(window=timedelta(hours=2))  # taken until T0 + 2 h
        long_free = MINUTE + services.CLEANUP_AFTER

        self.assertEqual(delete_expired(now=T0 + long_free - seconds(1)), 0)
        self.assertEqual(delete_expired(now=T0 + long_free), 2)

        self.assertEqual([take(at=long_free), take(at=long_free), take(at=long_free)], [None, None, MINUTE])


class TakeSlotCostTests(TestCase):
    def test_its_sql_names_the_slots_table(self):
        self.assertEqual(Slot._meta.db_table, "ratelimits_slot")  # take_slot's statements are written out

    def test_a_taken_slot_is_stored_until_the_end_of_its_window(self):
        take()

        self.assertEqual(Slot.objects.get().free_at, T0 + MINUTE)

    def statements_of(self, **take_args) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            take(**take_args)
        return statement_kinds(queries)

    def test_a_keys_first_request_reads_then_creates_and_takes_a_slot(self):
        self.assertEqual(
            self.statements_of(), ["SELECT ratelimits_slot", "INSERT ratelimits_slot", "UPDATE ratelimits_slot"]
        )

    def test_a_request_that_finds_a_free_slot_reads_and_takes_it(self):
        take()

        self.assertEqual(self.statements_of(at=MINUTE), ["SELECT ratelimits_slot", "UPDATE ratelimits_slot"])

    def test_a_refusal_is_one_read(self):
        take(limit=1)

        self.assertEqual(self.statements_of(limit=1), ["SELECT ratelimits_slot"])


class SimultaneousTakeTests(TransactionTestCase):
    """Many requests of one key at once, each on its own database connection (as gunicorn's
    workers and threads are): the database decides, so exactly `limit` are allowed."""

    LIMIT, REQUESTS = 30, 45

    def take_together(self, now: datetime) -> list:
        barrier = threading.Barrier(self.REQUESTS)

        def request(_):
            try:
                barrier.wait()
                return take_slot(key="orders:user:7", limit=self.LIMIT, window=MINUTE, now=now)
            finally:
                connections.close_all()  # this thread's

        with ThreadPoolExecutor(max_workers=self.REQUESTS) as pool:
            return list(pool.map(request, range(self.REQUESTS)))

    def assert_exactly_the_limit_allowed(self, results: list, retry_after: timedelta) -> None:
        self.assertEqual(results.count(None), self.LIMIT, results)
        self.assertEqual([r for r in results if r is not None], [retry_after] * (self.REQUESTS - self.LIMIT))

    def test_simultaneous_first_requests_of_a_key_are_held_to_the_limit(self):
        self.assert_exactly_the_limit_allowed(self.take_together(T0), MINUTE)
        self.assertEqual(Slot.objects.filter(key="orders:user:7", free_at=T0 + MINUTE).count(), self.LIMIT)

    def test_simultaneous_requests_for_freed_slots_are_held_to_the_limit(self):
        # Every slot exists and frees at once: only the conditional UPDATE stands between them.
        for _ in range(self.LIMIT):
            take_slot(key="orders:user:7", limit=self.LIMIT, window=MINUTE, now=T0)

        self.assert_exactly_the_limit_allowed(self.take_together(T0 + MINUTE), MINUTE)
        self.assertEqual(Slot.objects.filter(key="orders:user:7").count(), self.LIMIT)
