"""What the public sees of an instrument's status, missing data, values and paging, through the app:
retired instruments left out until asked for, "available" only when in service and shared, every
other status on the card, an "unknown" bucket in every facet, values typed in 万元, a pager that
never links beyond what can be paged, and the instrument page's use block with the network's portal
and the province's subsidy."""

from __future__ import annotations

import re

import pytest
from lxml import html

from hub.web import create_app
from tests.factories import make_instruments


@pytest.fixture
def client(sqlite_store):
    specs = [
        dict(source_id="N1", name="高效液相色谱仪", status="normal", sharing="external"),
        dict(source_id="N2", name="高效液相色谱仪", status="normal", sharing="internal"),
        dict(source_id="R1", name="高效液相色谱仪", status="retired", sharing="external"),
        dict(source_id="A1", name="高效液相色谱仪", status="awaiting_repair", sharing="external"),
        dict(source_id="U1", name="高效液相色谱仪", status=None, sharing=None, city_code=None, city_name=None, category=None, owner=None),
        dict(source_id="H1", name="气相色谱仪", status="normal", sharing="external", network="420000", booking_url=None),
        dict(source_id="HR", name="气相色谱仪", status="retired", sharing="external", network="420000", category="010500"),
        dict(source_id="HI", name="气相色谱仪", status="normal", sharing="internal", network="420000", category="010500"),
        dict(source_id="HN", name="气相色谱仪", status="normal", sharing="none", network="420000", category="010500"),
        # 仙桃市, a county-level city Hubei governs itself (429004): no city of its own
        dict(
            source_id="XT", name="气相色谱仪", network="420000", city_code=None, city_name=None, county_code="429004", county_name="仙桃市"
        ),
        dict(
            source_id="B1",
            name="台式超速离心机",
            network="110000",
            province_name="北京市",
            city_code="110100",
            city_name="北京市",
            county_name="怀柔区",
        ),
        dict(
            source_id="C0",
            name="气相色谱仪",
            name_en="Gas chromatograph",
            network="420000",
            contact_name=None,
            contact_phone=None,
            contact_email=None,
        ),
    ]
    make_instruments(sqlite_store, specs)
    return create_app({"STORE": sqlite_store, "TESTING": True}).test_client()


def page(client, url):
    response = client.get(url)
    return response, html.fromstring(response.get_data(as_text=True))


def byid(tree, id_):
    return tree.xpath(f".//*[@id='{id_}']")[0]


def cards(tree) -> dict[str, list[str]]:
    return {
        li.get("data-id"): [b.get("data-badge") + ":" + b.text_content() for b in li.xpath(".//*[@data-badge]")]
        for li in tree.xpath("//ol[@class='result-list']/li")
    }


def test_retired_left_out_until_one_click_brings_them_back(client):
    _, tree = page(client, "/?q=液相色谱")
    assert "370000:R1" not in cards(tree) and len(cards(tree)) == 4
    link = byid(tree, "include-retired").get("href")
    _, again = page(client, "/" + link)
    assert "370000:R1" in cards(again)


def test_available_only_for_normal_and_external_and_every_other_status_shown(client):
    _, tree = page(client, "/?q=液相色谱&include_retired=true")
    shown = cards(tree)
    assert shown["370000:N1"] == ["available:可共享使用"]
    assert shown["370000:N2"] == ["sharing:内部共享"]
    assert shown["370000:R1"] == ["sharing:对外共享", "status:已报废"]
    assert shown["370000:A1"] == ["sharing:对外共享", "status:待修"]
    assert shown["370000:U1"] == ["status:状态未知"]


def test_status_facet_and_unknown_buckets_add_up(client):
    _, tree = page(client, "/?include_retired=true&lang=en")
    total = int(tree.xpath("//*[@data-total]")[0].get("data-total"))
    for facet in ("status", "category1", "owner_type", "sharing"):
        counts = [int(a.get("data-count")) for a in tree.xpath(f"//*[@id='facet-{facet}']//*[@data-count]")]
        assert sum(counts) == total, facet
        assert tree.xpath(f"//*[@id='facet-{facet}']//*[@data-value='unknown']"), facet
    unknown = tree.xpath("//*[@id='facet-status']//a[@data-value='unknown']")[0]
    _, chosen = page(client, "/" + unknown.get("href"))
    assert list(cards(chosen)) == ["370000:U1"]
    assert "Status: Unknown" in chosen.xpath("//div[@class='active-filters']")[0].text_content()


