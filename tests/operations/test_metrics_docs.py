"""README's "Metrics" table lists every parley_* series a node exports, with its type."""

import re

import pytest

from tests.servers import PROJECT_ROOT

pytestmark = pytest.mark.django_db


def _exported(client) -> dict[str, str]:
    body = client.get("/metrics").content.decode()
    series = dict(re.findall(r"^# TYPE (parley_\w+) (\w+)$", body, re.M))
    # prometheus_client adds a `<counter>_created` gauge per counter; it is not a series of ours.
    return {name: kind for name, kind in series.items() if not name.endswith("_created")}


def test_readme_documents_every_exported_parley_series(client):
    readme = (PROJECT_ROOT / "README.md").read_text()
    metrics_section = readme.split("\n## Metrics", 1)[1].split("\n## ", 1)[0]
    documented = dict(re.findall(r"^\| `(parley_\w+)` \| (\w+) \|", metrics_section, re.M))

    exported = _exported(client)

    assert exported, "no parley_* series exported"
    undocumented = sorted(set(exported) - set(documented))
    assert not undocumented, f"add these to README's Metrics table: {undocumented}"
    wrong_type = {name: kind for name, kind in exported.items() if documented[name] != kind}
    assert not wrong_type, f"README names the wrong type for {wrong_type}"
