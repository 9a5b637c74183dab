"""Which installed font can draw Chinese in server-rendered charts (UI statistics, evaluation reports)."""

from __future__ import annotations

#: Fonts with CJK glyphs, most preferred first (names as matplotlib's font manager reports them).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "AR PL UMing CN",
)


def cjk_font() -> str | None:
    """The first installed CJK font family, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)
