"""PostgreSQL's posting lists against the GIN scan, word by word (a script a person reruns, not a test).

    .venv/bin/python tests/bench/bench_postings.py postgresql+psycopg://postgres@127.0.0.1:5432/bench1m

For each word of the catalogue benchmark's query mix (tests/bench/bench_catalogue.py, QUERIES) on a
catalogue it built (`--reuse --build-only --only postgres`): the matches, the time of the scan
`hits` made before the lists (each match's row read and its field probes tested), and the time the
lists take to read and to answer, warm (the second of two rounds). Fails when `hits` (the lists, and
the GIN index for networks written since theirs) differs from the scan.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_catalogue import QUERIES  # noqa: E402

from hub.search import postings, versions  # noqa: E402
from hub.search.backends import backend  # noqa: E402
from hub.search.parse import parse_query  # noqa: E402
from hub.search.query import score_probes  # noqa: E402
from hub.search.synonyms import default_synonyms  # noqa: E402
from hub.store.db import Store  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", help="a PostgreSQL catalogue with posting lists")
    args = ap.parse_args()
    store = Store(args.url)
    if store.dialect != "postgresql":
        raise SystemExit("the posting lists are PostgreSQL's: give a postgresql+psycopg:// URL")
    text = backend(store.dialect)
    wrong = []
    with store.read() as conn:
        state = versions.current(conn)
        for word in QUERIES:
            clauses = parse_query(word, default_synonyms())
            probes = score_probes(clauses)
            tokens = postings.tokens_of(clauses, probes)
            for _ in range(2):
                t0 = time.perf_counter()
                fresh, _older, lists = postings.read(conn, tokens, state)
                t1 = time.perf_counter()
                found, bits = postings.answer(lists, clauses, probes)
                t2 = time.perf_counter()
            scanned, scanned_bits = text._scanned(conn, clauses, probes)
            t3 = time.perf_counter()
            # The whole answer: the listed networks' part above, and the GIN index's for any network
            # written since its lists (the catalogue benchmark's change phases leave one such).
            found, bits = text.hits(conn, clauses, probes, state=state)
            same = found.tolist() == scanned.tolist() and bits.tolist() == scanned_bits.tolist()
            if not same:
                wrong.append(word)
            print(
                f"{word:10s} {len(scanned):8,d} matches  scan {1000 * (t3 - t2):8.1f} ms"
                f"  lists: read {1000 * (t1 - t0):5.1f} ms + answer {1000 * (t2 - t1):5.1f} ms"
                f"  ({len(fresh)} networks listed){'' if same else '  DIFFERENT'}",
                flush=True,
            )
    if wrong:
        print(f"the lists' answer differs from the scan's for: {', '.join(wrong)}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
