"""bench.capacity: replicas per process for a target on-sale rate, from a benchmark's figures and
the Kubernetes base's CPU limits and autoscaler maxima (docs/scaling.md's calculation)."""

import math

from django.test import SimpleTestCase

from bench import capacity

# A flash sale that completed 100 purchases, with the CPU seconds each process spent on them.
RESULTS = {
    "flash_sale": {
        "purchases": 100,
        "extra": {"cpu_seconds": {"gateway": 1.5, "tickets": 2.0, "database": 1.0, "load generator": 9.0}},
    },
    "floor": {"transactions_per_second": 500.0},
}


class CapacityPlanTest(SimpleTestCase):
    def setUp(self):
        self.manifests = capacity.deployments()
        self.plan = capacity.plan(RESULTS, purchases_per_minute=6000, utilization=0.5)
        self.needs = {need.process: need for need in self.plan.needs}

    def test_cores_are_the_target_rate_times_cpu_per_purchase(self):
        # 6000/min = 100/s; the tickets service spent 20 ms per purchase.
        self.assertAlmostEqual(self.needs["tickets"].cpu_ms_per_purchase, 20.0)
        self.assertAlmostEqual(self.needs["tickets"].cores, 2.0)

    def test_replicas_run_each_pod_at_the_planned_share_of_its_cpu_limit(self):
        limit = self.manifests["tickets"]["cpu_limit"]
        self.assertEqual(self.needs["tickets"].replicas, math.ceil(2.0 / (limit * 0.5)))
        self.assertEqual(self.needs["tickets"].max_replicas, self.manifests["tickets"]["max_replicas"])

    def test_the_database_is_planned_as_external_without_replicas(self):
        database = self.needs[capacity.EXTERNAL["database"]]
        self.assertIsNone(database.replicas)
        self.assertAlmostEqual(database.cores, 1.0)

    def test_the_load_generator_is_not_part_of_the_plan(self):
        self.assertNotIn("load generator", self.needs)

    def test_the_hot_row_share_is_the_target_rate_over_the_measured_floor(self):
        self.assertAlmostEqual(self.plan.hot_row_share, 0.2)

    def test_every_deployment_has_a_cpu_limit(self):
        for name, manifest in self.manifests.items():
            with self.subTest(deployment=name):
                self.assertGreater(manifest["cpu_limit"], 0)

    def test_the_table_names_every_planned_process(self):
        table = capacity.markdown(self.plan, 0.5)
        for process in self.needs:
            self.assertIn(f"| {process} |", table)
