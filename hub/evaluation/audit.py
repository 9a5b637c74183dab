"""The statistical audit of a composite index, as the JRC audits them (OECD/JRC Handbook 2008, §5;
COINr's `get_corr`, `get_cronbach`, `get_PCA`): computed on the nominal normalised values and scores
of the ranked units.

- correlations (Pearson and Spearman, pairwise complete units) of every indicator and aggregate
  with its parent and with the index, and between the dimensions (the parents of indicators);
- Cronbach's alpha per dimension over its indicators (complete units): k/(k−1)·(1 − Σ var / var of the sum);
- principal components per dimension: eigenvalues of its indicators' correlation matrix and the share
  of variance each explains (complete units);
- flags: a negative correlation with the parent or the index (at or below −WEAK), a weak one (|r|
  below WEAK, either sign: r = −0.02 says as little as r = 0.03), a collinear pair of indicators
  within a dimension (|r| above COLLINEAR), an indicator that does not vary between the units (one
  value, or missing), which no correlation can describe and whose weight moves nothing;
- effective weights after Paruolo, Saisana and Saltelli (2013, JRSS A 176(3)): each indicator's
  importance is its first-order effect on the index, Var(E[index | x]) / Var(index), estimated here
  by the squared Pearson correlation (exact when the dependence is linear); shares of the sum are set
  beside the nominal weights (product of the normalised weights down the tree). An indicator whose
  effective weight is far below its nominal one is not driving the index as its weight says.
Pure: it reads a Framework and a Nominal and returns plain data for report.json.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from hub.evaluation.engine import Nominal
from hub.evaluation.framework import Framework

#: |r| below this with the parent or the index: the node hardly moves that one (the flag names which).
WEAK = 0.3
#: |r| above this between two indicators of one dimension: they double-count (COINr's get_corr_flags default 0.9).
COLLINEAR = 0.9
MIN_UNITS = 3


def pearson(x, y) -> float | None:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < MIN_UNITS:
        return None
    dx, dy = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    den = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    return None if den == 0 else float((dx * dy).sum() / den)


def _as_reported(x):
    """Values at report.json's precision (12 significant digits): two scores equal but for the order
    of a float sum are a tie, as the report shows them, not two ranks."""
    return np.array([float(f"{v:.12g}") for v in x])


def spearman(x, y) -> float | None:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < MIN_UNITS:
        return None
    return pearson(rankdata(_as_reported(x[ok])), rankdata(_as_reported(y[ok])))


def cronbach_alpha(items: np.ndarray) -> float | None:
    """Cronbach's alpha of (units, items), complete units only; None with fewer than 2 items or 3 units."""
    items = items[np.isfinite(items).all(axis=1)]
    n, k = items.shape
    if k < 2 or n < MIN_UNITS:
        return None
    total = items.sum(axis=1).var(ddof=1)
    if total == 0:
        return None
    return float(k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / total))


def principal_components(items: np.ndarray) -> dict | None:
    """Eigenvalues of the items' correlation matrix (largest first), their variance shares and the
    first component's loadings (sign fixed so that their sum is positive)."""
    items = items[np.isfinite(items).all(axis=1)]
    n, k = items.shape
    if k < 2 or n < MIN_UNITS or (items.std(axis=0) == 0).any():
        return None
    corr = np.corrcoef(items, rowvar=False)
    values, vectors = np.linalg.eigh(corr)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    first = vectors[:, 0] * (1 if vectors[:, 0].sum() >= 0 else -1)
    return {
        "units": int(n),
        "eigenvalues": values.tolist(),
        "variance_share": (values / values.sum()).tolist(),
        "first_loadings": first.tolist(),
        "components_above_1": int((values > 1).sum()),
    }


def nominal_shares(fw: Framework) -> dict[str, float]:
    """Each indicator's nominal weight in the index: the product of its normalised weights up the tree."""
    out = {}
    for node in fw.indicators:
        share, child = 1.0, node
        while child.parent is not None:
            parent = fw.nodes[child.parent]
            total = sum(fw.nodes[c].weight for c in parent.children)
            share *= child.weight / total if total else 0.0
            child = parent
        out[node.id] = share
    return out


