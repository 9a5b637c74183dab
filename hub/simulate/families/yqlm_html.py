"""`yqlm-html`: the public alliance website of yqlm-html.md (reference: Hebei 130000).

GBK pages (declared in the header, in a meta tag, not at all, or wrongly as ISO-8859-1; Hainan
serves UTF-8), listing of 20 rows with a `共 N 页` pager and 下一页 link (a page past the end repeats
the last page), detail tables whose row order, missing rows, label colons, <br> and entities vary,
`该仪器不存在或已下架` for unknown ids, a GBK CSV directory (a little older than the pages) where the
network has it, and `fwtj_2012.csv` service statistics.
"""

from __future__ import annotations

import csv
import io
import random
import re

from werkzeug.wrappers import Response

from hub.simulate import catalog
from hub.simulate.families import escape, register
from hub.simulate.families.hbkx_json import category_names
from hub.simulate.generator import AS_OF

PAGE_ROWS = 20
LABELS = (
    "仪器名称",
    "英文名称",
    "仪器类别",
    "规格型号",
    "生产厂家",
    "产地",
    "原值",
    "购置日期",
    "所属单位",
    "单位性质",
    "所在地区",
    "详细地址",
    "主要技术指标",
    "主要功能及应用领域",
    "收费标准",
    "联系人",
    "联系电话",
    "共享方式",
    "计量认证",
    "最后更新",
)
LEVEL_ZH = {"central": "部属", "provincial": "省属", "municipal": "市属", "other": ""}
TYPE_ZH = {"university": "高校", "institute": "科研院所", "enterprise": "企业", "other": "事业单位"}
SHARE_ZH = {"外部共享": "对外开放", "内部共享": "内部使用", "不共享": "不开放"}
STATS_HEADER = ("仪器编号", "年有效机时", "对外服务机时", "对外服务次数", "企业服务次数", "样品数", "对外样品数", "服务收入(元)")
NOT_FOUND = '<div class="msg">该仪器不存在或已下架</div>'
ERROR_PAGE = (
    "<html><head><title>{status}</title></head><body><center><h1>{status} Bad Gateway</h1></center>"
    "<hr><center>nginx/1.2.9</center></body></html>"
)


def ident(spec, rec) -> str:
    return f"{spec.id_prefix}{rec.commissioned.year}-{rec.index + 1:05d}"


def index_of(ident_text: str) -> int | None:
    match = re.search(r"-(\d{5,})$", ident_text or "")
    return int(match.group(1)) - 1 if match else None


def value_text(spec, yuan: int, u: float, slip: bool = False) -> str:
    wan = yuan / 10000
    if slip:  # typed in the other unit: the yuan figure labelled 万元, or the 万元 figure as yuan
        return f"{yuan}万元" if u < 0.35 else f"{wan:g}元" if u < 0.5 else (str(yuan) if spec.value_unit == "wanyuan" else f"{wan:.2f}")
    if u < 0.35:
        return f"{wan:g}万元"
    if u < 0.5:
        return f"{yuan}元"
    if u < 0.62:
        return f"{yuan:,}"
    if u < 0.7:
        return f"约{round(wan)}万元"
    # a bare number: 万元 on some sites, yuan on others (the network's value_unit)
    return f"{wan:.2f}" if spec.value_unit == "wanyuan" else str(yuan)


def _category(names, code) -> str:
    if code is None:
        return ""
    if code.endswith("0000"):  # filed at the wrong level: the 大类 alone
        return names[code]
    return f"{names[code[:2] + '0000']} / {names[code]}"


