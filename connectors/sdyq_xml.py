"""Family `sdyq-xml`: one XML export over HTTP Basic auth (reference: Shandong 370000).

`GET {base}/exchange/instruments.xml[?since=YYYY-MM-DDTHH:MM:SS]` (local UTC+8 time) answers
`<SDYQExport count="N">` with `<Instrument>` records and, incrementally, `<Deleted YQBH=… at=…/>`
markers. The export is parsed as a stream (`connectors/_xmlstream.py`); gzip is inflated on the way;
the XML declaration (UTF-8 or GB18030) decides the decoding unless the `encoding` option overrides
it; 503 + Retry-After while the export is regenerated is retried by `HttpClient`.

Payload of an `<Instrument>`: child element name → text (stripped, `""` when empty); attributes as
`"SSDW@xydm"`; attributes of `<Instrument>` itself as `"@name"`; grandchildren of unknown elements
as `"Parent.Child"`; an element that repeats becomes a list of its texts. Unknown elements are kept
(the mapping ignores what it does not name).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from marshmallow import Schema, fields

from connectors import register
from connectors._options import encoding_field
from connectors._xmlstream import iter_children, local_name
from connectors.base import Connector, RawRecord, ServiceRow
from hub.errors import ConnectorError

#: The doc's `since` is a local time in China (UTC+8, no daylight saving).
CHINA = timezone(timedelta(hours=8))
EXPORT_PATH = "/exchange/instruments.xml"
STATS_PATH = "/exchange/service-stats.xml"


class SdyqOptions(Schema):
    #: False for networks whose export ignores `since=` (Shanxi 140000): every run is a full export.
    incremental = fields.Boolean(load_default=True)
    encoding = encoding_field()


def format_since(since: datetime) -> str:
    """`since` as the doc's local time; a naive datetime is taken as UTC (how the store keeps time)."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return since.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M:%S")


def element_payload(element) -> dict:
    """Flatten one record element into the payload described in the module docstring."""
    payload: dict = {f"@{k}": v for k, v in element.attrib.items()}
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        name = tag if tag[0] != "{" else local_name(child)
        text = child.text
        _put(payload, name, text.strip() if text else "")
        if child.attrib:
            for attr, value in child.attrib.items():
                _put(payload, f"{name}@{attr}", value)
        if len(child):
            for grandchild in child:
                if isinstance(grandchild.tag, str):
                    _put(payload, f"{name}.{local_name(grandchild)}", (grandchild.text or "").strip())
    return payload


def _put(payload: dict, key: str, value: str) -> None:
    if key not in payload:
        payload[key] = value
    elif isinstance(payload[key], list):
        payload[key].append(value)
    else:
        payload[key] = [payload[key], value]


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@register("sdyq-xml")
class SdyqXmlConnector(Connector):
    supports_incremental = True
    options_schema = SdyqOptions

    def __init__(self, network, http):
        super().__init__(network, http)
        #: Messages about service rows dropped because no instrument could be named for them.
        self.skipped: list[str] = []

    def _url(self, path: str) -> str:
        return self.network.base_url.rstrip("/") + path

    def _get(self, path: str, params=None):
        creds = self.network.credentials
        auth = (creds["username"], creds["password"]) if creds.get("username") else None
        response = self.http.get(self._url(path), params=params, auth=auth, ok_statuses={401, 403})
        if response.status_code in (401, 403):
            response.close()
            raise ConnectorError(
                self.network.code,
                f"HTTP {response.status_code} from {path}: the network refused the account "
                f"{creds.get('username')!r} (check its username/password)",
                "auth",
            )
        return response

    def list_records(self, since: datetime | None = None):
        params = {"since": format_since(since)} if since is not None and self.incremental else None
        response = self._get(EXPORT_PATH, params)
        instruments = 0
        expected = None
        for root, element in iter_children(
            self.http, response, what="instrument export", encoding=self.options["encoding"], tags=("{*}Instrument", "{*}Deleted")
        ):
            if expected is None:
                expected = _int_or_none(root.get("count"))
            name = local_name(element)
            if name == "Instrument":
                instruments += 1
                yield self._instrument(element, instruments)
            elif name == "Deleted":
                yield self._deleted(element)
        # A well-formed export that holds fewer instruments than it announces was cut short at the
        # source; treating it as complete would withdraw the missing ones.
        if params is None and expected is not None and instruments < expected:
            raise ConnectorError(
                self.network.code, f"full export announces count={expected} but holds {instruments} instruments", "incomplete"
            )

    def _instrument(self, element, position: int) -> RawRecord:
        payload = element_payload(element)
        source_id = payload.get("YQBH")
        if isinstance(source_id, list):
            return RawRecord(f"(instrument #{position})", payload, problem=f"<Instrument> #{position} has {len(source_id)} YQBH elements")
        if not source_id:
            return RawRecord(
                f"(instrument #{position})", payload, problem=f"<Instrument> #{position} of the export has no YQBH (instrument number)"
            )
        updated = payload.get("GXSJ")
        return RawRecord(source_id, payload, source_updated=updated if isinstance(updated, str) and updated else None)

    def _deleted(self, element) -> RawRecord:
        payload = element_payload(element)
        source_id = (element.get("YQBH") or element.text or "").strip()
        if not source_id:
            return RawRecord("(deleted marker)", payload, deleted=True, problem="<Deleted> marker without YQBH")
        return RawRecord(source_id, payload, deleted=True, source_updated=element.get("at"))

    def service_stats(self, year: int):
        response = self._get(STATS_PATH, {"year": year})
        for root, element in iter_children(self.http, response, what=f"service statistics {year}", encoding=self.options["encoding"]):
            if root.get("year") not in (None, str(year)):
                raise ConnectorError(
                    self.network.code, f"asked for the service statistics of {year}, got year={root.get('year')}", "malformed"
                )
            if local_name(element) != "Record":
                continue
            payload = dict(element.attrib)
            source_id = payload.get("YQBH", "").strip()
            if not source_id:
                # ServiceRow has no problem field: a row nobody can attribute is dropped, loudly.
                self.skipped.append(f"service statistics {year}: <Record> without YQBH: {payload}")
                continue
            yield ServiceRow(source_id, year, payload)

    def probe(self) -> None:
        """One request: the export's head (a `since` of now keeps it small where supported)."""
        params = {"since": format_since(datetime.now(timezone.utc))} if self.incremental else None
        response = self._get(EXPORT_PATH, params)
        stream = self.http.stream(response)
        try:
            head = stream.read(1024)
        finally:
            stream.close()
        if b"<" not in head[:64] and not head.startswith(b"\x1f\x8b"):
            raise ConnectorError(self.network.code, "export did not start like an XML document", "malformed")
