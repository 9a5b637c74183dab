"""Family `hbkx-json`: paged JSON REST API with token login (reference: Hubei 420000).

Login `POST {base}/api/v3/auth/token` → token (cached until shortly before `expiresIn`); every call
sends `X-Auth-Token`. An expired token (`code` 40101, any call) means: log in again and retry that
page, once. `code` 40100 (wrong key) is an `auth` failure. Pages are asked `pageNo=1…` with the
configured `page_size` and stop when `pageNo * pageSize >= total`; a page with fewer rows than
`pageSize` and `total` promise for it, a listing that ends with fewer distinct rows than `total`,
or one whose `total` changes from one page to another (rows shift between pages), is incomplete. Requests are paced client-side under
`max_requests_per_second`; a 429 that comes anyway is retried by `HttpClient` after `Retry-After`.

Instrument payload: the JSON row as sent (nested objects kept; mappings address `"org.name"`),
numbers and numeric strings untouched. Service records (one row per service event) are summed per
instrument into the keys of `SERVICE_KEYS`.
"""

from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone

from marshmallow import Schema, fields, validate

from connectors import register
from connectors._ratelimit import RateLimiter
from connectors.base import Connector, RawRecord, ServiceRow
from hub.decoding import DecodingError, declared_charset, decode
from hub.errors import ConnectorError

LOGIN_PATH = "/api/v3/auth/token"
INSTRUMENTS_PATH = "/api/v3/instruments"
SERVICES_PATH = "/api/v3/service-records"
CODE_OK, CODE_BAD_KEY, CODE_EXPIRED = 0, 40100, 40101
#: Renew a token this many seconds before the server says it expires, rather than earn a 40101.
TOKEN_MARGIN = 30
#: A JSON page is small; anything near this is not a page.
PAGE_CAP = 64 * 1024 * 1024

#: The payload keys of an hbkx `ServiceRow` (the mapping's `service:` section names these).
SERVICE_KEYS = {
    "instrumentId": "the instrument's `id` as text (the same as `ServiceRow.source_id`)",
    "serviceCount": "number of service events of the instrument in the year",
    "hours": "sum of `hours` over all events",
    "externalHours": "sum of `hours` over events with `external` true",
    "externalServices": "number of events with `external` true",
    "enterpriseServices": "number of events with `external` true and `userType` 企业",
    "samples": "sum of `samples` over all events",
    "externalSamples": "sum of `samples` over events with `external` true",
    "fee": "sum of `fee` (yuan) over all events",
    "satisfaction": "mean of the non-null `satisfaction` ratings (1–5), null when none",
    "ratedServices": "number of events with a non-null `satisfaction`",
}


class HbkxOptions(Schema):
    #: The API caps pages at 200; some networks lower the cap (Guizhou 520000: 50).
    page_size = fields.Integer(load_default=200, validate=validate.Range(1, 200))
    #: Client-side pacing; the reference API answers 429 above 10/s (Chongqing 500000: above 5/s).
    max_requests_per_second = fields.Float(load_default=8.0, validate=validate.Range(min=0.1, max=100))
    incremental = fields.Boolean(load_default=True)


def epoch_ms(since: datetime) -> int:
    """`updatedSince` value; a naive datetime is taken as UTC (how the store keeps time)."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return int(since.timestamp() * 1000)


def number(value):
    """A JSON number or numeric string (`"3250000.00"`, `"1,200"`) as int/float; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        result = float(text)
        if not math.isfinite(result):
            raise ValueError(f"{value!r} is not a finite number")
        return int(result) if result.is_integer() and "." not in text and "e" not in text.lower() else result
    raise ValueError(f"{value!r} is not a number")


def truthy(value) -> bool:
    """JSON booleans as vendors send them: true, 1, "true", "1", "是"."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "y", "是")
    return bool(value) and value is not None


def id_text(value) -> str | None:
    """A stable text id whether the API sends 1042, 1042.0 or "1042"."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _code(doc: dict):
    try:
        return int(doc.get("code"))
    except (TypeError, ValueError):
        return doc.get("code")


