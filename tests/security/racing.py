"""Requests sent at the same instant, for the race tests of the security group."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devkit.databases import only_on_mysql

# Races need a database that runs transactions side by side: on SQLite every write takes the
# file's lock up front, so the requests would be serialized and the test would prove nothing.
on_mysql = only_on_mysql("races need MySQL/MariaDB (DATABASE_URL)")


@dataclass
class Answer:
    status: int
    body: object  # the JSON answered, else the text (e.g. Django's HTML error page)


def post(base_url: str, path: str, data: dict) -> Answer:
    """POST `data` as JSON; an answer that is not JSON (a crash's HTML page) is kept as text."""
    request = urllib.request.Request(
        f"{base_url}{path}",
        data=json.dumps(data).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return Answer(status, json.loads(raw) if raw else None)
    except ValueError:
        return Answer(status, raw.decode("utf-8", errors="replace"))


def at_once(*calls: Callable[[], object]) -> list:
    """Run every call in a thread of its own, all released together by a barrier; their results
    in order (an exception of a call is raised here)."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], object]) -> object:
        barrier.wait(timeout=60)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(released, call) for call in calls]
        return [future.result(timeout=120) for future in futures]
