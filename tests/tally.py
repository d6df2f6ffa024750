"""The closing line of a test group (faults, security): what its tests tried and what they found.

Each test adds to its group's counters as it goes; when the test process exits, every group that
counted anything prints one line, e.g.

    faults summary: 7 scenarios run, 7 faults survived, 0 records lost

A test that finds a record lost adds to ``records_lost`` and fails on its own assertion; the line
is a report for people reading CI's output, not a second verdict.
"""

from __future__ import annotations

import atexit
import sys
import threading


class Tally:
    """Named counters of one test group, printed in a fixed order at process exit."""

    def __init__(self, group: str, *counters: str):
        self.group = group
        self.counts = dict.fromkeys(counters, 0)
        self._lock = threading.Lock()
        atexit.register(self.report)

    def add(self, counter: str, amount: int = 1) -> None:
        with self._lock:
            self.counts[counter] += amount

    def line(self) -> str:
        parts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in self.counts.items())
        return f"{self.group} summary: {parts}"

    def report(self) -> None:
        if any(self.counts.values()):
            print(self.line(), file=sys.stderr, flush=True)


FAULTS = Tally("faults", "scenarios_run", "faults_survived", "records_lost")
SECURITY = Tally("security", "scenarios_run", "bad_inputs_tried", "records_lost")
