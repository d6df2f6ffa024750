"""gRPC vs JSON/HTTP between services: the same call to the same events service process.

The benchmark's events service runs devkit.commands.serve_grpc_json (devkit.json_http), so
besides its gRPC port it answers the same service functions as JSON over HTTP/1.1. Each
client thread makes one call after the other, as a service's thread does when it calls
another: gRPC through one shared channel (as servicekit.grpc_client keeps one per target),
JSON through a keep-alive http.client connection per thread, the body parsed with json.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import asdict, dataclass

import grpc

from devkit.json_http import NOOP_METHOD
from devkit.stats import Latency
from protos.events.v1 import events_pb2, events_pb2_grpc
from servicekit.grpc_client import credential_metadata


@dataclass
class TransportResult:
    call: str
    transport: str
    concurrency: int
    calls: int
    seconds: float
    latency: Latency
    errors: int

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "per_second": self.per_second}


def _grpc_calls(channel: grpc.Channel, event_id: int) -> dict:
    stub = events_pb2_grpc.EventServiceStub(channel)
    noop = channel.unary_unary(NOOP_METHOD)  # bytes in, bytes out: no message to (de)serialize
    # The services' own credential, as every MicroTix client sends it (servicekit.grpc_client).
    metadata = credential_metadata()
    return {
        "one event": lambda: stub.GetEvent(events_pb2.GetEventRequest(id=event_id), timeout=10, metadata=metadata),
        "page of 100 events": lambda: stub.ListEvents(
            events_pb2.ListEventsRequest(page_size=100), timeout=10, metadata=metadata
        ),
        "no-op (one hop)": lambda: noop(b"", timeout=10, metadata=metadata),
    }


def _http_paths(event_id: int) -> dict:
    return {
        "one event": f"/events/get?id={event_id}",
        "page of 100 events": "/events/list?page_size=100",
        "no-op (one hop)": "/noop",
    }


def compare(
    grpc_target: str, http_host: str, http_port: int, event_id: int, levels: list[int], seconds: float
) -> list[TransportResult]:
    """Every call over both transports at each concurrency level, `seconds` each."""
    results = []
    channel = grpc.insecure_channel(grpc_target)
    try:
        grpc_calls = _grpc_calls(channel, event_id)
        for call, path in _http_paths(event_id).items():
            for concurrency in levels:
                results.append(_run(call, "gRPC", concurrency, seconds, lambda c=grpc_calls[call]: c))
                results.append(
                    _run(call, "JSON/HTTP", concurrency, seconds, lambda p=path: _http_caller(http_host, http_port, p))
                )
    finally:
        channel.close()
    return results


def _http_caller(host: str, port: int, path: str):
    connection = http.client.HTTPConnection(host, port, timeout=10)

    def call():
        connection.request("GET", path)
        response = connection.getresponse()
        body = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body}")
        return body

    return call


def _run(call: str, transport: str, concurrency: int, seconds: float, make_caller, warmup: float = 0.3):
    """`concurrency` threads, each with its own caller from `make_caller()`, calling back to back."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready = threading.Barrier(concurrency + 1)
    measure_from = stop_at = 0.0

    def worker():
        caller = make_caller()
        mine, failed = [], 0
        ready.wait()
        while (began := time.monotonic()) < stop_at:
            try:
                caller()
            except Exception:
                failed += 1
                continue
            if began >= measure_from:
                mine.append(time.monotonic() - began)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    measure_from = time.monotonic() + warmup
    stop_at = measure_from + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    return TransportResult(call, transport, concurrency, len(latencies), seconds, Latency.of(latencies), errors[0])
