"""Award allocation over an appraisal's scores (后补助: the provinces' incentive funds), from a table in
`conf/evaluation/` that a framework names under `awards:`.

The table (YAML, checked where it is loaded; see docs/evaluation.md "Unit appraisal and awards"):

    budget: 2000000          # yuan to award, all of it
    step: 100                # awards are whole multiples of this many yuan (must divide the budget)
    cap: 150000              # at most this many yuan to one unit (optional)
    bands:                   # best first; a unit at rank r of n ranked units falls in the first band
      - {name: 优秀, up_to_share: 0.2, weight: 3}    # with r / n <= up_to_share
      - {name: 较差, up_to_share: 1.0, weight: 0}

Each ranked unit's claim is its band's weight times its index score (a negative score claims
nothing); the budget is split in proportion to the claims, capped per unit with the excess passed on
to the others, in whole steps by the largest-remainder method (hub.apportion) — so the awards always
add up to the budget exactly, or the allocation fails saying why (e.g. the caps are too tight).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from hub.apportion import apportion
from hub.config import load_yaml
from hub.evaluation import texts
from hub.errors import ConfigError

KEYS = {"title", "budget", "step", "cap", "bands", "description"}
BAND_KEYS = {"name", "up_to_share", "weight"}


@dataclass(frozen=True)
class Band:
    name: str
    up_to_share: float
    weight: float
    #: {"name": {lang: text}} when the table names the band per language (hub.evaluation.texts)
    texts: dict = field(default_factory=dict)

    def describe(self) -> dict:
        d = {"name": self.name, "up_to_share": self.up_to_share, "weight": self.weight}
        return {**d, "texts": self.texts} if self.texts else d


@dataclass(frozen=True)
class AwardRule:
    path: Path
    title: str
    budget: int
    step: int
    cap: int | None
    bands: tuple[Band, ...]

    def describe(self) -> dict:
        return {
            "file": self.path.name,
            "title": self.title,
            "budget": self.budget,
            "step": self.step,
            "cap": self.cap,
            "bands": [b.describe() for b in self.bands],
        }


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def load_awards(path) -> AwardRule:
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, None, "award table not found")
    raw = load_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(path, None, "expected a mapping with budget, step, bands")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ConfigError(path, unknown[0], f"unknown key, expected one of {sorted(KEYS)}")
    budget, step, cap = raw.get("budget"), raw.get("step", 1), raw.get("cap")
    if not _whole(budget) or budget <= 0:
        raise ConfigError(path, "budget", f"expected a whole number of yuan > 0, got {budget!r}")
    if not _whole(step) or step <= 0 or budget % step:
        raise ConfigError(path, "step", f"expected a whole number of yuan > 0 that divides the budget {budget}, got {step!r}")
    if cap is not None and (not _whole(cap) or cap < step):
        raise ConfigError(path, "cap", f"expected a whole number of yuan >= the step {step}, got {cap!r}")
    bands_raw = raw.get("bands")
    if not isinstance(bands_raw, list) or not bands_raw:
        raise ConfigError(path, "bands", "expected a list of bands, best first")
    bands, last = [], 0.0
    for i, b in enumerate(bands_raw):
        key = f"bands[{i}]"
        if not isinstance(b, dict):
            raise ConfigError(path, key, "expected a mapping with name, up_to_share, weight")
        extra = sorted(set(b) - BAND_KEYS)
        if extra:
            raise ConfigError(path, f"{key}.{extra[0]}", f"unknown key, expected one of {sorted(BAND_KEYS)}")
        name, share, weight = b.get("name"), b.get("up_to_share"), b.get("weight")
        if not name or texts.problem(name):
            raise ConfigError(path, f"{key}.name", f"expected the band's name: {texts.problem(name) or 'a text'}")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not last < share <= 1:
            raise ConfigError(path, f"{key}.up_to_share", f"expected a share in ({last:g}, 1], growing band by band, got {share!r}")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise ConfigError(path, f"{key}.weight", f"expected a finite number >= 0, got {weight!r}")
        bands.append(Band(texts.flat(name), float(share), float(weight), texts.texts_of({"name": name})))
        last = float(share)
    if last != 1.0:
        raise ConfigError(path, f"bands[{len(bands) - 1}].up_to_share", "the last band must reach 1 (every ranked unit falls in a band)")
    if not any(b.weight > 0 for b in bands):
        raise ConfigError(path, "bands", "every band has weight 0: nobody could be awarded")
    return AwardRule(path, str(raw.get("title") or path.stem), budget, step, cap, tuple(bands))


class AwardError(ValueError):
    """The budget cannot be placed under the rule (the caller names the framework)."""


def allocate(rule: AwardRule, units: list[dict]) -> dict:
    """The award table for report units (`id`, `label`, `rank`, `score`), best rank first."""
    ranked = [u for u in units if u.get("rank") is not None]
    n = len(ranked)
    if not n:
        raise AwardError("no unit is ranked: nobody to award")
    rows = []
    for u in ranked:
        band = next(b for b in rule.bands if u["rank"] / n <= b.up_to_share + 1e-12)
        claim = band.weight * max(float(u.get("score") or 0.0), 0.0)
        rows.append({"id": u["id"], "label": u.get("label"), "rank": u["rank"], "score": u.get("score"), "band": band.name, "claim": claim})
    try:
        amounts = apportion(rule.budget, [r["claim"] for r in rows], caps=[rule.cap] * n if rule.cap else None, step=rule.step)
    except ValueError as exc:
        raise AwardError(f"award table {rule.path.name}: {exc}") from None
    for r, amount in zip(rows, amounts):
        r["award"] = amount
        r["capped"] = bool(rule.cap and amount == rule.cap)
    total = sum(amounts)
    assert total == rule.budget, "apportion keeps the total"  # the promise of this module; never silently off
    return {"rule": rule.describe(), "total": total, "units": rows, "not_ranked": [u["id"] for u in units if u.get("rank") is None]}
