"""docs/duplicates.md names every setting, evidence, endpoint and command of duplicate resolution."""

from pathlib import Path

from hub.dedup.settings import WEIGHTS, DedupSettings
from hub.simulate.crosslist import KINDS

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "duplicates.md").read_text(encoding="utf-8")
SIM = (ROOT / "docs" / "simulate.md").read_text(encoding="utf-8")


def test_settings_and_evidence_are_documented():
    for key in ("threshold", "weights", "value_tolerance", "max_block", *WEIGHTS):
        assert f"`{key}`" in DOC, key
    s = DedupSettings.load()
    assert f"| `threshold` | {s.threshold} |" in DOC and f"| `max_block` | {s.max_block} |" in DOC


def test_endpoints_command_and_metric_are_documented():
    for name in (
        "/api/v1/clusters/decisions",
        "/api/v1/clusters/{instrument id}",
        "also_listed_in",
        "cluster_id",
        "hub dedup --all",
        "likely_duplicate_share",
        "bench_dedup.py",
        "instruments_raw",
    ):
        assert name in DOC, name


def test_crosslist_columns_are_documented():
    assert "`hub/simulate/crosslist.csv`" in SIM
    for name in ("source", "target", "level", "share", "kind", *KINDS):
        assert f"`{name}`" in SIM, name
