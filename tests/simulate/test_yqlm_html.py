"""yqlm-html wire format: GBK pages, pager, detail quirks, not-found page, CSV downloads (yqlm-html.md)."""

import csv
import io
import re

import pytest
import requests
from lxml import html

from hub.simulate import SimulatorServer
from hub.simulate.families.yqlm_html import LABELS


def page(url):
    r = requests.get(url, timeout=10)
    assert r.status_code == 200
    return r


@pytest.fixture(scope="module")
def hebei(sim):
    return sim.base_url("130000")


def test_listing_pager_and_past_the_end(hebei):
    first = page(f"{hebei}/yiqi/list.jsp?page=1").content.decode("gbk")
    assert '<meta charset="gbk">' in first
    assert "共 93 页" in first and 'href="list.jsp?page=2">下一页' in first
    rows = html.fromstring(first).xpath("//table[@class='yq-list']/tr[td]")
    assert len(rows) == 20
    last = page(f"{hebei}/yiqi/list.jsp?page=93").content
    assert page(f"{hebei}/yiqi/list.jsp?page=500").content == last
    assert "下一页" not in last.decode("gbk")
    assert len(html.fromstring(last.decode("gbk")).xpath("//table[@class='yq-list']/tr[td]")) == 1850 - 92 * 20


def test_detail_pages(hebei):
    listing = page(f"{hebei}/yiqi/list.jsp?page=3").content.decode("gbk")
    ids = re.findall(r'detail\.jsp\?id=([^"]+)', listing)
    labels = set()
    for ident in ids:
        doc = html.fromstring(page(f"{hebei}/yiqi/detail.jsp?id={ident}").content.decode("gbk"))
        row_labels = [th.text_content().rstrip(":：") for th in doc.xpath("//table[@class='yq-detail']//th")]
        assert "仪器名称" in row_labels and set(row_labels) <= set(LABELS)
        labels.update(row_labels)
    assert labels == set(LABELS)


def test_unknown_id_is_a_200_with_the_notice(hebei):
    r = page(f"{hebei}/yiqi/detail.jsp?id=HE-2010-99999")
    assert "该仪器不存在或已下架" in r.content.decode("gbk") and "yq-detail" not in r.content.decode("gbk")


def test_directory_and_service_csv(hebei):
    rows = list(csv.reader(io.StringIO(page(f"{hebei}/download/yiqi_mulu.csv").content.decode("gbk"))))
    assert rows[0] == ["仪器编号", *LABELS] and len(rows) == 1851
    stats = list(csv.reader(io.StringIO(page(f"{hebei}/download/fwtj_2012.csv").content.decode("gbk"))))
    assert stats[0] == ["仪器编号", "年有效机时", "对外服务机时", "对外服务次数", "企业服务次数", "样品数", "对外样品数", "服务收入(元)"]
    assert len(stats) > 1000


@pytest.mark.parametrize(
    "code,content_type,meta,encoding",
    [
        pytest.param("120000", "text/html; charset=GBK", None, "gbk", id="header GBK"),
        pytest.param("230000", "text/html", None, "gbk", id="no charset"),
        pytest.param("530000", "text/html; charset=ISO-8859-1", None, "gbk", id="wrongly latin-1"),
        pytest.param("460000", "text/html; charset=UTF-8", '<meta charset="utf-8">', "utf-8", id="Hainan UTF-8"),
    ],
)
def test_charset_variants(code, content_type, meta, encoding):
    with SimulatorServer(networks=[code], scale=0.05) as sim:
        r = page(f"{sim.base_url(code)}/yiqi/list.jsp")
        assert r.headers["Content-Type"] == content_type
        text = r.content.decode(encoding)
        assert "仪器名称" in text and (meta is None or meta in text)
        csv_status = requests.get(f"{sim.base_url(code)}/download/yiqi_mulu.csv", timeout=10).status_code
        assert csv_status == (200 if sim.state(code).spec.csv_download else 404)
