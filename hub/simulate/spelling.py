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


def _fill(form: str, values: dict) -> str | None:
    """The form with its placeholders filled, or None when one of them has no value here."""
    try:
        text = form.format_map(values)
    except KeyError:
        return None
    return text


class _Values(dict):
    """Placeholder values; an empty one counts as absent, so its form is skipped."""

    def __getitem__(self, key):
        value = dict.__getitem__(self, key)
        if value is None or value == "":
            raise KeyError(key)
        return value


def _maker_zh(maker: tuple) -> str:
    zh, latin = maker[0], maker[1]
    # a "Chinese" spelling that is the Latin one again (IBM) is no Chinese spelling
    return zh if zh and zh != latin else ""


def _latin_unless_in(maker: tuple, model: str) -> str:
    # "EOS EOS M 290": a model that already names its maker does not get the name twice
    return "" if model.lower().startswith(maker[1].lower()) else maker[1]


def model_text(maker: tuple, model: str, rng) -> str:
    voc = vocabulary.spelling()
    values = _Values(model=model, model_nospace=model.replace(" ", ""), model_upper=model.upper(),
                     model_lower=model.lower(), model_dash=model.replace(" ", "-"), model_space=model.replace("-", " "),
                     model_wide=model.translate(_WIDE), maker_latin=_latin_unless_in(maker, model))
    text = _fill(zipf_pick(voc.model.forms, voc.model.zipf, rng.random()), values)
    return text if text is not None else model


def maker_text(maker: tuple, rng) -> str:
    voc = vocabulary.spelling()
    zh, latin = _maker_zh(maker), maker[1]
    values = _Values(maker_zh=zh, maker_latin=latin, maker_upper=latin.upper(), maker_lower=latin.lower(),
                     country=maker[2] if maker[2] != "中国" else "")
    text = _fill(zipf_pick(voc.maker.forms, voc.maker.zipf, rng.random()), values)
    return text if text is not None else (zh or latin)


def _stem(name: str, u: float) -> str | None:
    for suffix, replacements in vocabulary.spelling().suffixes:
        if name.endswith(suffix):
            return name[: -len(suffix)] + replacements[int(u * len(replacements))]
    return None


def name_text(kind, maker: tuple, model: str, rng) -> str:
    """The instrument's name as this record writes it."""
    voc = vocabulary.spelling()
    u_form, u_spell, u_note, u_bracket, u_stem, u_typo, u_which = (rng.random() for _ in range(7))
    opening, closing = zipf_pick(voc.brackets, 1.5, u_bracket)
    values = _Values(
        name=kind.name, en=kind.name_en, model=model, maker_zh=_maker_zh(maker), maker_latin=_latin_unless_in(maker, model),
        spelling=zipf_pick(kind.spellings, voc.spelling_zipf, u_spell) if kind.spellings else "",
        stem=_stem(kind.name, u_stem) or "",
        note=opening + voc.notes[int(u_note * len(voc.notes))] + closing if voc.notes else "")
    text = _fill(zipf_pick(voc.name.forms, voc.name.zipf, u_form), values) or kind.name
    if u_typo < voc.typo_share:
        pairs = [(right, wrong) for right, wrong in voc.typos if right in text]
        if pairs:
            right, wrong = pairs[int(u_which * len(pairs))]
            text = text.replace(right, wrong, 1)
    return text
