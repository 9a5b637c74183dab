"""GET /api/v1/networks, /api/v1/networks/{code} and GET /api/v1/stats."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from hub.dedup.store import national_totals
from hub.exports.record import iso, money
from hub.harvest.jobs import COUNTS, changes_catalogue
from hub.auth.web import public
from hub.search import labels
from hub.search.cache import cached
from hub.search.facets import UNKNOWN_LABEL, VALUE_BANDS, band_expression, band_key
from hub.search.params import UNKNOWN
from hub.search.tables import docs
from hub.store.models import HarvestJob, Instrument, Network
from hub.web import store
from hub.web.api import Blueprint
from hub.web.api.schemas import NetworkOut, StatsOut
from hub.web.errors import Problem
from hub.web.ui import places

blp = Blueprint("networks", __name__, url_prefix="/api/v1", description="Provincial networks and national statistics")

_I = Instrument.__table__
_J = HarvestJob.__table__


def _plus(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return a if b is None else b if a is None else a + b


def _last_harvests(conn, codes=None) -> dict:
    """Latest job per network (started last) that may change its catalogue, with its counts: a
    service-statistics fetch was given as the network's last harvest, where /networks showed the
    catalogue's."""
    latest = select(_J.c.network, func.max(_J.c.started_at).label("started")).where(changes_catalogue()).group_by(_J.c.network)
    if codes is not None:
        latest = latest.where(_J.c.network.in_(codes))
    latest = latest.subquery()
    rows = conn.execute(
        select(_J).join(latest, (_J.c.network == latest.c.network) & (_J.c.started_at == latest.c.started)).order_by(_J.c.id)
    )
    out = {}
    for r in rows:
        m = r._mapping
        out[m["network"]] = {
            "job_id": m["id"],
            "kind": m["kind"],
            "state": m["state"],
            "started_at": iso(m["started_at"]),
            "finished_at": iso(m["finished_at"]),
            **{k: m[k] for k in COUNTS},
        }
    return out


def _networks(conn, code=None) -> list[dict]:
    names = labels.network_names(conn)
    meta = {r.code: r for r in conn.execute(select(Network))}
    counts = select(
        _I.c.network,
        func.count().filter(_I.c.withdrawn_at.is_(None)),
        func.count().filter(_I.c.withdrawn_at.is_not(None)),
        func.sum(_I.c.original_value).filter(_I.c.withdrawn_at.is_(None)),
    ).group_by(_I.c.network)
    if code:
        counts = counts.where(_I.c.network == code)
    stats = {n: (a, w, v) for n, a, w, v in conn.execute(counts)}
    codes = [code] if code else sorted(set(names) | set(stats) | set(meta))
    if code and code not in names and code not in stats:
        return []
    harvests = _last_harvests(conn, codes)
    out = []
    for c in codes:
        active, withdrawn, value = stats.get(c, (0, 0, None))
        m = meta.get(c)
        out.append(
            {
                "code": c,
                "name": names.get(c, c),
                "province": m.province if m else None,
                "family": m.family if m else None,
                "instruments": active,
                "withdrawn": withdrawn,
                "total_value": money(value),  # null: no instrument states a value (unknown, not 0)
                "last_harvest": harvests.get(c),
            }
        )
    return out


@blp.route("/networks")
@blp.no_query()
@blp.response(200, NetworkOut(many=True))
@public
def list_networks():
    """Every known network: its instruments, their total value, and its last harvest with counts."""
    with store().read() as conn:
        return _networks(conn)


@blp.route("/networks/<string:code>")
@blp.no_query()
@blp.response(200, NetworkOut)
@blp.alt_response(404, description="No such network")
@public
def get_network(code):
    """One network."""
    with store().read() as conn:
        found = _networks(conn, code)
    if not found:
        raise Problem(404, f"no network {code!r}", "not-found")
    return found[0]


@blp.route("/stats")
@blp.no_query()
@blp.response(200, StatsOut)
@public
def stats():
    """National totals of active instruments (count and original value) by network, category
    (level 1), owner type and value band."""
    band = band_expression()
    group = [docs.c.network, func.substr(docs.c.category, 1, 2), docs.c.owner_type, band]
    with store().read() as conn:
        rows = cached(
            conn, ("stats", *group), lambda: conn.execute(select(*group, func.count(), func.sum(docs.c.value)).group_by(*group)).all()
        )
        names = labels.network_names(conn)
    dims = {"by_network": 0, "by_category": 1, "by_owner_type": 2, "by_value_band": 3}
    # A sum over no stated value stays None (null: unknown, not 0), as a network's total does.
    sums: dict = {d: defaultdict(lambda: [0, None]) for d in dims}
    total, value = 0, None
    for *keys, n, v in rows:
        v = None if v is None else Decimal(str(v))
        total, value = total + n, _plus(value, v)
        for d, i in dims.items():
            sums[d][keys[i]][0] += n
            sums[d][keys[i]][1] = _plus(sums[d][keys[i]][1], v)
    label = {
        "by_network": lambda k: (names.get(k, k), places.network_label_en(k, names.get(k, k))),
        "by_category": lambda k: labels.category_label(k),
        "by_owner_type": lambda k: labels.OWNER_TYPES.get(k, (k, k)),
        "by_value_band": lambda k: VALUE_BANDS[int(k)][2:],
    }
    out = {"instruments": total, "total_value": money(value), "networks": len(sums["by_network"])}
    with store().read() as conn:  # every change of a cluster bumps the search versions the cache keys on
        national = cached(conn, ("stats", "national"), lambda: national_totals(conn))
    out["national"] = dict(
        national, original_value=money(national["original_value"]), original_value_raw=money(national["original_value_raw"])
    )
    for d in dims:
        groups = []
        for k, (n, v) in sorted(
            ((k, nv) for k, nv in sums[d].items() if k is not None),
            key=lambda kv: str(kv[0]) if d != "by_value_band" else f"{int(kv[0]):02d}",
        ):
            zh, en = label[d](k)
            groups.append(
                {
                    "value": band_key(int(k)) if d == "by_value_band" else k,
                    "label": zh,
                    "label_en": en,
                    "instruments": n,
                    "total_value": money(v),
                }
            )
        if None in sums[d]:
            # The instruments that do not say (no owner type, category or value): listed, so that each
            # breakdown adds up to `instruments` — by owner type it covered half the catalogue, unsaid.
            n, v = sums[d][None]
            zh, en = UNKNOWN_LABEL
            groups.append({"value": UNKNOWN, "label": zh, "label_en": en, "instruments": n, "total_value": money(v)})
        out[d] = groups
    return out
