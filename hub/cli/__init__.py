"""The `hub` command. Each module in this package contributes its commands through a `COMMANDS`
list; they are discovered here, so adding a command is adding a module, never editing this file."""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import sys
import traceback

import click

from hub import collector
from hub.cli import exit_codes


#: Set by `--debug` (or HUB_DEBUG=1): an error that ends a command shows its traceback too.
_debug = os.environ.get("HUB_DEBUG", "") not in ("", "0")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("--debug", is_flag=True, help="Show the traceback of an error that ends a command (also HUB_DEBUG=1).")
def cli(verbose, debug):
    """National hub for the provincial large-scientific-instrument sharing networks.

    Exit codes: 0 ok, 1 part of the work failed, 2 usage, 3 skipped (network busy), 4 configuration,
    5 database unreachable or missing, 6 store not initialised (run `hub init`), 7 remote unreachable,
    70 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM) (docs/operations.md)."""
    global _debug
    _debug = _debug or debug
    collector.for_batches()  # every command may write batches: harvest, push, remap, worker …
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _discover():
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)


_discover()


def main():
    """Run the command; every error that ends it becomes one line on stderr and a documented exit
    code (`hub.cli.exit_codes`), with the traceback only under `--debug`."""
    try:
        # Commands return an int to set the exit status (e.g. 1 when a network failed).
        rv = cli.main(standalone_mode=False)
        if isinstance(rv, int):
            sys.exit(rv)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("aborted", err=True)
        sys.exit(exit_codes.INTERRUPTED.code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except exit_codes.Terminated:
        click.echo("terminated: stopped by SIGTERM; what was committed is kept; run the command again", err=True)
        sys.exit(exit_codes.TERMINATED.code)
    except SystemExit:
        raise
    except Exception as exc:
        status, line = exit_codes.explain(exc)
        if _debug:
            traceback.print_exc()
        click.echo(line, err=True)
        sys.exit(status.code)
