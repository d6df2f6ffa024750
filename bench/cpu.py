"""CPU time used by each process of the stack (and the database and broker servers) over a
scenario, from /proc: where a purchase's CPU goes on a machine with few cores."""

from __future__ import annotations

import os
from pathlib import Path

from devkit.processes import ProcessStack

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
# Servers outside the stack, by their process name (shared with anything else on the machine).
SERVERS = {"database": ("mariadbd", "mysqld"), "broker": ("beam.smp",)}


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a live process."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def _processes() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds, name) of every process we can read."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                try:
                    name = (entry / "comm").read_text().strip()
                except OSError:
                    continue
                found[int(entry.name)] = (*stat, name)
    return found


def snapshot(stack: ProcessStack) -> dict[str, float]:
    """CPU seconds so far of each stack process with its descendants, of the database and broker
    servers, and of this process (the load generator)."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in processes.items():
        children.setdefault(parent, []).append(pid)

    def tree(pid: int) -> float:
        total, todo = 0.0, [pid]
        while todo:
            current = todo.pop()
            if current in processes:
                total += processes[current][1]
            todo += children.get(current, [])
        return total

    cpu = {name: tree(process.pid) for name, process in stack.processes.items()}
    for server, names in SERVERS.items():
        cpu[server] = sum(seconds for _, seconds, name in processes.values() if name in names)
    cpu["load generator"] = processes[os.getpid()][1]  # itself only: the stack's processes are its children
    return cpu


def used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before.get(name, 0.0) for name in after}
