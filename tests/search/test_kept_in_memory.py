"""What a web process keeps in memory stays within its bounds (hub.search.cache.Lru): a count of
values, and bytes when the values are weighed — what the index said for a word can be 4 MB at a
million instruments."""

from hub.search.cache import Lru


def test_the_least_recently_used_values_leave_first():
    kept = Lru(2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # now more recent than b
    kept.put("c", 3)
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (1, None, 3)


def test_weighed_values_stay_within_the_budget():
    kept = Lru(10, weigh=len, budget=10)
    for key in "abcd":
        kept.put(key, "x" * 4)
    assert [k for k in "abcd" if kept.get(k)] == ["c", "d"] and kept.weight == 8
    kept.put("c", "x" * 6)  # a value replaced: its old weight leaves with it
    assert kept.weight == 10 and kept.get("d")
    kept.put("e", "x" * 30)  # heavier than the whole budget: kept alone, the newest
    assert kept.get("e") and not kept.get("c") and not kept.get("d") and kept.weight == 30
    kept.clear()
    assert kept.weight == 0 and kept.get("e") is None
