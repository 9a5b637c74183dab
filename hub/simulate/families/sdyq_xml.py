"""`sdyq-xml`: the XML data-exchange interface of sdyq-xml.md (reference: Shandong 370000).

GET /exchange/instruments.xml[?since=YYYY-MM-DDTHH:MM:SS] and /exchange/service-stats.xml?year=Y,
HTTP Basic auth, gzip when the network's row says so and the client accepts it, the document encoded
in the declared encoding (UTF-8 or GB18030), quirks of the doc drawn per record.
"""

from __future__ import annotations

import base64
import zlib
from datetime import datetime

from werkzeug.wrappers import Response

from hub.simulate import catalog
from hub.simulate.families import escape, register, wire_number

USER, PASSWORD = "hub", "hub-secret"
CHUNK = 200  # records per yielded piece of the stream
EXTRA = ("<ZCBH>{}</ZCBH>", "<BZ>数据来源：单位填报{}</BZ>", "<SJLY>平台{}</SJLY>")
WRONG_CODES = ("019900", "999999", "010000", "120100")


def _qyrq(d, style, u):
    forms = {
        "iso": ((0.9, "{y}-{m:02d}-{d:02d}"), (0.95, "{y}-{m:02d}"), (0.98, "{y}/{m}/{d}"), (1.0, "{y}年{m}月")),
        "cn_month": ((0.75, "{y}年{m}月"), (0.9, "{y}-{m:02d}-{d:02d}"), (1.0, "{y}-{m:02d}")),
        "mixed": ((0.4, "{y}-{m:02d}-{d:02d}"), (0.6, "{y}-{m:02d}"), (0.8, "{y}/{m}/{d}"), (1.0, "{y}年{m}月")),
    }[style]
    for bound, form in forms:
        if u < bound:
            return form.format(y=d.year, m=d.month, d=d.day)
    return d.isoformat()


def render_instrument(spec, rec) -> str:
    """One <Instrument> element, quirks drawn from the record's own uniforms."""
    q = rec.kind and rec.q
    country = catalog.MAKERS[rec.maker][2]
    maker = rec.maker_name
    if maker and q[3] > 0.97:
        maker = catalog.AGENTS[int(q[4] * len(catalog.AGENTS))]
        country = "进口" if q[4] < 0.5 else "中国台湾" if q[4] < 0.6 else country
    elif q[4] < 0.02:
        country = "进口"
    elif q[4] < 0.035:
        country = ""
    code = rec.category or ""
    if code and q[1] < 0.01:
        code = code[:4]
    elif code and q[1] < 0.017:
        code = WRONG_CODES[int(q[2] * len(WRONG_CODES))]
    value = wire_number(rec, spec.value_unit)
    unit = rec.unit
    xydm = f' xydm="{escape(unit.credit_code)}"' if unit.credit_code and q[5] >= 0.02 else ""
    lx = unit.lx.replace("鲁", spec.short) if unit.level == "central" else unit.lx
    szdq = unit.city if q[6] < spec.szdq_city_share else rec.county
    if rec.certified:
        jlrz = "是" if q[7] < 0.15 else rec.cert
    else:
        jlrz = "否" if q[7] < 0.5 else ""
    booking = f"http://www.sdyq.example/book?id={ident(spec, rec)}" if rec.booking else ""
    extra = EXTRA[int(q[9] * len(EXTRA))].format(rec.index) if q[8] < 0.05 else ""
    ywmc = escape(rec.name_en)
    qyrq = _qyrq(rec.commissioned, spec.qyrq_style, q[10]) if rec.date_given else ""
    return (
        "  <Instrument>\n"
        f"    <YQBH>{ident(spec, rec)}</YQBH>\n"
        f"    <YQMC>{escape(rec.name)}</YQMC>\n"
        f"    <YWMC>{ywmc}</YWMC>\n"
        f"    <FLDM>{code}</FLDM>\n"
        f"    <GGXH>{escape(rec.model)}</GGXH>\n"
        f"    <SCCS>{escape(maker)}</SCCS>\n"
        f"    <CDGB>{country}</CDGB>\n"
        f"    <YZ>{value}</YZ>\n"
        f"    <QYRQ>{qyrq}</QYRQ>\n"
        f'    <SSDW{xydm} lx="{lx}">{escape(unit.name)}</SSDW>\n'
        f"    <SZDQ>{szdq}</SZDQ>\n"
        f"    <AZDD>{escape(unit.city_name + unit.county_name + rec.address)}</AZDD>\n"
        f"    <ZYJSZB>{escape(rec.specs)}</ZYJSZB>\n"
        f"    <ZYGN>{escape(rec.functions)}</ZYGN>\n"
        f"    <FWNR>{escape('；'.join(rec.services))}</FWNR>\n"
        f"    <SFBZ>{escape(rec.fee)}</SFBZ>\n"
        f"    <YYWZ>{escape(booking)}</YYWZ>\n"
        f"    <LXR>{escape(rec.contact)}</LXR>\n"
        f"    <LXDH>{rec.phone}</LXDH>\n"
        f"    <DZYX>{escape(rec.email or '')}</DZYX>\n"
        f"    <YXZT>{rec.status}</YXZT>\n"
        f"    <GXMS>{rec.sharing}</GXMS>\n"
        f"    <JLRZ>{jlrz}</JLRZ>\n"
        f"    <GXSJ>{rec.updated:%Y-%m-%d %H:%M:%S}</GXSJ>\n"
        f"{'    ' + extra + chr(10) if extra else ''}"
        "  </Instrument>\n"
    )


