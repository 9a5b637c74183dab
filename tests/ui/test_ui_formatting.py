"""How values read on the page: pure functions, table-driven."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from hub.web.ui import facets, formatting


@pytest.mark.parametrize(
    "value, lang, expected",
    [
        pytest.param("3200000.00", "zh", "320.00 万元", id="万元"),
        pytest.param("346100000000", "zh", "3,461.00 亿元", id="亿元"),
        pytest.param("9999.5", "zh", "9,999.50 元", id="under 1万: 元"),
        pytest.param("3200000.00", "en", "¥3.20 m", id="English millions"),
        pytest.param("9346322900", "en", "¥9.35 bn", id="English billions"),
        pytest.param("358000", "en", "¥358,000", id="English whole"),
        pytest.param("12.30", "en", "¥12.30", id="English cents"),
        pytest.param(None, "zh", "", id="none"),
        pytest.param("n/a", "en", "", id="not a number"),
    ],
)
def test_money(value, lang, expected):
    assert formatting.money(value, lang) == expected


@pytest.mark.parametrize(
    "value, lang, expected",
    [
        pytest.param("2011", "zh", "2011年", id="year"),
        pytest.param("2011-06", "zh", "2011年6月", id="month stays a month"),
        pytest.param("2011-06-05", "zh", "2011年6月5日", id="day"),
        pytest.param("2011-06", "en", "2011-06", id="English ISO"),
        pytest.param(None, "zh", "", id="none"),
    ],
)
def test_partial_date(value, lang, expected):
    assert formatting.partial_date(value, lang) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("2013-05-01T00:00:00Z", "2013-05-01 08:00 北京时间（UTC+8）", id="ISO Z shown in Beijing time"),
        pytest.param(datetime(2013, 5, 1, 8, tzinfo=timezone(timedelta(hours=8))), "2013-05-01 08:00 北京时间（UTC+8）", id="Beijing time"),
        pytest.param(datetime(2013, 5, 1, 8), "2013-05-01 16:00 北京时间（UTC+8）", id="naive is UTC"),
        pytest.param(None, "", id="none"),
    ],
)
def test_timestamp(value, expected):
    assert formatting.timestamp(value, "zh") == expected


@pytest.mark.parametrize(
    "code, lang, expected",
    [
        pytest.param("JP", "zh", "日本", id="zh"),
        pytest.param("US", "en", "United States", id="en"),
        pytest.param("ZZ", "zh", "ZZ", id="unknown code shown"),
    ],
)
def test_country(code, lang, expected):
    assert formatting.country(code, lang) == expected


@pytest.mark.parametrize(
    "kind, value, lang, expected",
    [
        pytest.param("sharing", "external", "zh", "对外共享", id="zh"),
        pytest.param("status", "awaiting_repair", "en", "Awaiting repair", id="en"),
        pytest.param("status", "exploded", "en", "exploded", id="unknown value shown as sent"),
        pytest.param("status", None, "zh", "未知", id="none"),
    ],
)
def test_vocabulary(kind, value, lang, expected):
    assert formatting.vocabulary(kind, value, lang) == expected


# ----------------------------------------------------------------------------- facet and pager links


FACETS = {
    "category1": [{"value": "01", "label": "分析仪器", "label_en": "Analytical instruments", "count": 7, "filter": {"category": "01"}}],
    "value_band": [
        {
            "value": "500000-1000000",
            "label": "50–100万元",
            "label_en": "¥0.5–1 m",
            "count": 3,
            "filter": {"min_value": "500000", "max_value": "999999.99"},
        }
    ],
}


@pytest.mark.parametrize(
    "current, facet, expected_href, selected",
    [
        pytest.param(
            {"q": "液相色谱", "page": "3"},
            "category1",
            "?q=%E6%B6%B2%E7%9B%B8%E8%89%B2%E8%B0%B1&category=01",
            False,
            id="select, back to page 1",
        ),
        pytest.param({"category": "01"}, "category1", "?", True, id="selected: link removes it"),
        pytest.param({"category": "0105"}, "category1", "?category=01", False, id="a subcategory selected: broaden"),
        pytest.param({}, "value_band", "?min_value=500000&max_value=999999.99", False, id="band sets both bounds"),
        pytest.param(
            {"min_value": "500000", "max_value": "999999.99", "sort": "-value"},
            "value_band",
            "?sort=-value",
            True,
            id="band deselect keeps sort",
        ),
    ],
)
def test_facet_links(current, facet, expected_href, selected):
    groups = {g.name: g for g in facets.facet_groups(FACETS, current, "zh")}
    link = groups[facet].links[0]
    assert (link.href, link.selected) == (expected_href, selected)


def test_facet_labels_follow_the_language():
    groups = {g.name: g for g in facets.facet_groups(FACETS, {}, "en")}
    assert groups["category1"].links[0].label == "Analytical instruments"


@pytest.mark.parametrize(
    "page, total, numbers, prev, next_",
    [
        pytest.param(1, 5, [1], None, None, id="one page"),
        pytest.param(1, 95, [1, 2, 3, "…", 5], None, "?q=x&page=2", id="first of five"),
        pytest.param(5, 200, [1, "…", 3, 4, 5, 6, 7, "…", 10], "?q=x&page=4", "?q=x&page=6", id="middle"),
        pytest.param(2, 40, [1, 2], "?q=x", None, id="previous of 2 is the bare URL"),
    ],
)
def test_page_links(page, total, numbers, prev, next_):
    pager = facets.page_links({"q": "x", "page": str(page)}, page, 20, total)
    assert [i.get("number", "…") for i in pager["items"]] == numbers
    assert (pager["prev"], pager["next"]) == (prev, next_)


@pytest.mark.parametrize(
    "code, name, expected",
    [
        ("420000", "湖北省大型科学仪器协作共用平台", "Hubei instrument-sharing network"),
        # pycountry's zh_CN catalogue has no 宁夏回族自治区: it must not be romanised as a district.
        ("640000", "宁夏大型科学仪器协作共用网", "Ningxia instrument-sharing network"),
        # As English names it, not ISO's romanisation "Nei Mongol".
        ("150000", "内蒙古自治区大型科学仪器协作共用网", "Inner Mongolia instrument-sharing network"),
        # No province's register: the registry's own English name.
        ("ACAS01", "中国科学院所属单位大型仪器登记表", "Chinese Academy of Sciences instrument register"),
        ("FGBUK1", "University equipment register (Uniquip)", "University equipment register (Uniquip)"),
    ],
)
def test_network_names_on_english_pages(code, name, expected):
    from hub.web.ui import places

    assert places.network_label_en(code, name) == expected


@pytest.mark.parametrize(
    "code, english",
    [
        ("420000", "Hubei"),
        ("FGBUK1", "Partner abroad · United Kingdom"),
        ("ACAS01", "Research institutes · Chinese Academy of Sciences"),
    ],
)
def test_where_a_network_is_on_english_pages(code, english):
    """English pages romanised what is no province's name: "Jingwaihuoban · united kingdom",
    "Yuansuo · zhongguokexueyuan". The registry says such a register's English place."""
    from hub.config import Registry
    from hub.web.ui import places

    assert places.province_en(Registry.load().get(code).province) == english


