"""Setup data for the scenarios, made by each project's own management command (users by the
gateway, events by the events service): quick to make, and never part of what is measured."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

from servicekit import stack


@dataclass(frozen=True)
class BenchUser:
    id: int
    email: str
    full_name: str
    role: str
    access: str  # a JWT access token, as a login gives


def _manage(project: str, environ: dict[str, str], *args: str) -> str:
    command = [sys.executable, str(stack.REPO_ROOT / project / "manage.py"), *args]
    return subprocess.run(command, env=environ, check=True, capture_output=True, text=True).stdout


def create_users(environ: dict[str, str], count: int, role: str = "customer", prefix: str = "bench") -> list[BenchUser]:
    """`count` users of `role` with access tokens (gateway's `bench_users`); reused if they exist."""
    output = _manage(
        "gateway_project", environ, "bench_users", "--count", str(count), "--role", role, "--prefix", prefix
    )
    return [BenchUser(**json.loads(line)) for line in output.splitlines() if line.strip()]


def seed_events(environ: dict[str, str], count: int, organizer_id: int) -> int:
    """Add `count` published upcoming events (events service's `bench_events`); the table's size after."""
    output = _manage(
        "event_service", environ, "bench_events", "--count", str(count), "--organizer-id", str(organizer_id)
    )
    return int(output.strip().splitlines()[-1])


def seed_buyers(environ: dict[str, str], ticket_type_id: int, count: int) -> int:
    """`count` paid one-ticket buyers of a free type (tickets service's `bench_buyers`)."""
    output = _manage(
        "ticket_service", environ, "bench_buyers", "--ticket-type", str(ticket_type_id), "--count", str(count)
    )
    return int(output.strip().splitlines()[-1])
