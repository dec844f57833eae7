"""The frame every bench tool runs in: arguments, the deployment, seeded users, results."""

from __future__ import annotations

import argparse
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import seed
from bench.common import print_table, raise_nofile, timestamp, write_result
from bench.deploy import Deployment, add_target_arguments, deployment_from_args
from bench.procstats import machine
from bench.profile import PySpy, print_summary

NOTE = (
    "client and server share this machine's CPUs; figures are preliminary and noisy when "
    "other work runs"
)


def parser(description: str, *, default_nodes: int = 1) -> argparse.ArgumentParser:
    result = argparse.ArgumentParser(description=description)
    add_target_arguments(result, default_nodes=default_nodes)
    result.add_argument(
        "--profile", action="store_true", help="record the daphne processes with py-spy"
    )
    return result


@contextmanager
def deployment_for(args: argparse.Namespace) -> Iterator[Deployment]:
    """The deployment (started here unless --url), with Django set up for seeding."""
    limit = raise_nofile()
    deployment = deployment_from_args(args)
    try:
        seed.setup_django(
            database_url=args.database_url, redis_url=args.redis_url, secret_key=args.secret_key
        )
        print(f"deployment: {deployment.url} daphne pids {deployment.pids} (nofile {limit})")
        yield deployment
    finally:
        deployment.stop()


@contextmanager
def profiling(
    enabled: bool, pids: list[int], prefix: str, *, show: bool = True
) -> Iterator[dict[str, Any]]:
    """py-spy on `pids` for the duration of the block; the summary lands in the yielded dict."""
    holder: dict[str, Any] = {}
    if not enabled or not pids:
        yield holder
        return
    if not PySpy.available():
        print("py-spy is not installed in .venv (pip install py-spy); not profiling")
        yield holder
        return
    spy = PySpy(pids, prefix).start()
    try:
        yield holder
    finally:
        holder.update(spy.stop())
        for key, summary in holder.items() if show else ():
            print_summary(f"py-spy {prefix} pid-mode {key}", summary)


def code_version() -> dict[str, Any]:
    """The commit measured, and which server paths differ from it in the working tree."""
    root = Path(__file__).resolve().parent.parent

    def git(*command: str) -> str:
        done = subprocess.run(
            ["git", *command], cwd=root, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "realtime", "chat", "groups", "config", "accounts")
    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted": changed.splitlines()}


def envelope(name: str, args: argparse.Namespace, deployment: Deployment) -> dict[str, Any]:
    return {
        "bench": name,
        "started": timestamp(),
        "code": code_version(),
        "machine": machine(),
        "note": NOTE,
        "arguments": {k: v for k, v in vars(args).items() if k != "secret_key"},
        "deployment": deployment.describe(),
    }


def finish(name: str, data: dict[str, Any]) -> None:
    info = data["machine"]
    print_table(
        "machine",
        ("cpus", "model", "RAM GB", "load 1m at start"),
        [(info["cpus"], info["cpu_model"], info["ram_gb"], info["load_avg_1m"])],
    )
    print(f"note: {NOTE}")
    write_result(name, data, stamp=data["started"])
