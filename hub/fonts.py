"""What every server-rendered chart (UI statistics, operations, evaluation reports) shares: which
installed font can draw Chinese, and the lock that renders one chart at a time."""

from __future__ import annotations

import functools
import os
import threading

#: matplotlib is not thread-safe: its font list and its settings are global, and `rc_context` in one
#: request thread changes them for every other (an evaluation chart keeps text as text, the UI's
#: draw glyphs as paths). Every server-side rendering holds this lock; re-entrant, so a rendering
#: may look up `cjk_font()` inside it.
RENDER_LOCK = threading.RLock()

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


#: Words in the file names of the fonts above, for the system scan below.
_CJK_FILE_HINTS = ("cjk", "sourcehan", "wqy", "uming")


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None.

    matplotlib lists the system's fonts once and caches the list on disk; fonts installed after that
    (on a new server: the application first, then `apt install fonts-noto-cjk`) are missing from it,
    and charts would fall back to English labels for good. So when the cached list has none, the
    system is searched once and what is found is added."""
    from matplotlib import font_manager

    with RENDER_LOCK:
        found = _first_cjk(font_manager)
        if found is None:
            for path in font_manager.findSystemFonts():
                if any(hint in os.path.basename(path).lower() for hint in _CJK_FILE_HINTS):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read: skip it
                        continue
            found = _first_cjk(font_manager)
    return found


def _first_cjk(font_manager) -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)
