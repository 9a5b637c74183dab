"""Instruments listed by more than one network, and near-misses that are not: the truth that
duplicate resolution (`hub.dedup`) is measured against.

`crosslist.csv` holds one row per link. A `cross` row copies a share of the source network's
instruments owned by units of one level (a central unit's instruments, listed again by the network
standing in for its ministry's or academy's; a city's units, listed by a neighbouring network) into
the target network, *replacing* target records rather than adding to them, so every network keeps
its size. A `twin` row (source = target) replaces a share of a network's records by a second,
identical instrument of the same unit: same kind, model, value and year — a different instrument.

A copy is the same instrument as the target network's vendor writes it: its own spelling of the
name, model and maker, the target's fill rates, the value rounded to 万元 or 0.1 万元 in two
copies of five, the owner written as a sub-unit (山东大学化学与化工学院) or with other brackets in a
third, and the credit code only at the target's rate. Sources are never targets of their own link,
and Shandong (whose figures the seed document pins) is only ever a source.
"""

from __future__ import annotations

import csv
import dataclasses
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hub.errors import ConfigError

TABLE = Path(__file__).with_name("crosslist.csv")
KINDS = ("cross", "twin")
LEVELS = ("central", "provincial", "municipal", "other", "any")
#: sub-units a university's instrument is listed under by another network
FACULTIES = ("化学与化工学院", "物理学院", "生命科学学院", "材料科学与工程学院", "分析测试中心", "环境科学与工程学院")


@dataclass(frozen=True)
class Link:
    source: str
    target: str
    level: str
    share: float
    kind: str


@lru_cache(maxsize=1)
def links(path: Path = TABLE) -> tuple[Link, ...]:
    """The links of `crosslist.csv`, validated (file, `row N.column`, what was expected)."""
    from hub.simulate.network_table import network_table

    table = network_table()
    out = []
    with open(path, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=1):
            key = f"row {n}"
            for col in ("source", "target"):
                if row.get(col) not in table:
                    raise ConfigError(path, f"{key}.{col}", f"expected a network code of networks.csv, got {row.get(col)!r}")
            if row.get("kind") not in KINDS:
                raise ConfigError(path, f"{key}.kind", f"expected one of {KINDS}, got {row.get('kind')!r}")
            if row.get("level") not in LEVELS:
                raise ConfigError(path, f"{key}.level", f"expected one of {LEVELS}, got {row.get('level')!r}")
            try:
                share = float(row["share"])
            except (TypeError, ValueError):
                share = -1.0
            if not 0 <= share <= 1:
                raise ConfigError(path, f"{key}.share", f"expected a share between 0 and 1, got {row.get('share')!r}")
            if (row["kind"] == "twin") != (row["source"] == row["target"]):
                raise ConfigError(path, key, "a twin row names one network as source and target; a cross row two")
            out.append(Link(row["source"], row["target"], row["level"], share, row["kind"]))
    targets = {lk.target for lk in out if lk.kind == "cross"}
    for lk in out:
        if lk.kind == "cross" and lk.source in targets:
            raise ConfigError(path, lk.source, "a cross-listing source must not itself receive copies")
    return tuple(out)


