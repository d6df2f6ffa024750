"""`make bench ARGS=--quick` end to end, into a temporary directory: every scenario runs against
the real stack, nothing is oversold, every seat is sold, and the page and its charts are written.
No speed is asserted: the figures depend on the machine.

    python gateway_project/manage.py test tests.test_bench_smoke
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from servicekit.config import REPO_ROOT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SECTIONS = (
    "## 1. Flash sale",
    "### 1b. The same sale, 2 processes per gRPC service",
    "## 2. Physical floor",
    "## 3. Read path",
    "## 4. gRPC vs JSON/HTTP",
    "## 5. Notification fan-out",
    "## 6. Cost growth",
    "## 7. Waiting list",
    "## The load generator",
)


class QuickBenchTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        make = shutil.which("make")
        if make is None:
            raise AssertionError("make is needed to run `make bench`")
        cls.out = Path(tempfile.mkdtemp(prefix="bench-smoke-"))
        cls.addClassCleanup(shutil.rmtree, cls.out, ignore_errors=True)
        cls.bench = subprocess.run(
            [make, "--no-print-directory", "bench", f"ARGS=--quick --out {cls.out}"],
            cwd=REPO_ROOT,
            env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        results = cls.out / "benchmarks" / "results.json"
        cls.results = json.loads(results.read_text()) if results.exists() else None

    def setUp(self):
        self.assertEqual(self.bench.returncode, 0, self.bench.stderr[-4000:])
        self.assertIsNotNone(self.results)

    def test_no_sale_oversells_and_every_sale_sells_out(self):
        sales = [self.results["flash_sale"], self.results["flash_sale_processes"], *self.results["growth"]["sales"]]
        self.assertEqual(len(sales), 5)
        for sale in sales:
            self.assertEqual((sale["oversold"], sale["sold"], sale["tickets"]), (0, sale["capacity"], sale["capacity"]))

    def test_the_floor_sells_out_without_overselling(self):
        floor = self.results["floor"]
        self.assertEqual((floor["oversold"], floor["tickets"]), (0, floor["capacity"]))

    def test_every_cancellation_email_is_accepted(self):
        fan_out = self.results["fan_out"]
        self.assertEqual(fan_out["emails"], fan_out["buyers"])

    def test_freed_seats_go_to_the_waiting_list_strictly_in_order(self):
        waiting = self.results["waiting_list"]
        self.assertEqual((waiting["out_of_order"], waiting["errors"]), (0, {}))
        self.assertEqual(waiting["offers"], waiting["expected_offers"])
        self.assertGreater(waiting["offers"], 0)

    def test_read_path_and_transport_comparison_are_answered_without_errors(self):
        self.assertTrue(self.results["read_path"])
        self.assertEqual([row["errors"] for row in self.results["read_path"]], [0] * len(self.results["read_path"]))
        transports = {(row["call"], row["transport"]) for row in self.results["transport"] if row["calls"]}
        self.assertEqual(len(transports), 6)
        self.assertEqual(sum(row["errors"] for row in self.results["transport"]), 0)
        self.assertEqual([row["events"] for row in self.results["growth"]["listing"]], [1000, 1000, 10000, 10000])

    def test_the_page_has_every_scenario_and_its_charts_are_pngs(self):
        page = (self.out / "benchmarks.md").read_text()
        for section in SECTIONS:
            self.assertIn(section, page)
        charts = sorted((self.out / "benchmarks").glob("*.png"))
        self.assertEqual(len(charts), 4)
        for chart in charts:
            self.assertIn(f"(benchmarks/{chart.name})", page)
            self.assertEqual(chart.read_bytes()[:8], PNG_MAGIC, chart.name)
