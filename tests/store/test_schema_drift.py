"""The models and the migrations describe the same schema, and every migration runs both ways.

The drift check runs `alembic check` in a fresh interpreter: within the test process every model
module is already imported, so a model module missing from `migrations/env.py` would go unseen here
while `alembic revision --autogenerate` (a fresh process too) proposes dropping its tables.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from hub.store.migrate import MIGRATIONS, current, downgrade, upgrade

ROOT = Path(__file__).resolve().parents[2]
_CHECK = (
    "import sys\nfrom alembic import command\nfrom hub.store.migrate import alembic_config\ncommand.check(alembic_config(sys.argv[1]))\n"
)


def _tables(store) -> set[str]:
    return set(inspect(store.engine).get_table_names()) - {"alembic_version"}


def test_models_and_migrations_agree(store):
    done = subprocess.run([sys.executable, "-c", _CHECK, store.url], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"models and migrations disagree:\n{done.stderr[-4000:]}"
    assert "No new upgrade operations detected" in done.stdout + done.stderr


def test_upgrade_and_downgrade_from_empty_to_head_and_back(store):
    built = _tables(store)  # the fixture migrated an empty database to head
    assert {"instruments", "push_batches", "api_tokens", "search_docs"} <= built
    downgrade(store, "base")
    assert _tables(store) == set() and current(store) is None
    upgrade(store)
    assert _tables(store) == built


def test_every_revision_steps_down_and_up(store):
    """Each migration's downgrade undoes exactly its upgrade: stepping down one revision at a time
    and back up ends where it started."""
    revisions = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    built = _tables(store)
    for rev in reversed(revisions[:-1]):
        downgrade(store, rev)
        assert current(store) == rev
    upgrade(store)
    assert _tables(store) == built


def test_migrations_import_no_application_code():
    """A migration that calls today's code changes meaning when that code changes: each one imports
    only alembic, SQLAlchemy and the standard library."""
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in {"alembic", "sqlalchemy"} or top in sys.stdlib_module_names, f"{path.name} imports {name}"
