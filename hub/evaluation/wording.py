"""An evaluation report in the reader's words: methods as sentences, uncertainty as a sentence per
unit, numbers as people write them. Pure functions of report data and a `_(key, **values)` lookup
(the UI's gettext catalogues, through hub.web.ui.i18n), so the web page and report.html say the same
thing in the same language. Ids chosen by a code (a method, a factor, a reason, a flag) are written
out in tables below, so Babel's extraction sees each of them.
"""

from __future__ import annotations

import math
from typing import Callable

from hub.evaluation.texts import pick
from hub.evaluation.uncertainty import sobol_display
from hub.web.ui.i18n import N_

Translate = Callable[..., str]


def _en_ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: How a language writes an ordinal number before the catalogue's "eval.ordinal" wraps it.
ORDINALS: dict[str, Callable[[int], str]] = {"en": _en_ordinal, "zh": str}


#: (slot, method) → the sentence naming it; its parameters fill the placeholders.
METHODS: dict[tuple[str, str], str] = {
    ("normalisation", "none"): N_("method.normalisation.none"),
    ("normalisation", "minmax"): N_("method.normalisation.minmax"),
    ("normalisation", "zscore"): N_("method.normalisation.zscore"),
    ("normalisation", "goalposts"): N_("method.normalisation.goalposts"),
    ("normalisation", "rank"): N_("method.normalisation.rank"),
    ("normalisation", "percentile"): N_("method.normalisation.percentile"),
    ("normalisation", "target"): N_("method.normalisation.target"),
    ("normalisation", "reference"): N_("method.normalisation.reference"),
    ("aggregation", "arithmetic"): N_("method.aggregation.arithmetic"),
    ("aggregation", "geometric"): N_("method.aggregation.geometric"),
    ("aggregation", "harmonic"): N_("method.aggregation.harmonic"),
    ("aggregation", "copeland"): N_("method.aggregation.copeland"),
    ("aggregation", "pca"): N_("method.aggregation.pca"),
    ("aggregation", "bod"): N_("method.aggregation.bod"),
}
#: An uncertain choice's name.
FACTORS = {
    "weights": N_("eval.factor.weights"),
    "normalisation": N_("eval.factor.normalisation"),
    "aggregation": N_("eval.factor.aggregation"),
}
#: Why score quantiles are not summarised (hub.evaluation.uncertainty's reason codes).
REASONS = {
    "normalisation": N_("eval.reason.normalisation"),
    "rescaled": N_("eval.reason.rescaled"),
    "aggregation": N_("eval.reason.aggregation"),
}
#: An audit flag's sentence, by kind.
FLAGS = {
    "negative": N_("eval.flag.negative"),
    "weak": N_("eval.flag.weak"),
    "collinear": N_("eval.flag.collinear"),
    "constant": N_("eval.flag.constant"),
    "constant_present": N_("eval.flag.constant_present"),
}


def ordinal(n, _: Translate, lang: str) -> str:
    return _("eval.ordinal", n=ORDINALS.get(lang, str)(int(n)))


def num(value, digits: int = 2) -> str:
    """A number for people: grouped thousands, fixed decimals, – when missing (never nan or np.float64)."""
    if value is None or isinstance(value, bool):
        return "–"
    v = float(value)
    if not math.isfinite(v):
        return "–"
    if v == 0:
        v = 0.0  # no "-0.00"
    return f"{v:,.{digits}f}"


def share(value, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value) * 100:.{digits}f} %"


def next_ranked(units: list[dict]) -> dict[str, dict]:
    """Each ranked unit's id → the unit ranked after it (by rank, as the table lists them)."""
    ranked = sorted((u for u in units if u.get("rank") is not None), key=lambda u: u["rank"])
    return {a["id"]: b for a, b in zip(ranked, ranked[1:]) if b["rank"] != a["rank"]}


def unit_summary(unit: dict, _: Translate, lang: str, after: dict | None = None) -> str:
    """'Ranks 1st; between 1st and 4th in 90 % of the alternatives.' from the unit's own numbers, and,
    when the unit ranked `after` it has the better median rank, that the two are not told apart:
    Zhejiang "ranks 1st" with median rank 2 above Jiangsu with median 1 read as a clear first (an
    evaluator's probe)."""
    x = unit.get("uncertainty") or {}
    rank = unit.get("rank")
    if rank is None or not x or x.get("rank_p05") is None:
        return ""
    low, high = int(x["rank_p05"]), int(x["rank_p95"])
    if low == high == rank:
        text = _("eval.summary_stable", rank=ordinal(rank, _, lang))
    else:
        text = _("eval.summary", rank=ordinal(rank, _, lang), low=ordinal(low, _, lang), high=ordinal(high, _, lang))
    if not low <= rank <= high:
        text += " " + _("eval.summary_outside")
    theirs = ((after or {}).get("uncertainty") or {}).get("median_rank")
    if theirs is not None and x.get("median_rank") is not None and theirs < x["median_rank"]:
        text += " " + _("eval.summary_overtaken", other=ordinal(after["rank"], _, lang))
    return text