def ident(spec, rec) -> str:
    return f"{spec.id_prefix}{rec.unit.city[2:4]}{rec.unit.number % 100:02d}-{rec.commissioned.year}-{rec.index + 1:04d}"


@register("sdyq-xml")
class SdyqXml:
    def __init__(self, state):
        self.state = state
        self.spec = state.spec

    # -- helpers -------------------------------------------------------------------------------
    def error(self, status: int, headers=None) -> Response:
        return Response(f"{status} error\n", status=status, headers=headers or {}, mimetype="text/plain")

    def _authorised(self, request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except Exception:
            return False
        return user == USER and password == PASSWORD

    def _fragment(self, i: int) -> str:
        state = self.state
        key = (i, state.version(i))
        text = state.cache.get(key)
        if text is None:
            text = render_instrument(self.spec, state.record(i))
            state.cache.put(key, text)
        return text

    def _respond(self, request, pieces, ctx) -> Response:
        """Stream text pieces, encoded as declared, gzipped when the network does and the client accepts."""
        encoding = self.spec.encoding
        headers = {}
        body = (p.encode(encoding, "xmlcharrefreplace") for p in pieces)
        if self.spec.gzip and "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            body = _gzip(body)
        return Response(body, headers=headers, content_type=f"application/xml; charset={encoding}", direct_passthrough=True)

    # -- routes --------------------------------------------------------------------------------
    def handle(self, request, path, ctx) -> Response:
        if path not in ("/exchange/instruments.xml", "/exchange/service-stats.xml"):
            return self.error(404)
        if not self._authorised(request):
            return Response("401 Unauthorized\n", status=401, headers={"WWW-Authenticate": 'Basic realm="sdyq"'})
        if path.endswith("service-stats.xml"):
            return self._stats(request, ctx)
        since = request.args.get("since")
        if since and self.spec.since:
            try:
                since_dt = datetime.fromisoformat(since.replace(" ", "T"))
            except ValueError:
                return Response(f"bad since: {since}\n", status=400, mimetype="text/plain")
            changed, gone = self.state.changed_since(since_dt.replace(tzinfo=None))
        else:  # networks without since= support answer with the full export
            changed, gone = self.state.live(), []
        if ctx.empty:
            changed, gone = [], []
        return self._respond(request, self._document(changed, gone, ctx), ctx)

    def _document(self, indices, gone, ctx):
        encoding = self.spec.encoding
        yield (
            f'<?xml version="1.0" encoding="{encoding}"?>\n'
            f'<SDYQExport version="2.1" generated="{self.state.as_of:%Y-%m-%dT%H:%M:%S}+08:00" count="{len(indices)}">\n'
        )
        cut = int(len(indices) * ctx.truncate) if ctx.truncate is not None else None
        buf = []
        for n, i in enumerate(indices):
            if cut is not None and n == cut:
                text = self._fragment(i)
                if not ctx.boundary:
                    buf.append(text[: len(text) // 2])  # the connection drops inside an element
                ctx.truncated = True
                yield "".join(buf)
                return
            buf.append(self._fragment(i))
            if len(buf) >= CHUNK:
                yield "".join(buf)
                buf = []
        if cut is not None:  # nothing to cut inside: cut the closing part instead
            ctx.truncated = True
            yield "".join(buf) + ("" if ctx.boundary else "  <Instru")
            return
        buf.extend(f'  <Deleted YQBH="{ident(self.spec, self.state.record(i))}" at="{at:%Y-%m-%d %H:%M:%S}"/>\n' for i, at in gone)
        buf.append("</SDYQExport>\n")
        yield "".join(buf)

    def _stats(self, request, ctx) -> Response:
        try:
            year = int(request.args.get("year", "2012"))
        except ValueError:
            return Response("bad year\n", status=400, mimetype="text/plain")
        rows = [] if ctx.empty else [s for i in range(self.state.data.n) if (s := self.state.data.stats(i, year))]
        pieces = [f'<?xml version="1.0" encoding="{self.spec.encoding}"?>\n<FWTJ year="{year}" count="{len(rows)}">\n']
        for s in rows:
            rid = ident(self.spec, self.state.data.record(s.index))
            pieces.append(
                f'  <Record YQBH="{rid}" ZJS="{s.hours}" DWFWJS="{s.external_hours}" DWFWCS="{s.external_services}" '
                f'QYFWCS="{s.enterprise_services}" YPS="{s.samples}" DWYPS="{s.external_samples}" SR="{s.income}"/>\n'
            )
        pieces.append("</FWTJ>\n")
        return self._respond(request, pieces, ctx)


def _gzip(chunks):
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            yield out
    yield comp.flush()
