"""The mapping interpreter: `mappings/<network code>.yaml` → a compiled `Mapping`.

A mapping file says, for each common-schema field, where its value comes from in the network's raw
payload and which named transforms apply (see docs/mapping.md for the format). Everything is checked
and compiled when the file is loaded, so a typo fails at start-up with the file, the key and what was
expected; `map_record` then only runs precompiled closures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol, TypeVar

import yaml

from connectors import all_families
from hub.errors import ConfigError, RecordError, TransformError
from hub.mapping import codes, plausibility, registry
from hub.mapping.ids import compile_id
from hub.mapping.validate import CompiledSchema
from hub.network_codes import network_code_problem
from hub.schema import InstrumentSchema, ServiceStatsSchema

#: Bumped when the engine or a transform changes what it produces, so that stored records re-map.
ENGINE_VERSION = "2"  # 2: vocabularies accept their national values as spellings
#: Pseudo-paths: values the connector put on the RawRecord rather than in the payload.
RAW_PATHS = ("$source_id", "$source_updated")
FIELD_KEYS = {
    "from": "a payload path, or a list of paths tried in order",
    "combine": "`first` (first non-empty path, default) or `all` (list of every non-empty path's value)",
    "const": "a constant value used instead of a payload path",
    "default": "a value used when every path is empty",
    "transform": "a transform name, {name: {options}}, or a list of those",
    "on_error": "`reject` (the record is rejected) or `drop` (the value is dropped with a warning)",
}
_MISSING = object()
#: Common fields the engine sets itself.
_IMPLICIT = {"network", "source_id"}
_SERVICE_IMPLICIT = {"network", "source_id", "year"}


@dataclass
class MappedRecord:
    """A raw record after mapping: `record` is valid under `hub.schema.InstrumentSchema` (as loaded by
    it: Decimal money, aware datetimes, defaults filled); `warnings` lists (source field, message) for
    values that were dropped rather than rejecting the record."""

    record: dict
    warnings: list[tuple[str, str]] = field(default_factory=list)


class MappingRecordError(RecordError):
    """A rejected record. `field`/`message` describe the first problem; `problems` holds every
    (source field, message) so that a province can fix them all at once."""

    def __init__(self, network, source_id, problems: list[tuple[str, str]], warnings=()):
        self.problems = problems
        self.warnings = list(warnings)
        field_name, message = problems[0]
        super().__init__(network, source_id, field_name, message)


# --------------------------------------------------------------------------- field compilation


def _target_paths(schema_cls, implicit) -> dict[str, str]:
    """Every mappable target → its kind: `value`, `object` (a nested schema) or `part` (inside one)."""
    out = {}
    for name, f in schema_cls().fields.items():
        if name in implicit:
            continue
        out[name] = "value"
        if hasattr(f, "schema") and f.__class__.__name__ == "Nested":
            out[name] = "object"
            for sub in f.schema.fields:
                out[f"{name}.{sub}"] = "part"
    return out


def _getter(path: str) -> Callable[[dict, Any], Any]:
    """A payload path → fn(payload, raw). A literal key wins (`SSDW@xydm`, `listing.状态` are flat
    keys); otherwise dots walk into nested objects (`org.name`)."""
    if path == "$source_id":
        return lambda payload, raw: raw.source_id if raw is not None else _MISSING
    if path == "$source_updated":
        return lambda payload, raw: raw.source_updated if raw is not None else _MISSING
    if "." not in path:
        return lambda payload, raw: payload.get(path, _MISSING)
    parts = path.split(".")

    def walk(payload, raw):
        value = payload.get(path, _MISSING)
        if value is not _MISSING:
            return value
        value = payload
        for part in parts:
            if not isinstance(value, dict):
                return _MISSING
            value = value.get(part, _MISSING)
            if value is _MISSING:
                return _MISSING
        return value

    return walk


def _present(value):
    """None, blank text and empty lists are missing, whatever path they came from."""
    if value is None or value is _MISSING:
        return _MISSING
    if isinstance(value, str):
        value = value.strip()
        return value if value else _MISSING
    if isinstance(value, list) and not value:
        return _MISSING
    return value


@dataclass
class _Field:
    target: str
    source: str  # how the province names it, for error messages
    getters: list  # (path, getter)
    combine: str
    const: Any
    default: Any
    steps: list  # (name, bound callable, on_error)
    on_error: str | None

    def __post_init__(self):
        self._cache = {}
        self._single = self.getters[0][1] if len(self.getters) == 1 and self.combine == "first" else None
        self.parent, _, self.part = self.target.rpartition(".")

    def run(self, payload, raw):
        """→ (value, source field, problem or None, is_warning)."""
        if self._single is not None:
            value, source = self._single(payload, raw), self.source
            if type(value) is str:
                value = value.strip() or _MISSING
            elif value is None or value == []:
                value = _MISSING
        elif self.const is not _MISSING:
            value, source = self.const, self.source
        elif self.combine == "all":
            value = [v for v in (_present(g(payload, raw)) for _, g in self.getters) if v is not _MISSING] or _MISSING
            source = self.source
        else:
            value, source = _MISSING, self.source
            for path, getter in self.getters:
                value = _present(getter(payload, raw))
                if value is not _MISSING:
                    source = path
                    break
        if value is _MISSING:
            return (self.default if self.default is not _MISSING else None), source, None, False
        # Transforms are pure, so a chain's outcome is memoised per input value: status, country,
        # category, region, owner … repeat across thousands of records. Results are never shared
        # mutably (validation copies nested objects and lists).
        kind = type(value)
        if kind in _CACHEABLE and (kind is not str or len(value) <= _CACHE_TEXT):
            key = (kind, value)
            hit = self._cache.get(key)
            if hit is None:
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()
                hit = self._cache[key] = self.convert(value)
            return hit[0], source, hit[1], hit[2]
        value, problem, warning = self.convert(value)
        return value, source, problem, warning

    def convert(self, value):
        """A present value through the transform chain → (value, problem or None, is_warning)."""
        try:
            for _, fn, _ in self.steps:
                value = fn(value)
                if value is None:
                    break
        except TransformError as exc:
            # The field's own policy wins; else the failing transform's declared default.
            policy = self.on_error or getattr(exc, "policy", None) or "reject"
            return None, str(exc), policy == "drop"
        except (RecursionError, MemoryError):
            raise
        except Exception as exc:  # a transform bug must not stop the harvest: it is this record's error
            return None, f"transform failed: {type(exc).__name__}: {exc}", False
        return value, None, False


_CACHEABLE = {str, int, float, bool}
_CACHE_TEXT = 120
_CACHE_SIZE = 4096


def _policy_wrapper(fn, policy):
    if policy == "reject":
        return fn

    def wrapped(value):
        try:
            return fn(value)
        except TransformError as exc:
            exc.policy = policy
            raise

    return wrapped


class _Loader:
    """Validates one mapping file's structure, collecting the file + key of the first problem."""

    def __init__(self, path):
        self.path = str(path)

    def fail(self, key, problem):
        raise ConfigError(self.path, key, problem)

    def fields(self, section: dict, where: str, targets: dict[str, str]) -> list[_Field]:
        if not isinstance(section, dict) or not section:
            self.fail(where, "expected a mapping of common-schema field → source")
        compiled = []
        for target, spec in section.items():
            key = f"{where}.{target}"
            if target not in targets:
                self.fail(key, f"unknown common-schema field {target!r}; expected one of: {', '.join(targets)}")
            if targets[target] == "part" and target.split(".")[0] in section:
                self.fail(key, f"{target.split('.')[0]!r} is mapped whole; map either the object or its parts")
            compiled.append(self.field(target, spec, key))
        return compiled

    def field(self, target, spec, key) -> _Field:
        if isinstance(spec, (str, list)):  # shorthand: a path, or fallback paths, trimmed
            spec = {"from": spec}
        if not isinstance(spec, dict):
            self.fail(key, f"expected a payload path or a mapping with keys {sorted(FIELD_KEYS)}, got {spec!r}")
        for k in spec:
            if k not in FIELD_KEYS:
                self.fail(f"{key}.{k}", "unknown key; expected one of: " + "; ".join(f"{n} ({d})" for n, d in FIELD_KEYS.items()))
        if "from" not in spec and "const" not in spec:
            self.fail(key, "missing required `from` (a payload path) or `const`")
        if "from" in spec and "const" in spec:
            self.fail(key, "give either `from` or `const`, not both")
        paths = spec.get("from", [])
        paths = [paths] if isinstance(paths, str) else paths
        if "from" in spec and (not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.strip() for p in paths)):
            self.fail(f"{key}.from", f"expected a payload path or a non-empty list of paths, got {spec['from']!r}")
        for p in paths:
            if p.startswith("$") and p not in RAW_PATHS:
                self.fail(f"{key}.from", f"unknown record path {p!r}; expected one of {list(RAW_PATHS)}")
        combine = spec.get("combine", "first")
        if combine not in ("first", "all"):
            self.fail(f"{key}.combine", f"expected `first` or `all`, got {combine!r}")
        on_error = spec.get("on_error")
        if on_error is not None and on_error not in registry.ON_ERROR:
            self.fail(f"{key}.on_error", f"expected one of {list(registry.ON_ERROR)}, got {on_error!r}")
        steps_spec = spec.get("transform", "trim")
        steps = self.steps(steps_spec, f"{key}.transform")
        source = paths[0] if len(paths) == 1 else " | ".join(paths) if paths else target
        return _Field(
            target=target,
            source=source,
            getters=[(p, _getter(p)) for p in paths],
            combine=combine,
            const=spec.get("const", _MISSING),
            default=spec.get("default", _MISSING),
            steps=steps,
            on_error=on_error,
        )

    def steps(self, spec, key):
        items = spec if isinstance(spec, list) else [spec]
        if not items:
            self.fail(key, "expected at least one transform")
        known = registry.names()
        out = []
        for i, item in enumerate(items):
            where = f"{key}[{i}]" if isinstance(spec, list) else key
            if isinstance(item, str):
                name, options = item, {}
            elif isinstance(item, dict) and len(item) == 1:
                name, options = next(iter(item.items()))
                options = {} if options is None else options
                if not isinstance(options, dict):
                    self.fail(f"{where}.{name}", f"expected a mapping of options, got {options!r}")
            else:
                self.fail(where, f"expected a transform name or {{name: {{options}}}}, got {item!r}")
            if name not in known:
                self.fail(where, f"unknown transform {name!r}; expected one of: {', '.join(known)}")
            transform = registry.get(name)
            try:
                fn = transform.bind(options)
            except registry.OptionError as exc:
                self.fail(f"{where}.{name}.{exc.key}", exc.problem)
            out.append((name, _policy_wrapper(fn, transform.on_error), transform.on_error))
        return out


