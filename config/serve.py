"""Run WEB_CONCURRENCY daphne processes on one host, each a node of its own.

One daphne process is one event loop on one core; a host with more cores runs one process
per core. Each process listens on its own port (PORT, PORT+1, …) and has its own NODE_ID
(`<NODE_ID>-<n>`), so the balancer spreads connections over all of them, Prometheus scrapes
each one, and a process that dies costs only its own streams (clients resume elsewhere).

    python -m config.serve                 # PORT=8000 WEB_CONCURRENCY=2 -> :8000 and :8001

SIGTERM and SIGINT go to every process (each drains its streams, realtime.shutdown); when any
process exits the others are stopped too and this exits with its code, so the container
(or systemd) restarts the host's processes together.
"""

import os
import signal
import socket
import subprocess
import sys
import time

DAPHNE_ARGS = [
    # An SSE stream is one response that lasts for hours: no --http-timeout.
    "--proxy-headers",
    "--proxy-headers-host",
    "X-Real-IP",
    # No daphne access log: its lines print raw query strings (?token=…), and parley.request
    # writes the access line. Verbosity 0 (with no --access-log) skips formatting them at all,
    # where `--access-log /dev/null` still formats every line (~3 % of a hot write's CPU).
    "-v",
    "0",
]


def process_count() -> int:
    raw = os.environ.get("WEB_CONCURRENCY", "")
    if raw.strip().isdigit() and int(raw) > 0:
        return int(raw)
    return os.cpu_count() or 1


def commands(*, port: int, processes: int, interface: str, backlog: int) -> list[list[str]]:
    return [
        [
            sys.executable,
            "-m",
            "config.daphne",
            "-e",
            f"tcp:port={port + index}:interface={interface}:backlog={backlog}",
            *DAPHNE_ARGS,
            "config.asgi:application",
        ]
        for index in range(processes)
    ]


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    processes = process_count()
    interface = os.environ.get("BIND_INTERFACE", "0.0.0.0")  # noqa: S104 - a container's port
    # A reconnect storm after another node dies queues its connects instead of failing them.
    backlog = int(os.environ.get("LISTEN_BACKLOG", "1024"))
    base_id = os.environ.get("NODE_ID") or socket.gethostname()
    children = []
    for index, command in enumerate(
        commands(port=port, processes=processes, interface=interface, backlog=backlog)
    ):
        env = {**os.environ, "NODE_ID": f"{base_id}-{index}" if processes > 1 else base_id}
        children.append(subprocess.Popen(command, env=env))
    print(f"serve: {processes} daphne process(es) on ports {port}..{port + processes - 1}")

    def forward(signum: int, _frame) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        for child in children:
            code = child.poll()
            if code is not None:
                forward(signal.SIGTERM, None)
                for other in children:
                    other.wait()
                return code
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
