"""`oai-pmh`: the OAI-PMH 2.0 data provider of oai-pmh.md (reference: Jiangsu 320000).

`GET /oai?verb=…`: Identify (with the network's `deletedRecord` policy from its table row),
ListMetadataFormats (`oai_dc`, `nrii`, `nrii_service`), ListSets (one per city, setSpec = GB/T 2260
city code), ListIdentifiers / ListRecords (100 a page, resumption tokens that expire after the row's
`token_lifetime` or 600 s, or as the `token_expiry` fault says), GetRecord; `from`/`until` inclusive
UTC datestamps at either granularity; deleted headers kept forever (`persistent`), for
`transient_seconds` (`transient`) or never (`no`: withdrawn records just vanish); protocol errors
(badVerb, badArgument, badResumptionToken, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch)
as the specification words them. `set=year:Y` with `nrii_service` lists the year's service
statistics. Bodies are built whole per page (small), so the server's `truncate` fault cuts them.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timedelta, timezone

from werkzeug.wrappers import Response

from hub.oaipmh import FORMATS, NRII_NS, VERBS
from hub.simulate import catalog
from hub.simulate.families import escape, register, wire_number
from hub.simulate.generator import UPDATED_FROM

PAGE = 100
DEFAULT_TOKEN_LIFETIME = 600
UTC_OFFSET = timedelta(hours=8)  # network clocks are China time; OAI datestamps are UTC
#: The generator's status spellings → the national list the nrii format uses.
STATUS = {"正常": "正常", "待机": "待机", "故障": "偶有故障", "待修": "待修", "待报废": "待报废", "报废": "待报废"}
#: GB/T 13745 discipline codes by category group (first two digits of the instrument category).
SUBJECTS = {"01": ("150", "140", "180", "430"), "02": ("460", "430", "140"), "03": ("170", "610"), "11": ("180", "310", "320")}
DATESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$")


def utc(local: datetime) -> str:
    return (local - UTC_OFFSET).strftime("%Y-%m-%dT%H:%M:%SZ")


def _oai_error(code: str, text: str) -> str:
    return f'<error code="{code}">{escape(text)}</error>'


class _Fail(Exception):
    def __init__(self, code, text):
        self.code, self.text = code, text


@register("oai-pmh")
class OaiPmh:
    #: How long a `transient` network keeps deleted headers.
    transient_seconds = 3600
    #: where `truncate` with `boundary` cuts a page
    record_end = b"</record>"

    def __init__(self, state):
        self.state = state
        self.spec = state.spec
        self._service_cache: dict = {}
        self.host = f"{self.spec.id_prefix.lower().rstrip('-')}.nrii.example.cn"
        self._queries: dict[str, tuple[dict, int]] = {}
        self._cities: dict[int, str] = {}
        self._selections: dict[tuple, list] = {}

    # -- helpers -------------------------------------------------------------------------------
    def error(self, status: int, headers=None) -> Response:
        return Response(
            f"<html><body><h1>{status}</h1>系统维护中</body></html>", status=status, headers=headers or {}, mimetype="text/html"
        )

    def ident(self, i: int) -> str:
        rec = self.state.record(i)
        return f"{self.spec.id_prefix}{rec.unit.city[2:4]}{rec.unit.number % 100:02d}-{rec.commissioned.year}-{rec.index + 1:04d}"

    def identifier(self, i: int) -> str:
        return f"oai:{self.host}:{self.ident(i)}"

    def city(self, i: int) -> str:
        city = self._cities.get(i)
        if city is None:
            city = self._cities[i] = self.state.record(i).unit.city
        return city

    def _envelope(self, request, verb_attrs: str, inner: str) -> Response:
        now = datetime.now(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n'
            f"<responseDate>{now}</responseDate>\n<request{verb_attrs}>{escape(request.base_url)}</request>\n{inner}\n</OAI-PMH>\n"
        )
        return Response(body.encode("utf-8", "xmlcharrefreplace"), content_type="text/xml; charset=UTF-8")

    # -- routes --------------------------------------------------------------------------------
    def handle(self, request, path, ctx) -> Response:
        if path != "/oai":
            return self.error(404)
        args = {k: v for k, v in request.values.items()}
        verb = args.get("verb")
        try:
            if verb not in VERBS:
                raise _Fail("badVerb", f"illegal verb {verb!r}" if verb else "no verb")
            multi = [k for k in request.values if len(request.values.getlist(k)) > 1]
            unknown = set(args) - VERBS[verb] - {"verb"}
            if multi or unknown:
                raise _Fail("badArgument", f"illegal or repeated arguments: {sorted(set(multi) | unknown)}")
            attrs = "".join(f' {k}="{escape(v)}"' for k, v in args.items())
            inner = getattr(self, f"_{verb}")(args, ctx)
        except _Fail as fail:
            attrs = f' verb="{escape(verb)}"' if verb in VERBS and fail.code != "badArgument" else ""
            inner = _oai_error(fail.code, fail.text)
        return self._envelope(request, attrs, inner)

    def _Identify(self, args, ctx) -> str:
        return (
            "<Identify>"
            f"<repositoryName>{escape(self.spec.province)}大型科学仪器共享平台</repositoryName>"
            f"<baseURL>http://{self.host}/oai</baseURL><protocolVersion>2.0</protocolVersion>"
            f"<adminEmail>admin@{self.host}</adminEmail><earliestDatestamp>{utc(UPDATED_FROM)}</earliestDatestamp>"
            f"<deletedRecord>{self.spec.deleted_record or 'persistent'}</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"
        )

    def _ListMetadataFormats(self, args, ctx) -> str:
        if "identifier" in args:
            self._index_of(args["identifier"])
        return (
            "<ListMetadataFormats>"
            + "".join(
                f"<metadataFormat><metadataPrefix>{p}</metadataPrefix><schema>{s}</schema>"
                f"<metadataNamespace>{ns}</metadataNamespace></metadataFormat>"
                for p, (s, ns) in FORMATS.items()
            )
            + "</ListMetadataFormats>"
        )

    def _ListSets(self, args, ctx) -> str:
        if "resumptionToken" in args:
            raise _Fail("badResumptionToken", "ListSets is never paged")
        cities = {u.city: u.city_name for u in (self.state.data.units[k] for k in range(len(self.state.data.units)))}
        sets = "".join(f"<set><setSpec>{c}</setSpec><setName>{escape(n)}</setName></set>" for c, n in sorted(cities.items()))
        return f"<ListSets>{sets}</ListSets>"

    def _GetRecord(self, args, ctx) -> str:
        if "identifier" not in args or "metadataPrefix" not in args:
            raise _Fail("badArgument", "GetRecord needs identifier and metadataPrefix")
        prefix = self._prefix(args, instruments_only=True)
        i = self._index_of(args["identifier"])
        return f"<GetRecord>{self._record(i, self.state.deleted.get(i), prefix)}</GetRecord>"

    def _ListIdentifiers(self, args, ctx) -> str:
        return self._list(args, ctx, "ListIdentifiers")

    def _ListRecords(self, args, ctx) -> str:
        return self._list(args, ctx, "ListRecords")

    # -- listings ------------------------------------------------------------------------------
    def _prefix(self, args, instruments_only=False) -> str:
        prefix = args["metadataPrefix"]
        if prefix not in FORMATS or (instruments_only and prefix == "nrii_service"):
            raise _Fail("cannotDisseminateFormat", f"metadataPrefix {prefix!r} is not supported")
        return prefix

    def _list(self, args, ctx, verb) -> str:
        if "resumptionToken" in args:
            if set(args) != {"verb", "resumptionToken"}:
                raise _Fail("badArgument", "resumptionToken is an exclusive argument")
            query, offset = self._resume(args["resumptionToken"])
        else:
            if "metadataPrefix" not in args:
                raise _Fail("badArgument", "metadataPrefix is required")
            self._prefix(args)
            query, offset = {k: args[k] for k in ("metadataPrefix", "from", "until", "set") if k in args}, 0
        prefix = query["metadataPrefix"]
        entries = [] if ctx.empty else (self._service_entries(query) if prefix == "nrii_service" else self._entries(query))
        if not entries:
            raise _Fail("noRecordsMatch", "no records match the request")
        page = entries[offset : offset + PAGE]
        if ctx.keep is not None:  # the `short_page` fault: a well-formed page that lost records
            page = page[: int(len(page) * ctx.keep)]
        if prefix == "nrii_service":
            items = [self._service_record(s, verb) for s in page]
        else:
            items = [self._record(i, at, prefix, headers_only=verb == "ListIdentifiers") for i, at in page]
        more = offset + PAGE < len(entries)
        token = self._issue(query, offset + PAGE) if more else ""
        expires = ""
        if more:
            until = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=self._lifetime())
            expires = f' expirationDate="{until.strftime("%Y-%m-%dT%H:%M:%SZ")}"'
        tail = f'<resumptionToken completeListSize="{len(entries)}" cursor="{offset}"{expires}>{token}</resumptionToken>'
        if not more and offset == 0 or ctx.drop_token:
            tail = ""
        return f"<{verb}>{''.join(items)}{tail}</{verb}>"

    def _bounds(self, query) -> tuple[datetime | None, datetime | None]:
        def parse(value, end):
            if not DATESTAMP.match(value):
                raise _Fail("badArgument", f"bad datestamp {value!r}")
            try:
                if "T" in value:
                    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ") + UTC_OFFSET
                day = datetime.strptime(value, "%Y-%m-%d") + UTC_OFFSET
            except ValueError:
                raise _Fail("badArgument", f"bad datestamp {value!r}") from None
            return day + timedelta(days=1, microseconds=-1) if end else day

        lo = parse(query["from"], False) if "from" in query else None
        hi = parse(query["until"], True) if "until" in query else None
        if lo and hi and ("T" in query["from"]) != ("T" in query["until"]):
            raise _Fail("badArgument", "from and until have different granularities")
        return lo, hi

    def _entries(self, query) -> list[tuple[int, datetime | None]]:
        """(index, deleted at | None) of the records this query selects, in index order; cached per
        query until the next mutation, so paging through a listing costs one selection."""
        key = (tuple(sorted(query.items())), self.state.mutations, self.transient_seconds)
        cached = self._selections.get(key)
        if cached is None:
            cached = self._select(query)
            if len(self._selections) >= 16:
                self._selections.pop(next(iter(self._selections)))
            self._selections[key] = cached
        return cached

    def _select(self, query) -> list[tuple[int, datetime | None]]:
        lo, hi = self._bounds(query)
        wanted_set = query.get("set")
        state = self.state
        policy = self.spec.deleted_record or "persistent"
        horizon = datetime.now(timezone.utc).replace(tzinfo=None) + UTC_OFFSET - timedelta(seconds=self.transient_seconds)
        out = []
        for i in range(state.total):
            at = state.deleted.get(i)
            if at is not None:
                if policy == "no" or (policy == "transient" and at < horizon):
                    continue
                stamp = at
            else:
                stamp = state.updated(i)
            stamp = stamp.replace(microsecond=0)
            if (lo and stamp < lo) or (hi and stamp > hi):
                continue
            if wanted_set and self.city(i) != wanted_set:
                continue
            out.append((i, at))
        return out

    def _service_entries(self, query) -> list:
        match = re.fullmatch(r"year:(\d{4})", query.get("set", ""))
        if not match:
            raise _Fail("badArgument" if "set" not in query else "noRecordsMatch", "nrii_service needs set=year:YYYY")
        year = int(match.group(1))
        data = self.state.data
        # A year's statistics never change; computing them builds every record, so once per year.
        key = ("service", year)
        stats = self._service_cache.get(key)
        if stats is None:
            stats = self._service_cache[key] = [(i, s) for i in range(data.n) if (s := data.stats(i, year))]
        return [s for i, s in stats if i not in self.state.deleted]

    # -- tokens --------------------------------------------------------------------------------
    def _lifetime(self) -> float:
        fault = self.state.standing("token_expiry")
        if fault and fault.options["seconds"] is not None:
            return float(fault.options["seconds"])
        return float(self.spec.token_lifetime or DEFAULT_TOKEN_LIFETIME)

    def _issue(self, query, offset) -> str:
        token = uuid.uuid4().hex
        fault = self.state.standing("token_expiry")
        with self.state.lock:
            self.state.tokens[token] = [time.monotonic(), 0, self._lifetime(), fault.options["requests"] if fault else None]
            self._queries[token] = (query, offset)
        return token

    def _resume(self, token) -> tuple[dict, int]:
        with self.state.lock:
            entry = self.state.tokens.get(token)
            known = self._queries.get(token)
            if entry is None or known is None:
                self._queries.pop(token, None)
                raise _Fail("badResumptionToken", "the resumptionToken is invalid or has expired")
            issued, uses, lifetime, max_uses = entry
            if time.monotonic() - issued >= lifetime or (max_uses is not None and uses >= max_uses):
                del self.state.tokens[token]
                del self._queries[token]
                raise _Fail("badResumptionToken", "the resumptionToken has expired")
            entry[1] += 1
            return known

    def _index_of(self, identifier: str) -> int:
        prefix = f"oai:{self.host}:"
        m = re.fullmatch(r"[A-Z]+\d{4}-\d{4}-(\d{4,})", identifier[len(prefix) :]) if identifier.startswith(prefix) else None
        i = int(m.group(1)) - 1 if m else -1
        if not (0 <= i < self.state.total) or self.identifier(i) != identifier:
            raise _Fail("idDoesNotExist", f"no record {identifier!r}")
        if i in self.state.deleted and (self.spec.deleted_record or "persistent") == "no":
            raise _Fail("idDoesNotExist", f"no record {identifier!r}")
        return i

    # -- rendering -----------------------------------------------------------------------------
    def _record(self, i: int, deleted_at, prefix: str, headers_only=False) -> str:
        if deleted_at is not None:
            header = (
                f'<header status="deleted"><identifier>{self.identifier(i)}</identifier>'
                f"<datestamp>{utc(deleted_at)}</datestamp><setSpec>{self.city(i)}</setSpec></header>"
            )
            return header if headers_only else f"<record>{header}</record>"
        rec = self.state.record(i)
        header = (
            f"<header><identifier>{self.identifier(i)}</identifier><datestamp>{utc(rec.updated)}</datestamp>"
            f"<setSpec>{rec.unit.city}</setSpec></header>"
        )
        if headers_only:
            return header
        if prefix == "oai_dc":
            return f"<record>{header}<metadata>{self._dc(rec)}</metadata></record>"
        key = (i, self.state.version(i), "nrii")
        body = self.state.cache.get(key)
        if body is None:
            body = render_instrument(self.spec, rec, self.ident(i))
            self.state.cache.put(key, body)
        return f"<record>{header}<metadata>{body}</metadata></record>"

    def _dc(self, rec) -> str:
        return (
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(rec.name)}</dc:title><dc:publisher>{escape(rec.unit.name)}</dc:publisher>"
            f"<dc:type>PhysicalObject</dc:type><dc:identifier>{self.ident(rec.index)}</dc:identifier></oai_dc:dc>"
        )

    def _service_record(self, s, verb) -> str:
        rid = self.ident(s.index)
        header = (
            f"<header><identifier>oai:{self.host}:service:{s.year}:{rid}</identifier>"
            f"<datestamp>{s.year + 1}-01-15T00:00:00Z</datestamp><setSpec>year:{s.year}</setSpec></header>"
        )
        if verb == "ListIdentifiers":
            return header
        return (
            f'<record>{header}<metadata><nrii:service xmlns:nrii="{NRII_NS}" innerId="{rid}" year="{s.year}" '
            f'effectiveHours="{s.hours}" externalHours="{s.external_hours}" externalServices="{s.external_services}" '
            f'enterpriseServices="{s.enterprise_services}" samples="{s.samples}" externalSamples="{s.external_samples}" '
            f'income="{s.income}"/></metadata></record>'
        )


def render_instrument(spec, rec, inner_id: str) -> str:
    """One `nrii:instrument` in the national reporting model's field names (worth in 万元)."""
    q = rec.q
    alpha2 = catalog.MAKERS[rec.maker][3]
    unit = rec.unit
    status = STATUS[rec.status]
    if status == "正常" and q[2] < 0.04:
        status = "远程服务中"
    elif status == "偶有故障" and q[2] < 0.3:
        status = "故障频繁"
    subjects = SUBJECTS.get(rec.kind.code[:2], ("150", "140"))
    chosen = [subjects[int(q[3] * len(subjects))]]
    if q[4] < 0.3:
        chosen.append(subjects[(int(q[3] * len(subjects)) + 1) % len(subjects)])
    org = f' creditCode="{escape(unit.credit_code)}"' if unit.credit_code else ""
    if unit.level != "other":
        org += f' level="{unit.level}"'
    contact = (f' name="{escape(rec.contact)}" phone="{rec.phone}"' if rec.contact else "") + (
        f' email="{escape(rec.email)}"' if rec.email else ""
    )
    worth = wire_number(rec, "wanyuan")
    parts = [
        f'<nrii:instrument xmlns:nrii="{NRII_NS}">',
        f"<nrii:innerId>{inner_id}</nrii:innerId>",
        f"<nrii:cname>{escape(rec.name)}</nrii:cname>",
        f"<nrii:ename>{escape(rec.name_en)}</nrii:ename>" if rec.name_en else "",
        f"<nrii:instrCategory>{rec.category}</nrii:instrCategory>" if rec.category else "",
        f"<nrii:instrVersion>{escape(rec.model)}</nrii:instrVersion>" if rec.model else "",
        f"<nrii:manufacturer>{escape(rec.maker_name)}</nrii:manufacturer>" if rec.maker_name else "",
        f"<nrii:nation>{alpha2}</nrii:nation>",
        f"<nrii:worth>{worth}</nrii:worth>" if worth else "",
        f"<nrii:beginDate>{rec.commissioned.isoformat()}</nrii:beginDate>" if rec.date_given else "",
        f"<nrii:orgName{org}>{escape(unit.name)}</nrii:orgName>",
        f'<nrii:location province="{spec.code}" city="{unit.city}" county="{rec.county}">'
        f"{escape(unit.county_name + rec.address)}</nrii:location>",
        f"<nrii:technical>{escape(rec.specs)}</nrii:technical>" if rec.specs else "",
        f"<nrii:function>{escape(rec.functions)}</nrii:function>" if rec.functions else "",
        *(f"<nrii:subject>{s}</nrii:subject>" for s in chosen),
        f"<nrii:serviceContent>{escape('；'.join(rec.services))}</nrii:serviceContent>" if rec.services else "",
        f"<nrii:fee>{escape(rec.fee)}</nrii:fee>" if rec.fee else "",
        f"<nrii:serviceUrl>http://{spec.id_prefix.lower()}.nrii.example.cn/yy/{inner_id}</nrii:serviceUrl>" if rec.booking else "",
        f"<nrii:contact{contact}/>" if contact else "",
        f"<nrii:status>{status}</nrii:status>",
        f"<nrii:shareMode>{rec.sharing}</nrii:shareMode>",
        f"<nrii:certification>{rec.cert}</nrii:certification>" if rec.certified else "",
        "</nrii:instrument>",
    ]
    return "".join(parts)