def detail_values(spec, rec, html: bool) -> dict[str, str]:
    """Label -> value as the site shows it (html: with <br> and entities)."""
    q = rec.q
    names = category_names()
    country = catalog.MAKERS[rec.maker][2]
    d = rec.commissioned
    date = (f"{d.year}年{d.month}月", d.isoformat(), f"{d.year}-{d.month:02d}")[int(q[10] * 3)] if rec.date_given else ""
    unit = rec.unit
    city = unit.city_name
    region = f"{spec.province}{city}{unit.county_name if q[6] >= 0.2 else ''}"
    specs = rec.specs
    address = unit.street + ("" if not rec.address[len(unit.street) :] else rec.address[len(unit.street) :])
    if html:
        specs = escape(specs).replace("；", "；<br>" if q[8] < 0.5 else "<br>").replace("–", "&#8211;")
        address = escape(address).replace(" ", "&nbsp;")
    else:
        specs = specs.replace("–", "-")
    cert = ("已通过" if q[7] < 0.6 else rec.cert) if rec.certified else ("未通过" if q[7] < 0.5 else "无")
    value = {
        "仪器名称": rec.name,
        "英文名称": rec.name_en,
        "仪器类别": _category(names, rec.category),
        "规格型号": rec.model,
        "生产厂家": rec.maker_name,
        "产地": country,
        "原值": value_text(spec, rec.value_yuan, q[11], rec.value_slip) if rec.value_given else "",
        "购置日期": date,
        "所属单位": unit.name,
        "单位性质": f"{LEVEL_ZH[unit.level]}{TYPE_ZH[unit.type]}",
        "所在地区": region,
        "详细地址": address,
        "主要技术指标": specs,
        "主要功能及应用领域": rec.functions,
        "收费标准": rec.fee,
        "联系人": rec.contact,
        "联系电话": rec.phone,
        "共享方式": SHARE_ZH[rec.sharing],
        "计量认证": cert,
        "最后更新": rec.updated.date().isoformat(),
    }
    if html:
        value = {k: (v if k in ("主要技术指标", "详细地址") else escape(v)) for k, v in value.items()}
    return value


