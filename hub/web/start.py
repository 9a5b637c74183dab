"""What a web process builds as it starts, before its first visitor: `warmed(app)`. Both ways of
serving the app start through it: production's WSGI entry point (hub.web.wsgi) and `hub serve`.
"""

import logging

from hub import collector
from hub.search import columns, versions
from hub.search.facets import city_names
from hub.search.lexicon import lexicon, load_pinyin
from hub.search.traditional import load_tables

log = logging.getLogger(__name__)


def warmed(app):
    """`app`, with what a search would otherwise build for its first visitor built as the process
    starts (once in the master with `gunicorn --preload`): pypinyin's dictionary, OpenCC's
    traditional → simplified tables (~5 ms, which every query with a Chinese word uses), the lexicon of
    every network's names that a query finding few results is checked against for slips (~0.5 s at a
    million instruments; later changes recount only the changed networks), the names of the
    cities the whole catalogue's facets show (~0.15 s), and the search documents' columns that
    nation-wide questions with a query are counted and ranked from (hub.search.columns: ~5 s and
    ~30 MB at a million). Harvest processes never load any of them."""
    load_pinyin()
    load_tables()
    store = app.extensions["hub_store"]
    try:
        with store.read() as conn:
            lexicon(conn)
            city_names(conn)
            columns.load(conn, versions.current(conn))
    except Exception as exc:  # a store not yet initialised: built for the first visitor, as before
        log.warning("slip lexicon, city names and search columns not built at start: %s", exc)
    finally:
        store.dispose()  # no connection of this process crosses gunicorn's fork
    collector.freeze_start_up()
    return app
