"""The garbage collector's settings: its pace in processes that write batches of records (`hub`
commands and the harvest workers they spawn), and what a web process built at start kept out of its
sight.

Python runs a young-generation collection every 700 net allocations of container objects. A batch
of records allocates hundreds of thousands (payloads, mapped dicts, rows, tokens), so a harvest of
41,170 records ran ~2,500 collections. The 14 full ones walked every object the process held. All
of them took 1.5 s of its 17.8 s of CPU. Every 20,000 allocations, the same harvest ran 36
collections and no full one: 0.26 s, 16.4 s of CPU. Nothing stays uncollected longer than a
fraction of a batch. Measured with `gc.callbacks` around one harvest; `docs/benchmarks.md` (2026-12-06).
"""

from __future__ import annotations

import gc

#: Allocations between young-generation collections (Python's default: 700); the older generations
#: keep their default ratios.
YOUNG_THRESHOLD = 20_000


def for_batches() -> None:
    """Collect at a batch writer's pace; the thresholds of the older generations are kept."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def freeze_start_up() -> None:
    """Keep everything alive now out of the collector's sight for the rest of the process: what a web
    process builds at start (lexicon, city names, pinyin dictionary, libraries) lives as long as it.
    A full collection walked those ~385,000 objects for 75–90 ms at a million instruments, a pause
    inside whichever request allocated past the threshold. It also keeps the pages a forked gunicorn
    worker shares with its master from being copied by the collector's writes."""
    gc.freeze()
