"""`yqlm-html`: the public GBK website of Hebei-type alliances, to the letter of yqlm-html.md."""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest
from tests.connectors.conformance import IDS, NAME, ConnectorConformance

from connectors._html import cell_text, normalise_label
from connectors.yqlm_html import detail_payload
from hub.errors import ConfigError, ConnectorError
from tests.doc_examples import YQLM_DOC_PAYLOAD

BASE = "http://yqlm.test/130000"

DOC_LISTING_ROW = (
    '<tr><td>1</td><td><a href="detail.jsp?id=HE-2010-00123">气相色谱质谱联用仪</a></td>'
    "<td>7890A-5975C</td><td>河北大学</td><td>保定市</td><td>正常</td></tr>"
)
DOC_DETAIL = """<table class="yq-detail">
  <tr><th>仪器名称</th><td>气相色谱质谱联用仪</td></tr>
  <tr><th>英文名称</th><td>GC-MS</td></tr>
  <tr><th>仪器类别</th><td>分析仪器 / 质谱仪器</td></tr>
  <tr><th>规格型号</th><td>7890A-5975C</td></tr>
  <tr><th>生产厂家</th><td>Agilent</td></tr>
  <tr><th>产地</th><td>美国</td></tr>
  <tr><th>原值</th><td>68.5万元</td></tr>
  <tr><th>购置日期</th><td>2010年9月</td></tr>
  <tr><th>所属单位</th><td>河北大学</td></tr>
  <tr><th>单位性质</th><td>省属高校</td></tr>
  <tr><th>所在地区</th><td>河北省保定市莲池区</td></tr>
  <tr><th>详细地址</th><td>五四东路180号 分析测试中心</td></tr>
  <tr><th>主要技术指标</th><td>质量范围1.6–1050 u<br>分辨率：单位质量</td></tr>
  <tr><th>主要功能及应用领域</th><td>有机物定性&amp;定量分析</td></tr>
  <tr><th>收费标准</th><td>面议</td></tr>
  <tr><th>联系人</th><td>王老师</td></tr>
  <tr><th>联系电话</th><td>0312-5079xxx</td></tr>
  <tr><th>共享方式</th><td>对外开放</td></tr>
  <tr><th>计量认证</th><td>已通过</td></tr>
  <tr><th>最后更新</th><td>2013-08-30</td></tr>
</table>"""
DOC_PAYLOAD = YQLM_DOC_PAYLOAD
LIST_HEADER = "<tr><th>序号</th><th>仪器名称</th><th>规格型号</th><th>所属单位</th><th>所在城市</th><th>状态</th></tr>"
GONE = "<html><body><div class='msg'>该仪器不存在或已下架</div></body></html>"

#: How a site declares its charset: (Content-Type header, <meta> tag, encoding of the bytes).
DECLARATIONS = {
    "header": ("text/html; charset=GBK", "", "gbk"),
    "meta": ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=gbk">', "gbk"),
    "none": ("text/html", "", "gbk"),
    "wrong-latin1": ("text/html; charset=ISO-8859-1", '<meta charset="iso-8859-1">', "gbk"),
    "utf-8 undeclared": ("text/html", "", "utf-8"),
}


