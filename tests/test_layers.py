"""Imports point one way: down the layers below, never up.

`LAYERS` is the one list of layers, lowest first. A module belongs to the layer of the longest prefix
that names it (so `hub.auth.web` sits with the web while `hub.auth` sits with the services; `hub`
itself names only the package's `__init__`, so a new top-level module must be given its layer here);
a module may import its own layer and any layer below, never one above. Imports inside functions count: a
deferred import is still a dependency. Modules of one layer may import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # Shared helpers every layer may use: errors, the clock, the plugin loader, bytes and HTTP.
    (
        "foundation",
        (
            "hub",
            "hub.errors",
            "hub.clock",
            "hub.plugins",
            "hub.decoding",
            "hub.safexml",
            "hub.telemetry",
            "hub.http",
            "hub.http_deadline",
            "hub.oaipmh",
            "hub.schema",
            "hub.characters",
            "hub.reasons",
            "hub.fonts",
            "hub.apportion",
            "hub.network_codes",
            "hub.tabular",
            "hub.collector",
            "hub.paging",
            "hub.processes",
            "hub.stopping",
            # The gettext catalogues and the lookup, read by the web UI and by the evaluation
            # report alike (they live under hub/web/ for now).
            "hub.web.ui.i18n",
            "hub.web.catalogues",
        ),
    ),
    # Transport families: nothing above their base helpers.
    ("connectors", ("connectors",)),
    # Loading and validating conf/ (with the checks it borrows for notifier and cron settings).
    ("configuration", ("hub.config", "hub.ops.notify", "hub.ops.schedule", "hub.subsidies")),
    # Models, migrations' runner, hooks: never search, web or the services that register hooks.
    ("store", ("hub.store",)),
    (
        "services",
        (
            "hub.mapping",
            "hub.harvest",
            "hub.search",
            "hub.exports",
            "hub.auth",
            "hub.feed",
            "hub.evaluation",
            "hub.ops",
            "hub.simulate",
            "hub.metrics",
            "hub.dedup",
            # the job queue runs the services' work (batches, harvests) for web, scheduler and worker
            "hub.queue",
        ),
    ),
    ("web", ("hub.web", "hub.auth.web", "hub.ops.charts")),
    # What a person or Alembic starts: the CLI, the demo, the migration environment gathering every table.
    ("entry", ("hub.cli", "hub.demo", "hub.demo_push", "hub.store.migrations")),
]
_RANK = {prefix: rank for rank, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes}


def layer_of(module: str) -> int | None:
    """Rank of `module`'s layer (0 = lowest), or None when it is not the hub's (a third-party one)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in _RANK and (prefix != "hub" or module == "hub"):
            return _RANK[prefix]
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(text: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import in `module`'s source, relative ones resolved; for
    `from a import b` both `a` and `a.b` (b may be a submodule)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(text, module)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{a.name}") for a in node.names]
    return found


def upward_imports(text: str, module: str, is_package: bool = False) -> list[str]:
    own = layer_of(module)
    assert own is not None, f"module {module} is in no layer; add it to LAYERS in tests/test_layers.py"
    problems = []
    for line, target in imports(text, module, is_package):
        rank = layer_of(target)
        if rank is not None and rank > own:
            problems.append(f"{module}:{line} ({LAYERS[own][0]}) imports {target} ({LAYERS[rank][0]})")
    return problems


def _sources():
    return sorted(p for top in ("hub", "connectors") for p in (ROOT / top).rglob("*.py"))


def test_no_import_points_up_a_layer():
    problems = []
    for path in _sources():
        problems += upward_imports(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")
    assert not problems, "imports that point up a layer:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "statement", "expected"),
    [
        pytest.param("hub.store.bulk", "from hub.web import create_app", True, id="store imports web"),
        pytest.param("hub.store.db", "import hub.search.index", True, id="store imports search"),
        pytest.param("hub.store.db", "from ..search import index", True, id="store imports search, relative"),
        pytest.param("connectors.base", "from hub.config import settings", True, id="connector imports config"),
        pytest.param("hub.search.query", "from hub.store.models import Base", False, id="search imports store"),
        pytest.param("hub.web", "from hub.harvest import pipeline", False, id="web imports services"),
    ],
)
def test_the_walk_catches_an_import_exactly_when_it_points_up(module, statement, expected):
    # Deferred inside a function, where an upward import most easily hides.
    text = f"def probe():\n    {statement}\n"
    assert bool(upward_imports(text, module)) is expected
