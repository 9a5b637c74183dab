"""The connector interface: the one file to read before adding a transport family.

A connector knows how to get bytes from one provincial network and split them into raw records, ids
and deletions. It knows nothing of the common schema: mapping (`mappings/*.yaml`) does that.

Contract
--------
* A connector class is registered under its family name with `@register("family-name")`
  (see `connectors/__init__.py`); the harvest looks it up by the `family` of a registry entry.
* It is constructed as ``Connector(network, http)``: ``network`` is a `hub.config.NetworkConfig`
  (base URL, credentials already resolved from the environment, family options), ``http`` is a
  `hub.http.HttpClient`, which applies timeouts, bounded retries honouring ``Retry-After``, size caps
  and records telemetry. Connectors make every request through it, never through `requests` directly.
* `list_records(since)` yields `RawRecord`s as they are parsed: a stream, never a whole body in memory.
  With ``since=None`` it is a **full listing**: every instrument the network lists now, and the
  harvest may withdraw what it did not see. With a datetime it is incremental (only families whose
  `supports_incremental` is true are asked for that).
  It raises `hub.errors.ConnectorError` as soon as the listing cannot be completed (transport failure
  after retries, truncated or malformed body, expired credentials that cannot be renewed). Records
  already yielded stay valid; the harvest then knows the listing was incomplete and withdraws nothing.
  A record that is individually broken but does not break the listing is yielded with `problem` set.
* `service_stats(year)` yields `ServiceRow`s for that year, with the same error contract.
* `probe()` makes one light request and returns nothing; it raises `ConnectorError` when the network
  is unreachable. Health checks use it.
* Conditional requests (families with `conditional` true): before listing, the harvest sets
  `validators` to what the connector left there after the last complete listing (ETag and
  Last-Modified per URL); the connector sends them, and when the source answers that nothing
  changed it raises `SourceUnchanged` before yielding anything. After a complete listing the
  harvest keeps `validators` for the next run.
* Sources without ids (families with `ids_from_mapping` true) yield records whose `source_id` is
  only a placeholder naming where the row is; the harvest gives each its id through the mapping's
  `source_id` (a path, a composition or a digest) and reports rows whose id repeats an earlier one.
* Table rows (families with `table_rows` true) are header cell → cell text; a row that is the header
  met again (two exports joined into one file, an English label row the mapping's `header_labels`
  name) is no record: the harvest leaves it out, uncounted, and its message says where it was.
* `notes` collects sentences the run's message should carry (an encoding override set aside …).

Raw payloads
------------
`RawRecord.payload` is a JSON-serialisable dict in the network's own naming, flat where the source is
flat. Mapping files address it with dotted paths:
* `sdyq-xml`: element name → text (`"YQMC": "高效液相色谱仪"`), attributes as `"SSDW@xydm"`;
* `hbkx-json`: the JSON object as sent (`"org.name"` addresses nested keys);
* `yqlm-html`: detail-table label (colons stripped) → text, with `<br>` kept as newlines;
  listing cells under `"listing.<label>"`;
* `oai-pmh`: `nrii` element local name → text, attributes as `"orgName@creditCode"`.
The payload is stored verbatim, so `hub remap` can re-map without refetching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Iterator

from marshmallow import RAISE, Schema, ValidationError

from hub.errors import ConfigError, validation_error


@dataclass
class RawRecord:
    """One instrument as a network sent it."""

    source_id: str
    payload: dict = field(default_factory=dict)
    #: An explicit deletion (`<Deleted>`, `"deleted": true`, an OAI deleted header).
    deleted: bool = False
    #: When the source says it last changed the record, as sent (mapping turns it into a datetime).
    source_updated: str | None = None
    #: Set when the record could not be split out cleanly; the harvest records it as an error.
    problem: str | None = None
    #: Where the record is in the source (`register.csv line 12`), for reports.
    where: str | None = None
    #: Set by the harvest when the id repeats an earlier record of the listing: where that one was.
    repeat_of: str | None = None


class SourceUnchanged(Exception):
    """The source answered a conditional request with "not modified": nothing to read or change."""


@dataclass
class ServiceRow:
    """Service statistics of one instrument for one year, in the network's own naming.

    Mapping files carry a `service:` section that says how these payload keys become the common
    service fields (effective hours, external hours, …). For families that send per-service events
    (`hbkx-json`) the connector sums them per instrument first, keeping the payload keys of the doc.
    """

    source_id: str
    year: int
    payload: dict = field(default_factory=dict)
    #: Set when the row could not be read cleanly; the harvest records it as an error.
    problem: str | None = None
    #: Where the row sits in what was read (`line 12`), for messages; optional.
    where: str | None = None


class Connector:
    """Base class of every transport family. Subclasses set `family` and implement the methods."""

    family: ClassVar[str] = ""
    #: True when `list_records(since=...)` returns only changes (and explicit deletions).
    supports_incremental: ClassVar[bool] = False
    #: True when a harvest is bound by the network's own request rate (paced pages), not by our CPU:
    #: parallel harvests start these first, so their waiting overlaps everyone else's work.
    paced: ClassVar[bool] = False
    #: True when the listing is a sequence of page requests, each waiting on the network: the harvest
    #: then reads the next batch while it writes this one (`hub.harvest.readahead`). False for one
    #: streamed body (socket buffers overlap it already) and for families that fetch pages ahead
    #: themselves; there a reader thread would only contend with the writer for the interpreter.
    sequential_pages: ClassVar[bool] = False
    #: A marshmallow schema for `options:` in the registry entry; unknown keys are rejected at load.
    options_schema: ClassVar[type[Schema] | None] = None
    #: True when `list_records` honours `validators` and may raise `SourceUnchanged`.
    conditional: ClassVar[bool] = False
    #: True when records carry no id of their own: the mapping's `source_id` makes it.
    ids_from_mapping: ClassVar[bool] = False
    #: True when records are the rows of tables under a header row (CSV, XLSX), which a file may
    #: repeat: the harvest leaves out a row the mapping recognises as a header (`Mapping.table_records`).
    table_rows: ClassVar[bool] = False

    def __init__(self, network, http):
        self.network = network
        self.http = http
        self.options = self.load_options(network)
        self.validators: dict = {}
        self.notes: list[str] = []

    @classmethod
    def load_options(cls, network) -> dict:
        schema = cls.options_schema
        if schema is None:
            return dict(network.options)
        return schema(unknown=RAISE).load(network.options)

    @classmethod
    def validate_options(cls, network, source, where) -> None:
        try:
            cls.load_options(network)
        except ValidationError as exc:
            err = validation_error(source, exc)
            raise ConfigError(source, f"{where}.options.{err.key}", err.problem) from None

    @property
    def incremental(self) -> bool:
        """Whether this network, as configured, can list only changes."""
        return self.supports_incremental and self.options.get("incremental", True)

    def list_records(self, since: datetime | None = None) -> Iterator[RawRecord]:
        raise NotImplementedError

    def service_stats(self, year: int) -> Iterator[ServiceRow]:
        raise NotImplementedError

    def probe(self) -> None:
        raise NotImplementedError
