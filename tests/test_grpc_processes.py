"""A gRPC service in several processes on one port (GRPC_PROCESSES, servicekit.prefork): each
serves calls, one that dies is replaced, SIGTERM stops them all, and the service's one metrics
port sums what every process counted."""

from __future__ import annotations

import os
import signal
import socket
import time
import urllib.request
from pathlib import Path

import grpc
from django.test import SimpleTestCase

from devkit.net import free_port
from devkit.processes import ProcessStack
from protos.events.v1 import events_pb2, events_pb2_grpc
from servicekit import prefork
from servicekit.grpc_client import credential_metadata, health_status
from servicekit.metrics import METRICS_DIR

PROCESSES = 2
METRICS_OFFSET = 1000


def children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


class PreforkedServiceTest(SimpleTestCase):
    def setUp(self):
        self.port = free_port()
        while self.port + METRICS_OFFSET > 65535 or not _free(self.port + METRICS_OFFSET):
            self.port = free_port()
        self.target = f"127.0.0.1:{self.port}"
        self.stack = ProcessStack(["events"])
        self.stack.grpc_addrs["events"] = self.target
        self.stack.env |= {
            "MICROTIX_EVENTS_ADDR": self.target,
            "GRPC_PROCESSES": str(PROCESSES),
            "MICROTIX_METRICS_PORT_OFFSET": str(METRICS_OFFSET),
        }
        self.stack.start()
        self.addCleanup(self.stack.stop)
        self.parent = self.stack.processes["events"].pid
        self.wait_for_children(PROCESSES)

    def wait_for_children(self, count: int, timeout: float = 30) -> set[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = children(self.parent)
            if len(pids) == count and health_status(self.target, timeout=2) == "SERVING":
                return pids
            time.sleep(0.2)
        log = self.stack.log_path("events").read_text()
        self.fail(f"not {count} serving processes: {children(self.parent)}; {log}")

    def call_on_new_connections(self, calls: int) -> None:
        """GetEvent of an unknown event, each call on a connection of its own (the kernel spreads
        connections, not calls, over the processes)."""
        for _ in range(calls):
            with grpc.insecure_channel(self.target) as channel:
                stub = events_pb2_grpc.EventServiceStub(channel)
                with self.assertRaises(grpc.RpcError) as raised:
                    stub.GetEvent(events_pb2.GetEventRequest(id=999_999), metadata=credential_metadata(), timeout=5)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)

    def counted(self) -> float:
        """GetEvent calls answered, by the service's metrics port."""
        url = f"http://127.0.0.1:{self.port + METRICS_OFFSET}/metrics"
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("microtix_grpc_server_handled_total{") and "GetEvent" in line
        )

    def test_every_process_serves_calls_on_the_one_port(self):
        self.call_on_new_connections(40)

        samples = Path(METRICS_DIR, f"grpc-{self.port + METRICS_OFFSET}")
        writers = {int(path.stem.rsplit("_", 1)[1]) for path in samples.glob("counter_*.db")}
        self.assertEqual(writers, children(self.parent))

    def test_the_metrics_port_sums_every_process(self):
        self.call_on_new_connections(30)

        self.assertEqual(self.counted(), 30)

    def test_a_process_that_dies_is_replaced(self):
        time.sleep(prefork.START_SECONDS + 0.5)  # past the start: a death now is not one at start
        victim, *_ = sorted(children(self.parent))

        os.kill(victim, signal.SIGKILL)

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (victim in children(self.parent) or len(children(self.parent)) < 2):
            time.sleep(0.2)
        self.assertNotIn(victim, children(self.parent))
        self.assertEqual(len(self.wait_for_children(PROCESSES)), PROCESSES)
        self.call_on_new_connections(10)

    def test_sigterm_stops_every_process_without_a_kill(self):
        pids = children(self.parent)

        code = self.stack.stop_process("events")

        self.assertEqual(code, 0)
        self.assertFalse([pid for pid in pids if Path(f"/proc/{pid}").exists()])


class PreforkStartTest(SimpleTestCase):
    def test_processes_that_cannot_start_stop_the_service_with_an_error(self):
        stack = ProcessStack(["events"])
        stack.env |= {"GRPC_PROCESSES": "2", "MICROTIX_METRICS_PORT_OFFSET": "0"}
        stack.start_process("events", {"MICROTIX_EVENTS_LISTEN_ADDR": "256.0.0.1:1"})  # no such address
        self.addCleanup(stack.stop_process, "events")

        code = stack.processes["events"].wait(timeout=60)

        self.assertNotEqual(code, 0)
        self.assertIn("died at start", stack.log_path("events").read_text())


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