class ServiceTotals:
    """Per-instrument sums of service events (pure bookkeeping, no I/O)."""

    def __init__(self):
        self.events = self.external = self.enterprise = self.rated = 0
        self.hours = self.external_hours = self.samples = self.external_samples = self.fee = 0
        self.ratings = 0.0

    def add(self, event: dict) -> list[str]:
        """Count one event; return the fields that could not be read (they count as absent)."""
        bad = []

        def read(key):
            try:
                return number(event.get(key)) or 0
            except ValueError:
                bad.append(key)
                return 0

        hours, samples, fee = read("hours"), read("samples"), read("fee")
        external = truthy(event.get("external"))
        self.events += 1
        self.hours += hours
        self.samples += samples
        self.fee += fee
        if external:
            self.external += 1
            self.external_hours += hours
            self.external_samples += samples
            if str(event.get("userType") or "").strip() == "企业":
                self.enterprise += 1
        try:
            rating = number(event.get("satisfaction"))
        except ValueError:
            bad.append("satisfaction")
            rating = None
        if rating is not None:
            self.rated += 1
            self.ratings += rating
        return bad

    def payload(self) -> dict:
        return {
            "serviceCount": self.events,
            "hours": _tidy(self.hours),
            "externalHours": _tidy(self.external_hours),
            "externalServices": self.external,
            "enterpriseServices": self.enterprise,
            "samples": _tidy(self.samples),
            "externalSamples": _tidy(self.external_samples),
            "fee": _tidy(self.fee),
            "satisfaction": round(self.ratings / self.rated, 2) if self.rated else None,
            "ratedServices": self.rated,
        }


def _tidy(value):
    """Sums without float dust: whole numbers as int, others to 4 decimals."""
    value = round(value, 4)
    return int(value) if float(value).is_integer() else value


