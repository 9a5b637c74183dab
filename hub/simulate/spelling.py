"""How one record writes its instrument's name, model and maker: drawn from `vocab/spelling.yaml`.

Pure functions of (kind, maker, model, a random.Random): the generator passes a generator seeded
per record, so the same seed gives the same spellings. Forms are ranked; rank r is drawn with weight
1 / r^zipf (a Zipf law), so the canonical name and the model as the maker prints it dominate and the
odd spellings are rare. A form that needs a value the record lacks (a maker without a Chinese name,
a kind without other spellings) falls back to the first form.
"""

from __future__ import annotations

import bisect
import string
from functools import lru_cache

from hub.simulate import vocabulary

_WIDE = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in string.ascii_letters + string.digits + "-/."} | {" ": "\u3000"})


@lru_cache(maxsize=256)
def zipf_cum(n: int, exponent: float) -> tuple[float, ...]:
    """Cumulative Zipf weights of ranks 1..n."""
    total, out = 0.0, []
    for r in range(1, n + 1):
        total += 1.0 / r**exponent
        out.append(total)
    return tuple(out)


def zipf_pick(seq, exponent: float, u: float):
    cum = zipf_cum(len(seq), exponent)
    return seq[min(len(seq) - 1, bisect.bisect_right(cum, u * cum[-1]))]


class _Lazy(dict):
    """Placeholder values computed only when a form asks for them; an empty value counts as absent,
    so the form falls back (most records take the first form, which needs one value at most)."""

    def __init__(self, makers, ctx):
        super().__init__()
        self.makers, self.ctx = makers, ctx

    def __missing__(self, key):
        value = self.makers[key](*self.ctx)
        if not value:
            raise KeyError(key)
        self[key] = value
        return value


def _fill(form: str, values: _Lazy) -> str | None:
    """The form with its placeholders filled, or None when one of them has no value here."""
    try:
        return form.format_map(values)
    except KeyError:
        return None


def _maker_zh(maker: tuple) -> str:
    zh, latin = maker[0], maker[1]
    # a "Chinese" spelling that is the Latin one again (IBM) is no Chinese spelling
    return zh if zh and zh != latin else ""


def _latin_unless_in(maker: tuple, model: str) -> str:
    # "EOS EOS M 290": a model that already names its maker does not get the name twice
    return "" if model.lower().startswith(maker[1].lower()) else maker[1]


#: placeholder → how it is computed from (maker, model); vocabulary.py checks forms against these names
MODEL_FIELDS = {
    "model": lambda maker, model: model,
    "model_nospace": lambda maker, model: model.replace(" ", ""),
    "model_upper": lambda maker, model: model.upper(),
    "model_lower": lambda maker, model: model.lower(),
    "model_dash": lambda maker, model: model.replace(" ", "-"),
    "model_space": lambda maker, model: model.replace("-", " "),
    "model_wide": lambda maker, model: model.translate(_WIDE),  # full-width letters, digits and space
    "maker_latin": _latin_unless_in,
}

MAKER_FIELDS = {
    "maker_zh": lambda maker: _maker_zh(maker),
    "maker_latin": lambda maker: maker[1],
    "maker_upper": lambda maker: maker[1].upper(),
    "maker_lower": lambda maker: maker[1].lower(),
    "country": lambda maker: maker[2] if maker[2] != "中国" else "",  # 中国Sugon公司 is nobody's spelling
}


def _note(kind, maker, model, u):
    voc = vocabulary.spelling()
    if not voc.notes:
        return ""
    opening, closing = zipf_pick(voc.brackets, 1.5, u[3])
    return opening + voc.notes[int(u[2] * len(voc.notes))] + closing


def _stem(kind, maker, model, u):
    for suffix, replacements in vocabulary.spelling().suffixes:
        if kind.name.endswith(suffix):
            return kind.name[: -len(suffix)] + replacements[int(u[4] * len(replacements))]
    return ""


NAME_FIELDS = {
    "name": lambda kind, maker, model, u: kind.name,
    "en": lambda kind, maker, model, u: kind.name_en,
    "model": lambda kind, maker, model, u: model,
    "maker_zh": lambda kind, maker, model, u: _maker_zh(maker),
    "maker_latin": lambda kind, maker, model, u: _latin_unless_in(maker, model),
    "spelling": lambda kind, maker, model, u: (
        zipf_pick(kind.spellings, vocabulary.spelling().spelling_zipf, u[1]) if kind.spellings else ""
    ),
    "stem": _stem,
    "note": _note,
}


def model_text(maker: tuple, model: str, rng) -> str:
    voc = vocabulary.spelling()
    text = _fill(zipf_pick(voc.model.forms, voc.model.zipf, rng.random()), _Lazy(MODEL_FIELDS, (maker, model)))
    return text if text is not None else model


def maker_text(maker: tuple, rng) -> str:
    voc = vocabulary.spelling()
    text = _fill(zipf_pick(voc.maker.forms, voc.maker.zipf, rng.random()), _Lazy(MAKER_FIELDS, (maker,)))
    return text if text is not None else (_maker_zh(maker) or maker[1])


def name_text(kind, maker: tuple, model: str, rng) -> str:
    """The instrument's name as this record writes it."""
    voc = vocabulary.spelling()
    # always seven draws, whichever form is taken: the draws after these stay where they were
    u = (rng.random(), rng.random(), rng.random(), rng.random(), rng.random(), rng.random(), rng.random())
    form = zipf_pick(voc.name.forms, voc.name.zipf, u[0])
    text = kind.name if form == "{name}" else _fill(form, _Lazy(NAME_FIELDS, (kind, maker, model, u))) or kind.name
    if u[5] < voc.typo_share:
        pairs = [(right, wrong) for right, wrong in voc.typos if right in text]
        if pairs:
            right, wrong = pairs[int(u[6] * len(pairs))]
            text = text.replace(right, wrong, 1)
    return text
