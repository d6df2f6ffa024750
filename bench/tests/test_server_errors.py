"""`make bench` and its 5xx answers: each is named by the X-Request-ID it was sent with, the run
keeps its processes' logs (this run's part of each), and anything but a clear 503 fails the run.

    python gateway_project/manage.py test bench.tests.test_server_errors
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from aiohttp import web
from django.test import SimpleTestCase

from bench import report
from bench.__main__ import failures, keep_logs, server_errors, unexplained
from devkit.stats import REQUEST_ID_HEADER, client_session, request, server_error


class FakeStack:
    def __init__(self, directory: Path):
        self.directory = directory

    def log_path(self, name: str) -> Path:
        return self.directory / f"{name}-1234.log"


def results_with(errors: list[dict]) -> dict:
    sale = {"oversold": 0, "sold": 10, "capacity": 10, "buyers": 2, "server_errors": errors}
    return {
        "flash_sale": sale,
        "growth": {"sales": [sale]},  # scenario 6 reuses scenario 1's sale
        "read_path": [{"server_errors": []}],
        "floor": {"oversold": 0},
        "fan_out": {"emails": 1, "buyers": 1},
    }


class ServerErrorsTest(SimpleTestCase):
    def setUp(self):
        self.directory = Path(tempfile.mkdtemp(prefix="bench-errors-"))
        self.addCleanup(shutil.rmtree, self.directory, ignore_errors=True)

    def test_every_request_carries_a_fresh_request_id_and_a_5xx_is_kept_with_it(self):
        seen = []

        async def fail(http_request):
            seen.append(http_request.headers.get(REQUEST_ID_HEADER))
            return web.json_response({"detail": "boom", "code": "error"}, status=500)

        async def go():
            app = web.Application()  # a stand-in for the gateway: it answers 500
            app.router.add_post("/api/orders/", fail)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]
            try:
                async with client_session(f"http://127.0.0.1:{port}", 2) as session:
                    return [await request(session, "POST", "/api/orders/") for _ in range(2)]
            finally:
                await runner.cleanup()

        answers = asyncio.run(go())

        self.assertEqual([request_id for *_, request_id in answers], seen)
        self.assertEqual(len(set(seen)), 2)
        status, _, _, request_id = answers[0]
        failed = server_error("reserve 500", status, request_id)
        self.assertEqual(failed, {"what": "reserve 500", "status": 500, "request_id": seen[0]})
        self.assertIsNone(server_error("reserve 409 sold_out", 409, request_id))

    def test_a_run_with_a_500_fails_and_names_it_while_a_503_is_only_reported(self):
        errors = [
            {"what": "reserve 500", "status": 500, "request_id": "abc"},
            {"what": "pay 503 database_busy", "status": 503, "request_id": "def"},
        ]
        results = results_with(errors)
        results["server_errors"] = server_errors(results)

        self.assertEqual(results["server_errors"], errors)  # each answer once
        self.assertEqual(unexplained(results["server_errors"]), errors[:1])
        self.assertEqual(failures(results), ["reserve 500 (X-Request-ID abc)"])
        self.assertEqual(failures(results_with([])), [])

    def test_the_logs_kept_are_this_runs_part_of_each_process_log(self):
        stack = FakeStack(self.directory)
        stack.log_path("gateway").write_text("an earlier run\n")
        offsets = {"gateway": stack.log_path("gateway").stat().st_size, "tickets": 0}
        with stack.log_path("gateway").open("a") as log:
            log.write("ERROR [abc] Internal Server Error: /api/orders/\n")
        stack.log_path("tickets").write_text("INFO [abc] rpc ReserveSeats code=OK\n")

        kept = keep_logs(stack, offsets, self.directory / "kept")

        self.assertEqual((kept / "gateway.log").read_text(), "ERROR [abc] Internal Server Error: /api/orders/\n")
        self.assertEqual((kept / "tickets.log").read_text(), "INFO [abc] rpc ReserveSeats code=OK\n")

    def test_the_page_lists_the_5xx_by_request_id_and_where_the_logs_are(self):
        text = report._server_errors(
            {"server_errors": [{"what": "reserve 500", "status": 500, "request_id": "abc"}], "logs": "/x/logs/1"}
        )

        self.assertIn("`abc`", text)
        self.assertIn("reserve 500", text)
        self.assertIn("/x/logs/1", text)