def _params(spec: dict) -> dict:
    values = {}
    for k, v in spec.items():
        if k == "method":
            continue
        if k == "range" and isinstance(v, (list, tuple)):
            values["low"], values["high"] = (f"{float(b):g}" for b in v)
        elif isinstance(v, float):
            values[k] = f"{v:g}"
        else:
            values[k] = v
    return values


def method_sentence(spec, kind: str, _: Translate) -> str:
    """A method choice ({'method': 'minmax', 'range': [0, 100]}) as a phrase: 'min-max rescaled onto 0–100'."""
    if spec is None or spec == "nominal":
        return _("eval.nominal")
    if isinstance(spec, str):
        spec = {"method": spec}
    msgid = METHODS.get((kind, spec["method"]))
    if msgid is None:  # a method the catalogue does not know yet: its name, never a dict
        return spec["method"]
    return _(msgid, **_params(spec))


def factor_alternatives(name: str, factor: dict, _: Translate) -> str:
    """An uncertain choice's alternatives as a sentence."""
    if name == "weights":
        return _("eval.factor.weights_desc", noise=f"{factor['noise'] * 100:g} %", sets=factor["sets"])
    kind = "normalisation" if name == "normalisation" else "aggregation"
    return "; ".join(method_sentence(c, kind, _) for c in factor["choices"])


def sobol_text(s: dict, key: str) -> str:
    """'0.47 (0.30–0.63)' or '≈ 0 (0.00–0.10)'."""
    value, conf = s.get(key), s.get(f"{key}_conf")
    interval = s.get(f"{key}_interval")
    shown = sobol_display(value, conf)
    return f"{shown} ({interval[0]:.2f}–{interval[1]:.2f})" if interval else shown


def flag_sentence(flag: dict, names: dict, _: Translate) -> str:
    msgid = FLAGS.get(flag["kind"])
    if msgid is None:
        return flag["kind"]
    a, b = (*flag["nodes"], None)[:2]  # a constant indicator's flag names one node
    return _(
        msgid, a=names.get(a, a), b=names.get(b, b), r=num(flag.get("r"), 2), weight=share(flag.get("weight")), missing=flag.get("missing")
    )


def factor_name(name: str, _: Translate) -> str:
    """An uncertain choice's name ('weights' → 权重); an unknown one as it is."""
    return _(FACTORS[name]) if name in FACTORS else name


def reason(code: str, _: Translate) -> str:
    return _(REASONS[code]) if code in REASONS else code


#: What a reader is told beside a framework text shown in the other language than theirs: which
#: language it is in (the evaluator wrote none in the reader's; hub.evaluation.texts).
TEXT_IN = {
    "zh": N_("eval.text_in.zh"),
    "en": N_("eval.text_in.en"),
}


def framework_text(holder: dict, field: str, lang: str, _: Translate) -> tuple[str, str | None, str]:
    """(text, the language it is in when not the reader's, the note saying so) for a framework's or
    node's `field` (name, rationale, description, title); ('', None, '') when it has none."""
    text, fell_back = pick(holder, field, lang)
    if not text:
        return "", None, ""
    if fell_back is None:
        return text, None, ""
    return text, fell_back, _(TEXT_IN[fell_back]) if fell_back in TEXT_IN else fell_back


def framework_names(report: dict, lang: str) -> dict[str, str]:
    """Node id -> its name in the reader's language (or the other one), for sentences and charts."""
    return {n["id"]: pick(n, "name", lang)[0] or n["id"] for n in report["nodes"]}


def trace_text(trace: dict) -> str:
    """A metric's provenance as people read it, in the order report.json stores it (sorted keys):
    "jobs: 54, 55; records: 881; uses: service_stats" — never a Python dict in the order of the moment."""
    parts = []
    for key in sorted(trace):
        value = trace[key]
        parts.append(f"{key}: {', '.join(map(str, value)) or '–'}" if isinstance(value, list) else f"{key}: {value}")
    return "; ".join(parts)


#: Aggregations that set their children's weights from the data: the framework's weights do not apply.
DATA_WEIGHTS = ("pca", "bod")


def weight_shares(report: dict) -> dict[str, float | None]:
    """Node id -> the share of its parent its weight gives it (weight ÷ the siblings' sum), which is
    what the aggregation applies: weights 0.35, 0.25, 0.3, 0.3 give performance 29.2 %, not 35 %.
    None for the index and for the children of a node whose weights come from the data."""
    by_id = {n["id"]: n for n in report["nodes"]}
    shares: dict[str, float | None] = {}
    for n in report["nodes"]:
        parent = by_id.get(n["parent"]) if n["parent"] else None
        if parent is None or (parent.get("aggregate") or {}).get("method") in DATA_WEIGHTS:
            shares[n["id"]] = None
            continue
        total = sum(by_id[c]["weight"] for c in parent["children"])
        shares[n["id"]] = n["weight"] / total if total else None
    return shares
