"""docs/operations.md names every setting, notifier, job, alert kind, route and option we offer."""

from __future__ import annotations

import re

import pytest

from hub import PROJECT_ROOT
from hub.config import default_operations
from hub.ops.notify import NOTIFIERS
from hub.ops.scheduler import TASKS

DOC = (PROJECT_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
#: The dashboard's pages: the admins' and the province stewards' (both under /admin).
ADMIN = "\n".join((PROJECT_ROOT / "hub" / "web" / name).read_text(encoding="utf-8") for name in ("admin.py", "steward.py"))


def _settings_keys(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict) and k != "notifier":
            yield from _settings_keys(v, f"{prefix}{k}.")
        else:
            yield prefix + k


@pytest.mark.parametrize("key", sorted(_settings_keys(default_operations())))
def test_every_setting_is_documented(key):
    assert f"| `{key}` |" in DOC


@pytest.mark.parametrize("name", sorted(NOTIFIERS))
def test_every_notifier_is_documented(name):
    assert f"| `{name}` |" in DOC


@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_scheduler_job_is_documented(task):
    assert f"`{task}" in DOC


@pytest.mark.parametrize("kind", ["failed_runs", "unreachable"])
def test_every_alert_kind_is_documented(kind):
    assert f"| `{kind}` |" in DOC


@pytest.mark.parametrize("route", sorted(set(re.findall(r'@bp\.(?:get|post|route)\("([^"]+)"', ADMIN))))
def test_every_dashboard_route_is_documented(route):
    shown = re.sub(r"<(?:int:)?(\w+)>", r"<\1>", route)
    assert shown in DOC or shown.rsplit("/", 1)[0] in DOC, route


def test_the_command_and_its_options_are_documented():
    source = (PROJECT_ROOT / "hub" / "cli" / "scheduler_cmd.py").read_text(encoding="utf-8")
    options = set(re.findall(r'"(--[a-z-]+)"', source))
    assert "hub scheduler" in DOC and options and all(o in DOC for o in options)


def test_the_worker_command_and_its_options_are_documented():
    source = (PROJECT_ROOT / "hub" / "cli" / "worker_cmd.py").read_text(encoding="utf-8")
    options = set(re.findall(r'"(--[a-z-]+)"', source))
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "hub worker" in DOC and "`hub worker" in readme and options and all(o in DOC and o in readme for o in options)


@pytest.mark.parametrize("name", ["compose.yaml", "Dockerfile", "systemd/hub-web@.service", "systemd/hub-worker@.service"])
def test_the_deployment_files_exist_and_are_documented(name):
    assert (PROJECT_ROOT / "conf" / "deploy" / name).is_file() and name.rsplit("/", 1)[-1] in DOC
