"""Latency summaries and closed-loop load (N clients, each sending its next request when the
last one answered), shared by the scenarios."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import aiohttp

# What a request can fail with short of an HTTP answer: connection refused or reset, timeout.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)


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
) -> tuple[int | None, bytes, BaseException | None]:
    """(status, body, None), or (None, b"", the transport error): never raises for a failed request."""
    try:
        async with session.request(method, path, **kwargs) as response:
            return response.status, await response.read(), None
    except TRANSPORT_ERRORS as exc:
        return None, b"", exc


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
    counter = iter(range(1 << 62))
    sent = 0
    started = time.monotonic()
    measure_from, stop_at = started + warmup, started + warmup + seconds

    async def one_client():
        nonlocal sent
        while (now := time.monotonic()) < stop_at:
            target = path(next(counter)) if callable(path) else path
            status, body, error = await request(session, "GET", target)
            done = time.monotonic()
            sent += 1
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
    )
