"""Readings from /proc and PostgreSQL: what the server processes, PostgreSQL, Redis, this
client and the whole machine spent over a benchmark window."""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """The machine the run shares between client and server."""
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kb = int(next(line for line in meminfo if line.startswith("MemTotal:")).split()[1])
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "ram_gb": round(total_kb / 1024 / 1024, 1),
        "load_avg_1m": os.getloadavg()[0],
        "kernel": os.uname().release,
    }


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_times(pid: int) -> tuple[float, float]:
    """(utime, stime) of a process in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    return sum(cpu_times(pid))


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total


def pids_named(name: str) -> list[int]:
    """Processes whose command name (/proc/<pid>/comm) starts with `name`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().startswith(name):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _total_cpu(pids: Iterable[int]) -> dict[int, float]:
    totals = {}
    for pid in pids:
        try:
            totals[pid] = cpu_seconds(pid)
        except (OSError, ValueError, IndexError):
            continue
    return totals


@dataclass
class CpuWindow:
    """CPU used by server processes, this client and the whole machine over a window."""

    pids: Sequence[int]
    client_pids: Sequence[int] = ()
    started: float = 0.0
    server: dict[int, float] = field(default_factory=dict)
    server_sys: float = 0.0
    client: float = 0.0
    busy: tuple[float, float] = (0.0, 0.0)
    infra: dict[str, dict[int, float]] = field(default_factory=dict)

    def start(self) -> CpuWindow:
        self.started = time.perf_counter()
        self.server = {pid: cpu_seconds(pid) for pid in self.pids}
        self.server_sys = sum(cpu_times(pid)[1] for pid in self.pids)
        # All of the machine's PostgreSQL and Redis, other people's work included.
        self.infra = {name: _total_cpu(pids_named(name)) for name in ("postgres", "redis-server")}
        self.client = self._client_seconds()
        self.busy = machine_busy()
        return self

    def _client_seconds(self) -> float:
        """This process and its client workers (bench.pool), if any."""
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime + sum(_total_cpu(self.client_pids).values())

    def stop(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.started
        client = self._client_seconds() - self.client
        busy, total = machine_busy()
        used = {pid: cpu_seconds(pid) - before for pid, before in self.server.items()}
        per_server = {str(pid): round(100 * seconds / wall, 1) for pid, seconds in used.items()}
        infra = {}
        for name, before in self.infra.items():
            after = _total_cpu(before)  # backends that exited in between are left out
            spent = sum(after[pid] - before[pid] for pid in after)
            infra[name] = round(100 * spent / wall, 1)
        return {
            "seconds": round(wall, 2),
            "server_cpu_pct": per_server,
            # CPU-seconds rather than shares: per operation, they suffer less from other load.
            "server_cpu_s": round(sum(used.values()), 3),
            # Kernel time: sockets, thread creation, and py-spy's pauses when profiling.
            "server_sys_s": round(sum(cpu_times(pid)[1] for pid in self.pids) - self.server_sys, 3),
            "postgres_redis_cpu_pct": infra,
            "client_cpu_pct": round(100 * client / wall, 1),
            "machine_busy_pct": round(
                100 * (busy - self.busy[0]) / max(1.0, total - self.busy[1]), 1
            ),
        }


def db_sessions(database_url: str | None) -> int | None:
    """PostgreSQL sessions ever opened on the benchmark database (pg_stat_database.sessions).

    Django under ASGI opens a connection per request thread; this shows how many a run opened.
    The connection made to ask counts as one and is subtracted.
    """
    if not database_url or not database_url.startswith("postgres"):
        return None
    import psycopg

    name = database_url.rsplit("/", 1)[-1].split("?", 1)[0]
    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", [name]
            ).fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) - 1 if row else None
