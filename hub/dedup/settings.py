"""`conf/dedup.yaml`: the threshold and weights of duplicate resolution, validated where loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hub.config import conf_dir, load_yaml
from hub.errors import ConfigError

WEIGHTS = ("model", "value", "date", "owner", "category", "name")
DEFAULT_WEIGHTS = {"model": 3.0, "value": 3.0, "date": 2.0, "owner": 2.0, "category": 1.0, "name": 1.0}


@dataclass(frozen=True)
class DedupSettings:
    threshold: float = 0.78
    weights: dict = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    value_tolerance: float = 0.051
    max_block: int = 400

    @classmethod
    def load(cls, path: Path | None = None) -> "DedupSettings":
        path = path or conf_dir() / "dedup.yaml"
        raw = (load_yaml(path) if path.exists() else None) or {}
        if not isinstance(raw, dict):
            raise ConfigError(path, None, f"expected a mapping, got {type(raw).__name__}")
        unknown = set(raw) - {"threshold", "weights", "value_tolerance", "max_block"}
        if unknown:
            raise ConfigError(path, sorted(unknown)[0], "unknown key; expected threshold, weights, value_tolerance, max_block")
        threshold = _number(path, "threshold", raw.get("threshold", cls.threshold), 0, 1)
        tolerance = _number(path, "value_tolerance", raw.get("value_tolerance", cls.value_tolerance), 0, 1)
        max_block = raw.get("max_block", cls.max_block)
        if not isinstance(max_block, int) or isinstance(max_block, bool) or max_block < 2:
            raise ConfigError(path, "max_block", f"expected a whole number ≥ 2, got {max_block!r}")
        given = raw.get("weights") or {}
        if not isinstance(given, dict):
            raise ConfigError(path, "weights", f"expected a mapping of {WEIGHTS}, got {given!r}")
        weights = dict(DEFAULT_WEIGHTS)
        for key, value in given.items():
            if key not in WEIGHTS:
                raise ConfigError(path, f"weights.{key}", f"unknown evidence; expected one of {WEIGHTS}")
            weights[key] = _number(path, f"weights.{key}", value, 0, 100)
        if not sum(weights.values()):
            raise ConfigError(path, "weights", "at least one weight must be above 0")
        return cls(threshold, weights, tolerance, max_block)


def _number(path, key, value, lo, hi) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ConfigError(path, key, f"expected a number between {lo} and {hi}, got {value!r}")
    return float(value)
