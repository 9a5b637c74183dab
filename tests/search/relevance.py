"""nDCG@10 of the judged query set over a catalogue drawn from the simulated world.

The catalogue is the simulator's own instruments (hub.simulate.generator, every network at a small
scale), written through the test factories — the same inserts and index hook a harvest uses — and
each record remembers the kind it was drawn as, which is what the judged set grades
(tests/search/judged_queries.py). Used by tests/search/test_relevance.py and
tests/bench/bench_relevance.py.
"""

from __future__ import annotations

import math

from hub.search import search
from hub.simulate.catalog import MAKERS
from hub.simulate.generator import network_data
from hub.simulate.network_table import network_table
from tests.factories import make_instruments
from tests.search.judged_queries import JUDGED

K = 10


def _row(network: str, i: int, inst) -> dict:
    unit = inst.unit
    maker = MAKERS.get(inst.maker, (inst.maker, inst.maker))
    return {
        "network": network,
        "source_id": f"S{i:06d}",
        "name": inst.name,
        "name_en": inst.name_en,
        "category": inst.kind.code,
        "model": inst.model,
        "manufacturer": maker[1],
        "country": maker[3] if len(maker) > 3 else None,
        "original_value": inst.value_yuan,
        "commissioned": inst.commissioned.isoformat(),
        "province_code": network,
        "city_code": unit.city,
        "city_name": unit.city_name,
        "county_code": unit.county,
        "county_name": unit.county_name,
        "address": inst.address,
        "specs": inst.specs,
        "functions": inst.functions,
        "services": "、".join(inst.services),
        "fee_text": inst.fee or None,
        "fee_amount": None,
        "booking_url": f"https://example.invalid/{network}/{i}" if inst.booking else None,
        "contact_name": inst.contact,
        "contact_phone": inst.phone,
        "contact_email": inst.email,
        "status": inst.status,
        "sharing": inst.sharing,
        "certified": inst.certified,
        "certifications": inst.cert if inst.certified else None,
        "source_updated": inst.updated,
        "owner": {"name": unit.name, "credit_code": None, "type": unit.type, "level": unit.level if unit.level != "other" else None},
    }


def build_catalogue(store, scale: float = 0.02, seed: int = 1) -> dict[str, str]:
    """Every simulated network's instruments at `scale` into `store`; returns {record id: kind name}."""
    kinds = {}
    for code, spec in sorted(network_table().items()):
        data = network_data(spec, seed=seed, scale=scale)
        rows, names = [], []
        for i in range(data.n):
            inst = data.record(i)
            rows.append(_row(code, i, inst))
            names.append(inst.kind.name)
        for start in range(0, len(rows), 500):
            ids = make_instruments(store, rows[start : start + 500])
            kinds.update(zip(ids, names[start : start + 500]))
    return kinds


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades[:K]))


def evaluate(store, kinds: dict[str, str]) -> list[dict]:
    """Per judged query: nDCG@10, the ranked ids, and the grades of the first ten."""
    out = []
    with store.read() as conn:
        for query, typed, grades_by_kind in JUDGED:
            result = search(conn, {"q": query, "page_size": str(K)})
            ranked = [item["id"] for item in result.items]
            grades = [grades_by_kind.get(kinds.get(i), 0) for i in ranked]
            ideal = sorted((grades_by_kind.get(k, 0) for k in kinds.values()), reverse=True)
            best = dcg(ideal)
            out.append(
                {
                    "query": query,
                    "typed": typed,
                    "ndcg": dcg(grades) / best if best else 0.0,
                    "ids": ranked,
                    "grades": grades,
                    "total": result.total,
                    "corrected_from": result.corrected_from,
                }
            )
    return out


def mean_ndcg(results: list[dict]) -> float:
    return sum(r["ndcg"] for r in results) / len(results)
