"""The gRPC server every service runs (servicekit.grpc_server), with a slow test RPC; its health
service as the Kubernetes probes ask it; and the client's channels over several addresses."""

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import grpc
from django.test import SimpleTestCase
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from devkit.net import free_port
from devkit.processes import ProcessStack
from servicekit import grpc_server
from servicekit.grpc_client import _CHANNEL_OPTIONS, credential_metadata, health_status
from servicekit.grpc_server import LIVENESS_SERVICE, start_server
from servicekit.wire import KEEPALIVE_TIME_MS, MIN_PING_INTERVAL_MS

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


class ServiceProcessTest(SimpleTestCase):
    """A service's real serve_grpc process, started from the Procfile with its own environment."""

    def start_events(self, environ: dict[str, str]) -> None:
        self.stack = ProcessStack(["events"])
        self.stack.start_process("events", {"MICROTIX_METRICS_PORT_OFFSET": "0", **environ})
        self.addCleanup(self.stack.stop_process, "events")

    def wait_for(self, target: str, service: str, status: str, timeout: float = 60) -> str:
        """The health answer of `service` at `target` once it is `status`, or the last one at the timeout."""
        deadline = time.monotonic() + timeout
        answer = ""
        while time.monotonic() < deadline and self.stack.processes["events"].poll() is None:
            answer = health_status(target, timeout=2, service=service)
            if answer == status:
                break
            time.sleep(0.2)
        return answer

    def test_a_service_listens_on_its_listen_address_and_is_dialled_at_its_dns_target(self):
        port = free_port()
        target = f"dns:///127.0.0.1:{port}"
        self.start_events({"MICROTIX_EVENTS_ADDR": target, "MICROTIX_EVENTS_LISTEN_ADDR": f"127.0.0.1:{port}"})

        # Liveness: the server answers (this stack's database was never created, so readiness would not).
        answer = self.wait_for(target, LIVENESS_SERVICE, "SERVING")
        self.assertEqual(answer, "SERVING", self.stack.log_path("events").read_text())

    def test_liveness_is_serving_while_the_database_is_down_and_readiness_is_not(self):
        target = f"127.0.0.1:{free_port()}"
        no_database = f"mysql://root@127.0.0.1:{free_port()}/microtix_nowhere"
        self.start_events({"MICROTIX_EVENTS_ADDR": target, "DATABASE_URL": no_database})

        liveness = self.wait_for(target, LIVENESS_SERVICE, "SERVING")
        self.assertEqual(liveness, "SERVING", self.stack.log_path("events").read_text())
        self.assertEqual(health_status(target, timeout=10), "NOT_SERVING")


class RoundRobinChannelTest(SimpleTestCase):
    """A target that names its resolver and resolves to several servers (dns:/// of the pods behind
    a headless Service) gets calls spread over all of them, not pinned to the first."""

    def serve_health(self, status) -> str:
        """A bare server whose health service answers `status`; its address."""
        server = grpc.server(ThreadPoolExecutor(max_workers=2))
        servicer = health.HealthServicer()
        servicer.set("", status)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        self.addCleanup(server.stop, None)
        return f"127.0.0.1:{port}"

    def test_calls_to_a_target_with_several_addresses_reach_each_of_them(self):
        serving = self.serve_health(health_pb2.HealthCheckResponse.SERVING)
        not_serving = self.serve_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        target = f"ipv4:{serving},{not_serving}"  # two addresses, as DNS answers for two pods

        answers = set()
        deadline = time.monotonic() + 20
        while len(answers) < 2 and time.monotonic() < deadline:
            answers.add(health_status(target, timeout=5))
            time.sleep(0.05)

        self.assertEqual(answers, {"SERVING", "NOT_SERVING"})


class ConcurrencyCapTest(SimpleTestCase):
    """A server at its cap of calls refuses one more at once, instead of queueing it past its deadline."""

    databases = {"default"}

    def test_a_call_beyond_max_concurrent_rpcs_is_refused_at_once_with_resource_exhausted(self):
        serving, release = threading.Semaphore(0), threading.Event()

        def hold(request, context):
            serving.release()
            release.wait(10)
            return b"done"

        def handlers(server):
            handler = grpc.unary_unary_rpc_method_handler(hold)
            server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Sleep": handler}),))

        service = start_server(handlers, "127.0.0.1:0", max_workers=2, max_concurrent_rpcs=2)
        self.addCleanup(service.server.stop, None)
        channel = grpc.insecure_channel(f"127.0.0.1:{service.port}")
        self.addCleanup(channel.close)
        call = functools.partial(channel.unary_unary(METHOD), metadata=credential_metadata())
        with ThreadPoolExecutor(max_workers=2) as pool:
            held = [pool.submit(call, b"", timeout=10) for _ in range(2)]
            self.assertTrue(serving.acquire(timeout=5) and serving.acquire(timeout=5))  # both being served
            started = time.monotonic()
            with self.assertRaises(grpc.RpcError) as raised:
                call(b"", timeout=10)
            refused_in = time.monotonic() - started
            release.set()
            self.assertEqual([answer.result() for answer in held], [b"done", b"done"])
        self.assertEqual(raised.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.assertLess(refused_in, 1.0)  # at once, not once a thread is free


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
        self.assertEqual(channel.unary_unary(METHOD)(b"0", timeout=5, metadata=credential_metadata()), b"done")

        time.sleep(6)  # five pings of an idle connection: gRPC's default server closes it after three

        self.assertEqual(states[-1], "READY", states)
        self.assertEqual(states.count("READY"), 1, states)  # never closed and reconnected

    def test_servers_accept_pings_at_the_rate_our_clients_send_them(self):
        self.assertLessEqual(MIN_PING_INTERVAL_MS, KEEPALIVE_TIME_MS)
