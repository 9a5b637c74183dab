"""Declared dependencies match the imports: every third-party module that hub/ or connectors/
imports comes from a distribution that pyproject.toml declares (in `dependencies`, or in an extra
for an import made only where that extra is needed), so nothing works here only because another
package happened to bring it along."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
OWN = {"hub", "connectors"}
#: Imports allowed to come from an extra rather than the base install: module → extra.
FROM_EXTRAS = {"psycopg": "postgres", "procrastinate": "postgres"}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def third_party_imports() -> dict[str, list[str]]:
    """top-level module → files importing it."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for top in OWN for p in (ROOT / top).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in OWN and top not in sys.stdlib_module_names and top != "__future__":
                    found.setdefault(top, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_declared():
    declared = {_name(r) for r in PROJECT["dependencies"]}
    extras = {extra: {_name(r) for r in reqs} for extra, reqs in PROJECT["optional-dependencies"].items()}
    providers = packages_distributions()
    problems = []
    for module, files in sorted(third_party_imports().items()):
        dists = {d.lower().replace("_", "-") for d in providers.get(module, [])}
        allowed = declared | extras.get(FROM_EXTRAS.get(module, ""), set())
        if not dists:
            problems.append(f"{module} (imported by {files[0]}) is not installed")
        elif not dists & allowed:
            problems.append(f"{module} (imported by {files[0]}) comes from {sorted(dists)}, not declared in pyproject.toml")
    assert not problems, "\n".join(problems)


def test_the_check_sees_the_imports_it_must():
    """Cannot pass vacuously: the walk finds the imports the hub is known to make."""
    assert {"flask", "werkzeug", "sqlalchemy", "lxml", "requests"} <= set(third_party_imports())