# --------------------------------------------------------------------------- the mapping


def _header_labels(raw, loader) -> dict[str, frozenset[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        loader.fail("header_labels", f"expected column name → label or [labels], got {raw!r}")
    out = {}
    for column, labels in raw.items():
        labels = [labels] if isinstance(labels, str) else labels
        if not (isinstance(labels, list) and labels and all(isinstance(label, str) and label.strip() for label in labels)):
            loader.fail(f"header_labels.{column}", f"expected a label or a list of labels (non-empty text), got {raw[column]!r}")
        out[str(column)] = frozenset(label.strip() for label in labels)
    return out


class _TableRow(Protocol):
    """A row read from a table: a pushed batch's item (`hub.feed.parse.Item`) or a harvested record
    (`connectors.base.RawRecord`)."""

    @property
    def payload(self) -> Any: ...

    @property
    def problem(self) -> str | None: ...

    @property
    def where(self) -> str | None: ...


_Row = TypeVar("_Row", bound=_TableRow)

_INSTRUMENT_TARGETS = _target_paths(InstrumentSchema, _IMPLICIT)
_SERVICE_TARGETS = _target_paths(ServiceStatsSchema, _SERVICE_IMPLICIT)
_INSTRUMENT_CHECK = CompiledSchema(InstrumentSchema)
_SERVICE_CHECK = CompiledSchema(ServiceStatsSchema)
TOP_KEYS = {
    "network": "the network's code: a 6-digit GB/T 2260 province code, or a non-provincial code (docs/networks.md)",
    "family": "the interface family: a registered connector family, or push",
    "description": "free text",
    "source_id": (
        "payload path of the network's own record id, or {from: [paths], join, transform} to compose one, or {hash: [paths]} for a "
        "stable digest"
    ),
    "fields": "common-schema field → source",
    "service": "service statistics: {source_id: path, fields: {...}}",
    "header_labels": (
        "tables: column name → the other label(s) a second header row gives it (an English row under the Chinese one), "
        "so that row is reported as a repeated header, not rejected as a record"
    ),
}


class Mapping:
    """One network's compiled mapping. Build it with `Mapping.load(path)`."""

    def __init__(self, path, network, family, source_id_path, fields, service_fields, service_id_path, digest, description=""):
        self.path = str(path)
        self.network = network
        self.family = family
        self.description = description
        self.source_id_path = source_id_path
        self.fields = fields
        self.service_fields = service_fields
        self.service_id_path = service_id_path
        #: sha256 of the file's bytes, the code tables' version and the engine version: a change in
        #: any of them means stored records must be re-mapped.
        self.digest = digest
        self._source_id = _getter(source_id_path)
        self._service_id = _getter(service_id_path) if service_id_path else None
        # Where each target came from, for translating schema problems to the province's naming.
        self._sources = {f.target: f.source for f in fields}
        #: Column name → the other labels a table's second header row may give it (`header_labels`).
        self.header_labels: dict[str, frozenset[str]] = {}

    @property
    def targets(self) -> list[str]:
        return [f.target for f in self.fields]

    @classmethod
    def load(cls, path) -> "Mapping":
        path = Path(path)
        loader = _Loader(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(path, None, "mapping file not found") from None
        try:
            raw = yaml.safe_load(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ConfigError(path, None, f"not UTF-8: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(path, None, f"not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            loader.fail(None, "expected a mapping with keys " + ", ".join(TOP_KEYS))
        for key in raw:
            if key not in TOP_KEYS:
                loader.fail(str(key), "unknown key; expected one of: " + "; ".join(f"{k} ({d})" for k, d in TOP_KEYS.items()))
        network = raw.get("network")
        if not (isinstance(network, str) and network_code_problem(network) is None):
            loader.fail(
                "network",
                "expected a 6-digit GB/T 2260 code as a quoted string, or a non-provincial code (a kind letter "
                f"M, A, C or F and 5 capital letters or digits; docs/networks.md), got {network!r}",
            )
        if raw.get("family") not in all_families():
            loader.fail("family", f"expected one of {all_families()}, got {raw.get('family')!r}")
        id_spec = compile_id(raw.get("source_id"), loader)
        source_id = id_spec.describe
        fields = loader.fields(raw.get("fields"), "fields", _INSTRUMENT_TARGETS)
        mapped = {f.target for f in fields} | {f.target.split(".")[0] for f in fields}
        for name, f in InstrumentSchema().fields.items():
            if f.required and name not in _IMPLICIT and name not in mapped:
                loader.fail(f"fields.{name}", "required common-schema field is not mapped")
        service_fields, service_id = [], None
        if "service" in raw:
            service = raw["service"]
            if not isinstance(service, dict):
                loader.fail("service", "expected {source_id: path, fields: {...}}")
            for key in service:
                if key not in ("source_id", "fields"):
                    loader.fail(f"service.{key}", "unknown key; expected source_id (payload path of the instrument id) or fields")
            service_id = service.get("source_id")
            if service_id is not None and not isinstance(service_id, str):
                loader.fail("service.source_id", f"expected a payload path, got {service_id!r}")
            service_fields = loader.fields(service.get("fields"), "service.fields", _SERVICE_TARGETS)
        digest = hashlib.sha256(data + b"\0" + codes.version().encode() + b"\0" + ENGINE_VERSION.encode()).hexdigest()
        mapping = cls(path, network, raw["family"], source_id, fields, service_fields, service_id, digest, raw.get("description", ""))
        mapping.id_spec = id_spec
        mapping.header_labels = _header_labels(raw.get("header_labels"), loader)
        return mapping

    # ----------------------------------------------------------------------- tables

    def repeats_header(self, payload) -> bool:
        """Whether a table row (header cell → cell text) is a header row, not a record: every cell
        that holds text holds its own column's name or one of its `header_labels`, and at least half
        the columns hold text. Two exports joined into one file repeat the header; a spreadsheet may
        carry an English row under the Chinese one. A record cannot pass: its id is no column name.
        Only the row's own column counts, so a record's one cell that happens to read like another
        column's name is still a record."""
        if not isinstance(payload, dict) or not payload:
            return False
        filled = {name: str(value).strip() for name, value in payload.items() if value is not None and str(value).strip()}
        if 2 * len(filled) < len(payload):
            return False
        return all(text == name or text in self.header_labels.get(name, ()) for name, text in filled.items())

    def table_records(self, rows: Iterable[_Row], headers: list[str]) -> Iterator[_Row]:
        """The rows of a table (CSV, XLSX: pushed, or harvested by the `tabular` family) that are
        records: a row that `repeats_header` is none, so it is neither counted nor rejected, and
        where it was (`row.where`) is appended to `headers` for the report. A row with a problem
        (more cells than the header, a cut) is left to be reported as it is. The one place a
        pushed and a harvested table tell a header from a record."""
        for row in rows:
            if row.problem is None and self.repeats_header(row.payload):
                headers.append(row.where or "")
            else:
                yield row

    # ----------------------------------------------------------------------- records

    def source_id_of(self, payload: dict) -> str | None:
        """The record id in a bare payload (used by `hub mapping check` and pushed batches)."""
        return self.identify(payload)[0]

    def identify(self, payload: dict) -> tuple[str | None, str | None]:
        """(record id, None) or (None, why there is none) for a bare payload, through the mapping's
        `source_id` (a path, a composition or a digest; see `hub.mapping.ids`)."""
        if not isinstance(payload, dict):
            return None, f"expected an object, got {type(payload).__name__}"
        spec = getattr(self, "id_spec", None)
        if spec is not None:
            return spec.of(payload)
        value = _present(self._source_id(payload, None))
        if value is _MISSING or isinstance(value, (dict, list, bool)):
            return None, f"the record id ({self.source_id_path}) is missing"
        return (str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()), None

    def map_payload(self, payload: dict, source_id: str | None = None) -> MappedRecord:
        """Map a bare payload, its id read through the mapping's `source_id` path."""
        from connectors.base import RawRecord

        sid = source_id if source_id is not None else self.source_id_of(payload)
        if sid is None:
            raise MappingRecordError(self.network, "?", [(self.source_id_path, "record id is missing")])
        return self.map_record(RawRecord(source_id=sid, payload=payload))

    def map_record(self, raw) -> MappedRecord:
        """A `connectors.base.RawRecord` → `MappedRecord`, or `MappingRecordError` (a `RecordError`)
        naming the field in the province's own naming, what was wrong and the bad value."""
        if raw.problem:
            raise MappingRecordError(self.network, raw.source_id, [("(record)", raw.problem)])
        payload = raw.payload
        if not isinstance(payload, dict):
            raise MappingRecordError(self.network, raw.source_id, [("(record)", f"payload is not an object: {type(payload).__name__}")])
        out = {"network": self.network, "source_id": raw.source_id}
        problems, warnings = [], []
        for f in self.fields:
            value, source, problem, is_warning = f.run(payload, raw)
            if problem:
                (warnings if is_warning else problems).append((source, problem))
                continue
            if value is None:
                continue
            if f.parent:
                sub = out.get(f.parent)
                if sub is None:
                    sub = out[f.parent] = {}
                sub[f.part] = value
            else:
                out[f.part] = value
        if problems:
            raise MappingRecordError(self.network, raw.source_id, problems, warnings)
        record, schema_problems = _INSTRUMENT_CHECK.check(out)
        if schema_problems:
            raise MappingRecordError(self.network, raw.source_id, [self._translate(p) for p in schema_problems], warnings)
        for problem in plausibility.run(record):  # valid but implausible: dropped with a warning
            warnings.append(self._translate(problem))
        return MappedRecord(record, warnings)

    def _translate(self, problem) -> tuple[str, str]:
        """A problem on a common field → the same problem on the province's source field."""
        path, message = problem
        base = path.split("[")[0]
        source = self._sources.get(base) or self._sources.get(base.split(".")[0])
        if source is None and base in ("source_id", "network"):
            source = self.source_id_path if base == "source_id" else "network"
        return (source or base), (f"{message} (common field {path})" if source and source != path else message)

    def map_service(self, row) -> dict:
        """A `connectors.base.ServiceRow` → dict valid under `hub.schema.ServiceStatsSchema`."""
        if not self.service_fields:
            raise ConfigError(self.path, "service", "this mapping has no service section")
        out = {"network": self.network, "source_id": row.source_id, "year": row.year}
        problems = []
        payload = row.payload if isinstance(row.payload, dict) else {}
        for f in self.service_fields:
            value, source, problem, is_warning = f.run(payload, None)
            if problem and not is_warning:
                problems.append((source, problem))
            elif value is not None:
                out[f.target] = value
        if not problems:
            out, schema_problems = _SERVICE_CHECK.check(out)
            sources = {f.target: f.source for f in self.service_fields}
            problems = [(sources.get(p, p), m) for p, m in schema_problems]
        if problems:
            raise MappingRecordError(self.network, row.source_id, problems)
        return out
