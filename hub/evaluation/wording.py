"""An evaluation report in the reader's words: methods as sentences, uncertainty as a sentence per
unit, numbers as people write them. Pure functions of report data and a `t(key, **values)` lookup
(the UI's message catalogue, hub.web.ui.messages), so the web page and report.html say the same
thing in the same language.
"""

from __future__ import annotations

import math
from typing import Callable

from hub.evaluation.uncertainty import sobol_display

Translate = Callable[..., str]


def _en_ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


#: How a language writes an ordinal number before the catalogue's "eval.ordinal" wraps it.
ORDINALS: dict[str, Callable[[int], str]] = {"en": _en_ordinal, "zh": str}


def ordinal(n, t: Translate, lang: str) -> str:
    return t("eval.ordinal", n=ORDINALS.get(lang, str)(int(n)))


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


def unit_summary(unit: dict, t: Translate, lang: str) -> str:
    """'Ranks 1st; between 1st and 4th in 90 % of the alternatives.' from the unit's own numbers."""
    x = unit.get("uncertainty") or {}
    rank = unit.get("rank")
    if rank is None or not x or x.get("rank_p05") is None:
        return ""
    low, high = int(x["rank_p05"]), int(x["rank_p95"])
    if low == high == rank:
        text = t("eval.summary_stable", rank=ordinal(rank, t, lang))
    else:
        text = t("eval.summary", rank=ordinal(rank, t, lang), low=ordinal(low, t, lang), high=ordinal(high, t, lang))
    if not low <= rank <= high:
        text += " " + t("eval.summary_outside")
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


def method_sentence(spec, kind: str, t: Translate) -> str:
    """A method choice ({'method': 'minmax', 'range': [0, 100]}) as a phrase: 'min-max rescaled onto 0–100'."""
    if spec is None or spec == "nominal":
        return t("eval.nominal")
    if isinstance(spec, str):
        spec = {"method": spec}
    key = f"method.{kind}.{spec['method']}"
    text = t(key, **_params(spec))
    if text == key:  # a method the catalogue does not know yet: its name, never a dict
        return spec["method"]
    return text


def factor_alternatives(name: str, factor: dict, t: Translate) -> str:
    """An uncertain choice's alternatives as a sentence."""
    if name == "weights":
        return t("eval.factor.weights_desc", noise=f"{factor['noise'] * 100:g} %", sets=factor["sets"])
    kind = "normalisation" if name == "normalisation" else "aggregation"
    return "; ".join(method_sentence(c, kind, t) for c in factor["choices"])


def sobol_text(s: dict, key: str) -> str:
    """'0.47 (0.30–0.63)' or '≈ 0 (0.00–0.10)'."""
    value, conf = s.get(key), s.get(f"{key}_conf")
    interval = s.get(f"{key}_interval")
    shown = sobol_display(value, conf)
    return f"{shown} ({interval[0]:.2f}–{interval[1]:.2f})" if interval else shown


def flag_sentence(flag: dict, names: dict, t: Translate) -> str:
    a, b = flag["nodes"]
    return t(f"eval.flag.{flag['kind']}", a=names.get(a, a), b=names.get(b, b), r=num(flag["r"], 2))
