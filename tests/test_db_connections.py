"""servicekit.db_connections: a process opens at most DB_MAX_CONNECTIONS MySQL connections, and
threads give theirs back when the process is short of them.

    python gateway_project/manage.py test tests.test_db_connections
"""

from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections, transaction
from django.test import TransactionTestCase, override_settings

from devkit.databases import only_on_mysql
from servicekit import db_connections
from servicekit.db_connections import SLOTS, DatabaseBusy


def query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


@only_on_mysql("the cap is the MySQL backend's (servicekit.mysql)")
class ConnectionCapTest(TransactionTestCase):
    def setUp(self):
        query()  # this thread's own connection is open: the limits below count from it
        self.pool = ThreadPoolExecutor(max_workers=4)
        self.addCleanup(self.pool.shutdown)

    def holding(self, release: threading.Event, opened: threading.Semaphore):
        """In a pool thread: open a connection, hold it until `release`, then close it."""

        def hold():
            try:
                query()
                opened.release()
                release.wait(10)
            finally:
                connections.close_all()

        return self.pool.submit(hold)

    def test_a_thread_waits_for_a_free_connection_then_fails_database_busy_when_none_is_given_back(self):
        release, opened = threading.Event(), threading.Semaphore(0)
        with override_settings(DB_MAX_CONNECTIONS=SLOTS.taken + 2, DB_CONNECTION_WAIT_SECONDS=0.5):
            held = [self.holding(release, opened) for _ in range(2)]
            self.assertTrue(opened.acquire(timeout=10) and opened.acquire(timeout=10))
            started = time.monotonic()
            refused = self.pool.submit(lambda: (query(), connections.close_all()))
            with self.assertRaises(DatabaseBusy):
                refused.result(timeout=10)
            waited = time.monotonic() - started
            release.set()
            [future.result(timeout=10) for future in held]
            self.pool.submit(lambda: (query(), connections.close_all())).result(timeout=10)  # free again
        self.assertGreaterEqual(waited, 0.5)

    def test_a_waiting_thread_gets_the_connection_another_gives_back(self):
        release, opened = threading.Event(), threading.Semaphore(0)
        with override_settings(DB_MAX_CONNECTIONS=SLOTS.taken + 1, DB_CONNECTION_WAIT_SECONDS=10):
            held = self.holding(release, opened)
            self.assertTrue(opened.acquire(timeout=10))
            waiting = self.pool.submit(lambda: (query(), connections.close_all()))
            time.sleep(0.2)
            self.assertFalse(waiting.done())  # no connection for it yet
            release.set()
            held.result(timeout=10)
            waiting.result(timeout=10)

    def test_a_thread_gives_its_connection_back_when_the_process_holds_more_than_it_keeps(self):
        with override_settings(DB_KEEP_CONNECTIONS=SLOTS.taken):
            db_connections.release_if_crowded()
            self.assertIsNotNone(connection.connection)  # as many as it keeps: kept
        with override_settings(DB_KEEP_CONNECTIONS=SLOTS.taken - 1):
            with transaction.atomic():
                query()
                db_connections.release_if_crowded()
                self.assertIsNotNone(connection.connection)  # never in a transaction
            taken = SLOTS.taken
            db_connections.release_if_crowded()
            self.assertIsNone(connection.connection)
            self.assertEqual(SLOTS.taken, taken - 1)
        query()  # opened again when needed

    def test_a_thread_that_ends_with_its_connection_open_gives_its_place_back(self):
        taken = SLOTS.taken
        thread = threading.Thread(target=query)  # ends without closing its connection
        thread.start()
        thread.join()
        del thread
        gc.collect()
        self.assertEqual(SLOTS.taken, taken)
