"""WSGI entry point for production servers: `gunicorn -w 2 -b 0.0.0.0:8000 hub.web.wsgi:app`.

Settings come from conf/settings.yaml and HUB_DATABASE_URL, as for every `hub` command.
"""

from hub.search.lexicon import load_pinyin
from hub.web import create_app

app = create_app()
# Loaded as a worker starts (once in the master with `gunicorn --preload`), not by the first visitor
# whose query is checked for slips. Harvest processes never load it.
load_pinyin()
