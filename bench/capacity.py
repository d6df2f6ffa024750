"""How many replicas of each process an on-sale needs, from a benchmark run's measured figures.

    python -m bench.capacity docs/benchmarks/results.json --purchases-per-minute 10000

The flash sale (scenario 1) measures the CPU seconds each process spent for the purchases it
completed, sold-out refusals and confirmation emails included, so CPU per purchase is an honest
per-process cost of an on-sale. A replica is one pod at the CPU limit of its Deployment in
deploy/k8s/base, run at `--utilization` of it so a burst has headroom; the result is compared with
the autoscaler's maximum there. The hot inventory row cannot be scaled by replicas: its ceiling is
the physical floor (scenario 2), the rate at which MySQL commits purchase transactions on that one
row, and the calculation says how much of it the target rate uses.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from servicekit.config import REPO_ROOT

K8S_BASE = REPO_ROOT / "deploy" / "k8s" / "base"
# Processes the flash sale measures that are not Deployments of ours.
EXTERNAL = {"database": "MySQL (external)", "broker": "RabbitMQ (external)", "load generator": None}


@dataclass(frozen=True)
class Need:
    process: str
    cpu_ms_per_purchase: float
    cores: float  # at the target rate
    replicas: int | None  # None: not a Deployment of ours
    cpu_limit: float | None
    max_replicas: int | None  # the autoscaler's maximum, None: no autoscaler


@dataclass(frozen=True)
class Plan:
    purchases_per_second: float
    needs: list[Need]
    floor_per_second: float

    @property
    def hot_row_share(self) -> float:
        """The share of one ticket type's measured commit ceiling that the target rate uses."""
        return self.purchases_per_second / self.floor_per_second if self.floor_per_second else math.inf


def deployments(base: Path = K8S_BASE) -> dict[str, dict]:
    """Deployment name -> its CPU limit (cores) and autoscaler maximum, from the kustomize base."""
    found: dict[str, dict] = {}
    for path in sorted(base.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if not document:
                continue
            name = document.get("metadata", {}).get("name")
            if document.get("kind") == "Deployment":
                container = document["spec"]["template"]["spec"]["containers"][0]
                found.setdefault(name, {})["cpu_limit"] = _cores(container["resources"]["limits"]["cpu"])
            elif document.get("kind") == "HorizontalPodAutoscaler":
                found.setdefault(document["spec"]["scaleTargetRef"]["name"], {})["max_replicas"] = document["spec"][
                    "maxReplicas"
                ]
    return found


def _cores(quantity: str | int | float) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def plan(results: dict, purchases_per_minute: float, utilization: float = 0.7) -> Plan:
    """The cores and replicas per process for `purchases_per_minute`, from a results.json."""
    sale = results["flash_sale"]
    cpu_seconds: dict[str, float] = sale["extra"]["cpu_seconds"]
    rate = purchases_per_minute / 60
    manifests = deployments()
    needs = []
    for process, seconds in cpu_seconds.items():
        if process in EXTERNAL and EXTERNAL[process] is None:
            continue  # the load generator is the customers, not the system
        per_purchase = seconds / sale["purchases"]
        cores = rate * per_purchase
        manifest = manifests.get(process)
        replicas = None
        if manifest is not None:
            replicas = max(1, math.ceil(cores / (manifest["cpu_limit"] * utilization)))
        needs.append(
            Need(
                process=EXTERNAL.get(process, process),
                cpu_ms_per_purchase=per_purchase * 1000,
                cores=cores,
                replicas=replicas,
                cpu_limit=manifest["cpu_limit"] if manifest else None,
                max_replicas=manifest.get("max_replicas") if manifest else None,
            )
        )
    return Plan(rate, needs, results["floor"]["transactions_per_second"])


def markdown(result: Plan, utilization: float) -> str:
    """The plan as the table docs/scaling.md shows."""
    lines = [
        f"Target: {result.purchases_per_second * 60:,.0f} purchases/minute = {result.purchases_per_second:.0f}/s; "
        f"a replica runs at {utilization:.0%} of its CPU limit.",
        "",
        "| Process | CPU ms per purchase | Cores needed | Replicas | Autoscaler max (base) |",
        "|---|---:|---:|---:|---:|",
    ]
    for need in sorted(result.needs, key=lambda n: -n.cores):
        replicas = f"{need.replicas}" if need.replicas is not None else "n/a"
        ceiling = need.max_replicas if need.max_replicas is not None else "none (fixed)"
        if need.replicas is None:
            ceiling = "n/a"
        lines.append(f"| {need.process} | {need.cpu_ms_per_purchase:.1f} | {need.cores:.2f} | {replicas} | {ceiling} |")
    lines += [
        "",
        f"Hot inventory row: the target uses {result.hot_row_share:.0%} of the measured commit ceiling of one "
        f"ticket type ({result.floor_per_second:,.0f} purchase transactions/s, scenario 2).",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a results.json written by make bench")
    parser.add_argument("--purchases-per-minute", type=float, default=10_000)
    parser.add_argument("--utilization", type=float, default=0.7, help="share of a replica's CPU limit to plan for")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text())
    print(markdown(plan(results, args.purchases_per_minute, args.utilization), args.utilization))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