class FakeYqlm:
    """An alliance website over `responses`: listing with pager, details, CSV downloads, slowness,
    502s, the past-the-end quirk, and a count of requests in flight."""

    def __init__(
        self,
        instruments: dict,
        *,
        per_page=20,
        declare="header",
        pager=True,
        pages_claimed=None,
        gone=(),
        directory=None,
        stats=None,
        delay=0.0,
        fail_502=None,
    ):
        self.instruments, self.per_page, self.pager, self.pages_claimed = instruments, per_page, pager, pages_claimed
        self.content_type, self.meta, self.encoding = DECLARATIONS[declare] if isinstance(declare, str) else declare
        self.gone, self.directory, self.stats, self.delay = set(gone), directory, stats, delay
        self.fail_502 = dict(fail_502 or {})  # id → number of 502s before it answers
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.list_pages, self.details = [], []

    def install(self, rsps):
        rsps.add_callback("GET", BASE + "/yiqi/list.jsp", callback=self.timed(self.listing))
        rsps.add_callback("GET", BASE + "/yiqi/detail.jsp", callback=self.timed(self.detail))
        if self.directory is not None:
            rsps.add("GET", BASE + "/download/yiqi_mulu.csv", body=self.directory.encode("gbk"), content_type="text/csv")
        else:
            rsps.add("GET", BASE + "/download/yiqi_mulu.csv", status=404)
        for year, text in (self.stats or {}).items():
            rsps.add("GET", BASE + f"/download/fwtj_{year}.csv", body=text.encode("gbk"), content_type="text/csv")
        return self

    def timed(self, handler):
        def callback(request):
            with self.lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                time.sleep(self.delay)
                return handler({k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()})
            finally:
                with self.lock:
                    self.in_flight -= 1

        return callback

    def page(self, html: str):
        return 200, {"Content-Type": self.content_type}, f"<html><head>{self.meta}</head><body>{html}</body></html>".encode(self.encoding)

    def listing(self, q):
        ids = list(self.instruments)
        count = max(1, -(-len(ids) // self.per_page))
        number = min(int(q.get("page", 1)), count)  # past the end: the last page again
        self.list_pages.append(int(q.get("page", 1)))
        rows = []
        for n, source_id in enumerate(ids[(number - 1) * self.per_page : number * self.per_page], (number - 1) * self.per_page + 1):
            fields = self.instruments[source_id]
            rows.append(
                f'<tr><td>{n}</td><td><a href="detail.jsp?id={source_id}">{fields["仪器名称"]}</a></td>'
                f"<td>{fields.get('规格型号', '')}</td><td>{fields.get('所属单位', '')}</td><td>保定市</td><td>正常</td></tr>"
            )
        pager = (
            f'<div class="pager">共 {self.pages_claimed or count} 页 <a href="list.jsp?page={number + 1}">下一页</a></div>'
            if self.pager
            else ""
        )
        return self.page(f'<table class="yq-list">{LIST_HEADER}{"".join(rows)}</table>{pager}')

    def detail(self, q):
        source_id = q["id"]
        with self.lock:
            self.details.append(source_id)
            if self.fail_502.get(source_id):
                self.fail_502[source_id] -= 1
                return 502, {"Content-Type": "text/html"}, b"<html>502 Bad Gateway</html>"
        if source_id in self.gone or source_id not in self.instruments:
            return self.page("<div class='msg'>该仪器不存在或已下架</div>")
        rows = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in self.instruments[source_id].items())
        return self.page(f'<table class="yq-detail">{rows}</table>')


def instrument(source_id: str, **extra) -> dict:
    return {"仪器名称": NAME + source_id, "规格型号": "7890A", "所属单位": "河北大学", "最后更新": "2013-08-30", **extra}


def site(ids, **kwargs) -> FakeYqlm:
    return FakeYqlm({i: instrument(i) for i in ids}, **kwargs)


class TestYqlmConformance(ConnectorConformance):
    family = "yqlm-html"

    def connector(self, make_http, **options):
        return self.build(make_http, "130000", BASE, **options)

    def serve_full(self, rsps, ids):
        return site(ids).install(rsps)

    def serve_broken(self, rsps, ids):
        site(ids, fail_502={ids[10]: 99}).install(rsps)
        return 10

    def serve_odd_bytes(self, rsps, ids):
        return site(ids, declare="wrong-latin1").install(rsps)

    def serve_stats(self, rsps, year, hours):
        text = "仪器编号,年有效机时,对外服务机时,对外服务次数,企业服务次数,样品数,对外样品数,服务收入(元)\r\n"
        text += "".join(f"{i},{h},0,0,0,0,0,0\r\n" for i, h in hours.items())
        return site([], stats={year: text}).install(rsps)

    def hours_of(self, row):
        return int(row.payload["年有效机时"])

    def name_of(self, record):
        return record.payload["仪器名称"]


@pytest.fixture
def yqlm(make_http):
    def make(**options):
        return TestYqlmConformance().connector(make_http, **options)

    return make


def test_doc_example_listing_and_detail_give_the_whole_payload(rsps, yqlm):
    listing = (
        f'<html><body><table class="yq-list">{LIST_HEADER}{DOC_LISTING_ROW}</table>'
        '<div class="pager">共 1 页 … <a href="list.jsp?page=2">下一页</a></div></body></html>'
    )
    rsps.get(BASE + "/yiqi/list.jsp", body=listing.encode("gbk"), content_type="text/html; charset=GBK")
    rsps.get(
        BASE + "/yiqi/detail.jsp?id=HE-2010-00123",
        body=f"<html><body>{DOC_DETAIL}</body></html>".encode("gbk"),
        content_type="text/html; charset=GBK",
    )
    [record] = yqlm().list_records(None)
    assert (record.source_id, record.deleted, record.source_updated, record.problem) == ("HE-2010-00123", False, "2013-08-30", None)
    assert record.payload == DOC_PAYLOAD


@pytest.mark.parametrize("declare", list(DECLARATIONS))
def test_every_charset_declaration_gives_chinese_never_mojibake(rsps, yqlm, declare):
    fake = FakeYqlm({"A": instrument("A", 生产厂家="岛津（苏州）<br>代理：華儀"), "B": instrument("B")}, declare=declare).install(rsps)
    records = list(yqlm().list_records(None))
    assert [r.payload["仪器名称"] for r in records] == [NAME + "A", NAME + "B"]
    assert records[0].payload["生产厂家"] == "岛津（苏州）\n代理：華儀"
    assert records[0].payload["listing.所在城市"] == "保定市"
    assert fake.max_in_flight >= 1


def test_encoding_override_wins_over_a_wrong_declaration(rsps, yqlm):
    FakeYqlm({"A": instrument("A")}, declare=("text/html; charset=GBK", "", "utf-8")).install(rsps)
    [record] = yqlm(encoding="utf-8").list_records(None)
    assert record.payload["仪器名称"] == NAME + "A"


def test_an_undecodable_listing_page_fails_the_listing(rsps, yqlm):
    rsps.get(BASE + "/yiqi/list.jsp", body=b"<html><body>\xff\xff\xff</body></html>")
    with pytest.raises(ConnectorError) as exc:
        list(yqlm().list_records(None))
    assert exc.value.kind == "decoding" and "listing page 1" in str(exc.value)


def test_missing_rows_colons_padding_entities_and_side_by_side_pairs():
    html = """<html><body><table class="yq-detail"><tbody>
      <tr><th>仪器名称：</th><td> 扫描电镜 </td><th>规格型号:</th><td>SU8010</td></tr>
      <tr><th> 联 系 人 </th><td>李&nbsp;老师</td></tr>
      <tr><th>主要技术指标</th><td>
          分辨率1.0 nm<br/>放大倍数&lt;100万<br>
      </td></tr>
      <tr><th>备注</th><td></td></tr>
    </tbody></table></body></html>"""
    pairs, problem = detail_payload(html)
    assert problem is None
    assert pairs == {
        "仪器名称": "扫描电镜",
        "规格型号": "SU8010",
        "联系人": "李 老师",
        "主要技术指标": "分辨率1.0 nm\n放大倍数<100万",
        "备注": "",
    }


@pytest.mark.parametrize(
    "label, expected",
    [
        pytest.param("仪器名称：", "仪器名称", id="full-width colon"),
        pytest.param("仪器名称:", "仪器名称", id="ASCII colon"),
        pytest.param(" 联 系 人 ： ", "联系人", id="padding"),
        pytest.param("服务收入(元)", "服务收入(元)", id="brackets kept"),
        pytest.param("\u3000产地\xa0", "产地", id="ideographic and no-break spaces"),
    ],
)
def test_normalise_label(label, expected):
    assert normalise_label(label) == expected


@pytest.mark.parametrize(
    "declared, expected",
    [
        pytest.param("ISO-8859-1", None, id="ISO-8859-1"),
        pytest.param("latin1", None, id="latin1"),
        pytest.param("windows-1252", None, id="cp1252"),
        pytest.param("GBK", "gb18030", id="GBK read as GB18030"),
        pytest.param("gb2312", "gb18030", id="GB2312 read as GB18030"),
        pytest.param("UTF-8", "utf-8", id="UTF-8"),
        pytest.param("x-nonsense", None, id="unknown"),
    ],
)
def test_which_declarations_are_trusted(declared, expected):
    from hub.decoding import trusted_charset

    assert trusted_charset(declared) == expected


def test_cell_text_keeps_br_as_newlines():
    cell = lxml.html.fragment_fromstring("<td>a  b<br>c<br/><br>d &amp; e</td>")
    assert cell_text(cell) == "a b\nc\n\nd & e"


def test_gone_detail_page_gives_a_problem_record_and_the_listing_goes_on(rsps, yqlm):
    site(["A", "B", "C"], gone={"B"}).install(rsps)
    records = list(yqlm().list_records(None))
    assert [r.source_id for r in records] == ["A", "B", "C"]
    assert records[1].problem.startswith("record B: detail page says '该仪器不存在或已下架'")
    assert records[1].payload["listing.仪器名称"] == NAME + "B"
    assert records[0].problem is None and records[2].problem is None


def test_pager_decides_how_many_listing_pages_are_read(rsps, yqlm):
    fake = site(IDS).install(rsps)
    assert len(list(yqlm().list_records(None))) == 45
    assert sorted(fake.list_pages) == [1, 2, 3]


def test_without_pager_the_repeated_last_page_marks_the_end(rsps, yqlm):
    fake = site(IDS, pager=False).install(rsps)
    assert [r.source_id for r in yqlm().list_records(None)] == IDS
    assert sorted(fake.list_pages) == [1, 2, 3, 4]


def test_pager_claiming_more_pages_than_the_site_has_fails_the_listing(rsps, yqlm):
    site(IDS, pages_claimed=5).install(rsps)
    got = []
    with pytest.raises(ConnectorError) as exc:
        got.extend(r.source_id for r in yqlm().list_records(None))
    assert exc.value.kind == "incomplete" and "page 4 repeats page 3" in str(exc.value) and "5 pages" in str(exc.value)
    assert got == IDS


def test_a_listing_row_without_link_is_a_problem_record(rsps, yqlm):
    html = (
        f'<html><body><table class="yq-list">{LIST_HEADER}<tr><td>1</td><td>无链接仪器</td><td></td><td></td><td></td><td></td></tr>'
        '</table><div class="pager">共 1 页</div></body></html>'
    )
    rsps.get(BASE + "/yiqi/list.jsp", body=html.encode("gbk"))
    [record] = yqlm().list_records(None)
    assert record.source_id == "(listing page 1 row 1)" and "no detail link" in record.problem


@pytest.mark.parametrize("concurrency", [4, 2, 1])
def test_never_more_than_the_allowed_requests_in_flight(rsps, yqlm, concurrency):
    fake = site(IDS, delay=0.01).install(rsps)
    assert len(list(yqlm(concurrency=concurrency).list_records(None))) == 45
    assert fake.max_in_flight == concurrency  # used, never exceeded


def test_concurrency_above_four_is_refused(make_http):
    with pytest.raises(ConfigError, match="concurrency"):
        TestYqlmConformance().connector(make_http, concurrency=8)


def test_a_502_is_retried_and_counted(rsps, yqlm, sleeps):
    site(["A", "B"], fail_502={"B": 1}).install(rsps)
    connector = yqlm()
    assert [r.problem for r in connector.list_records(None)] == [None, None]
    assert connector.http.telemetry.summary()["failures"] == {"http_502": 1}
    assert sleeps == [0.5]


DIRECTORY = (
    "仪器编号,仪器名称,规格型号,所属单位,原值,产地,最后更新\r\n"
    f"A,{NAME}A,7890A,河北大学,68.5万元,美国,2013-07-01\r\n"
    f'B,{NAME}B,OLD-MODEL,河北大学,"12万元",日本,2013-07-01\r\n'
    f"Z,已下架仪器,X,河北大学,1,中国,2013-07-01\r\n"
)


def test_directory_fills_labels_the_page_lacks_and_the_page_wins(rsps, yqlm):
    fake = FakeYqlm({"A": instrument("A", 原值="70万元"), "B": instrument("B"), "C": instrument("C")}, directory=DIRECTORY).install(rsps)
    connector = yqlm(csv_directory=True)
    records = {r.source_id: r.payload for r in connector.list_records(None)}
    assert sorted(fake.details) == ["A", "B", "C"]
    assert records["A"]["原值"] == "70万元"  # page wins
    assert records["A"]["产地"] == "美国"  # only in the directory
    assert records["A"]["最后更新"] == "2013-08-30"
    assert "仪器编号" not in records["C"]
    assert connector.skipped == ["1 directory rows are not in the listing (withdrawn since the CSV was made); ignored"]


def test_directory_without_detail_pages_fetches_only_new_or_changed(rsps, yqlm):
    fake = FakeYqlm({"A": instrument("A"), "B": instrument("B"), "C": instrument("C")}, directory=DIRECTORY).install(rsps)
    records = {r.source_id: r for r in yqlm(csv_directory=True, detail_pages=False).list_records(None)}
    # A agrees with the listing; B's model changed since the CSV; C is not in the CSV.
    assert sorted(fake.details) == ["B", "C"]
    assert records["A"].payload["原值"] == "68.5万元" and records["A"].source_updated == "2013-07-01"
    assert records["B"].payload["规格型号"] == "7890A"


def test_unusable_directory_falls_back_to_the_pages(rsps, yqlm):
    fake = site(["A", "B"]).install(rsps)  # yiqi_mulu.csv answers 404
    connector = yqlm(csv_directory=True, detail_pages=False)
    assert [r.payload["仪器名称"] for r in connector.list_records(None)] == [NAME + "A", NAME + "B"]
    assert sorted(fake.details) == ["A", "B"]
    assert "directory yiqi_mulu.csv unusable" in connector.skipped[0] and "404" in connector.skipped[0]


def test_doc_service_statistics_csv(rsps, yqlm):
    text = (
        "仪器编号,年有效机时,对外服务机时,对外服务次数,企业服务次数,样品数,对外样品数,服务收入(元)\r\n"
        "HE-2010-00123,1630,410,96,61,2310,820,86400\r\n"
        ",5,0,0,0,0,0,0\r\n"
        '"HE-2011-00007","12","0","0","0","3","0","1,200"\r\n'
    )
    site([], stats={2012: text}).install(rsps)
    connector = yqlm()
    rows = list(connector.service_stats(2012))
    assert [(r.source_id, r.year) for r in rows] == [("HE-2010-00123", 2012), ("HE-2011-00007", 2012)]
    assert rows[0].payload == {
        "仪器编号": "HE-2010-00123",
        "年有效机时": "1630",
        "对外服务机时": "410",
        "对外服务次数": "96",
        "企业服务次数": "61",
        "样品数": "2310",
        "对外样品数": "820",
        "服务收入(元)": "86400",
    }
    assert rows[1].payload["服务收入(元)"] == "1,200"
    assert connector.skipped == ["fwtj_2012.csv line 3: no 仪器编号; dropped"]


def test_service_statistics_of_a_year_not_published_fail(rsps, yqlm):
    rsps.get(BASE + "/download/fwtj_2011.csv", status=404)
    with pytest.raises(ConnectorError) as exc:
        list(yqlm().service_stats(2011))
    assert exc.value.kind == "http_404"


def test_csv_with_bytes_outside_its_encoding_fails_loudly(rsps, yqlm):
    body = "仪器编号,年有效机时\r\n".encode("utf-8") + b"A,\xff\xfe\r\n"
    rsps.get(BASE + "/download/fwtj_2012.csv", body=body)
    with pytest.raises(ConnectorError) as exc:
        list(yqlm().service_stats(2012))
    assert exc.value.kind == "decoding" and "gb18030" in str(exc.value)


def test_with_the_directory_listing_pages_are_read_side_by_side_in_order(rsps, yqlm):
    # The directory spares the detail pages, so the listing is the whole crawl of a slow site: once
    # the pager has said how many pages there are, up to `concurrency` of them are requested at once.
    ids = [f"HE-{n:05d}" for n in range(1, 201)]  # 10 listing pages
    directory = "仪器编号,仪器名称,规格型号,所属单位\n" + "".join(f"{i},{NAME}{i},7890A,河北大学\n" for i in ids)
    fake = FakeYqlm({i: instrument(i) for i in ids}, directory=directory, delay=0.02).install(rsps)
    records = list(yqlm(csv_directory=True, detail_pages=False, concurrency=3).list_records(None))
    assert [r.source_id for r in records] == ids
    assert fake.details == []
    assert sorted(fake.list_pages) == list(range(1, 11))
    assert fake.max_in_flight == 3


class _MixedSite(FakeYqlm):
    """A GBK site whose pages carry one value stored as UTF-8 (a CMS template in one encoding, data
    pasted in another): the bytes of `value` are UTF-8 in an otherwise GBK page."""

    value = "物理性能测试仪器 / 声学振动仪器"

    def page(self, html: str):
        status, headers, body = super().page(html)
        return status, headers, body.replace(self.value.encode("gbk"), self.value.encode("utf-8"))


def test_a_utf8_value_inside_a_gbk_page_is_read_as_utf8_not_stored_as_mojibake(rsps, yqlm):
    # Reproduced on the simulated Hebei site through a proxy: the category came out as
    # '鐗╃悊鎬ц兘娴嬭瘯浠\ue044櫒 …' (strict GB18030 accepts the UTF-8 bytes) and a name would have
    # been stored that way without a word.
    _MixedSite({"A": instrument("A", 仪器类别=_MixedSite.value), "B": instrument("B")}).install(rsps)
    connector = yqlm()
    records = list(connector.list_records(None))
    assert records[0].payload["仪器类别"] == _MixedSite.value
    assert records[0].payload["仪器名称"] == NAME + "A" and records[1].payload["仪器名称"] == NAME + "B"
    assert any("UTF-8" in note and "A" in note and "仪器类别" in note for note in connector.notes), connector.notes