@lru_cache(maxsize=128)
def plan(target: str, seed: int = 1, scale: float = 1.0) -> dict[int, tuple[str, int, str]]:
    """Target index -> (source network, source index, kind) for every replaced record of `target`."""
    from hub.simulate.generator import network_data
    from hub.simulate.network_table import spec_for

    mine = [lk for lk in links() if lk.target == target]
    if not mine:
        return {}
    n = network_data(spec_for(target), seed, scale).n
    positions = list(range(n))
    random.Random(f"{seed}:{target}:crosslist").shuffle(positions)
    free = iter(positions)
    out: dict[int, tuple[str, int, str]] = {}
    for lk in sorted(mine, key=lambda lk: lk.kind):  # cross before twin: a twin may double a copy
        src = network_data(spec_for(lk.source), seed, scale)
        draw_key = f"{seed}:{lk.source}>{lk.target}:{lk.kind}"
        picked = []
        draws = random.Random(draw_key)  # one stream per link: seeding a generator per record is slow
        for i in range(src.n):
            if draws.random() >= lk.share:
                continue
            if lk.kind == "twin" and i in out and out[i][2] == "twin":
                continue
            if lk.level != "any" and src.own_unit(i).level != lk.level:
                continue
            picked.append(i)
        for i in picked:
            j = next(free, None)
            while j is not None and (j in out or (lk.kind == "twin" and j == i)):
                j = next(free, None)
            if j is None:
                break
            out[j] = (lk.source, i, lk.kind)
    return out


def same_instrument(codes, seed: int = 1, scale: float = 1.0) -> list[frozenset]:
    """The truth: clusters (sets of (network, index), two or more) of records that are one instrument,
    among the networks `codes`. Twins are absent: they are different instruments."""
    codes = set(codes)
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for target in codes:
        for j, (source, i, kind) in plan(target, seed, scale).items():
            if kind == "cross" and source in codes:
                parent[find((target, j))] = find((source, i))
    groups: dict = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    return [frozenset(g) for g in groups.values() if len(g) > 1]


def copy_of(data, j: int, version: int, updated, source_rec, kind: str):
    """Record j of network `data` as that network's vendor writes the instrument `source_rec`."""
    from hub.simulate import catalog, spelling

    rng = random.Random(f"{data.seed}:{data.spec.code}:copy:{j}")
    fill = data.fill
    maker_row = catalog.MAKERS[source_rec.maker]
    name = spelling.name_text(source_rec.kind, maker_row, source_rec.base_model, rng)
    model = spelling.model_text(maker_row, source_rec.base_model, rng)
    given = {f: rng.random() < getattr(fill, f) for f in ("model", "maker", "specs", "functions", "services", "value", "date")}
    u_cat = rng.random()
    code = source_rec.kind.code
    category = (
        None if u_cat < fill.category_missing else code[:2] + "0000" if u_cat < fill.category_missing + fill.category_wrong_level else code
    )
    unit, value, commissioned = source_rec.unit, source_rec.value_yuan, source_rec.commissioned
    u_val, u_owner, u_day = rng.random(), rng.random(), rng.random()
    if kind == "cross":
        if u_val < 0.25:
            value = max(100_000, round(value, -4))  # whole 万元
        elif u_val < 0.4:
            value = max(100_000, round(value, -3))  # 0.1 万元
        owner = unit.name
        if u_owner < 0.25 and unit.type == "university":
            owner = unit.name + FACULTIES[int(rng.random() * len(FACULTIES))]
        elif u_owner < 0.35:
            owner = owner.replace("（", "(").replace("）", ")") if "（" in owner else owner + "分析测试中心"
        credit = unit.credit_code if rng.random() < fill.credit_code else None
        unit = dataclasses.replace(unit, name=owner, credit_code=credit)
    elif u_day < 0.5:  # bought the same year, on another day
        commissioned = commissioned.replace(month=1 + int(rng.random() * 12), day=1 + int(rng.random() * 28))
    q = tuple(rng.random() for _ in range(12))
    return dataclasses.replace(
        source_rec,
        index=j,
        version=version,
        name=name,
        model=model if given["model"] else "",
        maker_name=spelling.maker_text(maker_row, rng) if given["maker"] else "",
        value_yuan=value,
        commissioned=commissioned,
        unit=unit,
        category=category,
        specs=source_rec.kind.specs if given["specs"] else "",
        functions=source_rec.kind.functions if given["functions"] else "",
        services=source_rec.kind.services if given["services"] else (),
        value_given=given["value"],
        value_slip=False,
        date_given=given["date"],
        updated=updated or data.updated_at(j),
        q=q,
    )
