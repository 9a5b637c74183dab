"""Deployment configuration: `conf/settings.yaml` and the network registry `conf/networks.yaml`.

Both are validated where they are loaded; a typo fails at start-up with the file, the key and what was
expected. Strings may reference the environment as `${NAME}` or `${NAME:-default}`, which is how
credentials stay out of the repository.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hub import PROJECT_ROOT
from connectors import WITHOUT_PULL as FAMILIES_WITHOUT_PULL
from connectors import all_families, connector_class
from hub.errors import ConfigError, validation_error
from hub.network_codes import EXPECTED, NETWORK_CODE_PATTERN

_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")


def conf_dir() -> Path:
    return Path(os.environ.get("HUB_HOME", PROJECT_ROOT)) / "conf"


def mappings_dir() -> Path:
    return Path(os.environ.get("HUB_HOME", PROJECT_ROOT)) / "mappings"


def expand_env(value, source, key):
    """Replace `${NAME}` / `${NAME:-default}` in strings, recursively; a missing variable is an error."""
    if isinstance(value, dict):
        return {k: expand_env(v, source, f"{key}.{k}" if key else k) for k, v in value.items()}
    if isinstance(value, list):
        return [expand_env(v, source, f"{key}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match):
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(source, key, f"environment variable {name} is not set")

    return _ENV_REF.sub(substitute, value)


def load_yaml(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, None, f"not valid YAML: {exc}") from None


class _Strict(Schema):
    class Meta:
        unknown = RAISE


# --------------------------------------------------------------------------- settings


class _WithdrawalSchema(_Strict):
    max_share = fields.Float(load_default=0.2, validate=validate.Range(0, 1))
    min_listing = fields.Integer(load_default=1, validate=validate.Range(min=0))


class _HttpSchema(_Strict):
    connect_timeout = fields.Float(load_default=5.0, validate=validate.Range(min=0.1))
    read_timeout = fields.Float(load_default=30.0, validate=validate.Range(min=0.1))
    max_retries = fields.Integer(load_default=4, validate=validate.Range(0, 20))
    max_retry_after = fields.Float(load_default=120.0, validate=validate.Range(min=0))
    backoff = fields.Float(load_default=0.5, validate=validate.Range(min=0))
    max_body_bytes = fields.Integer(load_default=512 * 1024 * 1024, validate=validate.Range(min=1024))
    min_body_rate = fields.Float(load_default=1024.0, validate=validate.Range(min=0))
    user_agent = fields.String(load_default="instrument-hub/0.1 (+national instrument-sharing hub)")


class _AlertsSchema(_Strict):
    failed_runs = fields.Integer(load_default=3, validate=validate.Range(min=1))
    unreachable_minutes = fields.Integer(load_default=60, validate=validate.Range(min=1))


def _check_notifier(value):
    # Imported here: hub.ops.notify holds the registry of notifiers and checks each one's options.
    from hub.ops.notify import check_notifier

    problem = check_notifier(value)
    if problem:
        raise ValidationError(problem)


def _check_cron(value):
    from hub.ops.schedule import cron_problem

    problem = cron_problem(value)
    if problem:
        raise ValidationError(problem)


class _OperationsSchema(_Strict):
    """`operations:` — the scheduler, health probes, alerts and their notifier (docs/operations.md)."""

    probe_interval_seconds = fields.Integer(load_default=300, validate=validate.Range(min=10))
    probe_timeout_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=120))
    poll_seconds = fields.Float(load_default=5.0, validate=validate.Range(min=0.1, max=3600))
    lease_ttl_seconds = fields.Integer(load_default=600, validate=validate.Range(min=5))
    scheduler_workers = fields.Integer(load_default=4, validate=validate.Range(1, 64))
    # `hub worker` on PostgreSQL (hub.queue.postgres): how often it beats, when a silent worker's jobs
    # are retried by another, how often one of them looks for stalled jobs and lost batches.
    worker_heartbeat_seconds = fields.Float(load_default=10.0, validate=validate.Range(min=0.5, max=600))
    worker_stalled_seconds = fields.Float(load_default=30.0, validate=validate.Range(min=2, max=3600))
    worker_sweep_seconds = fields.Integer(load_default=10, validate=validate.Range(1, 59))
    service_stats_cron = fields.String(load_default="0 4 1 * *", validate=_check_cron)
    alerts = fields.Nested(_AlertsSchema, load_default=lambda: _AlertsSchema().load({}))
    notifier = fields.Dict(keys=fields.String(), load_default=lambda: {"kind": "log"}, validate=_check_notifier)


def default_operations() -> dict:
    return _OperationsSchema().load({})


class _SettingsSchema(_Strict):
    database_url = fields.String(load_default="sqlite:///var/hub.sqlite")
    withdrawal = fields.Nested(_WithdrawalSchema, load_default=lambda: _WithdrawalSchema().load({}))
    http = fields.Nested(_HttpSchema, load_default=lambda: _HttpSchema().load({}))
    batch_size = fields.Integer(load_default=500, validate=validate.Range(1, 100_000))
    service_year = fields.Integer(load_default=2012)
    operations = fields.Nested(_OperationsSchema, load_default=default_operations)


@dataclass(frozen=True)
class Settings:
    database_url: str
    withdrawal: dict
    http: dict
    batch_size: int
    service_year: int
    source: str = ""
    operations: dict = field(default_factory=default_operations)

    @classmethod
    def load(cls, path: Path | None = None) -> "Settings":
        path = path or conf_dir() / "settings.yaml"
        raw = load_yaml(path) if path.exists() else {}
        raw = expand_env(raw or {}, path, "")
        try:
            data = _SettingsSchema().load(raw)
        except ValidationError as exc:
            raise validation_error(path, exc) from None
        if url := os.environ.get("HUB_DATABASE_URL"):
            data["database_url"] = url
        data["database_url"] = _anchor_sqlite(data["database_url"])
        return cls(source=str(path), **data)


def _anchor_sqlite(url: str) -> str:
    """A relative SQLite path is relative to the project root, not to wherever the command ran."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        base = Path(os.environ.get("HUB_HOME", PROJECT_ROOT))
        return prefix + str(base / url[len(prefix) :])
    return url


