"""python -m bench [--quick] [--out DIR] [--baseline FILE]: run every scenario, write the page."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from bench import cpu, fan_out, floor, report, transport, waiting_list
from bench.profile import Profiler
from devkit import flash_sale, seed
from devkit.http import JsonClient
from devkit.processes import GRPC_PROCESSES, ProcessStack
from devkit.stats import client_session, closed_loop
from servicekit import stack
from servicekit.config import REPO_ROOT, env

PROCESSES = ["gateway", *GRPC_PROCESSES, "worker"]
BENCH_HTTP_PORT_OFFSET = 2000
# Scenario 1b: the sale again with each gRPC service in this many processes (scenario 1: one).
MORE_PROCESSES = 2
# The events service also serves its calls as JSON/HTTP on its gRPC port + BENCH_HTTP_PORT_OFFSET, and
# a no-op RPC (scenario 4): serve_grpc wrapped by devkit, run by the benchmark only.
BENCH_COMMANDS = {
    "events": "python -m devkit.run event_service devkit.commands.serve_grpc_json "
    f"--json-routes bench.json_routes.EVENTS --json-port-offset {BENCH_HTTP_PORT_OFFSET}",
}


@dataclass(frozen=True)
class Plan:
    """The sizes of one run."""

    mode: str
    capacity: int
    buyers: int  # scenario 1 (and the floor's threads)
    growth_buyers: tuple[int, ...]  # scenario 6: must include `buyers` (its sale is reused)
    floor_connections: int
    read_levels: tuple[int, ...]
    read_seconds: float
    transport_levels: tuple[int, ...]
    transport_seconds: float
    fan_out_buyers: int
    list_sizes: tuple[int, int]  # events in the table: before and after growth
    list_seconds: float
    waiting_entries: int  # scenario 7: entries on a sold-out type's list
    waiting_released: int  # and the seats released to them at once (a multiple of 4)
    extra: dict = field(default_factory=dict)


FULL = Plan(
    mode="full",
    capacity=2000,
    buyers=400,
    growth_buyers=(100, 400, 1600),
    floor_connections=16,
    read_levels=(1, 8, 32, 64),
    read_seconds=8,
    transport_levels=(1, 16),
    transport_seconds=5,
    fan_out_buyers=5000,
    list_sizes=(1000, 100_000),
    list_seconds=5,
    waiting_entries=1000,
    waiting_released=500,
)
QUICK = Plan(
    mode="quick",
    capacity=300,
    buyers=50,
    growth_buyers=(25, 50, 100),
    floor_connections=16,
    read_levels=(1, 8, 32),
    read_seconds=0.7,
    transport_levels=(1, 16),
    transport_seconds=0.5,
    fan_out_buyers=200,
    list_sizes=(1000, 10_000),
    list_seconds=1,
    waiting_entries=100,
    waiting_released=48,
)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def progress(label: str):
    """A callback (done, total, seconds) that redraws one line in place, at most 4 times a second,
    and ends the line when done reaches total."""
    state = {"drawn_at": 0.0, "ended": False}

    def draw(done: int, total: int, seconds: float) -> None:
        finished = done >= total
        now = time.monotonic()
        if state["ended"] or (not finished and now - state["drawn_at"] < 0.25):
            return
        state["drawn_at"], state["ended"] = now, finished
        end = "\n" if finished else ""
        print(f"\r  {label}: {done}/{total} ({seconds:.0f}s)", end=end, file=sys.stderr, flush=True)

    return draw


def bench_environ(smtp_port: int) -> dict[str, str]:
    return {
        # Throttles never decide the figures (ORDER_THROTTLE_RATE: the gateway's order throttle, when present).
        "ORDER_THROTTLE_RATE": "1000000/min",
        "LOGIN_THROTTLE_RATE": "1000000/min",
        "JWT_ACCESS_MINUTES": "180",  # tokens are made once, at setup
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
    }


def server_errors(results: dict) -> list[dict]:
    """Every 5xx the run was answered ({"what", "status", "request_id"}), from every scenario that counts them."""
    found = []
    for sale in [
        results.get("flash_sale"),
        results.get("flash_sale_processes"),
        *results.get("growth", {}).get("sales", []),
    ]:
        found += (sale or {}).get("server_errors", [])
    for row in results.get("read_path", []):
        found += row.get("server_errors", [])
    # Scenario 6 reuses scenario 1's sale: each answer once.
    return list({error["request_id"]: error for error in found}.values())


def unexplained(errors: list[dict]) -> list[dict]:
    """The 5xx that are not a clear "try again" (503 with its code and Retry-After): 500, 502, 504..."""
    return [error for error in errors if error["status"] != 503]


def keep_logs(stack: ProcessStack, offsets: dict[str, int], into: Path) -> Path:
    """Copy what each process of the stack logged during the run (from `offsets`) into `into`/."""
    into.mkdir(parents=True, exist_ok=True)
    for name, offset in offsets.items():
        source = stack.log_path(name)
        if source.exists():
            with source.open("rb") as log:
                log.seek(offset)
                (into / f"{name}.log").write_bytes(log.read())
    return into


class Run:
    def __init__(
        self, plan: Plan, profile_dir: Path | None = None, sale_only: bool = False, logs_dir: Path | None = None
    ):
        self.plan = plan
        self.sale_only = sale_only
        self.profile_dir = profile_dir
        # Where the stack's logs are copied when any request was answered 5xx (they name its request id).
        self.logs_dir = logs_dir or REPO_ROOT / "var" / "bench-logs"
        self.results: dict = {"plan": {k: v for k, v in plan.__dict__.items() if k != "extra"}}
        self.paid_orders = 0  # order confirmations the worker owes the SMTP server

    def execute(self) -> dict:
        plan = self.plan
        started = time.monotonic()
        self.smtp = fan_out.CountingSmtpServer().start()
        say(f"make bench ({plan.mode}): starting the stack ({', '.join(PROCESSES)})")
        self.stack = ProcessStack(
            PROCESSES,
            database_name=f"microtix_bench_{uuid.uuid4().hex[:8]}",
            environ=bench_environ(self.smtp.port),
            commands=BENCH_COMMANDS,
        )
        # The log files are appended to (one per process and port): this run's part starts here.
        log_offsets = {name: _size(self.stack.log_path(name)) for name in PROCESSES}
        try:
            self.stack.start(timeout=180)
            self.results["stack_start_seconds"] = time.monotonic() - started
            self._setup()
            self.flash_sale()
            self.flash_sale_in_processes(MORE_PROCESSES)
            if self.sale_only:
                return self.results
            self.physical_floor()
            self.read_path()
            self.grpc_vs_json()
            self.cost_growth()
            self.notification_fan_out()
            self.waiting_list()
        finally:
            say("stopping the stack")
            self.stack.stop()
            self.smtp.stop()
            self._report_server_errors(log_offsets)
        self.results["total_seconds"] = time.monotonic() - started
        return self.results

    def _report_server_errors(self, log_offsets: dict[str, int]) -> None:
        """Name every 5xx by its request id and keep the stack's logs, where those ids lead."""
        errors = server_errors(self.results)
        self.results["server_errors"] = errors
        if not errors:
            return
        kept = keep_logs(self.stack, log_offsets, self.logs_dir / time.strftime("%Y%m%d-%H%M%S"))
        self.results["logs"] = str(kept)
        say(f"{len(errors)} answer(s) 5xx; the stack's logs are kept in {kept}/ (grep the request id):")
        for error in errors[:20]:
            say(f"  {error['what']}: X-Request-ID {error['request_id']}")
        if len(errors) > 20:
            say(f"  ... and {len(errors) - 20} more in the results' server_errors")

    # --- setup ------------------------------------------------------------------------------------------

    def _setup(self) -> None:
        plan = self.plan
        say(f"setup: users and {plan.list_sizes[0]} events")
        self.organizer = seed.create_users(self.stack.env, 1, role="organizer")[0]
        self.buyers = seed.create_users(self.stack.env, max(plan.growth_buyers))
        seed.seed_events(self.stack.env, plan.list_sizes[0], self.organizer.id)
        self.base_url = self.stack.base_url

    def _sale(self, buyers: int, label: str, settle: bool = True) -> flash_sale.FlashSaleResult:
        sale = flash_sale.create_sale(self.base_url, self.organizer.access, self.plan.capacity)
        tokens = [user.access for user in self.buyers[:buyers]]
        cpu_before = cpu.snapshot(self.stack)
        # A generous timeout: at 1,600 buyers a request waits its turn for many seconds, and that wait is the figure.
        result = flash_sale.run_flash_sale(
            self.base_url, sale, tokens, request_timeout=120, on_progress=progress(label)
        )
        result.extra["cpu_seconds"] = cpu.used(cpu_before, cpu.snapshot(self.stack))
        self.paid_orders += result.purchases
        say(
            f"  {result.purchases} purchases, {result.tickets} tickets in {result.seconds:.1f}s: "
            f"{result.purchases_per_second:.1f} purchases/s, {result.tickets_per_second:.1f} tickets/s; "
            f"reserve p50/p95/p99 {result.reserve.p50:.0f}/{result.reserve.p95:.0f}/{result.reserve.p99:.0f} ms, "
            f"pay {result.pay.p50:.0f}/{result.pay.p95:.0f}/{result.pay.p99:.0f} ms; sold {result.sold}/"
            f"{result.capacity}, oversold {result.oversold}; errors {result.errors or 'none'}"
        )
        if settle:
            self._settle()
        return result

    def _settle(self) -> None:
        """Wait for the worker to send the confirmations it owes, so the next scenario runs on a quiet stack."""
        started = time.monotonic()
        backlog = self.paid_orders - self.smtp.count("bench-customer-")
        draw = progress("order confirmation emails sent")
        while (sent := self.smtp.count("bench-customer-")) < self.paid_orders and time.monotonic() - started < 600:
            if self.stack.processes["worker"].poll() is not None:
                raise RuntimeError(f"the worker stopped; its log:\n{self.stack.log_path('worker').read_text()[-3000:]}")
            draw(sent, self.paid_orders, time.monotonic() - started)
            time.sleep(0.5)
        seconds = time.monotonic() - started
        sent = self.smtp.count("bench-customer-")
        draw(sent, self.paid_orders, seconds)
        # The backlog a sale leaves: how fast the worker renders and sends confirmations (QR codes inline).
        self.results.setdefault("confirmation_backlog", []).append({"emails": backlog, "seconds": seconds})

    # --- scenarios --------------------------------------------------------------------------------------

    def flash_sale(self) -> None:
        plan = self.plan
        say(f"scenario 1, flash sale: {plan.buyers} buyers, capacity {plan.capacity}")
        with Profiler(self.stack, self.profile_dir) if self.profile_dir else contextlib.nullcontext():
            self.first_sale = self._sale(plan.buyers, "tickets sold", settle=not self.profile_dir)
        if self.profile_dir:
            say(f"  profiles of the sale in {self.profile_dir}/ (summary.md)")
            self._settle()
        self.results["flash_sale"] = self.first_sale.as_dict()

    def flash_sale_in_processes(self, processes: int) -> None:
        """Scenario 1 again, each gRPC service in `processes` processes (GRPC_PROCESSES): what serving
        one service from every core buys. The stack goes back to one process each afterwards, so
        the other scenarios compare with earlier runs."""
        plan = self.plan
        say(f"scenario 1b, the flash sale with {processes} processes per gRPC service")
        self._grpc_processes(processes)
        try:
            sale = self._sale(plan.buyers, f"tickets sold ({processes} processes)")
        finally:
            self._grpc_processes(1)
        self.results["flash_sale_processes"] = {"processes": processes, **sale.as_dict()}

    def _grpc_processes(self, processes: int) -> None:
        for name in GRPC_PROCESSES:
            self.stack.restart_process(name, environ={"GRPC_PROCESSES": str(processes)}, timeout=120)

    def physical_floor(self) -> None:
        plan = self.plan
        say(
            f"scenario 2, physical floor: {plan.buyers} threads, {plan.floor_connections} connections, "
            "straight to MySQL"
        )
        result = floor.run_floor(env("DATABASE_URL"), plan.capacity, plan.buyers, plan.floor_connections)
        ratio = self.first_sale.purchases_per_second / result.transactions_per_second
        say(f"  {result.transactions_per_second:.0f} tx/s; the flash sale reaches {ratio:.1%} of it")
        self.results["floor"] = {**result.as_dict(), "flash_sale_share": ratio}

    def read_path(self) -> None:
        plan = self.plan
        say(f"scenario 3, read path at concurrency {', '.join(map(str, plan.read_levels))}")
        event_id = self.first_sale_event_id()
        rows = []
        for label, path in (
            ("GET /api/events/{id}/", f"/api/events/{event_id}/"),
            ("GET /api/events/", "/api/events/"),
        ):
            for level in plan.read_levels:
                result = self._load(label, path, level, plan.read_seconds)
                say(
                    f"  {label} x{level}: {result.per_second:.0f} req/s, p50 {result.latency.p50:.1f} ms, "
                    f"p99 {result.latency.p99:.1f} ms"
                )
                rows.append(result.as_dict())
        self.results["read_path"] = rows

    def first_sale_event_id(self) -> int:
        return JsonClient(self.base_url).get("/api/events/?page_size=1").body["results"][0]["id"]

    def _load(self, label: str, path: str, concurrency: int, seconds: float):
        async def go():
            async with client_session(self.base_url, concurrency) as session:
                return await closed_loop(session, label, path, concurrency, seconds)

        return asyncio.run(go())

    def grpc_vs_json(self) -> None:
        plan = self.plan
        say(
            "scenario 4, gRPC vs JSON/HTTP on the events service, "
            f"concurrency {', '.join(map(str, plan.transport_levels))}"
        )
        target = self.stack.grpc_addrs["events"]
        host, port = target.rsplit(":", 1)
        results = transport.compare(
            target,
            host,
            int(port) + BENCH_HTTP_PORT_OFFSET,
            self.first_sale_event_id(),
            list(plan.transport_levels),
            plan.transport_seconds,
        )
        for result in results:
            say(
                f"  {result.call:<20} {result.transport:<9} x{result.concurrency:<3} {result.per_second:7.0f}/s "
                f"p50 {result.latency.p50:.2f} ms p99 {result.latency.p99:.2f} ms errors {result.errors}"
            )
        self.results["transport"] = [result.as_dict() for result in results]

    def cost_growth(self) -> None:
        plan = self.plan
        say(f"scenario 6, cost growth: flash sales at {', '.join(map(str, plan.growth_buyers))} buyers")
        sales = []
        for buyers in plan.growth_buyers:
            if buyers == plan.buyers:
                result = self.first_sale
                say(f"  {buyers} buyers: the flash sale of scenario 1")
            else:
                say(f"  {buyers} buyers, capacity {plan.capacity}")
                result = self._sale(buyers, "tickets sold")
            sales.append(result.as_dict())
        listing = []
        small, big = plan.list_sizes
        for size in (small, big):
            if size != small:
                say(f"  seeding {big - small} more events")
                seed.seed_events(self.stack.env, big - small, self.organizer.id)
            deep = self._deep_page_path(size)
            for label, path in (("first page", "/api/events/"), ("deep page", deep)):
                result = self._load(label, path, 1, plan.list_seconds)
                say(f"  {size} events, {label}: p50 {result.latency.p50:.1f} ms, p99 {result.latency.p99:.1f} ms")
                listing.append({"events": size, **result.as_dict()})
        self.results["growth"] = {"sales": sales, "listing": listing}

    def _deep_page_path(self, events: int) -> str:
        """The listing from where 90% of the bench events have started: an index range scan
        that starts deep (bench events start a minute apart, from the first one on)."""
        first = JsonClient(self.base_url).get("/api/events/?page_size=1").body["results"][0]["starts_at"]
        start = datetime.fromisoformat(first.replace("Z", "+00:00")) + timedelta(minutes=int(events * 0.9))
        return f"/api/events/?starts_after={start.isoformat().replace('+00:00', 'Z')}"

    def notification_fan_out(self) -> None:
        plan = self.plan
        say(f"scenario 5, notification fan-out: cancel an event with {plan.fan_out_buyers} buyers")
        self.smtp.wait_quiet(quiet_seconds=2, timeout=120)
        result = fan_out.run_fan_out(
            self.base_url,
            self.organizer.access,
            self.stack.env,
            self.smtp,
            plan.fan_out_buyers,
            on_progress=progress("cancellation emails accepted"),
        )
        say(
            f"  {result.emails}/{result.buyers} emails in {result.seconds_to_all:.1f}s: "
            f"{result.emails_per_second:.0f} emails/s (first after {result.seconds_to_first:.1f}s)"
        )
        self.results["fan_out"] = result.as_dict()

    def waiting_list(self) -> None:
        plan = self.plan
        say(
            f"scenario 7, waiting list: {plan.waiting_entries} entries waiting when {plan.waiting_released} seats "
            "are released at once"
        )
        holder = seed.create_users(self.stack.env, 1, prefix="bench-holder")[0]
        waiting = seed.create_users(self.stack.env, plan.waiting_entries, prefix="bench-waiting")
        result = waiting_list.run_waiting_list(
            self.base_url,
            self.organizer.access,
            holder.access,
            [user.access for user in waiting],
            plan.waiting_released,
        )
        say(
            f"  {result.offers} offers ({result.seats_offered} seats) in {result.release_seconds:.2f}s: "
            f"{result.offers_per_second:.0f} offers/s; out of order {result.out_of_order}; "
            f"errors {result.errors or 'none'}"
        )
        self.results["waiting_list"] = result.as_dict()


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def failures(results: dict) -> list[str]:
    """The invariants a run must keep: never oversold, every seat sold, every email sent, no 5xx
    but a clear 503 (retried by the buyers)."""
    problems = []
    for error in unexplained(results.get("server_errors", [])):
        problems.append(f"{error['what']} (X-Request-ID {error['request_id']})")
    sales = [results["flash_sale"], results.get("flash_sale_processes"), *results["growth"]["sales"]]
    for sale in filter(None, sales):
        if sale["oversold"]:
            problems.append(f"{sale['buyers']}-buyer sale oversold {sale['oversold']} seats")
        if sale["sold"] != sale["capacity"]:
            problems.append(f"{sale['buyers']}-buyer sale sold {sale['sold']} of {sale['capacity']}")
    if results["floor"]["oversold"]:
        problems.append(f"the floor oversold {results['floor']['oversold']} seats")
    if results["fan_out"]["emails"] != results["fan_out"]["buyers"]:
        problems.append(f"fan-out: {results['fan_out']['emails']} of {results['fan_out']['buyers']} emails")
    waiting = results.get("waiting_list")
    if waiting and (waiting["out_of_order"] or waiting["offers"] != waiting["expected_offers"] or waiting["errors"]):
        problems.append(
            f"waiting list: {waiting['offers']} offers of {waiting['expected_offers']} expected, "
            f"{waiting['out_of_order']} out of order, errors {waiting['errors'] or 'none'}"
        )
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Small sizes, under 2 minutes (CI smoke run).")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs", help="Where benchmarks.md goes (docs/).")
    parser.add_argument("--baseline", type=Path, help="A results.json of an earlier run, compared in the page.")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="py-spy profiles of the flash sale into DIR.")
    parser.add_argument("--sale-only", action="store_true", help="Only the flash sale, printed (no page written).")
    parser.add_argument("--from-results", type=Path, metavar="FILE", help="Write the page from a results.json: no run.")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    # Stopped by a signal (also when started in the background, where SIGINT is ignored): still stop the stack.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.from_results:
        results = json.loads(args.from_results.read_text())
    else:
        if not stack.is_mysql(env("DATABASE_URL")):
            parser.error(
                "make bench measures MySQL/MariaDB: set DATABASE_URL=mysql://... and CELERY_BROKER_URL=amqp://..."
            )
        results = Run(plan, args.profile, args.sale_only, args.out / report.ASSETS / "logs").execute()
        results["machine"] = report.machine()
    if args.sale_only:
        out = args.out / report.ASSETS / "sale-only.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1, default=str) + "\n")
        say(f"wrote {out}")
        return 1 if results["flash_sale"]["oversold"] or unexplained(results["server_errors"]) else 0
    problems = failures(results)
    results["problems"] = problems
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    page = report.write(args.out, results, baseline)
    say(f"wrote {page} and its charts in {time.strftime('%H:%M:%S')} ({results['total_seconds']:.0f}s in all)")
    for problem in problems:
        say(f"FAILED: {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
