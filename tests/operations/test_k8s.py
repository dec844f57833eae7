"""docker/k8s/: the Kubernetes manifests, checked without a cluster.

Every YAML document parses; the production overlay is rendered by the real kustomize
(`kubectl kustomize`, when kubectl is installed) or, without it, by a minimal render here
(base resources + overlay resources + namespace; each patch must name a base object); every
rendered object validates against the Kubernetes OpenAPI schemas (kubernetes-validate,
strict: unknown fields fail); and the manifests only use env names Parley reads and
management commands it has.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from django.core.management import get_commands, load_command_class

from tests.servers import PROJECT_ROOT

K8S = PROJECT_ROOT / "docker" / "k8s"
OVERLAY = K8S / "overlays" / "production"
KUBERNETES_VERSION = "1.30.0"  # the oldest version these manifests promise to fit
# Written on another branch at the same time (orphan-attachment purge); checked once present.
PENDING_COMMANDS = {"purge_attachments"}
ENTRYPOINT_ROLES = {"web", "worker", "ingest", "migrate"}
# Read by Django itself rather than config/settings.py.
NON_SETTINGS_ENV = {"DJANGO_SETTINGS_MODULE"}


def _load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _merge(base, patch):
    """Strategic merge, the part these manifests use: maps merge, lists of named items merge
    by name, any other value is replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        return {**base, **{key: _merge(base.get(key), value) for key, value in patch.items()}}
    if isinstance(base, list) and isinstance(patch, list) and all("name" in i for i in patch):
        merged = {item["name"]: item for item in base}
        for item in patch:
            merged[item["name"]] = _merge(merged.get(item["name"]), item)
        return list(merged.values())
    return patch


def _set_images(node, images: dict[str, str]) -> None:
    if isinstance(node, dict):
        name = str(node.get("image", "")).rsplit(":", 1)[0]  # kustomize matches without tag
        if name in images:
            node["image"] = images[name]
        for value in node.values():
            _set_images(value, images)
    elif isinstance(node, list):
        for value in node:
            _set_images(value, images)


