"""Labels (Chinese and English) for the codes that facets and records carry, from code tables."""

from __future__ import annotations

import csv
from functools import lru_cache

from sqlalchemy import select

from hub.config import conf_dir, load_yaml, mappings_dir
from hub.store.models import Network

OWNER_TYPES = {
    "university": ("高等院校", "University"),
    "institute": ("科研院所", "Research institute"),
    "enterprise": ("企业", "Enterprise"),
    "other": ("其他", "Other"),
}
OWNER_LEVELS = {"central": ("中央", "Central"), "provincial": ("省级", "Provincial"), "municipal": ("市级", "Municipal")}
SHARING = {"external": ("对外共享", "Shared externally"), "internal": ("内部共享", "Shared internally"), "none": ("不共享", "Not shared")}
CERTIFIED = {"true": ("具备CMA/CNAS资质", "CMA/CNAS certified"), "false": ("无资质认定", "Not certified")}
#: The same words as the pages' (hub/web/translations, status.*): the search filter said 远程 and
#: Normal where the instrument page said 远程可用 and In service. 远程服务中 is the national field's.
STATUSES = {
    "normal": ("正常", "In service"),
    "standby": ("待机", "Standby"),
    "remote": ("远程服务中", "Remote service"),
    "occasional_fault": ("偶有故障", "Occasional faults"),
    "frequent_fault": ("故障频繁", "Frequent faults"),
    "awaiting_repair": ("待修", "Awaiting repair"),
    "awaiting_retirement": ("待报废", "Awaiting retirement"),
    "retired": ("已报废", "Retired"),
}


@lru_cache(maxsize=1)
def categories() -> dict[str, tuple[str, str]]:
    """6-digit classification code → (name_zh, name_en), from mappings/codes/classification.csv."""
    path = mappings_dir() / "codes" / "classification.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(fh)}


@lru_cache(maxsize=1)
def subjects() -> dict[str, tuple[str, str]]:
    """GB/T 13745 first-level discipline code → (name_zh, name_en), from mappings/codes/subjects.csv."""
    path = mappings_dir() / "codes" / "subjects.csv"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(fh)}


def category_label(prefix: str) -> tuple[str, str]:
    """Label of a category code or prefix (01, 0105, 010500)."""
    return categories().get(prefix.ljust(6, "0"), (prefix, prefix))


@lru_cache(maxsize=1)
def _registry_names() -> dict[str, str]:
    path = conf_dir() / "networks.yaml"
    try:
        raw = load_yaml(path) or {}
        return {str(n["code"]): n["name"] for n in raw.get("networks", []) if "code" in n and "name" in n}
    except Exception:  # the registry is validated elsewhere; a label lookup must not fail a page
        return {}


def registry(conn) -> tuple:
    """The registered networks as the `networks` table holds them, (code, name, province) each, as one
    hashable value: part of the key of any kept answer that shows their names, since registering or
    renaming a network changes no document and so moves no index version."""
    return tuple(conn.execute(select(Network.code, Network.name, Network.province).order_by(Network.code)).all())


def network_names(conn, registered: tuple | None = None) -> dict[str, str]:
    """Network code → name: the `networks` table first, the registry file for any it lacks.
    `registered`: what `registry(conn)` returned, when the caller has read it already."""
    names = dict(_registry_names())
    names.update({code: name for code, name, _province in (registry(conn) if registered is None else registered)})
    return names
