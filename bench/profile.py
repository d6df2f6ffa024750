"""Sampling profiles (py-spy, threads holding the GIL only) of the stack's processes while the
flash sale runs:
`python -m bench --profile DIR` writes DIR/<process>.txt (collapsed stacks, one line per
distinct stack with its sample count; flamegraph tools read it) and DIR/summary.md (the
functions where each process spends its time, by self and by total time).
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from devkit.processes import ProcessStack
from servicekit.config import REPO_ROOT

PROFILED = ("gateway", "tickets", "payments", "events", "worker")
RATE = 200  # samples per second per process


class Profiler:
    def __init__(self, stack: ProcessStack, out: Path, names: tuple[str, ...] = PROFILED):
        self.stack, self.out, self.names = stack, out, names
        self.recorders: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Profiler:
        py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.out.mkdir(parents=True, exist_ok=True)
        for name in self.names:
            self.recorders[name] = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(self.stack.processes[name].pid),  # the Procfile's shell: --subprocesses takes its children
                    "--subprocesses",
                    "--gil",  # only threads holding the GIL: where the CPU goes, not where threads wait
                    "--rate",
                    str(RATE),
                    "--format",
                    "raw",
                    "--output",
                    str(self.out / f"{name}.txt"),
                    "--nonblocking",  # never pause the process being measured
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        return self

    def __exit__(self, *exc) -> None:
        for recorder in self.recorders.values():
            with contextlib.suppress(ProcessLookupError):
                recorder.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        for name, recorder in self.recorders.items():
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()
            if recorder.returncode not in (0, -signal.SIGINT) and not (self.out / f"{name}.txt").exists():
                print(f"  py-spy on {name} failed: {recorder.stderr.read().decode()[-500:]}", file=sys.stderr)
        (self.out / "summary.md").write_text(summarize(self.out, self.names))


def summarize(out: Path, names: tuple[str, ...], top: int = 20) -> str:
    """Per process: the functions with the most samples on top of the stack (self) and anywhere
    in it (total), as shares of the process's samples that were running Python code."""
    lines = ["# Where the purchase path spends its time (py-spy, during the flash sale)", ""]
    for name in names:
        path = out / f"{name}.txt"
        if not path.exists():
            continue
        self_time, total_time, samples = Counter(), Counter(), 0
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames = [_short(frame) for frame in stack.split(";")]
            frames = [frame for frame in frames if frame]
            if not frames or _idle(frames):
                continue  # a thread waiting for work is not a cost
            n = int(count)
            samples += n
            self_time[frames[-1]] += n
            for frame in set(frames):
                total_time[frame] += n
        lines += [f"## {name} ({samples} busy samples)", "", "| self | total | function |", "|---|---|---|"]
        for frame, n in total_time.most_common(top):
            lines.append(f"| {self_time[frame] / samples:.1%} | {n / samples:.1%} | `{frame}` |")
        lines += ["", "Top by self time:", ""]
        lines += [f"- {n / samples:.1%} `{frame}`" for frame, n in self_time.most_common(top)]
        lines.append("")
    return "\n".join(lines)


def _short(frame: str) -> str:
    """ "function (path/to/module.py:123)" -> "function (module.py)"; process/thread headers dropped."""
    if frame.startswith(("process ", "thread ")):
        return ""
    function, _, where = frame.partition(" (")
    filename = where.rsplit(":", 1)[0].rstrip(")")
    parts = filename.split("/")
    if "site-packages" in parts:
        filename = "/".join(parts[parts.index("site-packages") + 1 :])
    elif filename.startswith(f"{REPO_ROOT}/"):
        filename = filename[len(f"{REPO_ROOT}/") :]
    else:
        filename = "/".join(parts[-2:])
    return f"{function} ({filename})"


def _idle(frames: list[str]) -> bool:
    """A thread blocked waiting for work (py-spy leaves out most idle threads; not all)."""
    return frames[-1].startswith(("wait (", "select (", "poll (", "accept (", "_wait_for_tstate_lock", "sleep ("))