def test_no_network_is_half_chinese_half_english_on_chinese_pages():
    """The Chinese /stats and /networks read "境外伙伴 · United Kingdom"."""
    from hub.config import Registry

    assert [n.code for n in Registry.load() if re.search("[A-Za-z]", n.province)] == []


@pytest.mark.parametrize(
    "chinese, english",
    [
        ("武汉市", "Wuhan"),
        ("乌鲁木齐市", "Urumqi"),
        ("喀什地区", "Kashgar Prefecture"),
        ("呼和浩特市", "Hohhot"),
        ("锡林郭勒盟", "Xilingol League"),
        ("恩施土家族苗族自治州", "Enshi Tujia and Miao Autonomous Prefecture"),
        ("昌江黎族自治县", "Changjiang Li Autonomous County"),
        ("海西蒙古族藏族自治州", "Haixi Mongol and Tibetan Autonomous Prefecture"),
        ("神农架林区", "Shennongjia Forestry District"),
    ],
)
def test_a_city_has_the_name_english_gives_it(chinese, english):
    """The English city filter read "Wulumuqi", "Huhehaote", "Enshitujiazumiaozu Autonomous
    Prefecture" (the public's probe): names from other languages as English writes them, and an
    autonomous division's peoples apart."""
    from hub.web.ui import places

    assert places.city_en(chinese) == english
