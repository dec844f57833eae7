"""Audit requirements/base.txt for known vulnerabilities with pip-audit (run by `make test`).

pip-audit asks PyPI's JSON API about each pinned dependency. Where that API cannot be
reached (an offline machine, or a package mirror that serves only the simple index), it
skips every dependency and still says "No known vulnerabilities found". This wrapper
tells the cases apart:

- a known vulnerability: print it and exit 1 (the build fails);
- nothing could be audited (service unreachable): print a clear WARNING and exit 0;
- otherwise: print how many dependencies were audited, and any skipped, and exit 0.

Usage: python scripts/dependency_audit.py [requirements file]  (docs/security.md)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The venv's pip-audit; PIP_AUDIT names another executable (the tests use a stand-in).
PIP_AUDIT = os.environ.get("PIP_AUDIT", str(Path(sys.executable).parent / "pip-audit"))


def warn(message: str) -> None:
    print(f"WARNING: dependency audit skipped: {message}", file=sys.stderr)
    print(
        "WARNING: run `pip-audit -r requirements/base.txt` where pypi.org's JSON API is "
        "reachable (docs/security.md, Dependency audit).",
        file=sys.stderr,
    )


def main(requirements: str = "requirements/base.txt") -> int:
    command = [
        PIP_AUDIT,
        "-r",
        requirements,
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
    ]
    try:
        result = subprocess.run(
            command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        warn(f"pip-audit did not run ({exc})")
        return 0
    try:
        report = json.loads(result.stdout)
        dependencies = report["dependencies"]
    except (json.JSONDecodeError, KeyError, TypeError):
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        warn(f"pip-audit exited {result.returncode}: {detail[0]}")
        return 0

    skipped = [dep for dep in dependencies if "skip_reason" in dep]
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} of {len(audited)} dependencies have known issues")
        return 1
    if not audited:
        warn(
            f"none of {len(dependencies)} dependencies could be audited; the vulnerability "
            f"service is unreachable from here (e.g. {skipped[0]['skip_reason']!r})"
            if skipped
            else "pip-audit found no dependencies to audit"
        )
        return 0
    print(f"pip-audit: no known vulnerabilities in {len(audited)} audited dependencies")
    for dep in skipped:
        print(f"pip-audit: skipped {dep['name']}: {dep['skip_reason']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
