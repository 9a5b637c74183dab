"""The exit codes in code, in docs/operations.md and in the README are one table."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from hub.cli import cli
from hub.cli.exit_codes import EXIT_CODES

ROOT = Path(__file__).resolve().parents[2]


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end > 0 else None]


def test_operations_doc_lists_every_exit_code_with_its_name():
    section = _section((ROOT / "docs/operations.md").read_text(encoding="utf-8"), "## Exit codes of the `hub` command")
    documented = {int(code): name for code, name in re.findall(r"^\| (\d+) \| `(\w+)` \|", section, re.M)}
    assert documented == {c.code: c.name for c in EXIT_CODES}


def test_readme_lists_the_same_codes():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("every command exits with one of these codes") :]
    section = section[: section.index("\n\n", section.index("| code |"))]
    assert [int(c) for c in re.findall(r"^\| (\d+) \|", section, re.M)] == [c.code for c in EXIT_CODES]


def test_help_and_docs_name_the_errors_command_and_debug():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    operations = (ROOT / "docs/operations.md").read_text(encoding="utf-8")
    assert "`hub errors CODE" in readme and "hub errors CODE [--job N] [--warnings] [--json]" in operations
    help_text = CliRunner().invoke(cli, ["--help"]).output
    assert "--debug" in help_text and "errors" in help_text
    assert all(str(c.code) in help_text for c in EXIT_CODES)


def test_connectors_doc_states_the_completeness_proof_of_every_family():
    from connectors import families

    section = _section((ROOT / "docs/connectors.md").read_text(encoding="utf-8"), "## Completeness")
    rows = dict(re.findall(r"^\| `([\w-]+)` \| (.+)$", section, re.M))
    assert set(families()) <= set(rows), sorted(set(families()) - set(rows))
