"""docs/extending.md names every extension point group and every registry a module may fill."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub import plugins

DOC = (Path(__file__).resolve().parents[2] / "docs" / "extending.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(plugins.GROUPS))
def test_every_group_is_documented(kind):
    assert f"`{plugins.GROUPS[kind][0]}`" in DOC


@pytest.mark.parametrize("kind", sorted(plugins.GROUPS))
def test_every_group_declares_the_builtins_in_pyproject(kind):
    """Built-ins register exactly as an extension would: each group has this project's own modules."""
    assert plugins.names(kind), f"no entry point in {plugins.GROUPS[kind][0]}: reinstall with pip install -e ."
