"""Read-only queries behind the network and statistics pages (search itself lives in hub.search).

Every count is of instruments in the catalogue now: withdrawn tombstones are excluded. SQL is
SQLAlchemy Core over hub.store.models, portable between SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from hub.feed import holds
from hub.harvest.jobs import changes_catalogue
from hub.search.facets import VALUE_BANDS, band_key
from hub.store.models import HarvestJob, Instrument, Network, OwnerUnit

INSTRUMENTS, NETWORKS, OWNERS, JOBS = Instrument.__table__, Network.__table__, OwnerUnit.__table__, HarvestJob.__table__
I, N, O, J = INSTRUMENTS.c, NETWORKS.c, OWNERS.c, JOBS.c

_active = I.withdrawn_at.is_(None)


def _value_band():
    """The band index of an instrument's value (the bands of the search facets), null when unknown."""
    whens = [(I.original_value < high, i) for i, (_, high, *_labels) in enumerate(VALUE_BANDS) if high is not None]
    return case((I.original_value.is_(None), None), *whens, else_=len(VALUE_BANDS) - 1)


@dataclass(frozen=True)
class Totals:
    instruments: int
    value: float
    networks: int
    owners: int
    certified: int


def totals(conn) -> Totals:
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.sum(I.original_value), 0),
            func.count(func.distinct(I.network)),
            func.count(func.distinct(I.owner_id)),
            func.coalesce(func.sum(case((I.certified, 1), else_=0)), 0),
        ).where(_active)
    ).one()
    return Totals(int(row[0]), float(row[1]), int(row[2]), int(row[3]), int(row[4]))


def by_network(conn) -> list[dict]:
    """Instrument count and total value per network, largest first; networks without instruments too."""
    # A sum over no known value is unknown (None), not 0: a register that states no values has no total.
    counts = (
        select(I.network, func.count().label("n"), func.sum(I.original_value).label("value")).where(_active).group_by(I.network).subquery()
    )
    rows = conn.execute(
        select(N.code, N.name, N.province, func.coalesce(counts.c.n, 0), counts.c.value)
        .select_from(NETWORKS.outerjoin(counts, counts.c.network == N.code))
        .order_by(func.coalesce(counts.c.n, 0).desc(), N.code)
    ).all()
    return [
        {"code": r[0], "name": r[1], "province": r[2], "count": int(r[3]), "value": None if r[4] is None else float(r[4])} for r in rows
    ]


def _total(value) -> float | None:
    # A sum over no known value is unknown (None), not 0: 570 instruments of unknown status, none of
    # which states a value, were shown as worth 0.00 yuan.
    return None if value is None else float(value)


def by_category(conn) -> list[dict]:
    """Count and value per top-level category (two-digit prefix), largest first; null last."""
    prefix = func.substr(I.category, 1, 2)
    rows = conn.execute(
        select(prefix, func.count(), func.sum(I.original_value)).where(_active).group_by(prefix).order_by(func.count().desc(), prefix)
    ).all()
    return _nulls_last([{"key": r[0], "count": int(r[1]), "value": _total(r[2])} for r in rows])


def by_owner_type(conn) -> list[dict]:
    rows = conn.execute(
        select(O.type, func.count(), func.sum(I.original_value))
        .select_from(INSTRUMENTS.outerjoin(OWNERS, O.id == I.owner_id))
        .where(_active)
        .group_by(O.type)
        .order_by(func.count().desc())
    ).all()
    return _nulls_last([{"key": r[0], "count": int(r[1]), "value": _total(r[2])} for r in rows])


def by_status(conn) -> list[dict]:
    """Count and value per status, largest first; instruments without a status last, as unknown."""
    rows = conn.execute(
        select(I.status, func.count(), func.sum(I.original_value)).where(_active).group_by(I.status).order_by(func.count().desc(), I.status)
    ).all()
    return _nulls_last([{"key": r[0], "count": int(r[1]), "value": _total(r[2])} for r in rows])


def by_value_band(conn) -> list[dict]:
    """Count and value per band, in band order (an ordered scale, not sorted by size); every band
    appears, unknown values last when there are any. `key` is the search facet's band value."""
    band = _value_band()
    counted = select(band, func.count(), func.sum(I.original_value)).where(_active).group_by(band)
    found = {r[0]: (int(r[1]), _total(r[2])) for r in conn.execute(counted)}
    rows = [
        {"key": band_key(i), "count": found.get(i, (0, 0))[0], "value": found.get(i, (0, 0))[1], "labels": VALUE_BANDS[i][2:]}
        for i in range(len(VALUE_BANDS))
    ]
    if None in found:
        rows.append({"key": None, "count": found[None][0], "value": None, "labels": None})  # their values are what is unknown
    return rows


def _nulls_last(rows):
    return [r for r in rows if r["key"] is not None] + [r for r in rows if r["key"] is None]


def last_jobs(conn, network: str | None = None) -> dict[str, dict]:
    """The latest catalogue-changing job of each network (or of one), by network code."""
    latest = select(func.max(J.id)).where(changes_catalogue()).group_by(J.network)
    query = select(JOBS).where(J.id.in_(latest))
    if network:
        query = query.where(J.network == network)
    return {r.network: dict(r._mapping) for r in conn.execute(query)}


def network(conn, code: str) -> dict | None:
    row = conn.execute(select(NETWORKS).where(N.code == code)).first()
    if row is None:
        return None
    stats = conn.execute(select(func.count(), func.sum(I.original_value)).where(_active, I.network == code)).one()
    return {**row._mapping, "count": int(stats[0]), "value": None if stats[1] is None else float(stats[1])}


def recent_jobs(conn, code: str, limit: int = 10) -> list[dict]:
    rows = conn.execute(select(JOBS).where(J.network == code).order_by(J.id.desc()).limit(limit))
    return [dict(r._mapping) for r in rows]


def held_withdrawals(conn, code: str) -> int:
    """How many of the network's instruments a complete listing lacked while their withdrawal waits
    for the national centre's confirmation (hub.harvest.guard): until it is confirmed they stay in
    the catalogue, and the run that found them shows as an ordinary success."""
    return len({iid for hold in holds.list_holds(conn, "held", network=code) for iid in hold["instrument_ids"] or []})
