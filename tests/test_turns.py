"""servicekit.turns: at most RUNNING_CALLS threads of a process run their request or call at once;
a call made in a turn runs on it, and a thread waiting on the world outside gives its turn away,
outside a transaction.

    python gateway_project/manage.py test tests.test_turns
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
from django.db import transaction
from django.test import SimpleTestCase, TransactionTestCase

from servicekit import turns
from servicekit.grpc_client import channel_for, credential_metadata, health_status
from servicekit.grpc_server import start_server
from servicekit.turns import Turns

SERVICE = "microtix.test.Turns"
METHOD = f"/{SERVICE}/Hold"


def in_thread(function, *args):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args).result(timeout=10)


def another_thread_gets_a_turn(of: Turns) -> bool:
    """Whether another thread gets a turn at once (given back after)."""

    def try_one() -> bool:
        got = of.take(timeout=0)
        of.give_back()
        return got

    return in_thread(try_one)


class TurnsTest(SimpleTestCase):
    def test_no_more_threads_than_the_limit_hold_a_turn(self):
        limited = Turns(1)
        self.assertTrue(limited.take(timeout=0))

        self.assertFalse(in_thread(limited.take, 0.05))

    def test_a_turn_given_back_goes_to_the_next_thread(self):
        limited = Turns(1)
        limited.take()
        limited.give_back()

        self.assertTrue(another_thread_gets_a_turn(limited))

    def test_a_thread_gives_back_only_a_turn_it_holds(self):
        limited = Turns(1)
        limited.take()
        in_thread(limited.give_back)  # another thread's: nothing to give back

        self.assertFalse(another_thread_gets_a_turn(limited))

    def test_no_limit_lets_every_thread_run(self):
        unlimited = Turns(0)

        self.assertTrue(all(in_thread(unlimited.take, 0) for _ in range(50)))

    def test_a_thread_keeps_its_turn_while_it_calls_a_service_of_ours(self):
        limited = Turns(1)
        with limited.turn(), turns.calling():
            self.assertFalse(another_thread_gets_a_turn(limited))

    def test_a_thread_gives_its_turn_away_while_a_call_waits_outside(self):
        limited = Turns(1)
        with limited.turn(), turns.calling(waits_outside=True):
            self.assertTrue(another_thread_gets_a_turn(limited))

    def test_after_a_call_that_waited_outside_the_thread_holds_its_turn_again(self):
        limited = Turns(1)
        with limited.turn():
            with turns.calling(waits_outside=True):
                pass
            self.assertFalse(another_thread_gets_a_turn(limited))

    def test_a_call_made_in_a_services_turn_runs_on_it(self):
        with Turns(1).turn():
            self.assertTrue(turns.lends_turn())

    def test_a_call_made_on_a_callers_turn_runs_on_it_too(self):
        with turns.on_callers_turn():
            self.assertTrue(turns.lends_turn())

    def test_a_call_made_in_the_gateways_turn_takes_one_of_its_own(self):
        with Turns(1, lent=False).turn():
            self.assertFalse(turns.lends_turn())


class TurnsInATransactionTest(TransactionTestCase):
    def test_a_thread_in_a_transaction_keeps_its_turn_while_a_call_waits_outside(self):
        limited = Turns(1)
        with limited.turn(), transaction.atomic(), turns.calling(waits_outside=True):
            self.assertFalse(another_thread_gets_a_turn(limited))


class ServerTurnsTest(SimpleTestCase):
    """A gRPC server started with `running_calls`: calls beyond it wait for a turn, within their deadline."""

    databases = {"default"}  # the health service checks the database answers

    def setUp(self):
        self.serving, self.release = threading.Semaphore(0), threading.Event()

        def hold(request, context):
            self.serving.release()
            self.release.wait(10)
            return b"done"

        def handlers(server):
            handler = grpc.unary_unary_rpc_method_handler(hold)
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Hold": handler}),))

        service = start_server(handlers, "127.0.0.1:0", max_workers=4, max_concurrent_rpcs=4, running_calls=1)
        self.addCleanup(service.server.stop, None)
        self.target = f"127.0.0.1:{service.port}"
        channel = grpc.insecure_channel(self.target)
        self.addCleanup(channel.close)
        self.call = functools.partial(channel.unary_unary(METHOD), metadata=credential_metadata())
        self.pool = ThreadPoolExecutor(max_workers=2)
        self.addCleanup(self.pool.shutdown)
        self.addCleanup(self.release.set)  # first: the calls held end, then the pool

    def test_a_call_beyond_running_calls_waits_for_a_turn(self):
        first = self.pool.submit(self.call, b"", timeout=10)
        self.assertTrue(self.serving.acquire(timeout=5))
        second = self.pool.submit(self.call, b"", timeout=10)

        self.assertFalse(self.serving.acquire(timeout=0.3))  # not run while the first holds the turn
        self.release.set()
        self.assertEqual((first.result(), second.result()), (b"done", b"done"))

    def test_a_call_whose_deadline_passes_waiting_for_a_turn_is_answered_resource_exhausted(self):
        self.pool.submit(self.call, b"", timeout=10)
        self.assertTrue(self.serving.acquire(timeout=5))
        started = time.monotonic()

        with self.assertRaises(grpc.RpcError) as raised:
            self.call(b"", timeout=0.5)
        self.assertIn(raised.exception.code(), {grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.DEADLINE_EXCEEDED})
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertFalse(self.serving.acquire(timeout=0.2))  # and never run

    def test_health_checks_answer_while_every_turn_is_taken(self):
        self.pool.submit(self.call, b"", timeout=10)
        self.assertTrue(self.serving.acquire(timeout=5))

        self.assertEqual(health_status(self.target, timeout=2), "SERVING")


class CallBackTest(SimpleTestCase):
    """A service's call that calls another service which calls it back (CancelEvent ->
    CancelEventSales -> GetEvent) finds a turn, however few the service has."""

    databases = {"default"}

    def test_a_call_coming_back_to_a_service_whose_every_turn_waits_on_it_is_served(self):
        def handlers(server):
            def outer(request, context):
                with turns.calling():
                    return inner_call(b"", timeout=2)

            generic = {
                "Outer": grpc.unary_unary_rpc_method_handler(outer),
                "Inner": grpc.unary_unary_rpc_method_handler(lambda request, context: b"inner"),
            }
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, generic),))

        service = start_server(handlers, "127.0.0.1:0", max_workers=4, max_concurrent_rpcs=4, running_calls=1)
        self.addCleanup(service.server.stop, None)
        channel = channel_for(f"127.0.0.1:{service.port}")  # our clients' channel: it marks calls made in a turn
        inner_call = channel.unary_unary(f"/{SERVICE}/Inner")
        outer_call = channel.unary_unary(f"/{SERVICE}/Outer")

        self.assertEqual(outer_call(b"", timeout=5), b"inner")
