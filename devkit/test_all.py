"""Run every project's Django test suite, then the system tests in tests/ and the benchmark's
own tests in bench/tests/, and print one closing line: ``tests: N passed, N failed, N skipped``.

    python -m devkit.test_all [-v 2]
"""

from __future__ import annotations

import re
import subprocess
import sys

from servicekit.config import REPO_ROOT

# (project whose manage.py runs the suite, test label)
SUITES = [
    ("gateway_project", "gateway_project"),
    ("event_service", "event_service"),
    ("ticket_service", "ticket_service"),
    ("payment_service", "payment_service"),
    ("notify_service", "notify_service"),
    ("gateway_project", "tests"),
    ("gateway_project", "bench"),
]


def _counts(output: str) -> tuple[int, int, int]:
    ran = re.findall(r"^Ran (\d+) tests? in", output, re.MULTILINE)
    total = int(ran[-1]) if ran else 0
    status = re.findall(r"^(OK|FAILED)(?: \((.*)\))?$", output, re.MULTILINE)
    details = dict((key, int(value)) for key, value in re.findall(r"(\w+)=(\d+)", status[-1][1] if status else ""))
    failed = details.get("failures", 0) + details.get("errors", 0) + details.get("unexpected_successes", 0)
    skipped = details.get("skipped", 0) + details.get("expected_failures", 0)
    return total - failed - skipped, failed, skipped


def main(extra_args: list[str]) -> int:
    passed = failed = skipped = 0
    broken = []
    for project, label in SUITES:
        print(f"\n=== {label} ({project}) ===", flush=True)
        command = [sys.executable, str(REPO_ROOT / project / "manage.py"), "test", label, "--noinput", *extra_args]
        with subprocess.Popen(command, cwd=REPO_ROOT, stderr=subprocess.PIPE, text=True) as run:
            output = []
            for line in run.stderr:  # the test runner reports on stderr: echo it as it comes
                sys.stderr.write(line)
                output.append(line)
        suite_passed, suite_failed, suite_skipped = _counts("".join(output))
        if run.returncode != 0:
            broken.append(label)
            suite_failed = suite_failed or 1  # the suite could not run at all
        passed, failed, skipped = passed + suite_passed, failed + suite_failed, skipped + suite_skipped
    print(f"\nsuites failing: {', '.join(broken)}" if broken else "\nevery suite passed")
    print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
