"""Setup data for benchmarks and fault drills, made in bulk through each project's own models
(users by the gateway's, events by the events service's, buyers by the tickets service's):
devkit's commands run with the project's settings (`python -m devkit.run`), quick to make,
never part of what is measured, and never part of a project's own code."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

from servicekit.config import REPO_ROOT


@dataclass(frozen=True)
class BenchUser:
    id: int
    email: str
    full_name: str
    role: str
    access: str  # a JWT access token, as a login gives


def _run(project: str, environ: dict[str, str], command: str, *args: str) -> str:
    argv = [sys.executable, "-m", "devkit.run", project, f"devkit.commands.{command}", *args]
    return subprocess.run(argv, cwd=REPO_ROOT, env=environ, check=True, capture_output=True, text=True).stdout


def create_users(environ: dict[str, str], count: int, role: str = "customer", prefix: str = "bench") -> list[BenchUser]:
    """`count` users of `role` with access tokens (devkit.commands.bench_users); reused if they exist."""
    output = _run("gateway_project", environ, "bench_users", "--count", str(count), "--role", role, "--prefix", prefix)
    return [BenchUser(**json.loads(line)) for line in output.splitlines() if line.strip()]


def seed_events(environ: dict[str, str], count: int, organizer_id: int) -> int:
    """Add `count` published upcoming events (devkit.commands.bench_events); the table's size after."""
    output = _run("event_service", environ, "bench_events", "--count", str(count), "--organizer-id", str(organizer_id))
    return int(output.strip().splitlines()[-1])


def seed_buyers(environ: dict[str, str], ticket_type_id: int, count: int) -> int:
    """`count` paid one-ticket buyers of a free type (devkit.commands.bench_buyers)."""
    output = _run(
        "ticket_service", environ, "bench_buyers", "--ticket-type", str(ticket_type_id), "--count", str(count)
    )
    return int(output.strip().splitlines()[-1])