def _minimal_render(directory: Path) -> list[dict]:
    """Without kubectl: resources, strategic-merge patches, images and the namespace."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    objects: list[dict] = []
    for resource in kustomization.get("resources", []):
        target = directory / resource
        objects += _minimal_render(target) if target.is_dir() else _load_all(target)
    for patch in kustomization.get("patches", []):
        for doc in _load_all(directory / patch["path"]):
            key = (doc["kind"], doc["metadata"]["name"])
            (index,) = [
                i for i, o in enumerate(objects) if (o["kind"], o["metadata"]["name"]) == key
            ]
            objects[index] = _merge(objects[index], doc)
    images = {
        image["name"]: f"{image.get('newName', image['name'])}:{image['newTag']}"
        for image in kustomization.get("images", [])
    }
    _set_images(objects, images)
    if namespace := kustomization.get("namespace"):
        for obj in objects:
            if obj["kind"] != "Namespace":
                obj["metadata"]["namespace"] = namespace
    return objects


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    if shutil.which("kubectl"):
        result = subprocess.run(
            ["kubectl", "kustomize", str(OVERLAY)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return _minimal_render(OVERLAY)


def _one(objects: list[dict], kind: str, name: str) -> dict:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def _pod_specs(objects: list[dict]) -> dict[str, dict]:
    specs = {}
    for obj in objects:
        if obj["kind"] in ("Deployment", "Job"):
            specs[obj["metadata"]["name"]] = obj["spec"]["template"]["spec"]
        elif obj["kind"] == "CronJob":
            specs[obj["metadata"]["name"]] = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return specs


def _parley_containers(objects: list[dict]) -> list[dict]:
    return [
        container
        for spec in _pod_specs(objects).values()
        for container in spec["containers"]
        if "parley" in container["image"]
    ]


def test_every_manifest_parses_and_names_its_object():
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        for doc in _load_all(path):
            assert doc.get("apiVersion") and doc.get("kind"), path
            assert doc["kind"] == "Kustomization" or doc["metadata"]["name"], path


def test_the_overlay_renders_every_part_the_deployment_needs(rendered):
    kinds = {(o["kind"], o["metadata"]["name"]) for o in rendered}
    for expected in [
        ("Deployment", "parley-web"),
        ("Deployment", "parley-worker"),
        ("Deployment", "parley-ingest"),
        ("Deployment", "parley-pgbouncer"),
        ("Service", "parley-web"),
        ("Ingress", "parley"),
        ("HorizontalPodAutoscaler", "parley-web"),
        ("PodDisruptionBudget", "parley-web"),
        ("ConfigMap", "parley-config"),
        ("Job", "parley-migrate"),
        ("CronJob", "parley-purge-events"),
        ("CronJob", "parley-deliveries-dispatch"),
        ("CronJob", "parley-purge-attachments"),
    ]:
        assert expected in kinds, expected
    assert all(
        o["metadata"].get("namespace") == "parley" for o in rendered if o["kind"] != "Namespace"
    )
    assert _one(rendered, "Deployment", "parley-web")["spec"]["replicas"] == 6
    assert {c["image"] for c in _parley_containers(rendered)} == {
        "registry.example.com/parley:0.1.0"
    }


def test_every_rendered_object_fits_the_kubernetes_schemas(rendered):
    for obj in rendered:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_catches_a_misspelt_field(rendered):
    broken = yaml.safe_load(yaml.safe_dump(_one(rendered, "Deployment", "parley-web")))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_nodes_probe_health_and_drain_within_the_grace_period(rendered):
    config = _one(rendered, "ConfigMap", "parley-config")["data"]
    spec = _one(rendered, "Deployment", "parley-web")["spec"]["template"]["spec"]
    (web,) = spec["containers"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert web["livenessProbe"]["httpGet"]["path"] == "/health"
    pre_stop = web["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    drain = float(config["SHUTDOWN_GRACE_SECONDS"])
    # preStop, then the drain, then a margin for in-flight requests, all before SIGKILL.
    assert spec["terminationGracePeriodSeconds"] >= float(pre_stop[1]) + drain + 5
    env = {item["name"]: item.get("value") for item in web["env"]}
    assert env["MIGRATE"] == "0"  # the Job migrates, once


def test_every_container_has_resources(rendered):
    for name, spec in _pod_specs(rendered).items():
        for container in spec["containers"]:
            assert container["resources"]["requests"]["cpu"], name
            assert container["resources"]["limits"]["memory"], name


def test_service_pdb_and_hpa_point_at_the_web_pods(rendered):
    labels = _one(rendered, "Deployment", "parley-web")["spec"]["template"]["metadata"]["labels"]
    service = _one(rendered, "Service", "parley-web")
    pdb = _one(rendered, "PodDisruptionBudget", "parley-web")
    hpa = _one(rendered, "HorizontalPodAutoscaler", "parley-web")
    assert service["spec"]["selector"].items() <= labels.items()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "parley-web"
    assert hpa["spec"]["minReplicas"] >= 2 and pdb["spec"]["maxUnavailable"] == 1
    ingress = _one(rendered, "Ingress", "parley")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "parley-web"
    assert ingress["spec"]["tls"][0]["secretName"]


def test_the_ingress_does_not_buffer_or_cut_event_streams(rendered):
    annotations = _one(rendered, "Ingress", "parley")["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-buffering"] == "off"
    heartbeat, longest_poll = 15, 30
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(annotations[f"nginx.ingress.kubernetes.io/{timeout}"]) > 4 * longest_poll
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > heartbeat
    assert annotations["nginx.ingress.kubernetes.io/enable-cors"] == "false"  # Parley's own


def _commands_in(args: list[str]) -> list[list[str]]:
    if args[:2] == ["python", "manage.py"]:
        return [args[2:]]
    if args[:1] == ["sh"]:
        return [c.split()[2:] for c in re.findall(r"python manage\.py [\w -]+", args[-1])]
    return []


def test_commands_and_roles_exist_in_the_project(rendered):
    commands = get_commands()
    entrypoint = (PROJECT_ROOT / "docker" / "entrypoint.sh").read_text()
    for role in ENTRYPOINT_ROLES:
        assert re.search(rf"^\s+{role}\)$", entrypoint, re.M), role
    used = set()
    for container in _parley_containers(rendered):
        args = container["args"]
        if len(args) == 1:
            assert args[0] in ENTRYPOINT_ROLES, args
            continue
        for name, *rest in _commands_in(args):
            used.add(name)
            if name in PENDING_COMMANDS and name not in commands:
                continue
            assert name in commands, f"no management command {name!r}"
            if rest and not rest[0].startswith("-"):  # a subcommand, e.g. `deliveries dispatch`
                parser = load_command_class(commands[name], name).create_parser("manage.py", name)
                parser.parse_args(rest)
    assert {"migrate_locked", "purge_events", "deliveries", "purge_attachments"} <= used


def test_every_env_name_is_one_parley_reads(rendered):
    settings_source = (PROJECT_ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', settings_source)) | NON_SETTINGS_ENV
    # The launchers read a few of their own: the entrypoint and config/serve.py.
    entrypoint = (PROJECT_ROOT / "docker" / "entrypoint.sh").read_text()
    read |= set(re.findall(r"\$\{([A-Z0-9_]+)", entrypoint))
    serve = (PROJECT_ROOT / "config" / "serve.py").read_text()
    read |= set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', serve))
    config = _one(rendered, "ConfigMap", "parley-config")["data"]
    unknown = set(config) - read
    for container in _parley_containers(rendered):
        unknown |= {item["name"] for item in container.get("env", [])} - read
    assert not unknown, f"not read by Parley: {sorted(unknown)}"
