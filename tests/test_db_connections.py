"""servicekit.db_connections: a process opens at most DB_MAX_CONNECTIONS MySQL connections, threads
give theirs back after each request, and a connection given back is kept open for the next thread.

    python gateway_project/manage.py test tests.test_db_connections
"""

from __future__ import annotations

import gc
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from django.core.signals import request_started
from django.db import DatabaseError, connection, connections, reset_queries, transaction
from django.test import SimpleTestCase, TransactionTestCase, override_settings
from django_grpc_framework.signals import grpc_request_started

from devkit.databases import only_on_mysql
from servicekit import db_connections
from servicekit.db_connections import SLOTS, DatabaseBusy


def query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def connection_id() -> int:
    """The server's id of this thread's connection (opened or reused for it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CONNECTION_ID()")
        return cursor.fetchone()[0]


@only_on_mysql("the cap is the MySQL backend's (servicekit.mysql)")
class ConnectionCapTest(TransactionTestCase):
    def setUp(self):
        query()  # this thread's own connection is open: the limits below count from it
        SLOTS.close_idle()  # and no idle one would answer a thread that must wait
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

    def in_thread(self, work):
        """`work()` in a pool thread that gives its connections back after, as a request does."""

        def run():
            try:
                return work()
            finally:
                db_connections.give_back_connections()

        return self.pool.submit(run).result(timeout=10)

    def test_a_connection_given_back_is_reused_by_the_next_thread_without_connecting(self):
        first = self.in_thread(connection_id)
        taken = SLOTS.taken

        self.assertEqual(self.in_thread(connection_id), first)
        self.assertEqual(SLOTS.taken, taken)  # an idle connection keeps its place

    def test_a_thread_in_a_transaction_keeps_its_connection(self):
        with transaction.atomic():
            query()
            db_connections.give_back_connections()
            self.assertIsNotNone(connection.connection)

    def test_beyond_DB_KEEP_CONNECTIONS_idle_a_connection_given_back_is_closed(self):
        taken = SLOTS.taken
        with override_settings(DB_KEEP_CONNECTIONS=0):
            db_connections.give_back_connections()

        self.assertIsNone(connection.connection)
        self.assertEqual((SLOTS.taken, SLOTS.idle), (taken - 1, 0))
        query()  # opened again when needed

    def test_a_connection_that_met_an_error_is_closed_not_reused(self):
        def failing() -> int:
            ident = connection_id()
            with self.assertRaises(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")
            return ident

        broken = self.in_thread(failing)

        self.assertEqual(SLOTS.idle, 0)
        self.assertNotEqual(self.in_thread(connection_id), broken)

    def test_an_idle_connection_the_server_closed_is_replaced_by_a_new_one(self):
        idle = self.in_thread(connection_id)
        with connection.cursor() as cursor:
            cursor.execute(f"KILL {idle}")
        replaced = self.in_thread(connection_id)

        self.assertNotEqual(replaced, idle)

    def test_a_fork_closes_the_idle_connections_first(self):
        self.in_thread(query)
        self.assertEqual(SLOTS.idle, 1)

        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)

        self.assertEqual(SLOTS.idle, 0)

    def test_a_thread_that_ends_with_its_connection_open_gives_its_place_back(self):
        taken = SLOTS.taken
        thread = threading.Thread(target=query)  # ends without closing its connection
        thread.start()
        thread.join()
        del thread
        gc.collect()
        self.assertEqual(SLOTS.taken, taken)


class QueryLogTest(SimpleTestCase):
    """Nothing clears the query logs as a request starts (servicekit.mysql): they only fill with DEBUG
    on, where Django's own clearing is kept."""

    def setUp(self):
        # A test's CaptureQueriesContext connects Django's clearing again as it ends.
        self.addCleanup(request_started.connect, reset_queries)
        self.addCleanup(grpc_request_started.connect, reset_queries)
        self.addCleanup(connection.queries_log.clear)

    def test_a_request_start_leaves_the_query_log_alone(self):
        db_connections.stop_clearing_query_logs()
        connection.queries_log.append({"sql": "SELECT 1", "time": "0.000"})

        request_started.send(sender=None)
        grpc_request_started.send(sender=None)

        self.assertEqual(len(connection.queries_log), 1)

    @override_settings(DEBUG=True)
    def test_with_debug_on_a_request_start_clears_it(self):
        db_connections.stop_clearing_query_logs()
        connection.queries_log.append({"sql": "SELECT 1", "time": "0.000"})

        request_started.send(sender=None)

        self.assertEqual(len(connection.queries_log), 0)
