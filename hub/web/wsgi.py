"""WSGI entry point for production servers: `gunicorn -w 2 -b 0.0.0.0:8000 hub.web.wsgi:app`.

Settings come from conf/settings.yaml and HUB_DATABASE_URL, as for every `hub` command.
"""

from hub.web import create_app

app = create_app()
