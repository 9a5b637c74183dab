"""Charts find a CJK font even when it was installed after matplotlib first listed the fonts."""

from __future__ import annotations

import shutil

import pytest
from matplotlib import font_manager

from hub import fonts


@pytest.mark.skipif(
    not shutil.which("fc-list") or not any("cjk" in p.lower() for p in font_manager.findSystemFonts()),
    reason="no CJK font installed (Debian: fonts-noto-cjk)",
)
def test_a_font_missing_from_matplotlibs_cached_list_is_found_on_the_system(monkeypatch):
    # matplotlib's on-disk font list as it is when written before `apt install fonts-noto-cjk`.
    stale = [f for f in font_manager.fontManager.ttflist if f.name not in fonts.CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", stale)
    fonts.cjk_font.cache_clear()
    try:
        assert fonts.cjk_font() in fonts.CJK_FONTS
    finally:
        fonts.cjk_font.cache_clear()
