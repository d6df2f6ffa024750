"""Notification fan-out: cancel an event with N buyers and time until N cancellation emails
have been accepted by a local SMTP server (aiosmtpd).

The buyers are seeded through the tickets project's models (`devkit.commands.bench_buyers`:
paid one-ticket orders of a free type, so no refunds go through the payments service). The measured part
is all real: DELETE /api/events/{id}/ -> events service -> CancelEventSales on the tickets
service -> outbox row -> relay -> RabbitMQ -> worker's fan-out tasks (pages of 500 buyers from
ListEventBuyers) -> a send task per 25 emails -> SMTP.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass

from devkit.flash_sale import create_sale
from devkit.http import JsonClient
from devkit.seed import seed_buyers
from devkit.smtp import SmtpServer

BUYER_PREFIX = "bench-buyer-"


class CountingSmtpServer(SmtpServer):
    """SmtpServer that only notes when each message arrived and to whom (no parsing: the
    load generator shares this process)."""

    def __init__(self, port: int | None = None):
        super().__init__(port)
        self.arrivals: list[tuple[float, tuple[str, ...]]] = []
        self._arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        with self._arrived:
            self.arrivals.append((time.monotonic(), tuple(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def count(self, prefix: str = "") -> int:
        with self._arrived:
            return sum(1 for _, rcpts in self.arrivals if any(r.startswith(prefix) for r in rcpts))

    def wait_quiet(self, quiet_seconds: float, timeout: float) -> int:
        """Wait until no message arrived for `quiet_seconds` (or `timeout`); the count then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._arrived:
                last = self.arrivals[-1][0] if self.arrivals else 0.0
            if time.monotonic() - last >= quiet_seconds:
                break
            time.sleep(0.2)
        return len(self.arrivals)


@dataclass
class FanOutResult:
    buyers: int
    emails: int
    seconds_to_first: float
    seconds_to_all: float
    cancel_ms: float

    @property
    def emails_per_second(self) -> float:
        return self.emails / self.seconds_to_all if self.seconds_to_all else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "emails_per_second": self.emails_per_second}


def run_fan_out(
    base_url: str,
    organizer_token: str,
    environ: dict[str, str],
    smtp: CountingSmtpServer,
    buyers: int,
    timeout: float = 600,
    on_progress=None,
) -> FanOutResult:
    """Seed `buyers` paid buyers of a new event, cancel it, wait for their emails."""
    sale = create_sale(base_url, organizer_token, capacity=buyers, price="0.00", name=f"Cancelled with {buyers}")
    seed_buyers(environ, sale.ticket_type_id, buyers)
    already = smtp.count(BUYER_PREFIX)
    started = time.monotonic()
    organizer = JsonClient(base_url, timeout=60)
    organizer.token = organizer_token
    response = organizer.delete(f"/api/events/{sale.event_id}/")
    cancel_ms = (time.monotonic() - started) * 1000
    if response.status != 204:
        raise RuntimeError(f"cancelling the event answered {response.status}: {response.body}")
    deadline = started + timeout
    while (received := smtp.count(BUYER_PREFIX) - already) < buyers and time.monotonic() < deadline:
        if on_progress:
            on_progress(received, buyers, time.monotonic() - started)
        time.sleep(0.2)
    arrivals = [at for at, rcpts in smtp.arrivals if any(r.startswith(BUYER_PREFIX) for r in rcpts)][already:]
    if on_progress:
        on_progress(len(arrivals), buyers, time.monotonic() - started)
    return FanOutResult(
        buyers=buyers,
        emails=len(arrivals),
        seconds_to_first=(arrivals[0] - started) if arrivals else float("nan"),
        seconds_to_all=(arrivals[-1] - started) if arrivals else float("nan"),
        cancel_ms=cancel_ms,
    )