@pytest.mark.parametrize(
    "typed, shown", [("50万", "50.00 万元"), ("500,000", "50.00 万元"), ("0.5亿", "5,000.00 万元"), ("85", "85.00 万元")]
)
def test_value_filter_reads_wan_yuan_and_says_how_it_read_it(client, typed, shown):
    response, tree = page(client, f"/?min_value={typed}")
    assert response.status_code == 200
    assert shown in tree.xpath("//div[@class='active-filters']")[0].text_content()
    assert byid(tree, "min_value").get("value") == typed


def test_pager_never_links_beyond_what_can_be_paged():
    from hub.web.ui.facets import page_links

    pager = page_links({"q": "仪"}, 1, 20, 78_167)
    assert pager["pages"] == 500 and pager["truncated"]
    assert max(i["number"] for i in pager["items"] if "number" in i) == 500


def test_instrument_page_answers_how_to_use_it_first(client):
    _, tree = page(client, "/instruments/420000:H1")
    use = byid(tree, "use")
    # No booking link: the network's own portal and how-to-apply page, from the registry.
    assert byid(use, "portal-link").get("href").endswith("/420000/portal")
    assert byid(use, "apply-link").get("href").endswith("/420000/apply")
    # Hubei pays 30 % of testing fees (conf/subsidies.yaml, from the seed document).
    assert "30%" in byid(use, "subsidy").text_content()
    # Its source named in the page's language, with when it was reported (an English title in the
    # Chinese text, and no date, read as a scheme in force: found reading the pages).
    source = byid(use, "subsidy-source").text_content()
    assert "湖北省科学技术厅" in source and "2013 年报道" in source and "Provincial Department" not in source
    body = html.tostring(tree, encoding="unicode")
    assert body.index('id="use"') < body.index('id="s-service"')
    assert not tree.xpath("//*[@id='f-job']") and "采集任务" not in body
    assert re.search(r"北京时间（UTC\+8）", byid(tree, "f-last-seen").text_content())


@pytest.mark.parametrize(
    "lang, said, similar", [("zh", "已报废，不再提供使用", "查找同类仪器（色谱仪器）"), ("en", "can no longer be used", "Find similar")]
)
def test_a_scrapped_instrument_offers_no_way_to_use_it_and_points_to_similar_ones(client, lang, said, similar):
    """A retired instrument's page showed its fee, its booking link, 对外共享 and Hubei's 30 %
    subsidy, as if it could be booked (found reading the pages as the public would)."""
    _, tree = page(client, f"/instruments/420000:HR?lang={lang}")
    use = byid(tree, "use")
    assert said in byid(use, "retired-use").text_content()
    link = byid(use, "similar")
    assert similar in link.text_content() and link.get("href") == "/?category=010500"
    for gone in ("f-booking", "f-booking-fallback", "f-fee", "f-sharing", "subsidy"):
        assert not use.xpath(f".//*[@id='{gone}']"), gone
    assert byid(use, "f-status").text_content().strip().endswith("已报废" if lang == "zh" else "Retired")
    assert byid(use, "f-owner") is not None  # whom to ask stays
    # The same page of one in service still offers all of it.
    _, working = page(client, f"/instruments/420000:H1?lang={lang}")
    assert not working.xpath("//*[@id='retired-use']") and working.xpath("//*[@id='subsidy']") and working.xpath("//*[@id='f-fee']")


def test_a_county_its_province_governs_itself_is_its_city_not_unknown(client):
    """Hainan's 琼海市 and Hubei's 仙桃市 have no city above them (GB/T 2260 xx90xx): the city facet
    filed them as 未知 and the cards read only the province (the public's probe)."""
    body = client.get("/api/v1/instruments", query_string={"network": "420000", "page_size": 50}).get_json()
    cities = {f["value"]: (f["label"], f["count"]) for f in body["facets"]["city"]}
    assert cities["429004"] == ("仙桃市", 1) and "unknown" not in cities
    found = client.get("/api/v1/instruments", query_string={"city": "429004"}).get_json()
    assert [i["id"] for i in found["items"]] == ["420000:XT"]
    _, tree = page(client, "/?network=420000&city=429004")
    assert "湖北省 仙桃市" in tree.xpath("//ol[@class='result-list']/li")[0].text_content()