@register("hbkx-json")
class HbkxJsonConnector(Connector):
    sequential_pages = True
    paced = True  # at most `max_requests_per_second`, and service records run to hundreds of pages
    supports_incremental = True
    options_schema = HbkxOptions

    def __init__(self, network, http):
        super().__init__(network, http)
        self.limiter = RateLimiter(self.options["max_requests_per_second"])
        self.clock = time.monotonic
        self.logins = 0
        #: Messages about service rows dropped or partly unreadable.
        self.skipped: list[str] = []
        self._token = None
        self._token_until = 0.0

    # ------------------------------------------------------------------ transport

    def _url(self, path: str) -> str:
        return self.network.base_url.rstrip("/") + path

    def _fail(self, message: str, kind: str):
        raise ConnectorError(self.network.code, message, kind)

    def _json(self, response, what: str) -> dict:
        if response.status_code in (401, 403):
            response.close()
            self._fail(f"{what}: HTTP {response.status_code}; the network refused the app key", "auth")
        body = self.http.read(response, PAGE_CAP)
        try:
            text, _ = decode(body, declared_charset(response.headers.get("Content-Type")))
            doc = json.loads(text)
        except (DecodingError, ValueError) as exc:
            self._fail(f"{what}: answer is not JSON ({exc}); starts {body[:80]!r}", "malformed")
        if not isinstance(doc, dict):
            self._fail(f"{what}: answer is JSON but not an object", "malformed")
        return doc

    def _login(self) -> str:
        creds = self.network.credentials
        self.limiter.wait()
        response = self.http.post(
            self._url(LOGIN_PATH), json={"appKey": creds.get("app_key"), "appSecret": creds.get("app_secret")}, ok_statuses={401, 403}
        )
        doc = self._json(response, "login")
        code = _code(doc)
        if code == CODE_BAD_KEY:
            self._fail(f"login refused: code 40100 {doc.get('msg')!r} (check app_key/app_secret of {creds.get('app_key')!r})", "auth")
        if code != CODE_OK:
            self._fail(f"login failed: code {doc.get('code')} {doc.get('msg')!r}", "auth")
        data = doc.get("data") or {}
        token = data.get("token") if isinstance(data, dict) else None
        if not token:
            self._fail("login answered code 0 without a token", "malformed")
        self.logins += 1
        self._token = str(token)
        try:
            lifetime = float(data.get("expiresIn"))
        except (TypeError, ValueError):
            lifetime = math.inf  # Unknown lifetime: rely on 40101 alone.
        self._token_until = self.clock() + max(0.0, lifetime - TOKEN_MARGIN)
        return self._token

    def _token_now(self) -> str:
        if self._token is None or self.clock() >= self._token_until:
            return self._login()
        return self._token

    def _call(self, path: str, params: dict, what: str) -> dict:
        """One authenticated GET; on 40101 log in again and retry it, once. Returns `data`."""
        for attempt in (1, 2):
            token = self._token_now()
            self.limiter.wait()
            response = self.http.get(self._url(path), params=params, headers={"X-Auth-Token": token}, ok_statuses={401, 403})
            doc = self._json(response, what)
            code = _code(doc)
            if code == CODE_EXPIRED:
                self._token = None
                if attempt == 1:
                    continue
                self._fail(f"{what}: token reported expired (40101) again right after a fresh login", "auth")
            if code == CODE_BAD_KEY:
                self._fail(f"{what}: code 40100 {doc.get('msg')!r}", "auth")
            if code != CODE_OK:
                self._fail(f"{what}: code {doc.get('code')} {doc.get('msg')!r}", "api_error")
            data = doc.get("data")
            if not isinstance(data, dict):
                self._fail(f"{what}: code 0 but no `data` object", "malformed")
            return data
        raise AssertionError("unreachable")  # Loop returns or raises

    def _pages(self, path: str, params: dict, what: str):
        """Yield `(page_no, rows, total)`; stop when `pageNo * pageSize >= total`."""
        size = self.options["page_size"]
        page_no = 1
        first_total = None
        while True:
            where = f"{what} page {page_no}"
            data = self._call(path, {**params, "pageNo": page_no, "pageSize": size}, where)
            try:
                total = number(data.get("total"))
                echoed = number(data.get("pageSize"))
            except ValueError as exc:
                self._fail(f"{where}: {exc}", "malformed")
            rows = data.get("list")
            rows = [] if rows is None else rows
            if total is None or not isinstance(rows, list):
                self._fail(f"{where}: `total` or `list` missing", "malformed")
            # Offset paging reads a listing that changes underneath it wrongly: a record deleted
            # upstream after page 1 shifts later rows back a page, and one still listed is never
            # seen, though the rows read add up to the new total. Only a listing whose total held
            # from first page to last is a snapshot the harvest may withdraw by.
            first_total = total if first_total is None else first_total
            if total != first_total:
                self._fail(
                    f"{where} says total={total} where page 1 said total={first_total}: the listing changed while "
                    "it was read, so rows may have shifted past the pages already read",
                    "incomplete",
                )
            yield page_no, rows, total
            # A server that caps pageSize lower than asked echoes its own: page by that.
            effective = int(echoed) if echoed and 0 < echoed < size else size
            # Each page proves itself whole: a short page (valid JSON, rows missing) would otherwise
            # be found only by the count at the very end, or not at all when the listing shifts.
            promised = max(0, min(effective, int(total) - (page_no - 1) * effective))
            if len(rows) < promised:
                self._fail(
                    f"{where} has {len(rows)} rows where pageSize={effective} and total={total} promise {promised}: "
                    "the page is short, rows are missing",
                    "incomplete",
                )
            if page_no * effective >= total:
                return
            if not rows:
                self._fail(f"{where} is empty although total={total} promises more", "incomplete")
            page_no += 1

    # ------------------------------------------------------------------ interface

    def list_records(self, since: datetime | None = None):
        params = {"updatedSince": epoch_ms(since)} if since is not None and self.incremental else {}
        seen: set[str] = set()
        broken = 0
        total = 0
        for page_no, rows, total in self._pages(INSTRUMENTS_PATH, params, "instruments"):
            for index, row in enumerate(rows, 1):
                record = self._record(row, page_no, index)
                if record.problem:
                    broken += 1
                else:
                    seen.add(record.source_id)
                yield record
        if len(seen) + broken < total:
            self._fail(f"instrument listing ended with {len(seen) + broken} distinct rows of total={total}", "incomplete")

    def _record(self, row, page_no: int, index: int) -> RawRecord:
        where = f"(page {page_no} row {index})"
        if not isinstance(row, dict):
            return RawRecord(where, {"row": row}, problem=f"instrument row {where} is not a JSON object")
        source_id = id_text(row.get("id"))
        if source_id is None:
            return RawRecord(where, row, problem=f"instrument row {where} has no id")
        updated = row.get("updateTime")
        return RawRecord(source_id, row, deleted=truthy(row.get("deleted")), source_updated=None if updated in (None, "") else str(updated))

    def service_stats(self, year: int):
        totals: dict[str, ServiceTotals] = {}
        rows_seen = 0
        total = 0
        for page_no, rows, total in self._pages(SERVICES_PATH, {"year": year}, f"service records {year}"):
            for index, row in enumerate(rows, 1):
                rows_seen += 1
                where = f"service records {year} page {page_no} row {index}"
                instrument = id_text(row.get("instrumentId")) if isinstance(row, dict) else None
                if instrument is None:
                    self.skipped.append(f"{where}: no instrumentId; dropped")
                    continue
                bad = totals.setdefault(instrument, ServiceTotals()).add(row)
                if bad:
                    self.skipped.append(f"{where} (id {row.get('id')}): unreadable {', '.join(bad)}; counted as absent")
        if rows_seen < total:
            self._fail(f"service records {year} ended with {rows_seen} rows of total={total}", "incomplete")
        for instrument, sums in totals.items():
            yield ServiceRow(instrument, year, {"instrumentId": instrument, **sums.payload()})

    def probe(self) -> None:
        """One request: a login."""
        self._login()
