"""py-spy around a benchmark window, and a summary of where the server's time went.

`PySpy(pids, prefix).start()` attaches two `py-spy record --format raw` to each daphne process:
- `gil`: only the thread holding the GIL is sampled, i.e. where the process's Python CPU goes
  (one process uses at most one core for Python code, so this is the capacity that matters);
- `active`: every thread py-spy does not consider idle, which also shows threads blocked in
  database or Redis calls (time a request waits, not CPU).
`.stop()` ends the recordings (SIGINT) and returns a summary per process and mode: samples per
thread, self time per package, the top frames by self time and functions by inclusive time.

    .venv/bin/python -m bench.profile bench/results/latency-...-12345.txt   # summarize again
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import RESULTS_DIR, print_table

PY_SPY = str(Path(sys.executable).with_name("py-spy"))
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
OUR_PACKAGES = ("realtime", "chat", "groups", "accounts", "notifications", "config")


# --nonblocking: sampling must not pause a process of hundreds of threads (it skews the run).
MODES = {"gil": ["--gil", "--nonblocking"], "active": ["--nonblocking"]}


class PySpy:
    def __init__(
        self,
        pids: list[int],
        prefix: str,
        *,
        rate: int = 100,
        modes: tuple[str, ...] = ("gil", "active"),
    ) -> None:
        self.pids = pids
        self.prefix = prefix
        self.rate = rate
        self.modes = modes
        self.processes: dict[str, subprocess.Popen] = {}
        self.outputs: dict[str, Path] = {}

    @staticmethod
    def available() -> bool:
        return Path(PY_SPY).exists() or shutil.which("py-spy") is not None

    def start(self) -> PySpy:
        binary = PY_SPY if Path(PY_SPY).exists() else "py-spy"
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        for pid in self.pids:
            for mode in self.modes:
                key = f"{pid}-{mode}"
                out = RESULTS_DIR / f"{self.prefix}-pyspy-{key}.txt"
                self.outputs[key] = out
                self.processes[key] = subprocess.Popen(
                    [binary, "record", "-p", str(pid), "-r", str(self.rate), "--threads", "-F"]
                    + MODES[mode]
                    + ["--format", "raw", "-o", str(out)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
        time.sleep(0.5)  # let it attach before the window opens
        return self

    def stop(self, *, top: int = 20) -> dict[str, Any]:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        summaries: dict[str, Any] = {}
        for key, process in self.processes.items():
            try:
                _, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            out = self.outputs[key]
            if not out.exists() or out.stat().st_size == 0:
                summaries[key] = {"error": (err or b"").decode(errors="replace")[-500:]}
                continue
            summaries[key] = summarize_file(out, top=top)
            summaries[key]["raw"] = str(out)
        return summaries


def parse_frame(frame: str) -> tuple[str, str]:
    """(function, file) of a py-spy frame such as `get (django/db/models/query.py:619)`."""
    match = FRAME.match(frame)
    if not match:
        return frame, ""
    return match["func"], match["file"]


def package_of(file: str) -> str:
    if not file:
        return "?"
    first = file.split("/", 1)[0]
    if first.endswith(".py"):
        return first[:-3]
    return first


def summarize_file(path: Path, *, top: int = 20) -> dict[str, Any]:
    total = 0
    threads: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        if frames and frames[0].startswith("thread ("):
            threads[frames[0]] += count
            frames = frames[1:]
        if not frames:
            continue
        func, file = parse_frame(frames[-1])
        self_time[f"{func} ({file})"] += count
        packages[package_of(file)] += count
        seen: set[str] = set()
        for frame in frames:
            func, file = parse_frame(frame)
            name = f"{func} ({file})"
            if name in seen:
                continue
            seen.add(name)
            inclusive[name] += count
            if package_of(file) in OUR_PACKAGES:
                ours[name] += count

    def share(counter: Counter[str], n: int) -> list[tuple[str, float]]:
        return [(name, round(100 * c / max(1, total), 1)) for name, c in counter.most_common(n)]

    return {
        "samples": total,
        "threads_pct": share(threads, 10),
        "self_pct": share(self_time, top),
        "inclusive_pct": share(inclusive, top * 2),
        "packages_self_pct": share(packages, 15),
        "parley_inclusive_pct": share(ours, top),
    }


def print_summary(title: str, summary: dict[str, Any], *, top: int = 15) -> None:
    if "error" in summary:
        print(f"\n== {title}: py-spy failed: {summary['error']}")
        return
    print(f"\n== {title}: {summary['samples']:,} samples at 100 Hz")
    print_table("samples per thread", ("thread", "%"), summary["threads_pct"])
    print_table("self time per package", ("package", "%"), summary["packages_self_pct"])
    print_table("top frames by self time", ("frame", "%"), summary["self_pct"][:top])
    print_table(
        "top functions by inclusive time", ("function", "%"), summary["inclusive_pct"][: top * 2]
    )
    print_table(
        "Parley code by inclusive time", ("function", "%"), summary["parley_inclusive_pct"][:top]
    )


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Summarize py-spy raw recordings again.")
    parser.add_argument("files", nargs="+", type=Path, help="bench/results/*-pyspy-*.txt")
    parser.add_argument("--top", type=int, default=15)
    for path in parser.parse_args().files:
        print_summary(str(path), summarize_file(path), top=parser.parse_args().top)


if __name__ == "__main__":
    main()