@pytest.mark.parametrize(
    "sid, lang, said",
    [("HI", "zh", "登记为内部共享"), ("HN", "zh", "登记为不共享"), ("HI", "en", "shared within its unit only")],
)
def test_an_instrument_not_shared_outside_offers_no_booking_and_no_subsidy(client, sid, lang, said):
    """An instrument shared only inside its unit, or not at all, showed its fee, a booking link and
    Hubei's subsidy for companies, as if anyone could book it (the public's probe)."""
    _, tree = page(client, f"/instruments/420000:{sid}?lang={lang}")
    use = byid(tree, "use")
    assert said in byid(use, "closed-use").text_content()
    assert byid(use, "similar-shared").get("href") == "/?category=010500&sharing=external"
    for gone in ("f-booking", "f-booking-fallback", "subsidy"):
        assert not use.xpath(f".//*[@id='{gone}']"), gone
    assert use.xpath(".//*[@id='f-sharing']") and use.xpath(".//*[@id='f-owner']")  # what it is, and whom to ask
    _, shared = page(client, f"/instruments/420000:H1?lang={lang}")
    assert not shared.xpath("//*[@id='closed-use']") and shared.xpath("//*[@id='subsidy']")


@pytest.mark.parametrize("lang, said", [("zh", "未提供联系方式"), ("en", "No contact given")])
def test_an_instrument_without_a_contact_says_so_and_where_to_ask(client, lang, said):
    """One record in nine came without a contact: the page showed 联系人 with nothing beside it and
    no phone, so whom to call was a blank rather than an answer."""
    _, tree = page(client, f"/instruments/420000:C0?lang={lang}")
    use = byid(tree, "use")
    labels = {dt.text_content().strip(): dt.getnext().text_content().strip() for dt in use.xpath(".//dt")}
    assert all(labels.values()), f"a field with nothing in it: {labels}"
    contact = byid(use, "f-contact-none").text_content()
    assert said in contact
    # Where to ask instead: the portal of the network that lists the instrument.
    links = [a.get("href") for a in byid(use, "f-contact-none").xpath(".//a")]
    assert len(links) == 1 and links[0].endswith("/420000/portal"), links


@pytest.mark.parametrize("lang, said", [("zh", "第 9 页超出了结果范围：共 2 页"), ("en", "Page 9 is past the last page, 2")])
def test_a_page_past_the_last_says_so_and_links_to_the_last(client, lang, said):
    """An old or shared link to page 9 of what is now 3 pages showed the total, an empty list and
    "page 2 of 2": results promised, none shown, and the pager naming a page the reader was not on."""
    response, tree = page(client, f"/?q=液相色谱&page_size=2&page=9&lang={lang}")
    assert response.status_code == 200
    beyond = byid(tree, "beyond-end")
    assert said in beyond.text_content()
    last = beyond.xpath(".//a")[0].get("href")
    _, landed = page(client, "/" + last)
    assert "page=2" in last and len(cards(landed)) == 2 and not landed.xpath("//*[@id='beyond-end']")
    assert not tree.xpath("//p[@class='pager-status']")
    # The pager marks no page as the one shown (none is), links every page, the last as "previous".
    pager = tree.xpath("//nav[@class='pager']")[0]
    assert not pager.xpath(".//*[@aria-current]")
    assert "page=2" in pager.xpath(".//a[@rel='prev']")[0].get("href") and not pager.xpath(".//a[@rel='next']")
    assert [a.text_content() for a in pager.xpath(".//li/a[not(@rel)]")] == ["1", "2"]


def test_english_results_name_an_instrument_in_english_where_its_network_did(client):
    """Six records in ten carry the network's English name, yet an English search listed every one
    under its Chinese name only: a reader of English saw a page of 气相色谱仪 and 质谱仪."""
    _, en = page(client, "/?q=气相色谱&lang=en")
    card = en.xpath("//li[@data-id='420000:C0']")[0]
    assert card.xpath(".//h3//span[@lang='zh-CN']")[0].text_content() == "气相色谱仪"
    assert "Gas chromatograph" in card.xpath(".//*[@class='subtitle']")[0].text_content()
    _, zh = page(client, "/?q=气相色谱&lang=zh")
    assert "Gas chromatograph" not in zh.xpath("//li[@data-id='420000:C0']")[0].text_content()


def test_the_portal_link_names_the_network_once(client):
    """15 of the 32 networks' names end in 平台, and the link read 湖北省大型科学仪器协作共用平台服务平台."""
    _, tree = page(client, "/instruments/420000:H1?lang=zh")
    assert byid(tree, "portal-link").text_content() == "前往湖北省大型科学仪器协作共用平台"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_search_that_finds_nothing_offers_the_fewer_words_that_find_something(client, lang):
    """A model a little off what is listed (Q Exactive Plus where networks list Q Exactive, TSQ Altis,
    SU8220) found nothing and the page only said "try other words": every word must match, and the
    reader was not told which one to drop."""
    response, tree = page(client, f"/?q=1260 Infinity III&lang={lang}")
    assert response.status_code == 200 and not cards(tree)
    offers = byid(tree, "broader").xpath(".//a")
    assert offers and offers[0].text_content() == "1260 Infinity"
    for offer in offers:
        shown = int(offer.get("data-count"))
        _, followed = page(client, "/" + offer.get("href"))
        assert shown and int(followed.xpath("//*[@data-total]")[0].get("data-total")) == shown


