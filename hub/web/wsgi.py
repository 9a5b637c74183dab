"""WSGI entry point for production servers: `gunicorn -w 2 -b 0.0.0.0:8000 hub.web.wsgi:app`.

Settings come from conf/settings.yaml and HUB_DATABASE_URL, as for every `hub` command. The app is
warmed as the process starts (hub.web.start; once in the master with `gunicorn --preload`).
"""

from hub.web import create_app
from hub.web.start import warmed

app = warmed(create_app())