@register("yqlm-html")
class YqlmHtml:
    #: share of requests answered 502 when realistic behaviour is on (deterministic per URL and attempt)
    drop_rate = 0.01
    #: where `truncate` with `boundary` cuts a page: after a table row (GBK and UTF-8 alike)
    record_end = b"</tr>"

    def __init__(self, state):
        self.state = state
        self.spec = state.spec
        rng = random.Random(f"layout:{self.spec.code}")
        order = list(LABELS[1:])
        rng.shuffle(order) if self.spec.code != "130000" else None  # the reference site keeps the doc's order
        self.order = [LABELS[0]] + order
        self.colon = rng.choice(("", "：", ":")) if self.spec.code != "130000" else ""

    # -- encoding ------------------------------------------------------------------------------
    @property
    def _encoding(self) -> str:
        return "utf-8" if self.spec.charset_decl == "utf8" else "gbk"

    def _page(self, body: str, status: int = 200, headers=None) -> Response:
        decl = self.spec.charset_decl or "header"
        meta = {"meta": '<meta charset="gbk">', "utf8": '<meta charset="utf-8">'}.get(decl, "")
        content_type = {
            "header": "text/html; charset=GBK",
            "latin1": "text/html; charset=ISO-8859-1",
            "utf8": "text/html; charset=UTF-8",
        }.get(decl, "text/html")
        html = (
            f"<!DOCTYPE html>\n<html><head>{meta}<title>{escape(self.spec.province)}大型科学仪器资源共享服务平台</title>"
            f"</head>\n<body>\n{body}\n</body></html>\n"
        )
        data = html.encode(self._encoding, errors="xmlcharrefreplace")
        return Response(data, status=status, headers={"Content-Type": content_type, **(headers or {})})

    def error(self, status: int, headers=None) -> Response:
        return Response(ERROR_PAGE.format(status=status), status=status, headers=headers or {}, mimetype="text/html")

    def handle(self, request, path, ctx) -> Response:
        routes = {"/yiqi/list.jsp": self._list, "/yiqi/detail.jsp": self._detail}
        # one statistics file per year, named after it (fwtj_2012.csv is the one the docs show)
        routes.update({f"/download/fwtj_{year}.csv": self._stats for year in STATS_YEARS})
        if self.spec.csv_download:
            routes["/download/yiqi_mulu.csv"] = self._directory
        if path not in routes:
            return self._page("<h1>404 页面不存在</h1>", 404)
        return routes[path](request, ctx)

    # -- listing -------------------------------------------------------------------------------
    def _list(self, request, ctx) -> Response:
        live = [] if ctx.empty else self.state.live()
        pages = (len(live) + PAGE_ROWS - 1) // PAGE_ROWS
        try:
            page = int(request.args.get("page", "1"))
        except ValueError:
            page = 1
        page = min(max(page, 1), max(pages, 1))  # past the end: the last page again
        rows = ["<tr><th>序号</th><th>仪器名称</th><th>规格型号</th><th>所属单位</th><th>所在城市</th><th>状态</th></tr>"]
        shown = live[(page - 1) * PAGE_ROWS : page * PAGE_ROWS]
        if ctx.keep is not None:  # the `short_page` fault: a whole page that lost rows
            shown = shown[: int(len(shown) * ctx.keep)]
        for n, i in enumerate(shown, start=(page - 1) * PAGE_ROWS + 1):
            rec = self.state.record(i)
            rows.append(
                f'<tr><td>{n}</td><td><a href="detail.jsp?id={ident(self.spec, rec)}">{escape(rec.name)}</a></td>'
                f"<td>{escape(rec.model)}</td><td>{escape(rec.unit.name)}</td><td>{rec.unit.city_name}</td>"
                f"<td>{rec.status}</td></tr>"
            )
        pager = f'<div class="pager">共 {pages} 页 当前第 {page} 页 <a href="list.jsp?page=1">首页</a>'
        if page > 1:
            pager += f' <a href="list.jsp?page={page - 1}">上一页</a>'
        if page < pages:
            pager += f' <a href="list.jsp?page={page + 1}">下一页</a>'
        pager += f' <a href="list.jsp?page={max(pages, 1)}">尾页</a></div>'
        body = '<table class="yq-list">\n' + "\n".join(rows) + "\n</table>\n" + pager
        return self._page(body)

    # -- detail --------------------------------------------------------------------------------
    def _detail(self, request, ctx) -> Response:
        wanted = request.args.get("id", "")
        i = index_of(wanted)
        if i is None or i >= self.state.total or i in self.state.deleted:
            return self._page(NOT_FOUND)
        rec = self.state.record(i)
        if ident(self.spec, rec) != wanted:
            return self._page(NOT_FOUND)
        values = detail_values(self.spec, rec, html=True)
        q = rec.q
        order = list(self.order)
        if q[9] < 0.1:  # some records were entered through an older form with another row order
            random.Random(q[9]).shuffle(order)
        rows = []
        for n, label in enumerate(order):
            value = values[label]
            # a field the unit left empty is a row the site does not show
            if not value or label != "仪器名称" and _missing(q, n):
                continue
            colon = self.colon if q[4] >= 0.1 else "："
            rows.append(f"  <tr><th>{label}{colon}</th><td>{value}</td></tr>")
        body = '<table class="yq-detail">\n' + "\n".join(rows) + "\n</table>"
        return self._page(body)

    # -- downloads -----------------------------------------------------------------------------
    def _csv(self, header, rows) -> Response:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
        data = buf.getvalue().encode(self._encoding, errors="replace")
        return Response(
            data,
            headers={"Content-Type": f"text/csv; charset={self._encoding.upper()}", "Content-Disposition": "attachment; filename=data.csv"},
        )

    def _directory(self, request, ctx) -> Response:
        """The monthly directory: the base catalogue as of the last regeneration, before later changes."""
        data = self.state.data
        rows = []
        for i in [] if ctx.empty else range(data.n):
            rec = data.record(i)
            values = detail_values(self.spec, rec, html=False)
            rows.append([ident(self.spec, rec)] + [values[label] for label in LABELS])
        return self._csv(("仪器编号",) + LABELS, rows)

    def _stats(self, request, ctx) -> Response:
        data = self.state.data
        year = int(request.path.rsplit("_", 1)[1].split(".")[0])
        rows = []
        for i in [] if ctx.empty else range(data.n):
            s = data.stats(i, year)
            if s:
                rows.append(
                    [
                        ident(self.spec, data.record(i)),
                        s.hours,
                        s.external_hours,
                        s.external_services,
                        s.enterprise_services,
                        s.samples,
                        s.external_samples,
                        s.income,
                    ]
                )
        return self._csv(STATS_HEADER, rows)


#: Years a site publishes statistics for (the simulated networks' "now" is 2013).
STATS_YEARS = range(2008, 2014)


def _missing(q, n) -> bool:
    """Rows a record lacks: deterministic from its draws, about one record in five misses one row."""
    return q[11] < 0.2 and n == 1 + int(q[11] * 95) % (len(LABELS) - 1)


__all__ = ["YqlmHtml", "AS_OF"]
