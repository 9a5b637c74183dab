"""The exit codes of the `hub` command, and how an error that ends a command becomes one line and one code.

`EXIT_CODES` is the one table (docs/operations.md repeats it; a docs test checks they agree).
`explain(exc)` turns an exception into `(ExitCode, one line)`: the cause and what to do. It asks the
registered explainers, most specific exception type first; whatever none of them knows is a bug
(`internal`). `hub --debug …` prints the traceback as well.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExitCode:
    code: int
    name: str
    meaning: str


OK = ExitCode(0, "ok", "the command did what was asked")
FAILED = ExitCode(
    1,
    "failed",
    "the command ran, but part of its work failed: a network's harvest failed, pushed records "
    "were rejected or the batch failed, `mapping check --strict` found errors",
)
USAGE = ExitCode(
    2,
    "usage",
    "the command line or an input named on it is wrong: an unknown option or network code, an invalid mapping file, a push the hub refused",
)
SKIPPED = ExitCode(
    3,
    "skipped",
    "nothing failed, but a network was skipped because another process is harvesting it: run again when that harvest has finished",
)
CONFIG = ExitCode(4, "config", "a configuration file or setting is invalid: `conf/*.yaml`, `HUB_DATABASE_URL`")
DATABASE = ExitCode(5, "database", "the database cannot be reached, refuses the connection, or does not exist")
NOT_INITIALISED = ExitCode(6, "not_initialised", "the store has no tables, or older ones than this version expects: run `hub init`")
UNREACHABLE = ExitCode(7, "unreachable", "a remote service cannot be reached: the hub's URL for `hub push`")
INTERNAL = ExitCode(70, "internal", "an unexpected error, which is a bug: the line names it, `hub --debug …` shows the traceback")
INTERRUPTED = ExitCode(130, "interrupted", "interrupted by Ctrl-C")
TERMINATED = ExitCode(
    143,
    "terminated",
    "stopped by SIGTERM (a supervisor, `timeout`, `kill`): what was committed is kept, a running harvest's job is "
    "marked failed (interrupted) and its lease released; run the command again",
)

EXIT_CODES = (OK, FAILED, USAGE, SKIPPED, CONFIG, DATABASE, NOT_INITIALISED, UNREACHABLE, INTERNAL, INTERRUPTED, TERMINATED)


class Terminated(SystemExit):
    """Raised in the main thread by a command's SIGTERM handler: it unwinds the work like Ctrl-C (jobs
    marked interrupted, leases released) and ends the command with `terminated` and one line."""

    def __init__(self):
        super().__init__(TERMINATED.code)

    def __str__(self):
        return "stopped by SIGTERM"


#: (exception type, explainer) — an explainer returns (ExitCode, line) or None to pass the error on.
_EXPLAINERS: list[tuple[type, object]] = []


def explains(*types):
    def register(fn):
        _EXPLAINERS.extend((t, fn) for t in types)
        return fn

    return register


def explain(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code and one line (cause; what to do) for an error that ended a command."""
    candidates = [(t, fn) for t, fn in _EXPLAINERS if isinstance(exc, t)]
    # Most specific type first: UnknownNetwork before ConfigError before HubError.
    candidates.sort(key=lambda pair: -len(pair[0].__mro__))
    for _, fn in candidates:
        answer = fn(exc)
        if answer is not None:
            return answer
    return (
        INTERNAL,
        f"internal error: {type(exc).__name__}: {_first_line(exc)} (a bug; run `hub --debug …` for the traceback and report it)",
    )


def _first_line(exc) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"


def _database_url() -> str:
    """The configured database URL with its password hidden, for messages; '' when unreadable."""
    try:
        from sqlalchemy.engine import make_url

        from hub.config import settings

        return make_url(settings().database_url).render_as_string(hide_password=True)
    except Exception:  # the configuration itself may be what is broken
        return ""


def _database_name() -> str:
    try:
        from sqlalchemy.engine import make_url

        from hub.config import settings

        return make_url(settings().database_url).database or ""
    except Exception:  # the configuration itself may be what is broken
        return ""


# ---------------------------------------------------------------------------------------- explainers

#: The packages of the `postgres` extra (pyproject.toml): the driver and the job queue.
POSTGRES_EXTRA = ("psycopg", "procrastinate")


def _register_all():
    import requests
    from sqlalchemy import exc as sa

    from hub.config import UnknownNetwork
    from hub.errors import ConfigError, HubError
    from hub.harvest.lease import LeaseBusy

    @explains(HubError)
    def hub_error(exc):
        return USAGE, f"error: {exc}"

    @explains(ConfigError)
    def config_error(exc):
        return CONFIG, f"error: configuration: {exc}; fix it and run again"

    @explains(UnknownNetwork)
    def unknown_network(exc):
        return USAGE, f"error: network {exc.key}: {exc.problem}"

    @explains(LeaseBusy)
    def busy(exc):
        return SKIPPED, f"skipped: {exc}"

    @explains(sa.ArgumentError, sa.NoSuchModuleError)
    def bad_url(exc):
        return CONFIG, (
            f"error: the database URL is not usable ({_first_line(exc)}); set HUB_DATABASE_URL or `database_url` "
            "in conf/settings.yaml to a SQLAlchemy URL such as sqlite:///var/hub.sqlite or postgresql+psycopg://user@host/db"
        )

    @explains(sa.DBAPIError)
    def database(exc):
        # Only the driver's first line: the rest of SQLAlchemy's message carries the SQL and its parameters.
        cause = _first_line(exc.orig) if exc.orig is not None else _first_line(exc)
        lowered = cause.lower()
        url = _database_url()
        at = f" at {url}" if url else ""
        if "database" in lowered and "does not exist" in lowered:
            name = _database_name() or "NAME"
            return DATABASE, f"error: {cause.split('FATAL:')[-1].strip()}{at}; create it (`createdb {name}`), then run `hub init`"
        # SQLite says "no such table/column"; PostgreSQL 'relation "x" does not exist', 'column x does not exist'.
        if any(m in lowered for m in ("no such table", "no such column", "relation", "column")) and (
            "no such" in lowered or "does not exist" in lowered
        ):
            return NOT_INITIALISED, f"error: the store{at} is not initialised or is older than this version ({cause}); run `hub init`"
        return DATABASE, (
            f"error: cannot use the database{at}: {cause.split('failed:')[-1].strip()}; check that the server runs "
            "and that HUB_DATABASE_URL is right"
        )

    @explains(ModuleNotFoundError)
    def not_installed(exc):
        # A host set up with `pip install -e .` and pointed at PostgreSQL: the extra was left out.
        if exc.name not in POSTGRES_EXTRA:
            return None
        return CONFIG, (
            f"error: {exc.name} is not installed, and HUB_DATABASE_URL names PostgreSQL; install the hub with its "
            "PostgreSQL extra: pip install '.[postgres]' (docs/operations.md, \"More than one machine\")"
        )

    @explains(requests.ConnectionError, requests.Timeout)
    def unreachable(exc):
        request = getattr(exc, "request", None)
        url = getattr(request, "url", None) or "the server"
        reason = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
        return UNREACHABLE, f"error: cannot reach {url} ({reason}); check --url / HUB_URL and that the hub is running there"


_register_all()
