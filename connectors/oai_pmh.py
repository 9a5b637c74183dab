"""Family `oai-pmh`: OAI-PMH 2.0 data providers, metadata prefix `nrii` (reference: Jiangsu 320000).

`GET {base}/oai?verb=ListRecords&metadataPrefix=nrii[&from=…][&set=…]`, then
`?verb=ListRecords&resumptionToken=…` until the token is empty. Each page is parsed as a stream
(records are yielded before the page's token is read) with the safe parser of `hub.safexml`.

* `from` is the harvest's `since` minus `overlap_seconds`, in UTC at the granularity `Identify`
  declares (a day granularity floors to the day: more overlap, never less).
* `noRecordsMatch` is an empty listing, not a failure (on a first page; after a resumption token it
  means the list broke off).
* Completeness: a page after the first without a `<resumptionToken>` element (the last page of a
  split list carries an empty one), or a list that ends with fewer records than its
  `completeListSize`, or a list that loops (a page hands out a resumption token an earlier page
  gave, or holds only records already read), fails the listing as `incomplete`; the records read
  stay valid.
* `badResumptionToken` (tokens expire, typically after 10 minutes) restarts the listing with the
  same arguments, at most `max_restarts` times; identifiers already yielded in this run are not
  yielded again (the same dedupe keeps a record listed in two harvested sets single). An id listed
  twice within one pass is the provider's fault and is passed on: the writer reports it as a repeat.
* Any other OAI error is a `ConnectorError` of kind `oai_<code>` (`oai_badArgument`, …).
* `503` + `Retry-After` is retried by `HttpClient`.
* Deleted records (`<header status="deleted">`) become `RawRecord(deleted=True)`.

Whether the network can be harvested incrementally depends on its `deletedRecord` policy
(`Identify`, or the `deleted_record` option): `persistent` and `transient` can (a transient
network's missed deletions are caught by the scheduled full listing, `schedule.full_every_days`);
`no` cannot — every run is a full listing compared under the withdrawal guard.

Payload of a `nrii:instrument`: element local name → text (stripped), attributes as
`"orgName@creditCode"`, `"location@city"`, `"contact@phone"` …; `subject` is always a list;
any other repeated element becomes a list. `source_id` is the local part of the OAI identifier
(`oai:js.nrii.example.cn:NJU-2009-0311` → `NJU-2009-0311`; the whole identifier when it is not an
`oai:` one), so deleted headers, which carry no metadata, name the same record. `source_updated` is
the header datestamp with its zone written out (`2013-10-01` → `2013-10-01T00:00:00Z`): OAI-PMH
datestamps are UTC by the protocol, while the mapping's `datetime` reads a time without a zone as
China time, as the other families' documents say theirs are. The payload keeps the datestamp as sent.

Service statistics: `ListRecords&metadataPrefix=nrii_service&set=year:Y`; each record's
`nrii:service` attributes are the `ServiceRow` payload, `source_id` = its `innerId`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from lxml import etree
from marshmallow import Schema, fields, validate

from connectors import register
from connectors._options import encoding_field
from connectors._xmlstream import safe_source, syntax_failure
from connectors.base import Connector, RawRecord, ServiceRow
from hub import safexml
from hub.oaipmh import GRANULARITY_DAY, GRANULARITY_SECONDS, NRII_NS, OAI_NS
from hub.errors import ConnectorError

OAI_PATH = "/oai"
#: Elements of `nrii` that may repeat: always lists, so a mapping sees one shape.
LIST_ELEMENTS = frozenset({"subject"})
DAY, SECONDS = GRANULARITY_DAY, GRANULARITY_SECONDS
DELETED_RECORD = ("persistent", "transient", "no")

#: What each OAI-PMH error code means for a harvest (codes of the specification, section 3.6).
OAI_ERRORS = {
    "badArgument": "the request has an illegal or missing argument",
    "badResumptionToken": "the resumption token is invalid or expired",
    "badVerb": "the verb is not an OAI-PMH verb",
    "cannotDisseminateFormat": "the network does not offer this metadata format",
    "idDoesNotExist": "no such identifier",
    "noMetadataFormats": "no metadata formats for this item",
    "noRecordsMatch": "no records match",
    "noSetHierarchy": "the network does not support sets",
}


class OaiOptions(Schema):
    #: None: decided by `deletedRecord` (from `Identify`, or `deleted_record` below).
    incremental = fields.Boolean(load_default=None)
    #: Harvest only these sets (setSpec values, e.g. city codes `320100`); default: the whole repository.
    sets = fields.List(fields.String(validate=validate.Length(min=1)), load_default=None)
    metadata_prefix = fields.String(load_default="nrii")
    service_prefix = fields.String(load_default="nrii_service")
    #: Subtracted from `since` before it becomes `from`, for the network's clock (the harvest adds its own).
    overlap_seconds = fields.Integer(load_default=60, validate=validate.Range(0, 7 * 86400))
    #: How often a listing restarts after `badResumptionToken` before the run fails.
    max_restarts = fields.Integer(load_default=3, validate=validate.Range(0, 20))
    #: Overrides the `deletedRecord` that `Identify` declares (a network that claims more than it keeps).
    deleted_record = fields.String(load_default=None, validate=validate.OneOf(DELETED_RECORD))
    encoding = encoding_field()


def format_from(since: datetime, granularity: str) -> str:
    """`since` as an OAI UTC datestamp at `granularity` (a naive datetime is taken as UTC)."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    utc = since.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%d") if granularity == DAY else utc.strftime("%Y-%m-%dT%H:%M:%SZ")


