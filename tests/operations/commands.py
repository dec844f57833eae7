"""Run manage.py as a real subprocess with a chosen environment (exit codes, settings at import)."""

import os
import subprocess
import sys

from tests.servers import PROJECT_ROOT


def run_manage(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    """`python manage.py *args` with only PATH/HOME from this process plus `env`."""
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
