"""The example extension package installed for one test at a time.

It is laid out as pip lays out an installed pure-Python package: its source on sys.path and, beside
it, a `.dist-info` folder with the METADATA and the entry_points.txt its own pyproject.toml declares.
No build step, no network, no change to the venv, and every registry it touched is put back after
the test, so the rest of the suite never sees it.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tomllib
from pathlib import Path

import pytest

import connectors
from hub import plugins
from hub.mapping import registry as transforms

EXAMPLE = Path(__file__).resolve().parents[1] / "extension_example"


def install(source: Path, target: Path) -> str:
    """Lay out the package at `source` under `target` as an installed distribution; its name."""
    pyproject = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    for package in pyproject["tool"]["setuptools"]["packages"]:
        shutil.copytree(source / package, target / package)
    dist = target / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n", encoding="utf-8")
    lines = []
    for group, entries in project.get("entry-points", {}).items():
        lines += [f"[{group}]", *(f"{name} = {value}" for name, value in entries.items()), ""]
    (dist / "entry_points.txt").write_text("\n".join(lines), encoding="utf-8")
    return project["name"]


@pytest.fixture
def example_installed(tmp_path):
    """The example package installed for this test only: every registry it touched is put back."""
    site = tmp_path / "site"
    site.mkdir()
    install(EXAMPLE, site)
    saved = (dict(connectors._REGISTRY), dict(transforms.TRANSFORMS), set(plugins._loaded))
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    try:
        plugins.reload("families")
        plugins.reload("transforms")
        yield
    finally:
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m.split(".")[0] == "hub_extension_example"]:
            del sys.modules[name]
        connectors._REGISTRY.clear()
        connectors._REGISTRY.update(saved[0])
        transforms.TRANSFORMS.clear()
        transforms.TRANSFORMS.update(saved[1])
        plugins._loaded.clear()
        plugins._loaded.update(saved[2])
        importlib.invalidate_caches()
