"""The statistical audit (issue 16) against an independent numpy/scipy computation on the ASEM data,
and Cronbach's alpha against a published example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from hub.evaluation.audit import COLLINEAR, WEAK, cronbach_alpha
from hub.evaluation.service import run_evaluation

DATA = Path(__file__).parent / "data"
TOL = 1e-9


@pytest.fixture(scope="module")
def asem():
    report = run_evaluation(None, DATA / "asem.yaml", seed=11, runs=0)[0]
    ranked = [u for u in report["units"] if u["rank"] is not None]
    nodes = {n["id"]: n for n in report["nodes"]}
    # The audit's inputs, read back from report.json: each unit's normalised indicators and node scores.
    value = {}
    for node_id, n in nodes.items():
        if "source" in n:
            value[node_id] = np.array([np.nan if (v := u["indicators"][node_id]["normalised"]) is None else v for u in ranked], float)
        elif node_id == report["framework"]["index"]:
            value[node_id] = np.array([u["score"] for u in ranked], float)
        else:
            value[node_id] = np.array([np.nan if u["scores"][node_id] is None else u["scores"][node_id] for u in ranked], float)
    return report, nodes, value


def _pair(x, y):
    ok = np.isfinite(x) & np.isfinite(y)
    return x[ok], y[ok]


def test_correlations_match_scipy(asem):
    report, nodes, value = asem
    audit = report["audit"]
    index = report["framework"]["index"]
    assert audit["units"] == 46 and len(audit["nodes"]) == len(nodes) - 1
    checked = 0
    for node_id, e in audit["nodes"].items():
        parent = nodes[node_id]["parent"]
        for target, p_key, s_key in ((parent, "pearson_parent", "spearman_parent"), (index, "pearson_index", "spearman_index")):
            x, y = _pair(value[node_id], value[target])
            assert e[p_key] == pytest.approx(stats.pearsonr(x, y).statistic, abs=TOL), (node_id, target)
            assert e[s_key] == pytest.approx(stats.spearmanr(x, y).statistic, abs=TOL), (node_id, target)
            checked += 2
    assert checked == 4 * 59  # 49 indicators, 8 pillars, 2 sub-indices


def test_between_dimensions_match_scipy(asem):
    report, _nodes, value = asem
    between = report["audit"]["between_dimensions"]
    assert len(between["dimensions"]) == 8
    for a, row_p, row_s in zip(between["dimensions"], between["pearson"], between["spearman"]):
        for b, p, s in zip(between["dimensions"], row_p, row_s):
            x, y = _pair(value[a], value[b])
            assert p == pytest.approx(stats.pearsonr(x, y).statistic, abs=TOL)
            assert s == pytest.approx(stats.spearmanr(x, y).statistic, abs=TOL)


def _complete(report, value, dim):
    items = np.column_stack([value[c] for c in report["audit"]["dimensions"][dim]["indicators"]])
    return items[np.isfinite(items).all(axis=1)]


def test_cronbach_alpha_and_pca_match_numpy(asem):
    report, _nodes, value = asem
    for dim, e in report["audit"]["dimensions"].items():
        items = _complete(report, value, dim)
        k = items.shape[1]
        cov = np.cov(items, rowvar=False)  # alpha from the covariance matrix, not from variances of sums
        alpha = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
        assert e["cronbach_alpha"] == pytest.approx(alpha, abs=TOL), dim
        # principal components by SVD of the standardised data, not by eigh of the correlation matrix
        z = (items - items.mean(axis=0)) / items.std(axis=0, ddof=1)
        eigen = np.linalg.svd(z, compute_uv=False) ** 2 / (len(items) - 1)
        assert e["pca"]["units"] == len(items)
        assert e["pca"]["eigenvalues"] == pytest.approx(eigen.tolist(), abs=TOL), dim
        assert e["pca"]["variance_share"] == pytest.approx((eigen / k).tolist(), abs=TOL), dim


def test_effective_weights_and_flags(asem):
    report, nodes, value = asem
    audit = report["audit"]
    index = value[report["framework"]["index"]]
    r2 = {}
    for ind in audit["effective_weights"]:
        x, y = _pair(value[ind], index)
        r2[ind] = stats.pearsonr(x, y).statistic ** 2
    total = sum(r2.values())
    for ind, w in audit["effective_weights"].items():
        assert w["r_squared"] == pytest.approx(r2[ind], abs=TOL)
        assert w["effective"] == pytest.approx(r2[ind] / total, abs=TOL)
    assert sum(w["nominal"] for w in audit["effective_weights"].values()) == pytest.approx(1.0, abs=TOL)
    # the flags are exactly the correlations past their thresholds
    expected = set()
    for node_id, e in audit["nodes"].items():
        for target, r in ((nodes[node_id]["parent"], e["pearson_parent"]), (report["framework"]["index"], e["pearson_index"])):
            if r <= -WEAK:
                expected.add(("negative", node_id, target))
            elif abs(r) < WEAK:  # r = -0.02 says as little as r = 0.03: weak, not "pulls the other way"
                expected.add(("weak", node_id, target))
    for dim, e in audit["dimensions"].items():
        members = e["indicators"]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                x, y = _pair(value[a], value[b])
                if abs(stats.pearsonr(x, y).statistic) > COLLINEAR:
                    expected.add(("collinear", a, b))
    got = {(f["kind"], *f["nodes"]) for f in audit["flags"]}
    assert len(got) == len(audit["flags"])  # no flag twice (a pillar's parent may be the index)
    assert got == expected and any(k == "negative" for k, *_ in got)


# Bock and Lieberman's (1970) LSAT Section 6 data: 1,000 examinees, 5 binary items, given as the
# frequency of each response pattern (item 1 first). Published with Cronbach's alpha = 0.295 by
# Rizopoulos (2006), "ltm: An R package for latent variable modelling and item response theory
# analyses", Journal of Statistical Software 17(5) (`cronbach.alpha(LSAT)`); the data are the
# textbook example of Bartholomew, Knott and Moustaki, Latent Variable Models and Factor Analysis.
LSAT6 = [3, 6, 2, 11, 1, 1, 3, 4, 1, 8, 0, 16, 0, 3, 2, 15, 10, 29, 14, 81, 3, 28, 15, 80, 16, 56, 21, 173, 11, 61, 28, 298]


def test_cronbach_alpha_reproduces_the_published_lsat_example():
    rows = [[int(b) for b in format(pattern, "05b")] for pattern, count in enumerate(LSAT6) for _ in range(count)]
    items = np.array(rows, float)
    assert items.shape == (1000, 5)
    assert items.mean(axis=0).tolist() == pytest.approx([0.924, 0.709, 0.553, 0.763, 0.870])  # the published item difficulties
    assert round(cronbach_alpha(items), 3) == 0.295


def test_a_dimension_against_the_index_is_flagged_once(tmp_path):
    """A dimension's parent is the index: the parent and index checks are the same correlation."""
    (tmp_path / "t.csv").write_text("id,a,b\nx,1,9\ny,2,7\nz,3,4\nw,4,1\n", encoding="utf-8")
    (tmp_path / "f.yaml").write_text(
        "units: inputs\ninputs: [t.csv]\nindex: i\nnodes:\n  i: {children: [d1, d2]}\n"
        "  d1: {children: [a], weight: 3}\n  d2: {children: [b], weight: 1}\n  a: {source: {column: a}}\n  b: {source: {column: b}}\n",
        encoding="utf-8",
    )
    flags = run_evaluation(None, tmp_path / "f.yaml", runs=0)[0]["audit"]["flags"]
    about_d2 = [f for f in flags if f["nodes"] == ["d2", "i"]]
    assert len(about_d2) == 1 and about_d2[0]["kind"] == "negative"


