"""The representative of a cluster, rule by rule (hub.dedup.representative)."""

from __future__ import annotations

import pytest

from hub.dedup.features import Rec
from hub.dedup.representative import completeness, representatives


def rec(id_, network, **fields) -> Rec:
    base = dict(credit=None, owner="山东大学", root="山东大学", category="010500", model="1260", model_key="1260", name="液相色谱仪")
    base.update(value=850000.0, date="2019-06", province=None)
    base.update(fields)
    return Rec(id=id_, network=network, **base)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        pytest.param(
            rec("370000:1", "370000"), rec("420000:1", "420000", date="2019-06-15"), "420000:1", id="a full date is more complete"
        ),
        pytest.param(rec("370000:1", "370000", model=""), rec("420000:1", "420000"), "420000:1", id="a model is more complete"),
        pytest.param(rec("370000:1", "370000", category="010000"), rec("420000:1", "420000"), "420000:1", id="a 大类 alone is less"),
        pytest.param(
            rec("370000:1", "370000", province="42"), rec("420000:1", "420000", province="42"), "420000:1", id="the home province's network"
        ),
        pytest.param(
            rec("A00001:1", "A00001", province="37"),
            rec("370100:1", "370100", province="37"),
            "370100:1",
            id="no home network: smallest id",
        ),
        pytest.param(rec("370000:1", "370000"), rec("420000:1", "420000"), "370000:1", id="all equal: smallest id"),
    ],
)
def test_the_representative(a, b, expected):
    cluster = {a.id: "c", b.id: "c"}
    assert representatives([a, b], cluster) == {expected}
    assert representatives([b, a], cluster) == {expected}  # arrival order never decides


def test_every_record_outside_a_cluster_represents_itself():
    recs = [rec("370000:1", "370000"), rec("420000:1", "420000")]
    assert representatives(recs, {r.id: r.id for r in recs}) == {"370000:1", "420000:1"}


def test_completeness_counts_what_is_given():
    assert completeness(rec("x:1", "x", credit="c", date="2019-06-15")) == 7
    assert completeness(rec("x:1", "x", model="", value=None, date=None, category=None)) == 0
