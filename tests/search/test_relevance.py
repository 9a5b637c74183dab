"""The judged query set (tests/search/judged_queries.py) scores nDCG@10 ≥ 0.85 over the simulated
world's catalogue, typo, word-form and pinyin queries included, and SQLite and PostgreSQL rank every
query identically. tests/bench/bench_relevance.py prints the same figures."""

import pytest

from hub.store.migrate import upgrade
from tests.conftest import POSTGRES, make_store
from tests.search.judged_queries import JUDGED
from tests.search.relevance import build_catalogue, evaluate, mean_ndcg

TARGET = 0.85


def _evaluate(backend, tmp_path):
    store, cleanup = make_store(backend, tmp_path)
    try:
        upgrade(store)
        return evaluate(store, build_catalogue(store, scale=0.01))
    finally:
        cleanup()


def test_the_judged_set_is_large_and_covers_every_way_of_typing():
    assert len(JUDGED) >= 40
    assert {"typo", "word form", "pinyin", "english", "plain", "model"} <= {typed for _, typed, _ in JUDGED}


def test_judged_queries_score_and_backends_agree(tmp_path):
    sqlite = _evaluate("sqlite", tmp_path / "s")
    assert mean_ndcg(sqlite) >= TARGET, [(r["query"], round(r["ndcg"], 2)) for r in sqlite if r["ndcg"] < 1]
    # Not "model": a family's nDCG is bounded by how few of its models the catalogue holds (graded by
    # kind, the ideal is ten of the kind); tests/search/test_model_families.py checks what it finds.
    for typed in ("typo", "word form", "pinyin"):
        part = [r for r in sqlite if r["typed"] == typed]
        assert mean_ndcg(part) >= TARGET, (typed, [(r["query"], r["ndcg"]) for r in part])
    # The typo queries were answered by their correction, not by luck.
    assert all(r["corrected_from"] == r["query"] for r in sqlite if r["typed"] == "typo")
    if not POSTGRES:
        pytest.skip("no PostgreSQL server reachable: SQLite figures checked only")
    postgres = _evaluate("postgres", tmp_path / "p")
    assert [r["ids"] for r in sqlite] == [r["ids"] for r in postgres]


ENGLISH_AND_CHINESE = [
    ("electron microscope", "电子显微镜"),
    ("scanning electron microscopes", "扫描电子显微镜"),
    ("nuclear magnetic resonance", "核磁共振"),
    ("flow cytometer", "流式细胞仪"),
    ("centrifuge", "离心机"),
    ("X-ray diffractometer", "X射线衍射仪"),
    ("liquid chromatography", "液相色谱"),
]


def test_an_english_name_finds_what_the_chinese_name_finds(tmp_path):
    """Most records have no English name: "electron microscope" found 70 of the 104 electron
    microscopes the Chinese name found (scale 0.05), "centrifuge" none of 49 (conf/synonyms.yaml)."""
    from hub.search import search

    store, cleanup = make_store("sqlite", tmp_path)
    try:
        upgrade(store)
        build_catalogue(store, scale=0.01)
        with store.read() as conn:
            for english, chinese in ENGLISH_AND_CHINESE:
                found = {i["id"] for i in search(conn, {"q": english, "page_size": "100"}).items}
                wanted = {i["id"] for i in search(conn, {"q": chinese, "page_size": "100"}).items}
                assert wanted and wanted <= found, (english, len(found), chinese, len(wanted))
    finally:
        cleanup()


#: An instrument's everyday full name and its abbreviation (conf/synonyms.yaml).
FULL_NAME_AND_ABBREVIATION = [
    ("核磁共振仪", "NMR"),
    ("液质联用仪", "LC-MS"),
    ("气质联用仪", "GC-MS"),
    ("电感耦合等离子体质谱仪", "ICP-MS"),
]


def test_a_full_name_finds_what_its_abbreviation_finds_and_lc_ms_no_icp_ms(tmp_path):
    """The public typed the full name: 核磁共振仪 found 27 of the 319 NMRs (the name's 振仪 is not in
    核磁共振波谱仪), 液质联用仪 78 of 1,436. And "LC-MS" found 532 ICP-MS whose specifications say
    "可与液相色谱联用": the hyphenated expansion's halves were asked anywhere in a record."""
    from hub.search import search

    store, cleanup = make_store("sqlite", tmp_path)
    try:
        upgrade(store)
        build_catalogue(store, scale=0.01)
        with store.read() as conn:

            def found(q):
                return {(i["id"], i["name"]) for i in search(conn, {"q": q, "page_size": "100"}).items}

            for full, short in FULL_NAME_AND_ABBREVIATION:
                by_full, by_short = found(full), found(short)
                assert by_short and by_short <= by_full, (full, len(by_full), short, len(by_short))
            assert not [name for _, name in found("LC-MS") if "电感耦合" in name]
    finally:
        cleanup()