# --------------------------------------------------------------------------- network registry


class _ScheduleSchema(_Strict):
    cron = fields.String(load_default=None)
    interval_minutes = fields.Integer(load_default=None, validate=validate.Range(min=1))
    full_every_days = fields.Integer(load_default=7, validate=validate.Range(min=1))


class _NetworkSchema(_Strict):
    code = fields.String(required=True, validate=validate.Regexp(NETWORK_CODE_PATTERN, error=EXPECTED))
    name = fields.String(required=True)
    # English pages name a provincial network after its province; a register that is no province's
    # (an academy's, a foreign partner's) says its English name here.
    name_en = fields.String(load_default=None)
    province = fields.String(required=True)
    # English pages name a province through ISO 3166-2; a register that is no province's says where
    # it is in English here (its `province` is a kind and an owner, which romanising would garble).
    province_en = fields.String(load_default=None)
    family = fields.String(required=True)
    base_url = fields.String(load_default=None)
    mapping = fields.String(required=True)
    credentials = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    options = fields.Dict(keys=fields.String(), load_default=dict)
    schedule = fields.Nested(_ScheduleSchema, load_default=lambda: _ScheduleSchema().load({}))
    enabled = fields.Boolean(load_default=True)
    # Where the public goes when a record has no booking link: the network's own service portal and
    # its page on how to apply for instrument time (shown on the instrument page).
    portal_url = fields.Url(load_default=None, schemes={"http", "https"}, require_tld=False)
    apply_url = fields.Url(load_default=None, schemes={"http", "https"}, require_tld=False)


class _RegistrySchema(_Strict):
    networks = fields.List(fields.Nested(_NetworkSchema), required=True)


@dataclass(frozen=True)
class NetworkConfig:
    """One provincial network as the registry describes it."""

    code: str
    name: str
    province: str
    family: str
    mapping: str
    base_url: str | None = None
    credentials: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)
    enabled: bool = True
    name_en: str | None = None
    province_en: str | None = None
    portal_url: str | None = None
    apply_url: str | None = None

    @property
    def pulled(self) -> bool:
        return self.family not in FAMILIES_WITHOUT_PULL

    @property
    def mapping_path(self) -> Path:
        return mappings_dir() / self.mapping


class UnknownNetwork(ConfigError):
    """A network code that the registry does not hold (a caller's mistake, not a broken file)."""


class Registry:
    """The networks the hub knows, by code, in registry order."""

    def __init__(self, networks: list[NetworkConfig], source: str = ""):
        self.source = source
        self._by_code = {n.code: n for n in networks}

    def __iter__(self):
        return iter(self._by_code.values())

    def __len__(self):
        return len(self._by_code)

    def __contains__(self, code):
        return code in self._by_code

    def get(self, code: str) -> NetworkConfig:
        try:
            return self._by_code[code]
        except KeyError:
            known = ", ".join(self._by_code) or "none"
            raise UnknownNetwork(self.source, code, f"no such network (known: {known})") from None

    @classmethod
    def load(cls, path: Path | None = None) -> "Registry":
        path = path or conf_dir() / "networks.yaml"
        raw = expand_env(load_yaml(path) or {}, path, "")
        try:
            data = _RegistrySchema().load(raw)
        except ValidationError as exc:
            raise validation_error(path, exc) from None
        networks, seen = [], set()
        for i, entry in enumerate(data["networks"]):
            where = f"networks[{i}] ({entry['code']})"
            if entry["code"] in seen:
                raise ConfigError(path, where, "duplicate network code")
            seen.add(entry["code"])
            if entry["family"] not in all_families():
                raise ConfigError(path, f"{where}.family", f"unknown family {entry['family']!r}, expected one of {all_families()}")
            if entry["family"] not in FAMILIES_WITHOUT_PULL and not entry["base_url"]:
                raise ConfigError(path, f"{where}.base_url", "a pulled network needs a base_url")
            network = NetworkConfig(**entry)
            if network.pulled:
                connector_class(network.family).validate_options(network, path, where)
            if not network.mapping_path.exists():
                raise ConfigError(path, f"{where}.mapping", f"mapping file {network.mapping_path} not found")
            networks.append(network)
        return cls(networks, str(path))


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.load()
