"""The gRPC server every service runs (servicekit.grpc_server), with a slow test RPC."""

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
from django.test import SimpleTestCase

from servicekit.grpc_client import credential_metadata, health_status
from servicekit.grpc_server import start_server

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
        self.sleep = functools.partial(self.channel.unary_unary(METHOD), metadata=credential_metadata())

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
