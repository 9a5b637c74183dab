"""Every transform, table-driven: the forms the network documents list, and hostile values."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hub.errors import TransformError
from hub.mapping import registry

CN = timezone(timedelta(hours=8))


def run(name, value, **options):
    return registry.get(name).bind(options)(value)


@pytest.mark.parametrize(
    "value, options, expected",
    [
        pytest.param("  高效液相色谱仪 ", {}, "高效液相色谱仪", id="outer spaces"),
        pytest.param("\u3000高效\u3000液相  色谱仪\u3000", {}, "高效 液相 色谱仪", id="full-width spaces collapse"),
        pytest.param("a\u200bb\x00c", {}, "abc", id="zero-width and control characters dropped"),
        pytest.param("   \u3000 ", {}, None, id="blank is None"),
        pytest.param(1042, {}, "1042", id="JSON integer id"),
        pytest.param(1042.0, {}, "1042", id="JSON float id"),
        pytest.param("第一行 \n\n  第二行\r\n第三行", {"keep_newlines": True}, "第一行\n第二行\n第三行", id="keep newlines"),
        pytest.param("第一行\n第二行", {}, "第一行 第二行", id="newlines folded by default"),
    ],
)
def test_trim(value, options, expected):
    assert run("trim", value, **options) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("型号：TA.XTplus", "TA.XTplus", id="a label before it (cards read 型号：型号：TA.XTplus)"),
        pytest.param("规格型号: SU8010", "SU8010", id="the column's name, half-width colon"),
        pytest.param("Model: 7890B", "7890B", id="an English label"),
        pytest.param("ＳＢＥ　２５ｐｌｕｓ", "SBE 25plus", id="full-width folded"),
        pytest.param(" 型号： ", None, id="a label alone is no model"),
        pytest.param("型号SU8010", "型号SU8010", id="no colon: not read as a label"),
        pytest.param("Q Exactive", "Q Exactive", id="a model as it is"),
    ],
)
def test_model(value, expected):
    assert run("model", value, max_length=200) == expected


@pytest.mark.parametrize(
    "value, options",
    [
        pytest.param({"a": 1}, {}, id="object"),
        pytest.param(["a"], {}, id="list"),
        pytest.param(True, {}, id="boolean"),
        pytest.param("x" * 10_000, {"max_length": 200}, id="10,000 characters over max_length"),
    ],
)
def test_trim_rejects(value, options):
    with pytest.raises(TransformError):
        run("trim", value, **options)


@pytest.mark.parametrize(
    "value, bare_unit, expected",
    [
        pytest.param("45.80", "wanyuan", "458000.00", id="sdyq YZ in 万元"),
        pytest.param("68.5万元", "yuan", "685000.00", id="万元 unit"),
        pytest.param("685000元", "wanyuan", "685000.00", id="元 unit wins over bare unit"),
        pytest.param("685,000", "yuan", "685000.00", id="comma thousands, bare yuan"),
        pytest.param("685,000", "wanyuan", "685000.00", id="comma thousands a large instrument's worth in yuan, 万元 column"),
        pytest.param("1,234.50", "wanyuan", "12345000.00", id="spreadsheet grouping in a 万元 column stays 万元"),
        pytest.param("12,345", "wanyuan", "123450000.00", id="grouped, too small for yuan: the column's 万元"),
        pytest.param("1,234.5万元", "yuan", "12345000.00", id="万元 with comma"),
        pytest.param("68.50", "wanyuan", "685000.00", id="bare number means 万元"),
        pytest.param("68.50", "yuan", "68.50", id="bare number means yuan"),
        pytest.param("约70万元", "yuan", "700000.00", id="约 prefix"),
        pytest.param("大约 70 万元", "yuan", "700000.00", id="大约 prefix with spaces"),
        pytest.param("６８．５万元", "yuan", "685000.00", id="full-width digits"),
        pytest.param("68.5万", "yuan", "685000.00", id="万 without 元"),
        pytest.param("¥685000", "yuan", "685000.00", id="yen sign"),
        pytest.param(3250000.0, "yuan", "3250000.00", id="JSON float in yuan"),
        pytest.param(3250000, "yuan", "3250000.00", id="JSON integer"),
        pytest.param("3250000.0", "yuan", "3250000.00", id="numeric string"),
        # A numeric string in exponent form, as a JSON number prints and a spreadsheet exports it:
        # the hbkx-json spec allows "a JSON number or a numeric string"; 1.2e5 was rejected.
        pytest.param("1.2e5", "yuan", "120000.00", id="exponent numeric string"),
        pytest.param("1.2E+05", "yuan", "120000.00", id="spreadsheet exponent"),
        pytest.param("6.85E+01", "wanyuan", "685000.00", id="exponent in a 万元 column"),
        pytest.param("1.2e2万元", "yuan", "1200000.00", id="exponent with a unit"),
        pytest.param(152.3, "wanyuan", "1523000.00", id="JSON float in 万元"),
        pytest.param("0.005", "yuan", "0.01", id="half up to cents"),
        pytest.param("0", "yuan", "0.00", id="zero"),
    ],
)
def test_money(value, bare_unit, expected):
    assert run("money", value, bare_unit=bare_unit) == Decimal(expected)


@pytest.mark.parametrize("value", ["-0", "-0.00", -0.0])
def test_negative_zero_is_zero(value):
    """Decimal keeps the sign of a zero: "-0" was stored and reported as "-0.00 yuan"."""
    assert str(run("money", value, bare_unit="wanyuan")) == "0.00"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("NaN", id="NaN text"),
        pytest.param(float("nan"), id="NaN float"),
        pytest.param(float("inf"), id="infinity"),
        pytest.param("inf", id="inf text"),
        pytest.param("1e309", id="exponent overflow"),
        pytest.param("1e-999999999", id="exponent underflow"),
        pytest.param("-1.2e5", id="negative exponent form"),
        pytest.param("-5万元", id="negative"),
        pytest.param(-1, id="negative number"),
        pytest.param("9" * 10_000, id="10,000 digits"),
        pytest.param("99999999999万元", id="implausibly large"),
        pytest.param("面议", id="words"),
        pytest.param("68.5美元", id="foreign currency"),
        pytest.param(True, id="boolean"),
        pytest.param([1], id="list"),
        pytest.param({"v": 1}, id="object"),
    ],
)
def test_money_rejects(value):
    with pytest.raises(TransformError):
        run("money", value)


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("2011-06-15", "2011-06-15", id="ISO day"),
        pytest.param("2011-06", "2011-06", id="ISO month keeps precision"),
        pytest.param("2011/6/15", "2011-06-15", id="slashes"),
        pytest.param("2011.6.15", "2011-06-15", id="dots"),
        pytest.param("2011年6月", "2011-06", id="年月"),
        pytest.param("2011年6月15日", "2011-06-15", id="年月日"),
        pytest.param("2010年9月", "2010-09", id="yqlm 购置日期"),
        pytest.param("2011", "2011", id="year only"),
        pytest.param("2011年", "2011", id="year with 年"),
        pytest.param("20110615", "2011-06-15", id="compact"),
        pytest.param("２０１１年６月", "2011-06", id="full-width digits"),
        pytest.param("2012-03-20 00:00:00", "2012-03-20", id="date with time"),
        pytest.param(1378952521000, "2013-09-12", id="epoch milliseconds"),
        pytest.param("1378952521000", "2013-09-12", id="epoch milliseconds as text"),
        pytest.param(-315619200000, "1960-01-01", id="epoch milliseconds before 1970"),
        pytest.param(10_000_000_000, "1970-04-27", id="eleven digits: milliseconds, as text of eleven digits is"),
        pytest.param("41456", "2013-07-01", id="Excel serial day, as a CSV of a General-formatted cell holds it"),
        pytest.param("41456.0", "2013-07-01", id="Excel serial day as a Java export tool writes it"),
        pytest.param("45292.4166666667", "2024-01-01", id="Excel serial day and time"),
    ],
)
def test_date(value, expected):
    assert run("date", value) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("2011-02-30", id="impossible day"),
        pytest.param("2011-13", id="month 13"),
        pytest.param("2011年0月", id="month 0"),
        pytest.param("1850-01-01", id="too early"),
        pytest.param("9999", id="too late"),
        pytest.param("去年", id="words"),
        pytest.param("2011-06-15" * 1000, id="10,000 characters"),
        pytest.param(float("nan"), id="NaN"),
        pytest.param(1e300, id="huge epoch"),
        pytest.param(False, id="boolean"),
        pytest.param("0000-00-00", id="zero date"),
        pytest.param(0, id="epoch 0 placeholder"),
        pytest.param(-1, id="epoch -1 placeholder"),
        pytest.param(86_399_999, id="within a day of the epoch"),
        pytest.param(86_400_000, id="a day after the epoch: no instrument's date"),
        pytest.param("1970-01-01", id="the epoch's day as text"),
        pytest.param("1970年1月1日", id="the epoch's day in Chinese"),
        pytest.param("19700101", id="the epoch's day, compact"),
        pytest.param("25569", id="the epoch's day as an Excel serial"),
        pytest.param("41456.5.1", id="not a serial number"),
    ],
)
def test_date_rejects(value):
    with pytest.raises(TransformError):
        run("date", value)


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("2013-09-12 10:22:01", datetime(2013, 9, 12, 10, 22, 1, tzinfo=CN), id="local time is UTC+8"),
        pytest.param("2013-09-12", datetime(2013, 9, 12, tzinfo=CN), id="date only"),
        pytest.param(1378952521000, datetime(2013, 9, 12, 2, 22, 1, tzinfo=timezone.utc), id="epoch milliseconds"),
        pytest.param("2013-09-12T02:22:01Z", datetime(2013, 9, 12, 2, 22, 1, tzinfo=timezone.utc), id="ISO Z"),
        pytest.param("2013-09-12T10:22:01+08:00", datetime(2013, 9, 12, 2, 22, 1, tzinfo=timezone.utc), id="ISO offset"),
        pytest.param("2013/9/12 10:22", datetime(2013, 9, 12, 10, 22, tzinfo=CN), id="slashes without seconds"),
        pytest.param("45292.4166666667", datetime(2024, 1, 1, 10, 0, tzinfo=CN), id="Excel serial day and time, China time"),
        pytest.param("45292", datetime(2024, 1, 1, tzinfo=CN), id="Excel serial day"),
    ],
)
def test_datetime(value, expected):
    got = run("datetime", value)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize(
    "value",
    [
        "2013-02-30 10:00:00",
        "2013-09-12 25:00:00",
        "yesterday",
        1e300,
        True,
        "x" * 10_000,
        0,
        -1,
        "1970-01-01 08:00:00",  # epoch 0 in China time: the same placeholder as 0, written out
        "1970-01-01T00:00:00Z",
        "1970-01-01",
        "25569.5",  # the epoch's day as an Excel serial
    ],
)
def test_datetime_rejects(value):
    with pytest.raises(TransformError):
        run("datetime", value)


@pytest.mark.parametrize(
    "transform, value, said",
    [
        pytest.param("date", 41456, ("Excel serial day, 2013-07-01", 'as the text "41456"', "as the date 2013-07-01"), id="a day"),
        pytest.param("date", 41456.0, ("Excel serial day, 2013-07-01", 'as the text "41456.0"'), id="a day written by POI"),
        pytest.param("date", 2011, ("the year 2011", 'as the text "2011"'), id="a year column typed as a number"),
        pytest.param(
            "date", 20110615, ("the day 2011-06-15", 'as the text "20110615"', "as the date 2011-06-15"), id="a day without separators"
        ),
        pytest.param(
            "datetime",
            45292.4166666667,
            ("Excel serial day, 2024-01-01 10:00:00", 'as the text "45292.4166666667"', "as the date and time 2024-01-01 10:00:00"),
            id="a day and time",
        ),
    ],
)
def test_a_number_that_reads_as_an_excel_serial_day_is_refused_saying_what_it_likely_is(transform, value, said):
    """A JSON number is epoch milliseconds (the NRII model), so 41456 is a moment of 1970-01-01: a
    province sending its Excel column as numbers was told "a placeholder" and no more. It is still
    refused (never guessed into the record), but the reason names the day it most likely is and how
    to send it."""
    with pytest.raises(TransformError) as refused:
        run(transform, value)
    for part in said:
        assert part in str(refused.value), str(refused.value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(0, id="epoch 0"),
        pytest.param(-1, id="epoch -1"),
        pytest.param(25569, id="the epoch's own day as a serial"),
        pytest.param(99999, id="a serial beyond 2100"),
        pytest.param(86_399_999, id="eight digits"),
    ],
)
def test_a_placeholder_number_is_not_called_an_excel_day(value):
    with pytest.raises(TransformError) as refused:
        run("date", value)
    assert "placeholder" in str(refused.value) and "Excel" not in str(refused.value)


@pytest.mark.parametrize(
    "table, value, expected",
    [
        pytest.param("status", "正常", "normal", id="sdyq 正常"),
        pytest.param("status", "待机", "standby", id="sdyq 待机"),
        pytest.param("status", "故障", "occasional_fault", id="sdyq 故障"),
        pytest.param("status", "待修", "awaiting_repair", id="sdyq 待修"),
        pytest.param("status", "待报废", "awaiting_retirement", id="sdyq 待报废"),
        pytest.param("status", "报废", "retired", id="sdyq 报废"),
        pytest.param("status", "远程服务中", "remote", id="nrii 远程服务中"),
        pytest.param("status", "故障频繁", "frequent_fault", id="nrii 故障频繁"),
        pytest.param("status_hbkx", 1, "normal", id="hbkx 1"),
        pytest.param("status_hbkx", 2, "awaiting_repair", id="hbkx 2 维修中"),
        pytest.param("status_hbkx", "4", "retired", id="hbkx '4' as text"),
        pytest.param("sharing", "外部共享", "external", id="外部共享"),
        pytest.param("sharing", "对外开放", "external", id="yqlm 对外开放"),
        pytest.param("sharing", "内部共享", "internal", id="内部共享"),
        pytest.param("sharing", "不共享", "none", id="不共享"),
        pytest.param("sharing_hbkx", 0, "internal", id="hbkx shareStatus 0"),
        pytest.param("owner_level", "中央在鲁", "central", id="sdyq lx central"),
        pytest.param("owner_type", "中央在鲁", None, id="sdyq lx says no type"),
        pytest.param("owner_type", "企业", "enterprise", id="sdyq lx 企业"),
        pytest.param("owner_level", "省属高校", "provincial", id="yqlm 省属高校 level"),
        pytest.param("owner_type", "省属高校", "university", id="yqlm 省属高校 type"),
        pytest.param("owner_type_hbkx", 2, "institute", id="hbkx org.type 2"),
        pytest.param("owner_level", "central", "central", id="hbkx org.level"),
        pytest.param("owner_type", "university", "university", id="a national value is its own spelling"),
        pytest.param("owner_type", " Institute ", "institute", id="national value, trimmed and case-folded"),
        pytest.param("status", "standby", "standby", id="status national value"),
        pytest.param("certification", ["CMA", "CNAS"], ["CMA", "CNAS"], id="list item by item"),
        pytest.param("certification", ["是"], ["CMA"], id="是 means CMA"),
        pytest.param("certification", ["已通过", "CMA"], ["CMA"], id="repeats dropped"),
        pytest.param("certification", [False], [], id="hbkx false"),
        pytest.param("certification", ["cma"], ["CMA"], id="case-insensitive"),
    ],
)
def test_vocab(table, value, expected):
    assert run("vocab", value, table=table) == expected


def test_vocab_unknown_names_value_and_allowed():
    with pytest.raises(TransformError) as exc:
        run("vocab", "还行", table="status")
    assert "'还行'" in str(exc.value) and "正常" in str(exc.value) and "待报废" in str(exc.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("美国", "US", id="美国"),
        pytest.param("德国", "DE", id="德国"),
        pytest.param("日本", "JP", id="日本"),
        pytest.param("英国", "GB", id="英国"),
        pytest.param("瑞士", "CH", id="瑞士"),
        pytest.param("中国", "CN", id="中国"),
        pytest.param("中国台湾", "TW", id="中国台湾"),
        pytest.param("中国香港", "HK", id="中国香港"),
        pytest.param("韩国", "KR", id="韩国 alias"),
        pytest.param("荷兰", "NL", id="pycountry zh_CN name"),
        pytest.param("进口", None, id="进口 is unknown origin"),
        pytest.param("de", "DE", id="alpha-2 upper-cased"),
        pytest.param("DEU", "DE", id="alpha-3"),
    ],
)
def test_country(value, expected):
    assert run("country", value) == expected


@pytest.mark.parametrize("value", ["火星", "XX", "Germany123", 42, ["美国"], "美" * 10_000])
def test_country_rejects(value):
    with pytest.raises(TransformError):
        run("country", value)


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("010500", "010500", id="6-digit code"),
        pytest.param("0105", "010500", id="4-digit code padded"),
        pytest.param("010503", "010500", id="小类 code reduced to its 中类"),
        pytest.param("电子光学仪器", "010100", id="中类 name"),
        pytest.param("分析仪器", "010000", id="大类 name"),
        pytest.param("分析仪器 / 质谱仪器", "010200", id="大类 / 中类"),
        pytest.param("分析仪器/其他", "011300", id="ambiguous 中类 qualified"),
        pytest.param("激光器", "150100", id="name of both 大类 and 中类 is the 中类"),
        # the classification's own names may contain a slash: a separator only where the name has none
        pytest.param("高层大气/电离层探测器", "070600", id="中类 name with a slash"),
        pytest.param("海洋遥感/遥测仪器", "050500", id="another 中类 name with a slash"),
        pytest.param("大气探测仪器 / 高层大气/电离层探测器", "070600", id="大类 / 中类 with a slash in the 中类"),
    ],
)
def test_category(value, expected):
    assert run("category", value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        pytest.param("999900", "unknown category code", id="unknown code"),
        pytest.param("其他", "ambiguous", id="ambiguous name"),
        pytest.param("量子计算机", "unknown category", id="unknown name"),
        pytest.param("质谱仪器 / 分析仪器", "unknown category", id="wrong order"),
    ],
)
def test_category_rejects(value, message):
    with pytest.raises(TransformError, match=message):
        run("category", value)


HEBEI_LIANCHI = {
    "province": "130000",
    "province_name": "河北省",
    "city": "130600",
    "city_name": "保定市",
    "county": "130606",
    "county_name": "莲池区",
}
JINAN_LIXIA = {
    "province": "370000",
    "province_name": "山东省",
    "city": "370100",
    "city_name": "济南市",
    "county": "370102",
    "county_name": "历下区",
}


@pytest.mark.parametrize(
    "value, options, expected",
    [
        pytest.param("河北省保定市莲池区", {}, HEBEI_LIANCHI, id="province city county"),
        pytest.param("保定市莲池区", {"default_province": "130000"}, HEBEI_LIANCHI, id="default province"),
        pytest.param("370102", {}, JINAN_LIXIA, id="county code"),
        pytest.param("370100", {}, {**JINAN_LIXIA, "county": None, "county_name": None}, id="city-level code"),
        pytest.param("济南市历下区山大南路27号", {}, JINAN_LIXIA, id="address after the county"),
        pytest.param(
            ["武汉市", "武昌区"],
            {"default_province": "420000"},
            {
                "province": "420000",
                "province_name": "湖北省",
                "city": "420100",
                "city_name": "武汉市",
                "county": "420106",
                "county_name": "武昌区",
            },
            id="parts joined",
        ),
        pytest.param(
            "北京市海淀区",
            {},
            {
                "province": "110000",
                "province_name": "北京市",
                "city": "110100",
                "city_name": "北京市",
                "county": "110108",
                "county_name": "海淀区",
            },
            id="municipality",
        ),
        pytest.param(
            "湖北省仙桃市",
            {},
            {"province": "420000", "province_name": "湖北省", "city": None, "city_name": None, "county": "429004", "county_name": "仙桃市"},
            id="county-level city under the province",
        ),
        pytest.param(
            "河北省定州市",
            {},
            {
                "province": "130000",
                "province_name": "河北省",
                "city": "130600",
                "city_name": "保定市",
                "county": "130682",
                "county_name": "定州市",
            },
            id="county without its city",
        ),
        pytest.param(
            "110103",
            {},
            {
                "province": "110000",
                "province_name": "北京市",
                "city": "110100",
                "city_name": "北京市",
                "county": "110103",
                "county_name": "崇文区",
            },
            id="code valid in 2013 only",
        ),
        pytest.param(
            "武汉市武昌区",
            {"default_province": "130000"},
            {
                "province": "420000",
                "province_name": "湖北省",
                "city": "420100",
                "city_name": "武汉市",
                "county": "420106",
                "county_name": "武昌区",
            },
            id="other province despite default",
        ),
    ],
)
def test_region(value, options, expected):
    assert run("region", value, **options) == expected


@pytest.mark.parametrize("value", ["999999", "火星基地", "河" * 10_000, {"city": "x"}])
def test_region_rejects(value):
    with pytest.raises(TransformError):
        run("region", value)


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("12100000400000624D", "12100000400000624D", id="valid"),
        pytest.param(" 12100000466006770q ", "12100000466006770Q", id="lower case and spaces"),
    ],
)
def test_credit_code(value, expected):
    assert run("credit_code", value) == expected


@pytest.mark.parametrize("value", ["12100000707136290Y", "1210000040000062", "ABC", "1" * 10_000])
def test_credit_code_rejects_and_drops_by_default(value):
    with pytest.raises(TransformError, match="credit code"):
        run("credit_code", value)
    assert registry.get("credit_code").on_error == "drop"


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param("200元/样", {"text": "200元/样", "amount": Decimal("200.00"), "unit": "样"}, id="per sample"),
        pytest.param("800元/小时", {"text": "800元/小时", "amount": Decimal("800.00"), "unit": "小时"}, id="per hour"),
        pytest.param("面议", {"text": "面议", "amount": None, "unit": None}, id="面议"),
        pytest.param("按成本收费", {"text": "按成本收费", "amount": None, "unit": None}, id="按成本收费"),
        pytest.param("200-300元/样", {"text": "200-300元/样", "amount": None, "unit": None}, id="range has no amount"),
        pytest.param("每样200元", {"text": "每样200元", "amount": Decimal("200.00"), "unit": None}, id="amount without unit"),
        pytest.param(150, {"text": "150", "amount": Decimal("150.00"), "unit": None}, id="JSON number"),
    ],
)
def test_fee(value, expected):
    assert run("fee", value) == expected


@pytest.mark.parametrize(
    "name, value, options, expected",
    [
        pytest.param("split", "CMA,CNAS", {}, ["CMA", "CNAS"], id="split comma"),
        pytest.param("split", "CMA、CNAS；", {}, ["CMA", "CNAS"], id="split Chinese separators"),
        pytest.param("split", False, {}, [False], id="split boolean"),
        pytest.param("split", ["140", "110,120"], {}, ["140", "110", "120"], id="split list"),
        pytest.param("join", ["形貌观察", "能谱分析"], {}, "形貌观察；能谱分析", id="join list"),
        pytest.param("join", ["a", " ", "b"], {"sep": ","}, "a,b", id="join skips blanks"),
        pytest.param("upper", "cma", {}, "CMA", id="upper"),
        pytest.param("number", "1,630.5", {}, 1630.5, id="number with comma"),
        pytest.param("integer", "96", {}, 96, id="integer text"),
        pytest.param("integer", 96.0, {}, 96, id="integer float"),
    ],
)
def test_small_transforms(name, value, options, expected):
    assert run(name, value, **options) == expected


@pytest.mark.parametrize(
    "name, value",
    [
        pytest.param("integer", "96.5", id="fractional count"),
        pytest.param("integer", "-1", id="negative count"),
        pytest.param("number", "NaN", id="NaN hours"),
        pytest.param("number", "1e309", id="overflowing hours"),
        pytest.param("split", {"a": 1}, id="split object"),
    ],
)
def test_small_transforms_reject(name, value):
    with pytest.raises(TransformError):
        run(name, value)


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("1,544,200", "1544200.00", id="thousands-grouped bare number is yuan on a 万元 site"),
        pytest.param("685,000", "685000.00", id="685,000 from the yqlm doc"),
        pytest.param("68.50", "685000.00", id="bare number in 万元"),
    ],
)
def test_money_grouping_means_yuan(text, expected):
    from hub.mapping.transforms import money

    assert str(money(text, bare_unit="wanyuan")) == expected


@pytest.mark.parametrize(
    "text, city, county",
    [
        pytest.param("天津市天津市河西区", "120100", "120103", id="municipality repeated as its city"),
        pytest.param("天津市", "120100", None, id="a municipality alone is its own city"),
        pytest.param("北京市海淀区", "110100", "110108", id="municipality and district"),
    ],
)
def test_region_of_municipalities(text, city, county):
    from hub.mapping.transforms import region

    r = region(text)
    assert (r["city"], r["county"]) == (city, county)


@pytest.mark.parametrize("transform", ["date", "datetime"])
def test_epoch_seconds_where_milliseconds_are_given_are_refused_saying_so(transform):
    """1378952521 (epoch seconds of 2013-09-12) read as milliseconds was 1970-01-17, inside the years
    accepted, so the record was stored with a date 43 years wrong and no warning. Like ten digits of
    text, a number of ten digits or fewer is not read as milliseconds."""
    with pytest.raises(TransformError) as caught:
        run(transform, 1378952521)
    assert "epoch seconds" in str(caught.value) and "2013-09-12" in str(caught.value)