_BARE_DATESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?$")


def utc_datestamp(text: str | None) -> str | None:
    """A header datestamp with its UTC zone written out: `2013-10-01` → `2013-10-01T00:00:00Z`, a time
    missing its `Z` gains it. Anything else is left as sent, for the mapping to judge."""
    m = _BARE_DATESTAMP.match(text or "")
    if not m:
        return text
    return f"{m.group(1)}{m.group(2) or 'T00:00:00'}Z"


def local_identifier(identifier: str) -> str:
    """`oai:<repository>:<local>` → `<local>` (which may itself hold colons); others unchanged."""
    if identifier.startswith("oai:"):
        parts = identifier.split(":", 2)
        if len(parts) == 3 and parts[2]:
            return parts[2]
    return identifier


def metadata_payload(element) -> dict:
    """Flatten one `nrii:instrument` as the module docstring says."""
    payload: dict = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = etree.QName(child).localname
        _put(payload, name, (child.text or "").strip())
        for attr, value in child.attrib.items():
            _put(payload, f"{name}@{etree.QName(attr).localname}", value)
    return payload


def _put(payload: dict, key: str, value: str) -> None:
    if key not in payload:
        payload[key] = [value] if key in LIST_ELEMENTS else value
    elif isinstance(payload[key], list):
        payload[key].append(value)
    else:
        payload[key] = [payload[key], value]


def _q(name: str) -> str:
    return f"{{{OAI_NS}}}{name}"


def iter_response(http, response, *, what: str, encoding: str | None = None):
    """Yield ("error", element) for OAI errors and ("item", element) for each child of the verb
    element (`record`, `header`, `resumptionToken`, `set` …), freeing each once handled.

    Safe like `connectors._xmlstream.iter_children` (DOCTYPE refused unread, gzip by magic bytes,
    caps), but one level deeper: OAI records sit inside `<ListRecords>`.
    """
    network = http.network
    stream = http.stream(response)
    try:
        source = safe_source(http, stream, what=what)
        extra = {"encoding": encoding} if encoding else {}
        depth = 0
        try:
            for event, element in safexml.iterparse(source, events=("start", "end"), **extra):
                if event == "start":
                    depth += 1
                    if depth == 1:
                        if element.getroottree().docinfo.doctype:
                            raise ConnectorError(network, f"{what} declares a DOCTYPE after its prolog; refused", "unsafe_xml")
                        if element.tag != _q("OAI-PMH"):
                            raise ConnectorError(network, f"{what} is not an OAI-PMH response (root <{element.tag}>)", "malformed")
                    continue
                depth -= 1
                if depth == 1 and element.tag == _q("error"):
                    yield "error", element
                elif depth == 2:
                    yield "item", element
                    parent = element.getparent()
                    element.clear(keep_tail=False)
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            raise syntax_failure(network, what, exc) from None
    finally:
        stream.close()


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _TokenExpired(Exception):
    """`badResumptionToken` in the middle of a listing: the caller restarts it."""


