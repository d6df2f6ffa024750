"""Latency summaries and closed-loop load (N clients, each sending its next request when the
last one answered), shared by the benchmark's scenarios and the fault drills that load the stack."""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import aiohttp

# What a request can fail with short of an HTTP answer: connection refused or reset, timeout.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)
# Sent with every request (the gateway keeps a valid one and logs it on every line of the request's path).
REQUEST_ID_HEADER = "X-Request-ID"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile (0 < q <= 100) of already sorted values; nan when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Milliseconds."""

    count: int
    p50: float
    p95: float
    p99: float
    mean: float

    @classmethod
    def of(cls, seconds: list[float]) -> Latency:
        values = sorted(seconds)
        mean = sum(values) / len(values) * 1000 if values else math.nan
        return cls(len(values), *(percentile(values, q) * 1000 for q in (50, 95, 99)), mean)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class LoadResult:
    """What a closed loop at one concurrency measured."""

    label: str
    concurrency: int
    requests: int
    seconds: float
    latency: Latency
    statuses: dict[str, int] = field(default_factory=dict)
    client_cpu_ms_per_request: float = math.nan
    server_errors: list[dict] = field(default_factory=list)  # see server_error()

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not status.startswith("2"))

    def as_dict(self) -> dict:
        return {**asdict(self), "per_second": self.per_second, "errors": self.errors}


def status_name(status: int | None, body: bytes = b"", error: BaseException | None = None) -> str:
    """ "200", "409 sold_out" (the API's error code when there is one), or "error ClientOSError"."""
    if status is None:
        return f"error {type(error).__name__}"
    if status < 400:
        return str(status)
    try:
        code = json.loads(body).get("code", "")
    except (ValueError, AttributeError):
        code = ""
    return f"{status} {code}".strip()


async def request(
    session: aiohttp.ClientSession, method: str, path: str, **kwargs
) -> tuple[int | None, bytes, BaseException | None, str]:
    """(status, body, None, request id), or (None, b"", the transport error, request id): never raises
    for a failed request. Each request carries a fresh X-Request-ID, so a failure can be found in the logs."""
    request_id = uuid.uuid4().hex
    headers = {**kwargs.pop("headers", {}), REQUEST_ID_HEADER: request_id}
    try:
        async with session.request(method, path, headers=headers, **kwargs) as response:
            return response.status, await response.read(), None, request_id
    except TRANSPORT_ERRORS as exc:
        return None, b"", exc, request_id


def server_error(what: str, status: int | None, request_id: str) -> dict | None:
    """For a 5xx answer, what failed ("reserve 500"), its status and the X-Request-ID it was sent with; else None."""
    if status is None or status < 500:
        return None
    return {"what": what, "status": status, "request_id": request_id}


def client_session(base_url: str, connections: int, timeout: float = 30) -> aiohttp.ClientSession:
    """The load generator's HTTP client: keep-alive connections, at most `connections` at once."""
    return aiohttp.ClientSession(
        base_url=base_url,
        # Idle connections are dropped before gunicorn's keep-alive (2 s) would close them under a request.
        connector=aiohttp.TCPConnector(limit=connections, limit_per_host=connections, keepalive_timeout=1),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


async def closed_loop(
    session: aiohttp.ClientSession,
    label: str,
    path: Callable[[int], str] | str,
    concurrency: int,
    seconds: float,
    warmup: float = 0.3,
) -> LoadResult:
    """`concurrency` clients GET `path` back to back for `seconds` (after `warmup` seconds not
    counted). `path` may be a function of the request number."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    server_errors: list[dict] = []
    counter = iter(range(1 << 62))
    sent = 0
    started = time.monotonic()
    measure_from, stop_at = started + warmup, started + warmup + seconds

    async def one_client():
        nonlocal sent
        while (now := time.monotonic()) < stop_at:
            target = path(next(counter)) if callable(path) else path
            status, body, error, request_id = await request(session, "GET", target)
            done = time.monotonic()
            sent += 1
            if failed := server_error(f"{label} {status_name(status, body, error)}", status, request_id):
                server_errors.append(failed)
            if now >= measure_from:
                latencies.append(done - now)
                statuses[status_name(status, body, error)] += 1

    cpu_before = time.thread_time()  # the event loop's thread: the load generator's own cost
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    cpu = time.thread_time() - cpu_before
    elapsed = time.monotonic() - measure_from
    total = len(latencies)
    return LoadResult(
        label,
        concurrency,
        total,
        elapsed,
        Latency.of(latencies),
        dict(statuses),
        cpu / max(1, sent) * 1000,
        server_errors,
    )
