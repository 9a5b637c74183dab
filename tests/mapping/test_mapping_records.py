"""Whole records: each reference network's documented example, in the payload shape of
connectors/base.py, maps to the normalised record written out by hand."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from connectors.base import RawRecord, ServiceRow
from hub.config import mappings_dir
from hub.errors import RecordError
from hub.mapping import Mapping
from hub.schema import InstrumentSchema, ServiceStatsSchema
from tests.doc_examples import HBKX_DOC_ROW, NRII_DOC_PAYLOAD, SDYQ_DOC_PAYLOAD, YQLM_DOC_PAYLOAD

CN = timezone(timedelta(hours=8))


def mapping(code):
    return Mapping.load(mappings_dir() / f"{code}.yaml")


SDYQ = SDYQ_DOC_PAYLOAD

SDYQ_EXPECTED = {
    "network": "370000",
    "source_id": "SD0101-2011-0042",
    "name": "高效液相色谱仪",
    "name_en": "High Performance Liquid Chromatograph",
    "category": "010500",
    "model": "1260 Infinity",
    "manufacturer": "安捷伦科技有限公司",
    "country": "US",
    "original_value": Decimal("458000.00"),
    "value_foreign": None,
    "commissioned": "2011-06-15",
    "owner": {"name": "山东大学", "credit_code": "12100000400000624D", "type": None, "level": "central"},
    "region": {
        "province": "370000",
        "province_name": "山东省",
        "city": "370100",
        "city_name": "济南市",
        "county": "370102",
        "county_name": "历下区",
    },
    "address": "济南市历下区山大南路27号 化学楼305",
    "specs": "流速范围0.001–5 mL/min；波长范围190–950 nm",
    "functions": "药物、食品、环境样品中有机组分的分离与定量分析",
    "services": "委托测试；机时共享",
    # the national reporting fields these networks do not send
    "postcode": None,
    "acquisition": None,
    "customs_supervised": None,
    "achievements": None,
    "sharing_rules": None,
    "fee": {"text": "200元/样", "amount": Decimal("200.00"), "unit": "样"},
    "booking_url": "http://www.sdyq.example/book?id=SD0101-2011-0042",
    "contact": {"name": "张工", "phone": "0531-88361234", "email": "hplc@sdu.example.cn"},
    "status": "normal",
    "sharing": "external",
    "certifications": ["CMA"],
    "subjects": [],
    "source_updated": datetime(2013, 9, 12, 10, 22, 1, tzinfo=CN),
}

HBKX = HBKX_DOC_ROW

HBKX_EXPECTED = {
    "network": "420000",
    "source_id": "1042",
    "name": "扫描电子显微镜",
    "name_en": "Scanning Electron Microscope",
    "category": "010100",
    "model": "SU8010",
    "manufacturer": "日立",
    "country": "JP",
    "original_value": Decimal("3250000.00"),
    "value_foreign": None,
    "commissioned": "2012-03-20",
    # The example's credit code fails the GB 32100 check: dropped with a warning, record kept.
    "owner": {"name": "武汉大学", "credit_code": None, "type": "university", "level": "central"},
    "region": {
        "province": "420000",
        "province_name": "湖北省",
        "city": "420100",
        "city_name": "武汉市",
        "county": "420106",
        "county_name": "武昌区",
    },
    "address": "珞珈山 测试中心",
    "specs": "分辨率1.0 nm(15 kV)",
    "functions": "材料表面形貌观察与微区成分分析",
    "services": "形貌观察；能谱分析",
    # the national reporting fields these networks do not send
    "postcode": None,
    "acquisition": None,
    "customs_supervised": None,
    "achievements": None,
    "sharing_rules": None,
    "fee": {"text": "600元/小时", "amount": Decimal("600.00"), "unit": "小时"},
    "booking_url": None,
    "contact": {"name": "李老师", "phone": "027-68752345", "email": None},
    "status": "normal",
    "sharing": "external",
    "certifications": [],
    "subjects": [],
    "source_updated": datetime(2013, 9, 12, 10, 22, 1, tzinfo=CN),
}

# The list page gives the id; the detail page's functions in a longer wording.
YQLM = {"仪器编号": "HE-2010-00123"} | YQLM_DOC_PAYLOAD | {"主要功能及应用领域": "挥发性有机物的定性定量分析"}

YQLM_EXPECTED = {
    "network": "130000",
    "source_id": "HE-2010-00123",
    "name": "气相色谱质谱联用仪",
    "name_en": "GC-MS",
    "category": "010200",
    "model": "7890A-5975C",
    "manufacturer": "Agilent",
    "country": "US",
    "original_value": Decimal("685000.00"),
    "value_foreign": None,
    "commissioned": "2010-09",
    "owner": {"name": "河北大学", "credit_code": None, "type": "university", "level": "provincial"},
    "region": {
        "province": "130000",
        "province_name": "河北省",
        "city": "130600",
        "city_name": "保定市",
        "county": "130606",
        "county_name": "莲池区",
    },
    "address": "五四东路180号 分析测试中心",
    "specs": "质量范围1.6–1050 u\n分辨率：单位质量",
    "functions": "挥发性有机物的定性定量分析",
    "services": None,
    # the national reporting fields these networks do not send
    "postcode": None,
    "acquisition": None,
    "customs_supervised": None,
    "achievements": None,
    "sharing_rules": None,
    "fee": {"text": "面议", "amount": None, "unit": None},
    "booking_url": None,
    "contact": {"name": "王老师", "phone": "0312-5079xxx", "email": None},
    "status": "normal",
    "sharing": "external",
    "certifications": ["CMA"],
    "subjects": [],
    "source_updated": datetime(2013, 8, 30, tzinfo=CN),
}

# The example record without its optional texts, service link and phone, in a second subject.
_NRII_OPTIONAL = ("technical", "function", "serviceContent", "serviceUrl", "contact", "contact@phone")
NRII = {k: v for k, v in NRII_DOC_PAYLOAD.items() if k not in _NRII_OPTIONAL} | {"subject": ["140", "150"]}


@pytest.mark.parametrize(
    "code, payload, source_id, expected, warnings",
    [
        pytest.param("370000", SDYQ, "SD0101-2011-0042", SDYQ_EXPECTED, [], id="Shandong sdyq-xml"),
        pytest.param("420000", HBKX, "1042", HBKX_EXPECTED, ["org.creditCode"], id="Hubei hbkx-json"),
        pytest.param("130000", YQLM, "HE-2010-00123", YQLM_EXPECTED, [], id="Hebei yqlm-html"),
    ],
)
def test_reference_example_maps_to_the_expected_record(code, payload, source_id, expected, warnings):
    m = mapping(code)
    assert m.source_id_of(payload) == source_id
    mapped = m.map_record(RawRecord(source_id, payload))
    assert mapped.record == expected
    assert [field for field, _ in mapped.warnings] == warnings
    # The record is exactly what the common schema loads it as.
    assert InstrumentSchema().load(mapped.record) == mapped.record


def test_nrii_example_maps_for_oai_and_push():
    oai = mapping("320000").map_record(RawRecord("NJU-2009-0311", NRII, source_updated="2013-10-01T02:00:00Z")).record
    assert oai["original_value"] == Decimal("1523000.00") and oai["country"] == "DE"
    assert oai["region"]["county_name"] == "栖霞区" and oai["address"] == "栖霞区仙林大道163号"
    assert oai["subjects"] == ["140", "150"] and oai["owner"]["level"] == "central"
    assert oai["source_updated"] == datetime(2013, 10, 1, 2, tzinfo=timezone.utc)
    flat = {k: v for k, v in NRII.items() if "@" not in k} | {
        "creditCode": "12100000466006770Q",
        "county": "320113",
        "contactName": "陈老师",
        "address": "仙林大道163号",
    }
    push = mapping("110000").map_payload(flat).record
    assert push["source_id"] == "NJU-2009-0311" and push["owner"]["credit_code"] == "12100000466006770Q"
    assert push["region"]["city"] == "320100" and push["contact"]["name"] == "陈老师"


def test_hbkx_numeric_string_value_and_month_date():
    record = mapping("420000").map_record(RawRecord("7", HBKX | {"id": 7, "originalValue": "1,250,000", "purchaseDate": "2012-03"})).record
    assert record["original_value"] == Decimal("1250000.00") and record["commissioned"] == "2012-03"


@pytest.mark.parametrize(
    "code, payload, field, fragment",
    [
        pytest.param("370000", SDYQ | {"YZ": "四十五万"}, "YZ", "'四十五万'", id="sdyq bad YZ"),
        pytest.param("370000", SDYQ | {"YZ": "-3"}, "YZ", "negative", id="sdyq negative YZ"),
        pytest.param("370000", SDYQ | {"YXZT": "还行"}, "YXZT", "unknown status value '还行'", id="sdyq unknown status"),
        pytest.param("370000", {k: v for k, v in SDYQ.items() if k != "YQMC"}, "YQMC", "missing required value", id="sdyq missing name"),
        pytest.param("370000", SDYQ | {"YQMC": "仪" * 10_000}, "YQMC", "longer than 200", id="sdyq 10,000-character name"),
        pytest.param("370000", SDYQ | {"SSDW": "  "}, "SSDW", "missing required value", id="sdyq owner without name"),
        pytest.param("420000", HBKX | {"originalValue": "abc"}, "originalValue", "'abc'", id="hbkx bad originalValue"),
        pytest.param("420000", HBKX | {"originalValue": float("nan")}, "originalValue", "finite", id="hbkx NaN value"),
        pytest.param("420000", HBKX | {"status": 9}, "status", "unknown status_hbkx value 9", id="hbkx unknown status code"),
        pytest.param(
            "420000", HBKX | {"instrumentName": {"zh": "x"}}, "instrumentName", "expected text, got dict", id="hbkx name of wrong type"
        ),
        pytest.param("130000", YQLM | {"原值": "六十八万"}, "原值", "'六十八万'", id="yqlm bad 原值"),
        pytest.param("130000", YQLM | {"共享方式": "看情况"}, "共享方式", "看情况", id="yqlm unknown sharing"),
    ],
)
def test_bad_value_is_reported_in_the_provinces_own_naming(code, payload, field, fragment):
    m = mapping(code)
    with pytest.raises(RecordError) as exc:
        m.map_record(RawRecord("R1", payload))
    assert exc.value.network == code and exc.value.source_id == "R1"
    assert exc.value.field == field
    assert fragment in exc.value.message


def test_all_problems_of_a_record_are_listed():
    with pytest.raises(RecordError) as exc:
        mapping("370000").map_record(RawRecord("R1", SDYQ | {"YZ": "x", "YXZT": "y", "GXMS": "z"}))
    assert [f for f, _ in exc.value.problems] == ["YZ", "YXZT", "GXMS"]


@pytest.mark.parametrize(
    "changes, warned, dropped",
    [
        pytest.param({"FLDM": "999999"}, "FLDM", "category", id="wrong category code"),
        pytest.param({"CDGB": "火星"}, "CDGB", "country", id="unknown country"),
        pytest.param({"QYRQ": "2011-02-30"}, "QYRQ", "commissioned", id="impossible date"),
        pytest.param({"SSDW@xydm": "ABC"}, "SSDW@xydm", None, id="malformed credit code"),
    ],
)
def test_droppable_values_warn_and_keep_the_record(changes, warned, dropped):
    mapped = mapping("370000").map_record(RawRecord("R1", SDYQ | changes))
    assert [f for f, _ in mapped.warnings] == [warned]
    if dropped:
        assert mapped.record[dropped] is None
    else:
        assert mapped.record["owner"]["credit_code"] is None


@pytest.mark.parametrize(
    "placeholder",
    [
        pytest.param(0, id="epoch 0"),
        pytest.param(-1, id="epoch -1"),
        pytest.param(0.0, id="epoch 0.0"),
        pytest.param(-1000, id="epoch -1 s in milliseconds"),
        pytest.param("0", id="0 as text"),
        pytest.param("-1", id="-1 as text"),
        # The same placeholder as a database writes it out: the epoch as a date, in UTC or China time.
        pytest.param("1970-01-01", id="the epoch's day"),
        pytest.param("1970-01-01 08:00:00", id="the epoch in China time"),
        pytest.param("1970/1/1", id="the epoch's day with slashes"),
    ],
)
def test_an_epoch_placeholder_date_is_dropped_with_a_warning_not_read_as_1970(placeholder):
    # A purchase date of 0 or -1 means "not filled in"; read as epoch milliseconds it became an
    # instrument commissioned on 1970-01-01.
    mapped = mapping("420000").map_record(RawRecord("1042", HBKX | {"purchaseDate": placeholder}))
    assert mapped.record["commissioned"] is None
    assert "purchaseDate" in [f for f, _ in mapped.warnings]


@pytest.mark.parametrize(
    "changes, field, value",
    [
        pytest.param({"FLDM": "0105"}, "category", "010500", id="4-digit category"),
        pytest.param(
            {"SZDQ": "370100"},
            "region",
            {"province": "370000", "province_name": "山东省", "city": "370100", "city_name": "济南市", "county": None, "county_name": None},
            id="city-level SZDQ",
        ),
        pytest.param({"CDGB": "进口"}, "country", None, id="进口"),
        pytest.param({"CDGB": ""}, "country", None, id="empty country"),
        pytest.param({"JLRZ": "CMA,CNAS"}, "certifications", ["CMA", "CNAS"], id="two certifications"),
        pytest.param({"JLRZ": "否"}, "certifications", [], id="否"),
        pytest.param(
            {"SSDW@lx": "企业"},
            "owner",
            {"name": "山东大学", "credit_code": "12100000400000624D", "type": "enterprise", "level": None},
            id="lx 企业",
        ),
        pytest.param({"QYRQ": "2011年6月"}, "commissioned", "2011-06", id="年月 date"),
        pytest.param({"YWMC": ""}, "name_en", None, id="empty English name"),
        pytest.param({"unknown": "ignored"}, "name", "高效液相色谱仪", id="unknown element ignored"),
    ],
)
def test_variants_of_the_sdyq_example(changes, field, value):
    assert mapping("370000").map_record(RawRecord("R1", SDYQ | changes)).record[field] == value


def test_raw_problem_and_non_object_payload_are_record_errors():
    m = mapping("370000")
    with pytest.raises(RecordError, match="no YQBH"):
        m.map_record(RawRecord("(instrument #3)", {}, problem="no YQBH"))
    with pytest.raises(RecordError, match="not an object"):
        m.map_record(RawRecord("R1", ["not", "a", "dict"]))
    with pytest.raises(RecordError, match="must not contain '/'"):
        m.map_record(RawRecord("a/b", SDYQ))


@pytest.mark.parametrize(
    "code, payload, expected",
    [
        pytest.param(
            "370000",
            {"YQBH": "SD1", "ZJS": "1630", "DWFWJS": "410", "DWFWCS": "96", "QYFWCS": "61", "YPS": "2310", "DWYPS": "820", "SR": "86400"},
            {
                "effective_hours": 1630.0,
                "external_hours": 410.0,
                "external_services": 96,
                "enterprise_services": 61,
                "samples": 2310,
                "external_samples": 820,
                "income": Decimal("86400.00"),
            },
            id="sdyq Record attributes",
        ),
        pytest.param(
            "420000",
            {
                "serviceCount": 4,
                "hours": 12.5,
                "externalHours": 3.5,
                "externalServices": 1,
                "enterpriseServices": 1,
                "samples": 40,
                "externalSamples": 12,
                "fee": 2100.0,
                "satisfaction": 5,
                "ratedServices": 1,
            },
            {
                "effective_hours": 12.5,
                "external_hours": 3.5,
                "external_services": 1,
                "enterprise_services": 1,
                "samples": 40,
                "external_samples": 12,
                "income": Decimal("2100.00"),
            },
            id="hbkx summed events",
        ),
        pytest.param(
            "130000",
            {
                "仪器编号": "HE1",
                "年有效机时": "1200",
                "对外服务机时": "300",
                "对外服务次数": "40",
                "企业服务次数": "22",
                "样品数": "900",
                "对外样品数": "310",
                "服务收入(元)": "45,000",
            },
            {
                "effective_hours": 1200.0,
                "external_hours": 300.0,
                "external_services": 40,
                "enterprise_services": 22,
                "samples": 900,
                "external_samples": 310,
                "income": Decimal("45000.00"),
            },
            id="yqlm CSV row",
        ),
    ],
)
def test_service_rows(code, payload, expected):
    stats = mapping(code).map_service(ServiceRow("X1", 2012, payload))
    assert stats == {"network": code, "source_id": "X1", "year": 2012, **expected}
    assert ServiceStatsSchema().load(stats) == stats


@pytest.mark.parametrize(
    "payload, field",
    [
        pytest.param({"ZJS": "9000"}, "ZJS", id="more hours than a year has"),
        pytest.param({"DWFWCS": "9.5"}, "DWFWCS", id="fractional count"),
        pytest.param({"SR": "-1"}, "SR", id="negative income"),
    ],
)
def test_bad_service_rows(payload, field):
    with pytest.raises(RecordError) as exc:
        mapping("370000").map_service(ServiceRow("SD1", 2012, payload))
    assert exc.value.field == field


@pytest.mark.parametrize(
    "province, city, county, code",
    [
        pytest.param("北京市", "北京市", "延庆县", "110229", id="a municipality"),
        pytest.param("河北省", "保定市", "莲池区", "130606", id="a province"),
    ],
)
def test_the_academy_registers_location_names_its_county(province, city, county, code):
    """Its three columns were joined county first ('延庆县北京市'), which names no division: 380 of the
    register's 400 instruments lost their region, each with a warning (a national centre's probe)."""
    payload = {
        "仪器编号": "A1",
        "仪器名称": "电镜",
        "原值(万元)": "120",
        "所属单位": "中国科学院某所",
        "所在省份": province,
        "所在城市": city,
        "所在区县": county,
    }
    mapped = mapping("ACAS01").map_record(RawRecord("A1", payload))
    assert mapped.record["region"]["county"] == code and not [f for f, _ in mapped.warnings if f.startswith("所在")]
