"""`hub serve`: the web app (API + UI) on werkzeug's development server.

For production run a WSGI server on `hub.web.wsgi:app`, e.g. `gunicorn -w 2 -b 0.0.0.0:8000 hub.web.wsgi:app`.
"""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--debug", is_flag=True, help="Reloader and interactive debugger (never on a public interface).")
def serve(host, port, debug):
    """Serve the catalogue API (/api/v1, docs at /api/docs) and web UI (/) with the development server."""
    from hub.web import create_app
    from hub.web.start import warmed

    # Warmed as production's entry point is: without the search columns, a nation-wide question with
    # a query is counted by the database (~0.7 s at a million instead of tens of milliseconds).
    app = warmed(create_app())
    click.echo(f"serving {app.config['DATABASE_URL']} on http://{host}:{port}/  (API docs: /api/docs)", err=True)
    app.run(host=host, port=port, debug=debug, use_reloader=debug, threaded=True)


COMMANDS = [serve]