@pytest.mark.parametrize("q", ["量子气相色谱仪", "量子气相色谱仪XYZ123"])
def test_a_chinese_name_that_finds_nothing_offers_the_part_of_it_names_carry(client, q):
    """量子隧穿显微镜 found nothing and offered nothing, where 显微镜 finds many: the shorter searches
    came only from spaces and hyphens, and Chinese has neither (found reading the pages)."""
    response, tree = page(client, f"/?q={q}&lang=zh")
    assert response.status_code == 200 and not cards(tree)
    offers = byid(tree, "broader").xpath(".//a")
    assert [offer.text_content() for offer in offers][:1] == ["气相色谱仪"]
    for offer in offers:
        _, followed = page(client, "/" + offer.get("href"))
        assert int(followed.xpath("//*[@data-total]")[0].get("data-total")) == int(offer.get("data-count")) > 0


@pytest.mark.parametrize(
    "url, said",
    [
        pytest.param("/?q=XYZ9999&lang=zh", "只写仪器的类别", id="no filter: not told to remove filters"),
        pytest.param("/?q=XYZ9999&network=110000&lang=zh", "去掉一些筛选条件", id="a filter: told it may be the filter"),
    ],
)
def test_a_search_that_finds_nothing_gives_advice_that_fits_it(client, url, said):
    """With no filter set, the page advised removing filters (found reading the pages)."""
    _, tree = page(client, url)
    assert said in byid(tree, "none-hint").text_content()


@pytest.mark.parametrize("query", ["network=110000&network=420000", "q=色谱&q=质谱"])
def test_a_condition_given_twice_is_said_not_silently_halved(client, query):
    """/?network=110000&network=440000 showed Beijing's instruments alone and said nothing; the API
    refuses the same request (found probing the pages)."""
    response, tree = page(client, f"/?{query}&lang=zh")
    assert response.status_code == 400 and not cards(tree)  # as any other condition the search cannot take
    [said] = byid(tree, "form-errors").xpath(".//li")
    assert said.get("data-parameter") == query.split("=")[0] and "多个值" in said.text_content()


def test_the_fewer_words_are_counted_up_to_a_cap_shown_as_more(client, monkeypatch):
    """Each shorter search is counted only up to a cap, so the hint costs the same at any catalogue
    size (whole searches took 0.4–0.65 s at 300,000); a count at the cap reads "N+"."""
    from hub.web.ui import views

    monkeypatch.setattr(views, "BROADER_CAP", 1)
    _, tree = page(client, "/?q=1260 Infinity III&lang=en")
    offer = byid(tree, "broader").xpath(".//a")[0]
    assert offer.get("data-count") == "1" and "(1+)" in byid(tree, "broader").text_content()


@pytest.mark.parametrize(
    "q, shorter",
    [
        pytest.param("Q Exactive Plus", ["Q Exactive", "Exactive", "Plus"], id="the family first; a one-letter word is no search"),
        pytest.param("JSM-7800F", ["JSM"], id="a model number's series"),
        pytest.param("SU8220", [], id="one word, nothing shorter"),
        pytest.param("华中科技大学 质谱", ["华中科技大学", "质谱"], id="two words: each alone"),
    ],
)
def test_fewer_words(q, shorter):
    from hub.web.ui.views import fewer_words

    assert fewer_words(q) == shorter


@pytest.mark.parametrize("lang, place", [("zh", "北京市 怀柔区"), ("en", "Huairou District, Beijing")])
def test_a_municipality_is_named_once_in_the_address(client, lang, place):
    """Beijing, Shanghai, Tianjin and Chongqing are province and city at once: the address read
    北京市 北京市 怀柔区 (Huairou District, Beijing, Beijing)."""
    _, tree = page(client, f"/instruments/110000:B1?lang={lang}")
    assert byid(tree, "f-region").xpath("dd")[0].text_content() == place
    address = byid(tree, "f-address").xpath("dd")[0].text_content()
    # English: the street first, the places after it apart ("…, Hubei 人民路344号" ran them together)
    assert address.startswith(place + " ") if lang == "zh" else address.endswith(", " + place)