@register("oai-pmh")
class OaiPmhConnector(Connector):
    sequential_pages = True
    supports_incremental = True
    options_schema = OaiOptions

    def __init__(self, network, http):
        super().__init__(network, http)
        self._identify: dict | None = None
        #: How often listings were restarted after `badResumptionToken` in this connector's life.
        self.restarts = 0
        #: Rows dropped or oddities met, described for operators.
        self.skipped: list[str] = []

    # ------------------------------------------------------------------ Identify

    def identify(self) -> dict:
        """`Identify` as {"granularity", "deletedRecord", "repositoryName", "earliestDatestamp"} (cached)."""
        if self._identify is None:
            response = self._get({"verb": "Identify"})
            info = {}
            for kind, element in iter_response(self.http, response, what="Identify", encoding=self.options["encoding"]):
                if kind == "error":
                    self._raise_error(element, "Identify")
                info.setdefault(etree.QName(element).localname, (element.text or "").strip())
            if "granularity" not in info:
                raise ConnectorError(self.network.code, "Identify answer lacks <granularity>", "malformed")
            self._identify = info
        return self._identify

    @property
    def deleted_record(self) -> str:
        """The network's deletion policy: the option when set, else what Identify declares."""
        if self.options["deleted_record"]:
            return self.options["deleted_record"]
        declared = self.identify().get("deletedRecord", "no")
        return declared if declared in DELETED_RECORD else "no"

    @property
    def incremental(self) -> bool:
        if self.options["incremental"] is not None:
            return self.options["incremental"]
        try:
            return self.deleted_record != "no"
        except ConnectorError:
            # Unreachable now: a full run is asked for, which fails as a job and withdraws nothing.
            return False

    # ------------------------------------------------------------------ listings

    def list_records(self, since: datetime | None = None):
        base = {"verb": "ListRecords", "metadataPrefix": self.options["metadata_prefix"]}
        if since is not None and self.incremental:
            granularity = self.identify()["granularity"]
            base["from"] = format_from(since - timedelta(seconds=self.options["overlap_seconds"]), granularity)
        seen: dict[str, tuple] = {}  # id → (set, restarts) of the pass that yielded it
        for set_spec in self.options["sets"] or [None]:
            params = dict(base, set=set_spec) if set_spec else base
            for item in self._listing(params, "ListRecords"):
                record = self._record(item)
                this_pass = (set_spec, self.restarts)
                if seen.setdefault(record.source_id, this_pass) != this_pass:
                    continue  # listed again by another set, or by a restarted listing: expected, not news
                # Within one pass an id listed twice is the provider's fault: passed on, so that the
                # writer reports the repeat naming the first instead of it vanishing.
                yield record

    def service_stats(self, year: int):
        params = {"verb": "ListRecords", "metadataPrefix": self.options["service_prefix"], "set": f"year:{year}"}
        seen: set[str] = set()
        for item in self._listing(params, f"service statistics {year}"):
            header = item.find(_q("header"))
            if header is not None and header.get("status") == "deleted":
                continue
            service = item.find(f"{_q('metadata')}/{{{NRII_NS}}}service")
            if service is None:
                self.skipped.append(f"service statistics {year}: record {self._identifier(item)!r} without nrii:service")
                continue
            payload = dict(service.attrib)
            source_id = payload.get("innerId", "").strip()
            if not source_id:
                # A row nobody can attribute cannot be stored; dropped, loudly.
                self.skipped.append(f"service statistics {year}: nrii:service without innerId: {payload}")
                continue
            if source_id in seen:
                continue
            seen.add(source_id)
            row_year = payload.get("year")
            problem = None if row_year in (None, str(year)) else f"asked for {year}, the record says year={row_year}"
            yield ServiceRow(source_id, year, payload, problem=problem)

    def probe(self) -> None:
        """One request: Identify."""
        self._identify = None
        self.identify()

    # ------------------------------------------------------------------ paging

    def _listing(self, params: dict, what: str):
        """Every `record` of a listing across its resumption tokens, restarting it (same arguments)
        after `badResumptionToken`. The caller dedupes what a restart repeats."""
        restarts = 0
        while True:
            try:
                yield from self._pages(params, what)
                return
            except _TokenExpired as exc:
                restarts += 1
                self.restarts += 1
                if restarts > self.options["max_restarts"]:
                    raise ConnectorError(
                        self.network.code,
                        f"{what}: resumption token refused {restarts} times "
                        f"(badResumptionToken: {exc}); gave up after {self.options['max_restarts']} restarts",
                        "oai_badResumptionToken",
                    ) from None

    def _pages(self, params: dict, what: str):
        """Every `record` of one listing, page by page, proving the listing whole (design rule 1).

        The specification ends a list split over several responses with an *empty*
        `<resumptionToken>` element; a later page without any token element was cut or lost its tail
        (it would otherwise pass for the last page, and the records after it for withdrawn). When a
        token gives `completeListSize`, a list that ends with fewer records is incomplete too."""
        request, page = params, 1
        received, size = 0, None
        issued: dict[str, int] = {}  # token → the page that handed it out
        identifiers: set[str] = set()  # of the records of this pass
        while True:
            token = None
            fresh = on_page = 0
            response = self._get(request)
            for kind, element in iter_response(self.http, response, what=f"{what} page {page}", encoding=self.options["encoding"]):
                if kind == "error":
                    code = element.get("code", "")
                    if code == "noRecordsMatch" and page == 1:
                        return
                    if code == "badResumptionToken" and "resumptionToken" in request:
                        raise _TokenExpired((element.text or "").strip() or "token expired")
                    self._raise_error(element, f"{what} page {page}")
                name = etree.QName(element).localname
                if name == "record":
                    received += 1
                    on_page += 1
                    identifier = self._identifier(element)
                    if identifier not in identifiers:
                        fresh += 1
                        identifiers.add(identifier)
                    yield element
                elif name == "resumptionToken":
                    token = (element.text or "").strip()
                    size = _int_or_none(element.get("completeListSize")) or size
            if on_page and not fresh:
                # Fresh tokens (a counter in them) that serve records already read: the same loop as
                # a token handed out again, in another dress. No page of a real list is all repeats.
                raise ConnectorError(
                    self.network.code,
                    f"{what} page {page} holds only records already read in this listing: the list loops; "
                    f"{received} records arrived{f' of completeListSize={size}' if size else ''}",
                    "incomplete",
                )
            if token is None and page > 1:
                raise ConnectorError(
                    self.network.code,
                    f"{what} page {page} has no resumptionToken element although the list was split "
                    f"over pages (the last page carries an empty one): the page was cut short; {received} records "
                    f"arrived{f' of completeListSize={size}' if size else ''}",
                    "incomplete",
                )
            if not token:
                if size is not None and received < size:
                    raise ConnectorError(
                        self.network.code,
                        f"{what} ended on page {page} with {received} records of completeListSize={size}: records are missing",
                        "incomplete",
                    )
                return
            if token in issued:
                # A token handed out again leads back to pages already read: followed, the listing
                # would go round for ever.
                raise ConnectorError(
                    self.network.code,
                    f"{what} page {page} hands out resumptionToken {token!r} again, as page {issued[token]} did: "
                    f"the list loops; {received} records arrived{f' of completeListSize={size}' if size else ''}",
                    "incomplete",
                )
            issued[token] = page
            request, page = {"verb": params["verb"], "resumptionToken": token}, page + 1

    # ------------------------------------------------------------------ records

    def _identifier(self, record) -> str:
        return (record.findtext(f"{_q('header')}/{_q('identifier')}") or "").strip()

    def _record(self, element) -> RawRecord:
        header = element.find(_q("header"))
        identifier = self._identifier(element)
        sent = (header.findtext(_q("datestamp")) if header is not None else None) or None
        datestamp = utc_datestamp(sent.strip() if sent else None)
        if not identifier:
            return RawRecord("(record without identifier)", {}, problem="OAI record header has no <identifier>")
        source_id = local_identifier(identifier)
        if header.get("status") == "deleted":
            return RawRecord(source_id, {"@identifier": identifier, "@datestamp": sent}, deleted=True, source_updated=datestamp)
        metadata = element.find(_q("metadata"))
        instrument = metadata[0] if metadata is not None and len(metadata) and isinstance(metadata[0].tag, str) else None
        if instrument is None:
            return RawRecord(source_id, {}, source_updated=datestamp, problem=f"record {identifier} has no metadata")
        if instrument.tag != f"{{{NRII_NS}}}instrument":
            return RawRecord(
                source_id,
                {},
                source_updated=datestamp,
                problem=f"record {identifier}: metadata is <{instrument.tag}>, expected nrii:instrument",
            )
        return RawRecord(source_id, metadata_payload(instrument), source_updated=datestamp)

    # ------------------------------------------------------------------ transport

    def _get(self, params: dict):
        return self.http.get(self.network.base_url.rstrip("/") + OAI_PATH, params=params)

    def _raise_error(self, element, what: str):
        code = element.get("code", "")
        meaning = OAI_ERRORS.get(code, "unknown OAI-PMH error code")
        text = (element.text or "").strip()
        raise ConnectorError(
            self.network.code, f"{what}: OAI error {code!r} ({meaning}){': ' + text if text else ''}", f"oai_{code or 'error'}"
        )
