"""The gRPC server every service runs (servicekit.grpc_server), with a slow test RPC."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import grpc
from django.test import SimpleTestCase

from servicekit import grpc_server
from servicekit.grpc_client import _CHANNEL_OPTIONS, health_status
from servicekit.grpc_server import KEEPALIVE_TIME_MS, MIN_PING_INTERVAL_MS, start_server

SERVICE = "microtix.test.Slow"
METHOD = f"/{SERVICE}/Sleep"


def _slow_handlers(server) -> None:
    def sleep(request: bytes, context) -> bytes:
        time.sleep(float(request.decode()))
        return b"done"

    handler = grpc.unary_unary_rpc_method_handler(sleep)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Sleep": handler}),))


class GracefulShutdownTest(SimpleTestCase):
    databases = {"default"}  # the health service checks the database answers

    def setUp(self):
        self.service = start_server(_slow_handlers, "127.0.0.1:0", max_workers=4)
        self.target = f"127.0.0.1:{self.service.port}"
        self.channel = grpc.insecure_channel(self.target)
        self.addCleanup(self.channel.close)
        self.addCleanup(self.service.server.stop, None)
        self.sleep = self.channel.unary_unary(METHOD)

    def test_registered_services_are_reported_serving(self):
        self.assertEqual(health_status(self.target, timeout=5, service=SERVICE), "SERVING")

    def test_stop_lets_in_flight_calls_finish_within_the_grace_period(self):
        with ThreadPoolExecutor(max_workers=1) as pool:
            in_flight = pool.submit(self.sleep, b"1.0", timeout=10)
            time.sleep(0.3)  # the call is being served
            stopped = self.service.stop(grace=5)
            self.assertEqual(in_flight.result(), b"done")
        self.assertTrue(stopped.wait(5))

    def test_stop_refuses_new_calls(self):
        self.service.stop(grace=5).wait(5)
        with self.assertRaises(grpc.RpcError) as raised:
            self.sleep(b"0", timeout=2)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_calls_still_running_after_the_grace_period_are_cancelled(self):
        errors = []

        def call():
            try:
                self.sleep(b"5", timeout=10)
            except grpc.RpcError as error:
                errors.append(error.code())

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.3)
        self.service.stop(grace=0.5).wait(5)
        caller.join(10)
        self.assertEqual(errors, [grpc.StatusCode.UNAVAILABLE])


class IdleConnectionKeepaliveTest(SimpleTestCase):
    """Our clients ping idle connections; servers must not close them for it (too_many_pings)."""

    databases = {"default"}

    def test_a_client_pinging_an_idle_connection_as_often_as_allowed_keeps_it_open(self):
        # Both intervals scaled down from KEEPALIVE_TIME_MS and MIN_PING_INTERVAL_MS, in the same ratio.
        with mock.patch.object(grpc_server, "MIN_PING_INTERVAL_MS", 500):
            service = start_server(_slow_handlers, "127.0.0.1:0", max_workers=2)
        self.addCleanup(service.server.stop, None)
        options = [(k, 1000 if k == "grpc.keepalive_time_ms" else v) for k, v in _CHANNEL_OPTIONS]
        options.append(("grpc.http2.max_pings_without_data", 0))  # every ping, as a long-idle client sends them
        channel = grpc.insecure_channel(f"127.0.0.1:{service.port}", options=options)
        self.addCleanup(channel.close)
        states = []
        channel.subscribe(lambda state: states.append(state.name))
        self.assertEqual(channel.unary_unary(METHOD)(b"0", timeout=5), b"done")

        time.sleep(6)  # five pings of an idle connection: gRPC's default server closes it after three

        self.assertEqual(states[-1], "READY", states)
        self.assertEqual(states.count("READY"), 1, states)  # never closed and reconnected

    def test_servers_accept_pings_at_the_rate_our_clients_send_them(self):
        self.assertLessEqual(MIN_PING_INTERVAL_MS, KEEPALIVE_TIME_MS)
