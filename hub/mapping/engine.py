"""The mapping interpreter: `mappings/<network code>.yaml` → a compiled `Mapping`.

A mapping file says, for each common-schema field, where its value comes from in the network's raw
payload and which named transforms apply (see docs/mapping.md for the format). Everything is checked
and compiled when the file is loaded, so a typo fails at start-up with the file, the key and what was
expected; `map_record` then only runs precompiled closures. Each field is checked, compiled and run
by hub.mapping.fields; here the file's other keys, the record id, tables, and the record as a whole.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, TypeVar

import yaml

from connectors import all_families
from hub import reasons
from hub.errors import ConfigError, RecordError
from hub.mapping import codes, plausibility
from hub.mapping.fields import MISSING, Loader, getter, header_labels, present
from hub.mapping.ids import compile_id
from hub.mapping.validate import CompiledSchema
from hub.network_codes import network_code_problem
from hub.schema import InstrumentSchema, ServiceStatsSchema

#: Bumped when the engine or a transform changes what it produces, so that stored records re-map.
ENGINE_VERSION = "2"  # 2: vocabularies accept their national values as spellings
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


# --------------------------------------------------------------------------- targets


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


# --------------------------------------------------------------------------- the mapping


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
#: `year` may be mapped too: the year a row states, which must be the year asked or sent (map_service).
_SERVICE_TARGETS = _target_paths(ServiceStatsSchema, _SERVICE_IMPLICIT - {"year"})
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
        self._source_id = getter(source_id_path)
        self._service_id = getter(service_id_path) if service_id_path else None
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
        loader = Loader(path)
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
        mapping.header_labels = header_labels(raw.get("header_labels"), loader)
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
        value = present(self._source_id(payload, None))
        if value is MISSING or isinstance(value, (dict, list, bool)):
            return None, f"the record id ({self.source_id_path}) is missing"
        return (str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()), None

    def map_payload(self, payload: dict, source_id: str | None = None) -> MappedRecord:
        """Map a bare payload, its id read through the mapping's `source_id` path."""
        from connectors.base import RawRecord

        sid = source_id if source_id is not None else self.source_id_of(payload)
        if sid is None:
            raise MappingRecordError(self.network, "?", [(self.source_id_path, reasons.ID_MISSING())])
        return self.map_record(RawRecord(source_id=sid, payload=payload))

    def map_record(self, raw) -> MappedRecord:
        """A `connectors.base.RawRecord` → `MappedRecord`, or `MappingRecordError` (a `RecordError`)
        naming the field in the province's own naming, what was wrong and the bad value."""
        if raw.problem:
            raise MappingRecordError(self.network, raw.source_id, [("(record)", raw.problem)])
        payload = raw.payload
        if not isinstance(payload, dict):
            raise MappingRecordError(self.network, raw.source_id, [("(record)", reasons.NOT_AN_OBJECT(type=type(payload).__name__))])
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
        return (source or base), (reasons.IN_COMMON_FIELD(message=message, field=path) if source and source != path else message)

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
            elif f.target == "year":
                # The row's own year (a CSV's 年度): a row of another year filed under this one would
                # put one year's hours into another's statistics without a word.
                if value is not None and value != row.year:
                    problems.append((source, reasons.YEAR_NOT_ASKED(stated=value, year=row.year)))
            elif value is not None:
                out[f.target] = value
        if not problems:
            out, schema_problems = _SERVICE_CHECK.check(out)
            sources = {f.target: f.source for f in self.service_fields}
            problems = [(sources.get(p, p), m) for p, m in schema_problems]
        if problems:
            raise MappingRecordError(self.network, row.source_id, problems)
        return out
