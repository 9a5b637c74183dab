"""DiskRows: a directory download kept on disk, looked up by id, first row per id wins."""

from __future__ import annotations

from connectors._diskrows import DiskRows


def test_rows_are_found_by_id_and_the_first_row_of_an_id_wins():
    with DiskRows() as rows:
        assert rows.add("HE-1", {"仪器名称": "气相色谱仪", "原值": "68.5万元"})
        assert not rows.add("HE-1", {"仪器名称": "a later duplicate"})
        assert rows.add("HE-2", {"仪器名称": "透射电子显微镜"})
        assert rows.get("HE-1") == {"仪器名称": "气相色谱仪", "原值": "68.5万元"}
        assert rows.get("HE-3") is None
        assert sorted(rows) == ["HE-1", "HE-2"] and len(rows) == 2


def test_a_large_directory_does_not_stay_in_memory():
    import tracemalloc

    tracemalloc.start()
    with DiskRows() as rows:
        for n in range(20_000):
            rows.add(f"HE-{n:05d}", {"仪器名称": f"仪器{n}", "主要技术指标": "分辨率 0.1 nm；" * 20})
        held, _ = tracemalloc.get_traced_memory()
        assert rows.get("HE-19999")["仪器名称"] == "仪器19999"
    tracemalloc.stop()
    # As Python dicts these rows are ~20 MB; Python holds none of them (SQLite's own page cache,
    # 2 MB by default, spills to its temporary file and is outside tracemalloc's view).
    assert held < 4 * 2**20
