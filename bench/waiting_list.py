"""The waiting list: a sold-out type with N entries waiting (1 or 2 seats each) when M seats are
released at once by concurrent cancellations (32 at a time); how fast they are offered, and that none was offered
out of order.

All through the gateway: the holder's orders of 4 seats each, the entries (joined concurrently:
their order is their id), then every order cancelled at once; each cancellation offers the seats it
frees to the list inside its request, so the offers are all made when the last cancellation
answers. Strict order: the entries offered must be exactly the first ones whose seats add up to at
most M.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from itertools import accumulate

from devkit.flash_sale import MAX_SEATS_PER_ORDER, create_sale
from devkit.http import JsonClient

ORDER_SEATS = MAX_SEATS_PER_ORDER  # seats of each held order
CONCURRENCY = 16  # joins and reads at once
CANCELLATIONS_AT_ONCE = 32


@dataclass
class WaitingListResult:
    entries: int
    released: int
    offers: int
    expected_offers: int
    out_of_order: int  # entries whose status is not the one strict order gives them
    seats_offered: int
    cancellations: int
    release_seconds: float
    join_seconds: float
    errors: dict

    @property
    def offers_per_second(self) -> float:
        return self.offers / self.release_seconds if self.release_seconds else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "offers_per_second": self.offers_per_second}


def _client(base_url: str, token: str) -> JsonClient:
    client = JsonClient(base_url, timeout=120)
    client.token = token
    return client


def run_waiting_list(
    base_url: str, organizer_token: str, holder_token: str, waiting_tokens: list[str], released: int
) -> WaitingListResult:
    """Hold `released` seats (the whole capacity), put one entry per token on the list, release the
    seats at once; the offers, their speed and their order."""
    assert released % ORDER_SEATS == 0, released
    sale = create_sale(base_url, organizer_token, released, name=f"Waiting list of {len(waiting_tokens)}")
    type_id, event_id = sale.ticket_type_id, sale.event_id
    url = f"/api/events/{event_id}/ticket-types/{type_id}/waiting-list/"
    holder = _client(base_url, holder_token)
    orders = []
    for _ in range(released // ORDER_SEATS):
        held = holder.post("/api/orders/", {"ticket_type_id": type_id, "quantity": ORDER_SEATS})
        assert held.status == 201, held.body
        orders.append(held.body["id"])
    errors: dict[str, int] = {}

    def note(what: str, status: int) -> None:
        errors[f"{what} {status}"] = errors.get(f"{what} {status}", 0) + 1

    def join(indexed: tuple[int, str]) -> tuple[int, int, str] | None:
        index, token = indexed
        quantity = 1 + index % 2
        answer = _client(base_url, token).post(url, {"quantity": quantity})
        if answer.status != 201:
            note("join", answer.status)
            return None
        return answer.body["id"], quantity, token

    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        joined = [entry for entry in pool.map(join, enumerate(waiting_tokens)) if entry]
    join_seconds = time.monotonic() - started

    def cancel(order_id: int) -> None:
        answer = holder.post(f"/api/orders/{order_id}/cancel/")
        if answer.status != 200:
            note("cancel", answer.status)

    started = time.monotonic()
    with ThreadPoolExecutor(min(len(orders), CANCELLATIONS_AT_ONCE)) as pool:
        list(pool.map(cancel, orders))
    release_seconds = time.monotonic() - started

    def status(entry: tuple[int, int, str]) -> str:
        answer = _client(base_url, entry[2]).get(url)
        return answer.body["status"] if answer.status == 200 else f"error {answer.status}"

    joined.sort()  # the list's order: by entry id
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(status, joined))
    quantities = [quantity for _, quantity, _ in joined]
    fitting = sum(1 for total in accumulate(quantities) if total <= released)
    expected = ["offered"] * fitting + ["waiting"] * (len(joined) - fitting)
    return WaitingListResult(
        entries=len(joined),
        released=released,
        offers=statuses.count("offered"),
        expected_offers=fitting,
        out_of_order=sum(1 for got, wanted in zip(statuses, expected, strict=True) if got != wanted),
        seats_offered=sum(q for q, s in zip(quantities, statuses, strict=True) if s == "offered"),
        cancellations=len(orders),
        release_seconds=release_seconds,
        join_seconds=join_seconds,
        errors=errors,
    )
