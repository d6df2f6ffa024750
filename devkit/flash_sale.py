"""A flash sale through the real HTTP API: many buyers at once on one ticket type.

    sale = create_sale(base_url, organizer_token, capacity=2000)
    result = run_flash_sale(base_url, sale, buyer_tokens[:400])
    assert result.oversold == 0 and result.sold == result.capacity

Each buyer reserves 1-4 seats (POST /api/orders/) and pays with a succeeding test card
(POST /api/orders/{id}/pay/), again and again until the type is sold out: a 409 `sold_out`
makes it ask for fewer seats, and at 1 seat it stops. Every request gets a definite answer
(a status, or the transport error's name) that is counted, never raised: a sale against a
service that restarts midway still ends with a result.

- 5xx, 429 and transport errors are retried after a short pause (each 5xx is kept in `server_errors`
  with the X-Request-ID it was sent with: every request carries one); paying again is safe (the
  order id is the payment's idempotency key). A pay that still fails after `pay_attempts` is
  followed by a cancel, which gives the seats back unless the order was paid after all
  (409 `order_not_cancellable`: then the order is read and counted if paid).
- 400/401/403/404 and other 409s end that buyer (its outcome says why).
- The sale ends when every buyer has stopped or `deadline_seconds` passed.

At the end the organizer's sales report gives the server's `sold` and `held`; `oversold` is
how far the larger of that and the tickets the buyers received goes past capacity. `orders`
says, for each order a buyer was answered 201 for, what the buyer last learnt of it ("paid",
"cancelled", "pay 402 payment_declined", ..., or "unknown": it gave up without learning).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from devkit.http import JsonClient
from devkit.stats import Latency, client_session, request, server_error, status_name

CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": datetime.now(UTC).year + 2, "cvc": "123"}
MAX_SEATS_PER_ORDER = 4
RETRY_PAUSE_SECONDS = (0.05, 0.5)  # first pause after a failed attempt, and the most it grows to
# Answers that retrying cannot change (a 409 other than sold_out: event cancelled or started, ...).
DEFINITE_REFUSALS = {400, 401, 403, 404, 409}


@dataclass(frozen=True)
class Sale:
    event_id: int
    ticket_type_id: int
    capacity: int
    organizer_token: str


@dataclass
class FlashSaleResult:
    capacity: int
    buyers: int
    seconds: float
    purchases: int  # paid orders the buyers were answered
    tickets: int  # distinct tickets in those answers
    sold: int  # the server's count at the end (-1: the sales report could not be read)
    held: int
    statuses: dict[str, int]  # "reserve 201", "reserve 409 sold_out", "pay 200", "pay error ReadTimeout", ...
    outcomes: dict[str, int]  # why each buyer stopped: "sold_out", "deadline", "refused 403", ...
    reserve: Latency  # of reservations answered 201
    pay: Latency  # of payments answered 200
    client_cpu_ms_per_request: float = 0.0
    requests: int = 0
    extra: dict = field(default_factory=dict)
    server_errors: list[dict] = field(default_factory=list)  # each 5xx: what and its X-Request-ID
    orders: dict[int, str] = field(default_factory=dict)  # order id -> what its buyer learnt (not in as_dict)

    @property
    def oversold(self) -> int:
        return max(0, max(self.sold, self.tickets) - self.capacity)

    @property
    def purchases_per_second(self) -> float:
        return self.purchases / self.seconds if self.seconds else 0.0

    @property
    def tickets_per_second(self) -> float:
        return self.tickets / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> dict[str, int]:
        """Answers that were neither a success nor a `sold_out`, by phase and status."""
        return {
            key: n
            for key, n in self.statuses.items()
            if key.split(" ", 1)[1] not in ("200", "201", "409 sold_out") and not key.startswith("sales ")
        }

    def as_dict(self) -> dict:
        figures = asdict(self)
        del figures["orders"]  # one row per order: for checks, not a figure
        return {
            **figures,
            "oversold": self.oversold,
            "purchases_per_second": self.purchases_per_second,
            "tickets_per_second": self.tickets_per_second,
            "errors": self.errors,
        }


def create_sale(base_url: str, organizer_token: str, capacity: int, price: str = "25.00", name: str = "") -> Sale:
    """A new event a month ahead with one ticket type of `capacity` seats, through the API (setup: a
    5xx is tried again a few times; an event left over by a failed attempt does no harm)."""
    client = JsonClient(base_url, timeout=30)
    client.token = organizer_token
    starts = datetime.now(UTC) + timedelta(days=30)
    event = _created(
        client,
        "/api/events/",
        {
            "name": name or f"Flash sale of {capacity}",
            "venue": "Bench Arena",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=3)).isoformat(),
        },
    )
    ticket_type = _created(
        client,
        f"/api/events/{event['id']}/ticket-types/",
        {"name": "Standing", "price": price, "capacity": capacity, "max_per_order": MAX_SEATS_PER_ORDER},
    )
    return Sale(event["id"], ticket_type["id"], capacity, organizer_token)


def _created(client: JsonClient, path: str, body: dict, attempts: int = 5) -> dict:
    for attempt in range(1, attempts + 1):
        response = client.post(path, body)
        if response.status == 201:
            return response.body
        if response.status < 500 or attempt == attempts:
            raise RuntimeError(f"POST {path} answered {response.status}: {response.body}")
        time.sleep(attempt)
    raise AssertionError("unreachable")


def run_flash_sale(
    base_url: str,
    sale: Sale,
    buyer_tokens: list[str],
    *,
    seed: int = 1,
    deadline_seconds: float = 600,
    request_timeout: float = 30,
    pay_attempts: int = 5,
    on_progress: Callable[[int, int, float], None] | None = None,
) -> FlashSaleResult:
    """Run the sale with one concurrent buyer per token; see the module's docstring. Blocks until
    the sale ends: run it in a thread to act on the stack meanwhile (e.g. restart a service)."""
    return asyncio.run(
        _FlashSale(
            base_url, sale, buyer_tokens, seed, deadline_seconds, request_timeout, pay_attempts, on_progress
        ).run()
    )


def _http_code(status: str) -> int | None:
    """200 from "200", 409 from "409 sold_out", None from "error ConnectError"."""
    return int(status.split()[0]) if status[0].isdigit() else None


class _FlashSale:
    def __init__(
        self, base_url, sale, tokens, seed, deadline_seconds, request_timeout, pay_attempts, on_progress
    ) -> None:
        self.base_url, self.sale, self.tokens = base_url, sale, tokens
        self.rng = random.Random(seed)
        self.deadline_seconds, self.request_timeout, self.pay_attempts = deadline_seconds, request_timeout, pay_attempts
        self.on_progress = on_progress
        self.statuses: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.latencies: dict[str, list[float]] = {"reserve": [], "pay": []}
        self.paid: dict[int, list[int]] = {}  # order id -> its ticket ids (a repeated answer counts once)
        self.orders: dict[int, str] = {}  # order id -> what its buyer last learnt of it
        self.server_errors: list[dict] = []
        self.requests = 0

    async def run(self) -> FlashSaleResult:
        async with client_session(self.base_url, len(self.tokens), self.request_timeout) as session:
            self.session = session
            started = time.monotonic()
            self.deadline = started + self.deadline_seconds
            cpu_before = time.thread_time()  # the event loop's thread: the load generator's own cost
            reporter = asyncio.create_task(self._report_progress(started)) if self.on_progress else None
            outcomes = await asyncio.gather(*(self._buyer(token) for token in self.tokens))
            seconds = time.monotonic() - started
            cpu = time.thread_time() - cpu_before
            if reporter:
                reporter.cancel()
            self.outcomes.update(outcomes)
            sold, held = await self._sales_report()
        tickets = sum(len(ids) for ids in self.paid.values())
        if self.on_progress:
            self.on_progress(tickets, self.sale.capacity, seconds)
        return FlashSaleResult(
            capacity=self.sale.capacity,
            buyers=len(self.tokens),
            seconds=seconds,
            purchases=len(self.paid),
            tickets=len({ticket for ids in self.paid.values() for ticket in ids}),
            sold=sold,
            held=held,
            statuses=dict(sorted(self.statuses.items())),
            outcomes=dict(sorted(self.outcomes.items())),
            reserve=Latency.of(self.latencies["reserve"]),
            pay=Latency.of(self.latencies["pay"]),
            client_cpu_ms_per_request=cpu / max(1, self.requests) * 1000,
            requests=self.requests,
            server_errors=self.server_errors,
            orders=self.orders,
        )

    async def _report_progress(self, started: float) -> None:
        while True:
            await asyncio.sleep(0.5)
            self.on_progress(
                sum(len(ids) for ids in self.paid.values()), self.sale.capacity, time.monotonic() - started
            )

    async def _request(self, phase: str, method: str, path: str, token: str, body: dict | None = None):
        """(status name, JSON body or None); the latency of a success is recorded under `phase`."""
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {token}"}
        code, raw, error, request_id = await request(self.session, method, path, json=body, headers=headers)
        elapsed = time.monotonic() - started
        self.requests += 1
        status = status_name(code, raw, error)
        self.statuses[f"{phase} {status}"] += 1
        if failed := server_error(f"{phase} {status}", code, request_id):
            self.server_errors.append(failed)
        if status in ("200", "201") and phase in self.latencies:
            self.latencies[phase].append(elapsed)
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return status, payload

    async def _buyer(self, token: str) -> str:
        quantity = self.rng.randint(1, MAX_SEATS_PER_ORDER)
        failures = 0
        while time.monotonic() < self.deadline:
            body = {"ticket_type_id": self.sale.ticket_type_id, "quantity": quantity}
            status, order = await self._request("reserve", "POST", "/api/orders/", token, body)
            if status == "201":
                failures = 0
                self.orders[order["id"]] = "unknown"
                await self._pay(token, order["id"])
                quantity = self.rng.randint(1, MAX_SEATS_PER_ORDER)
            elif status == "409 sold_out":
                if quantity == 1:
                    return "sold_out"
                quantity -= 1  # fewer seats may be left
            elif _http_code(status) in DEFINITE_REFUSALS:
                return f"refused {status}"
            else:  # 5xx, 429, a transport error: the service may come back
                failures += 1
                await self._pause(failures)
        return "deadline"

    async def _pay(self, token: str, order_id: int) -> None:
        path = f"/api/orders/{order_id}/pay/"
        for attempt in range(1, self.pay_attempts + 1):
            status, order = await self._request("pay", "POST", path, token, CARD)
            if status == "200":
                self._record_paid(order)
                return
            if _http_code(status) in DEFINITE_REFUSALS | {402}:
                self.orders[order_id] = f"pay {status}"
                return  # definitely not paid; the service released or will release the hold
            await self._pause(attempt)
        # Still unknown: give the seats back, unless it was paid after all.
        status, _ = await self._request("cancel", "POST", f"/api/orders/{order_id}/cancel/", token)
        if status == "200":
            self.orders[order_id] = "cancelled"
        elif status == "409 order_not_cancellable":
            status, order = await self._request("order", "GET", f"/api/orders/{order_id}/", token)
            if status == "200" and order.get("status") == "paid":
                self._record_paid(order)
            elif status == "200":
                self.orders[order_id] = order["status"]

    def _record_paid(self, order: dict) -> None:
        self.paid[order["id"]] = [ticket["id"] for ticket in order.get("tickets", [])]
        self.orders[order["id"]] = "paid"

    async def _pause(self, failures: int) -> None:
        first, most = RETRY_PAUSE_SECONDS
        await asyncio.sleep(min(most, first * 2 ** (failures - 1)) * self.rng.uniform(0.5, 1.5))

    async def _sales_report(self) -> tuple[int, int]:
        status, report = await self._request(
            "sales", "GET", f"/api/events/{self.sale.event_id}/sales/", self.sale.organizer_token
        )
        if status != "200":
            return -1, -1
        line = next(t for t in report["ticket_types"] if t["ticket_type_id"] == self.sale.ticket_type_id)
        return line["sold"], line["held"]