def audit(fw: Framework, nom: Nominal, ids: list[str]) -> dict:
    index = nom.scores[fw.index]
    inds = fw.indicators
    column = {n.id: nom.normalised[:, j] for j, n in enumerate(inds)}
    value = dict(column)
    value.update(nom.scores)
    nodes = {}
    flags = []
    for node in fw.nodes.values():
        if node.id == fw.index:
            continue
        x = value[node.id]
        entry = {
            "parent": node.parent,
            "pearson_parent": pearson(x, value[node.parent]),
            "spearman_parent": spearman(x, value[node.parent]),
            "pearson_index": pearson(x, index),
            "spearman_index": spearman(x, index),
        }
        nodes[node.id] = entry
        # a dimension's parent is the index: one flag, not the same one twice
        targets = {node.parent: entry["pearson_parent"], fw.index: entry["pearson_index"]}
        for target, r in targets.items():
            if r is None:
                continue
            if r <= -WEAK:
                flags.append({"kind": "negative", "nodes": [node.id, target], "r": r})
            elif abs(r) < WEAK:
                flags.append({"kind": "weak", "nodes": [node.id, target], "r": r})

    dimensions = [n for n in fw.aggregates if any(fw.nodes[c].is_indicator for c in n.children)]
    dims = {}
    for d in dimensions:
        members = [c for c in d.children if fw.nodes[c].is_indicator]
        items = np.column_stack([column[c] for c in members])
        pairs = []
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                r = pearson(items[:, a], items[:, b])
                if r is not None and abs(r) > COLLINEAR:
                    pairs.append({"nodes": [members[a], members[b]], "r": r})
                    flags.append({"kind": "collinear", "nodes": [members[a], members[b]], "r": r})
        dims[d.id] = {
            "indicators": members,
            "cronbach_alpha": cronbach_alpha(items),
            "pca": principal_components(items),
            "collinear": pairs,
        }

    between = {"dimensions": [d.id for d in dimensions], "pearson": [], "spearman": []}
    for a in dimensions:
        between["pearson"].append([pearson(value[a.id], value[b.id]) for b in dimensions])
        between["spearman"].append([spearman(value[a.id], value[b.id]) for b in dimensions])

    nominal = nominal_shares(fw)
    for n in inds:
        known = column[n.id][np.isfinite(column[n.id])]
        if len(known) < MIN_UNITS or np.ptp(known) == 0:
            # Its correlations are undefined ("–" in every column) and its effective weight is 0: said
            # in words, or 12 % of the nominal weight separating no unit goes unremarked.
            missing = len(column[n.id]) - len(known)
            if len(known) and np.ptp(known) == 0 and missing:
                # One value where present, missing elsewhere: it separates those that have it from
                # those that do not (their scores are rescaled over their other indicators), so "no
                # effect" was false — harvest availability at 1.0 for 28 pulled networks and missing for
                # the two pushed ones moved ten ranks (an evaluator's probe, recomputed with weight 0).
                flags.append({"kind": "constant_present", "nodes": [n.id], "weight": nominal[n.id], "missing": missing})
            else:
                flags.append({"kind": "constant", "nodes": [n.id], "weight": nominal[n.id]})
    importance = {n.id: (r * r if (r := pearson(column[n.id], index)) is not None else 0.0) for n in inds}
    total = sum(importance.values())
    effective = {
        n.id: {"nominal": nominal[n.id], "r_squared": importance[n.id], "effective": importance[n.id] / total if total else None}
        for n in inds
    }
    return {
        "units": len(ids),
        "thresholds": {"weak": WEAK, "collinear": COLLINEAR},
        "nodes": nodes,
        "dimensions": dims,
        "between_dimensions": between,
        "effective_weights": effective,
        "flags": flags,
    }