def test_an_indicator_that_does_not_vary_is_flagged_with_the_weight_it_wastes(tmp_path):
    """Reading a demo ranking: 采集可用性 (1.0 for every harvested network) and 数据质量 (0 for all)
    showed "–" in every correlation column and 0.0 % effective weight, and no flag said why: 12 % of
    the nominal weight separated no unit. And r = -0.02 was worded as pulling its parent the other
    way, while r = 0.03 "hardly moves" it."""
    import csv
    import shutil

    from hub.evaluation import wording
    from hub.web.ui.i18n import translate

    for name in ("asem.yaml", "asem_iData.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    with open(DATA / "asem_iData.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["LPI"] = "3.5"  # every unit the same
    with open(tmp_path / "asem_iData.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = run_evaluation(None, tmp_path / "asem.yaml", seed=11, runs=0)[0]
    audit = report["audit"]
    constant = [f for f in audit["flags"] if f["kind"] == "constant"]
    assert [f["nodes"] for f in constant] == [["LPI"]]
    assert constant[0]["weight"] == pytest.approx(audit["effective_weights"]["LPI"]["nominal"]) and constant[0]["weight"] > 0
    assert audit["effective_weights"]["LPI"]["effective"] == 0
    # No correlation flag for it: it has none to flag.
    assert not [f for f in audit["flags"] if f["kind"] != "constant" and "LPI" in f["nodes"]]
    sentence = wording.flag_sentence(constant[0], {"LPI": "物流绩效"}, lambda key, **v: translate("zh", key, **v))
    assert sentence.startswith("物流绩效 在各单位之间没有差别") and "%" in sentence
    # The same value where present but missing for some units is said otherwise: it moves those units'
    # scores against the rest (availability 1.0 for pulled networks, missing for pushed ones).
    for row in rows[:3]:
        row["LPI"] = ""
    with open(tmp_path / "asem_iData.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    partly = run_evaluation(None, tmp_path / "asem.yaml", seed=11, runs=0)[0]["audit"]
    (present,) = [f for f in partly["flags"] if "LPI" in f["nodes"] and f["kind"].startswith("constant")]
    assert present["kind"] == "constant_present" and present["missing"] == 3
    words = wording.flag_sentence(present, {"LPI": "Logistics"}, lambda key, **v: translate("en", key, **v))
    assert "missing for 3" in words and "no effect" not in words
    # A weak correlation of either sign is weak; negative only at or below -WEAK.
    for f in audit["flags"]:
        if f["kind"] == "negative":
            assert f["r"] <= -WEAK
        elif f["kind"] == "weak":
            assert abs(f["r"]) < WEAK
