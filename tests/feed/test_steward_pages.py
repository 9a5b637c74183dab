"""A province's data steward reads what the hub did with their pushes in a browser, not as raw JSON:
they sign in with their publisher token and see their own network only — its batches and runs with
the report's counts, one batch's report with every rejected record (paged), and its holds, read only.

Before, /admin/login refused every token but an admin's (401 "not an admin token") and the holds
were admin-only even over JSON, so a steward could not learn that a withdrawal of theirs waited.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lxml import html as lhtml
from sqlalchemy import select, update

from hub.auth import sessions
from hub.auth.tokens import TOKENS, create_token, revoke_token
from hub.clock import now
from hub.feed import reports, samples
from hub.feed.holds import HOLDS
from hub.harvest.jobs import Counts
from hub.ops.dashboard import SCHEDULES

COOKIE = "hub_admin"
#: The counts a batch's row and its report page show, by name, as the stored report holds them.
COUNT_NAMES = ("fetched", "created", "updated", "unchanged", "withdrawn", "rejected", "warnings", "repeated", "deleted", "not_found")


def sign_in(app, token, *, base_url="http://localhost"):
    """A browser (test client with its cookie jar) signed in with `token`; returns (client, the 303)."""
    client = app.test_client()
    r = client.post("/admin/login", data={"token": token}, base_url=base_url)
    assert r.status_code == 303, (r.status_code, r.get_data(as_text=True)[:300])
    return client, r


def cookie_of(response) -> str:
    return re.match(rf"{COOKIE}=([^;]+)", response.headers["Set-Cookie"]).group(1)


def doc(client, path):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:300])
    return lhtml.fromstring(r.get_data(as_text=True))


def gd_batches(app, tokens) -> list[dict]:
    headers = {"Authorization": f"Bearer {tokens['gd']}"}
    return app.test_client().get("/api/v1/networks/440000/batches", headers=headers).get_json()["batches"]


def shown_counts(element) -> dict:
    return {td.get("data-count"): int(td.text_content().replace(",", "")) for td in element.xpath(".//*[@data-count]")}


@pytest.fixture
def pushed(push):
    """Each province pushed a batch with bad rows, then a short snapshot the guard held."""
    out = {
        "gd": push("440000", samples.guangdong_csv(40, bad=6)).get_json(),
        "bj": push("110000", samples.beijing_json(30, bad=4), token="bj", fmt="json").get_json(),
    }
    out["gd_hold"] = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    out["bj_hold"] = push("110000", samples.beijing_json(5), mode="snapshot", token="bj", fmt="json").get_json()["withdrawal"]["hold"]
    assert out["gd_hold"] and out["bj_hold"], out
    return out


def test_a_steward_signs_in_and_lands_on_their_own_networks_page(app, tokens, pushed):
    client, r = sign_in(app, tokens["gd"])
    assert r.headers["Location"] == "/admin/networks/440000/batches"
    page = doc(client, r.headers["Location"] + "?lang=en")
    listed = [tr.get("data-batch") for tr in page.xpath('//table[@id="batches"]/tbody/tr')]
    assert pushed["gd"]["id"] in listed and pushed["bj"]["id"] not in listed
    text = page.text_content()
    assert "BJ-" not in text and "110000" not in text, "another network's data on the steward's page"
    # The runs table the admin network page renders, each pushed run naming and linking its batch.
    assert page.xpath(f'//table[@id="runs"]//a[@href="/admin/networks/440000/batches/{pushed["gd"]["id"]}"]')


def test_a_publisher_sign_in_goes_only_where_the_steward_may_go(app, tokens):
    """`next` is honoured within the steward's own network; anything else lands on their page."""
    client = app.test_client()
    for next_, expected in [
        ("/admin/networks/440000/holds", "/admin/networks/440000/holds"),
        ("/admin/networks/110000/batches", "/admin/networks/440000/batches"),
        ("/admin", "/admin/networks/440000/batches"),
        ("//evil.example/", "/admin/networks/440000/batches"),
    ]:
        r = client.post("/admin/login", query_string={"next": next_}, data={"token": tokens["gd"]})
        assert r.status_code == 303 and r.headers["Location"] == expected, (next_, r.headers.get("Location"))


def test_an_evaluator_token_still_cannot_sign_in(app, tokens):
    r = app.test_client().post("/admin/login", data={"token": tokens["evaluator"]})
    assert r.status_code == 401 and "Set-Cookie" not in r.headers


def test_the_counts_shown_are_the_stored_reports_and_add_up(app, store, tokens, pushed):
    client, _ = sign_in(app, tokens["gd"])
    page = doc(client, "/admin/networks/440000/batches")
    rows = page.xpath('//table[@id="batches"]/tbody/tr')
    assert len(rows) == 2
    with store.read() as conn:
        for tr in rows:
            stored = reports.build_report(conn, tr.get("data-batch"))["counts"]
            assert shown_counts(tr) == {k: stored[k] for k in COUNT_NAMES}, tr.get("data-batch")
    # The JSON list a steward's scripts read carries the same counts (it listed none before).
    listed = client.get("/api/v1/networks/440000/batches", headers={"Authorization": f"Bearer {tokens['gd']}"}).get_json()["batches"]
    assert {b["id"]: b["counts"] for b in listed} == {tr.get("data-batch"): shown_counts(tr) for tr in rows}
    report = doc(client, f"/admin/networks/440000/batches/{pushed['gd']['id']}")
    counts = shown_counts(report.xpath('//*[@id="counts"]')[0])
    assert counts == {k: pushed["gd"]["counts"][k] for k in COUNT_NAMES}
    assert counts["rejected"] == 6 and counts["created"] == 34
    # The sum the report is checked by, shown as the page's reader can verify it.
    (check,) = report.xpath('//*[@id="counts-check"]')
    assert check.get("data-adds-up") == "true"
    assert int(check.get("data-accounted")) == Counts(**counts).accounted() == counts["fetched"]


def test_every_rejected_record_is_on_the_batch_page_with_its_id_field_and_reason(app, tokens, pushed):
    client, _ = sign_in(app, tokens["gd"])
    page = doc(client, f"/admin/networks/440000/batches/{pushed['gd']['id']}?lang=en")
    shown = [tuple(" ".join(td.text_content().split()) for td in tr.xpath("./td")) for tr in page.xpath('//table[@id="rejected"]/tbody/tr')]
    assert shown == [(e["source_id"], e["field"], e["reason"]) for e in pushed["gd"]["rejected"]]


def test_the_holds_of_the_stewards_network_are_shown_read_only(app, tokens, pushed, push):
    gd, _ = sign_in(app, tokens["gd"])
    page = doc(gd, "/admin/networks/440000/batches?lang=en")
    waiting = [int(tr.get("data-hold")) for tr in page.xpath('//table[@id="holds"]/tbody/tr')]
    assert waiting == [pushed["gd_hold"]]
    assert not page.xpath("//form[contains(@action, '/confirm') or contains(@action, '/reject') or contains(@action, '/harvest')]")
    # A later short snapshot supersedes the waiting hold: the steward sees it decided, and by which batch.
    newer = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    page = doc(gd, "/admin/networks/440000/batches?lang=en")
    decided = {int(tr.get("data-decided-hold")): tr for tr in page.xpath('//table[@id="decided-holds"]/tbody/tr')}
    assert list(decided) == [pushed["gd_hold"]]
    assert f"superseded by batch {newer['id']}" in decided[pushed["gd_hold"]].text_content()
    (link,) = [h for h in decided[pushed["gd_hold"]].xpath(".//a/@href") if "/holds/" not in h]
    assert link == f"/admin/networks/440000/batches/{newer['id']}", "a steward's link must lead to a page they may open"
    assert doc(gd, link) is not None
    holds_page = doc(gd, "/admin/networks/440000/holds?lang=en")
    assert [int(tr.get("data-decided-hold")) for tr in holds_page.xpath('//table[@id="decided-holds"]/tbody/tr')] == [pushed["gd_hold"]]
    assert str(pushed["bj_hold"]) not in [tr.get("data-decided-hold") for tr in holds_page.xpath("//tr")]


def test_a_publisher_cannot_open_another_networks_pages(app, tokens, pushed):
    client, _ = sign_in(app, tokens["gd"])
    bj_batch = pushed["bj"]["id"]
    for path in (
        "/admin/networks/110000/batches",
        f"/admin/networks/110000/batches/{bj_batch}",
        "/admin/networks/110000/holds",
    ):
        r = client.get(path)
        body = r.get_data(as_text=True)
        assert r.status_code == 403, (path, r.status_code)
        assert "BJ-" not in body and "innerId" not in body, path


def test_another_networks_batch_id_is_refused_under_ones_own_network(app, tokens, pushed):
    """The network in the address is the steward's; the batch is Beijing's: no such batch here."""
    for token in ("gd", "admin"):
        client, _ = sign_in(app, tokens[token])
        r = client.get(f"/admin/networks/440000/batches/{pushed['bj']['id']}")
        body = r.get_data(as_text=True)
        assert r.status_code == 404, (token, r.status_code)
        assert "BJ-" not in body and "innerId" not in body


def test_a_publisher_cannot_open_the_national_pages_nor_post_an_admin_form(app, store, tokens, pushed):
    client, r = sign_in(app, tokens["gd"])
    csrf = sessions.csrf_for(cookie_of(r))  # a valid form token of the steward's own session
    # The overview's address leads a steward to their own page (a bookmark of /admin), showing nothing national.
    home = client.get("/admin")
    assert (home.status_code, home.headers.get("Location")) == (303, "/admin/networks/440000/batches"), home.status_code
    for path in (
        "/admin/holds",
        "/admin/networks/440000",
        "/admin/networks/370000",
        "/admin/networks/440000/availability.svg",
        "/admin/clusters",
    ):
        got = client.get(path)
        assert got.status_code == 403, (path, got.status_code)
        assert "BJ-" not in got.get_data(as_text=True)
    # The cookie opens no JSON route: the audit log and the holds stay behind an admin's bearer token.
    for path in ("/api/v1/audit", "/api/v1/holds", f"/api/v1/holds/{pushed['bj_hold']}", "/api/v1/admin/networks"):
        assert client.get(path).status_code == 401, path
    for path in (
        f"/admin/holds/{pushed['gd_hold']}/confirm",
        f"/admin/holds/{pushed['gd_hold']}/reject",
        f"/admin/holds/{pushed['bj_hold']}/confirm",
        "/admin/networks/440000/harvest",
        "/admin/networks/370000/harvest",
        "/admin/clusters/decision",
    ):
        got = client.post(path, data={"csrf": csrf, "full": "1"})
        assert got.status_code == 403, (path, got.status_code)
    with store.read() as conn:
        assert {r.state for r in conn.execute(select(HOLDS.c.state))} == {"held"}, "a publisher decided a hold"
        assert conn.execute(select(SCHEDULES.c.requested_at).where(SCHEDULES.c.requested_at.is_not(None))).first() is None


def test_an_admin_still_sees_everything(app, tokens, pushed):
    client, r = sign_in(app, tokens["admin"])
    assert r.headers["Location"] == "/admin"
    national = doc(client, "/admin")
    assert national.xpath("//form[contains(@action, '/confirm')]"), "the admin's decide buttons are gone"
    for code, batch in (("440000", pushed["gd"]["id"]), ("110000", pushed["bj"]["id"])):
        listed = doc(client, f"/admin/networks/{code}/batches")
        assert [tr.get("data-batch") for tr in listed.xpath('//table[@id="batches"]/tbody/tr')][-1] == batch
        doc(client, f"/admin/networks/{code}/batches/{batch}")
        doc(client, f"/admin/networks/{code}/holds")
    doc(client, "/admin/networks/440000")
    doc(client, "/admin/holds")


def test_the_publishers_session_cookie_keeps_the_rules(app, store, tokens):
    _, r = sign_in(app, tokens["gd"])
    set_cookie = r.headers["Set-Cookie"]
    assert tokens["gd"] not in set_cookie and cookie_of(r).startswith("hubs_")
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age="):
        assert attribute in set_cookie
    assert "Secure" not in set_cookie
    _, r = sign_in(app, tokens["gd"], base_url="https://localhost")
    assert "Secure" in r.headers["Set-Cookie"]


def test_logout_ends_a_stewards_session_for_a_copied_cookie_too(app, tokens):
    _, r = sign_in(app, tokens["gd"])
    raw = app.test_client(use_cookies=False)
    headers = {"Cookie": f"{COOKIE}={cookie_of(r)}"}
    assert raw.get("/admin/networks/440000/batches", headers=headers).status_code == 200
    assert raw.post("/admin/logout", headers=headers).status_code == 303
    after = raw.get("/admin/networks/440000/batches", headers=headers)
    assert after.status_code == 401 and 'name="token"' in after.get_data(as_text=True)


@pytest.mark.parametrize("ending", ["revoked", "expired"])
def test_a_stewards_session_dies_with_its_token(app, store, ending):
    info, token = create_token(store, "publisher", "440000")
    client, _ = sign_in(app, token)
    assert client.get("/admin/networks/440000/batches").status_code == 200
    if ending == "revoked":
        revoke_token(store, info.id)
    else:
        with store.write() as conn:
            conn.execute(update(TOKENS).where(TOKENS.c.id == info.id).values(expires_at=now() - timedelta(seconds=1)))
    r = client.get("/admin/networks/440000/batches")
    assert r.status_code == 401 and 'name="token"' in r.get_data(as_text=True)


# --------------------------------------------------------------------------- 10,000 rejections


@pytest.fixture
def big_app(app):
    """The feed app with a 10,000-record batch applied within its request (no background worker)."""
    app.config["FEED_LIMITS"] = {"max_body_bytes": 16 * 1024 * 1024, "async_records": 20_000, "async_bytes": 16 * 1024 * 1024}
    return app


def test_a_batch_of_ten_thousand_rejections_pages(big_app, store, tokens):
    body = samples.guangdong_csv(10_000, bad=10_000)
    r = big_app.test_client().post(
        "/api/v1/networks/440000/batches?mode=upsert",
        data=body,
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {tokens['gd']}"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    batch = r.get_json()
    assert batch["counts"]["rejected"] == 10_000
    client, _ = sign_in(big_app, tokens["gd"])
    base = f"/admin/networks/440000/batches/{batch['id']}"

    def rows(page):
        got = client.get(f"{base}?page={page}&lang=en")
        assert got.status_code == 200, (page, got.status_code)
        d = lhtml.fromstring(got.get_data(as_text=True))
        return d, [
            tuple(" ".join(td.text_content().split()) for td in tr.xpath("./td")) for tr in d.xpath('//table[@id="rejected"]/tbody/tr')
        ]

    expected = [(e["source_id"], e["field"], e["reason"]) for e in batch["rejected"]]
    first, shown = rows(1)
    assert shown == expected[:50]
    assert first.xpath('//*[@id="rejected-total"]')[0].text_content().strip() == "10,000"
    assert first.xpath('//a[@rel="next"]/@href') == [f"{base}?page=2"]
    _, shown = rows(200)
    assert shown == expected[-50:]
    beyond, shown = rows(201)
    assert shown == [] and beyond.xpath('//*[@id="beyond-end"]//a/@href') == [f"{base}?page=200"]
    for bad in ("0", "x", "99999999999"):
        assert client.get(f"{base}?page={bad}").status_code == 400, bad


def test_a_holds_page_lists_the_instruments_its_listing_lacked(app, tokens, pushed):
    """A hold said only how many instruments a short snapshot lacked: neither the steward (what did my
    snapshot leave out?) nor the operator about to confirm it (what will this withdraw?) could see which."""
    with app.config["STORE"].read() as conn:
        (absent,) = conn.execute(select(HOLDS.c.instrument_ids).where(HOLDS.c.id == pushed["gd_hold"])).one()
    for token in ("gd", "admin"):
        client, _ = sign_in(app, tokens[token])
        page = doc(client, f"/admin/networks/440000/holds/{pushed['gd_hold']}?lang=en")
        shown = [tr.get("data-instrument") for tr in page.xpath('//table[@id="held-instruments"]/tbody/tr')]
        assert shown == absent and page.xpath('//*[@id="hold"]//dd[2]')[0].text_content() == str(len(absent)), (token, shown)
        first = page.xpath('//table[@id="held-instruments"]/tbody/tr[1]/td')
        assert first[0].text_content() == absent[0].partition(":")[2] and first[1].text_content().strip() not in ("", "–"), token
        forms = page.xpath("//form[contains(@action, '/confirm') or contains(@action, '/reject')]/@action")
        if token == "gd":
            assert forms == [], "a steward reads a hold; the national centre decides it"
        else:  # the operator decides where they see what a confirmation withdraws
            assert forms == [f"/admin/holds/{pushed['gd_hold']}/confirm", f"/admin/holds/{pushed['gd_hold']}/reject"], forms
    # Every waiting hold's number on the steward's page and on /admin leads here.
    gd, _ = sign_in(app, tokens["gd"])
    link = f"/admin/networks/440000/holds/{pushed['gd_hold']}"
    assert doc(gd, "/admin/networks/440000/batches").xpath(f'//table[@id="holds"]//a[@href="{link}"]')
    # and so does the snapshot's batch page (its link went to the batches list's anchor)
    snapshot = [b for b in gd_batches(app, tokens) if b["mode"] == "snapshot"][0]["id"]
    assert doc(gd, f"/admin/networks/440000/batches/{snapshot}").xpath(f'//a[@href="{link}"]')
    admin, _ = sign_in(app, tokens["admin"])
    assert doc(admin, "/admin").xpath(f'//table[@id="holds"]//a[@href="{link}"]')


def test_the_operator_confirms_a_hold_from_its_page(app, tokens, pushed):
    admin, _ = sign_in(app, tokens["admin"])
    path = f"/admin/networks/440000/holds/{pushed['gd_hold']}"
    page = doc(admin, path)
    (csrf,) = page.xpath(f'//form[@action="/admin/holds/{pushed["gd_hold"]}/confirm"]/input[@name="csrf"]/@value')
    assert admin.post(f"/admin/holds/{pushed['gd_hold']}/confirm", data={"csrf": csrf}).status_code == 303
    after = doc(admin, path + "?lang=en")
    assert not after.xpath("//form[contains(@action, '/confirm')]"), "a decided hold offers no decision"
    assert "confirmed" in after.xpath('//*[@id="hold"]')[0].text_content()
    withdrawn = after.xpath('//table[@id="held-instruments"]/tbody/tr/td[5]')
    assert withdrawn and all(td.text_content() != "–" for td in withdrawn), "each listed instrument now says when it was withdrawn"


def test_a_holds_page_is_its_networks_own(app, tokens, pushed):
    gd, _ = sign_in(app, tokens["gd"])
    r = gd.get(f"/admin/networks/110000/holds/{pushed['bj_hold']}")
    assert r.status_code == 403 and "BJ-" not in r.get_data(as_text=True)
    for token in ("gd", "admin"):
        client, _ = sign_in(app, tokens[token])
        r = client.get(f"/admin/networks/440000/holds/{pushed['bj_hold']}")
        assert r.status_code == 404 and "BJ-" not in r.get_data(as_text=True), (token, r.status_code)
        assert client.get("/admin/networks/440000/holds/999999").status_code == 404


def test_a_holds_page_pages_its_instruments(app, tokens, push):
    push("440000", samples.guangdong_csv(130))
    hold = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    with app.config["STORE"].read() as conn:
        (absent,) = conn.execute(select(HOLDS.c.instrument_ids).where(HOLDS.c.id == hold)).one()
    assert len(absent) == 125
    client, _ = sign_in(app, tokens["gd"])
    pages = [doc(client, f"/admin/networks/440000/holds/{hold}?page={n}&lang=en") for n in (1, 2, 3)]
    rows = [[tr.get("data-instrument") for tr in p.xpath('//table[@id="held-instruments"]/tbody/tr')] for p in pages]
    assert rows == [absent[:50], absent[50:100], absent[100:]]
    assert pages[1].xpath('//a[@rel="next"]/@href') == [f"/admin/networks/440000/holds/{hold}?page=3"]
    beyond = doc(client, f"/admin/networks/440000/holds/{hold}?page=9&lang=en")
    assert beyond.xpath('//*[@id="beyond-end"]//a/@href') == [f"/admin/networks/440000/holds/{hold}?page=3"]


def test_the_reasons_are_in_the_pages_language(app, tokens, pushed):
    """A province's steward reads Chinese: the reasons, stored and sent in English for the API, were
    shown in English on the Chinese page ("missing required value", "unknown category code '99'")."""
    client, _ = sign_in(app, tokens["gd"])
    page = doc(client, f"/admin/networks/440000/batches/{pushed['gd']['id']}?lang=zh")
    shown = [" ".join(tr.xpath("./td")[2].text_content().split()) for tr in page.xpath('//table[@id="rejected"]/tbody/tr')]
    english = [e["reason"] for e in pushed["gd"]["rejected"]]
    assert len(shown) == len(english) == 6
    for said, stored in zip(shown, english):
        assert said != stored and re.search("[\u4e00-\u9fff]", said), (said, stored)
        assert not re.search(r"\b(expected|missing|unknown|got|value)\b", said), said
    # what the batch was, and the snapshot's withdrawal decision, in Chinese too ("instruments · upsert",
    # "5214 of 5217 active instruments (99.9%) are absent, …")
    assert page.xpath("//dl/dd[1]")[0].text_content().strip() == "仪器 · 新增或更新"
    snapshot = [b for b in gd_batches(app, tokens) if b["mode"] == "snapshot"][0]["id"]
    held = doc(client, f"/admin/networks/440000/batches/{snapshot}?lang=zh").xpath('//*[@id="withdrawal"]/dd[2]')[0].text_content()
    assert "缺席" in held and "暂停" in held and not re.search("[a-z]{3}", held), held
    fields = [" ".join(tr.xpath("./td")[1].text_content().split()) for tr in page.xpath('//table[@id="rejected"]/tbody/tr')]
    assert not {"(record)", "(record id)"} & set(fields), fields
    # the tab counts repeats with the refused, and says so beside the counts that keep them apart
    assert "拒收与重复" in page.xpath('//*[@id="lists"]')[0].text_content()


def test_a_resent_batch_says_its_unchanged_records_were_not_checked_again(app, tokens, push):
    """The same rows sent again showed "warnings 0" though their bad category code stood in the
    catalogue: unchanged records are recognised by their hash and not mapped again (a steward's probe)."""
    body = samples.guangdong_csv(5, bad=1)
    push("440000", body)
    again = push("440000", body).get_json()
    assert again["counts"]["unchanged"] == 4 and again["counts"]["warnings"] == 0
    client, _ = sign_in(app, tokens["gd"])
    page = doc(client, f"/admin/networks/440000/batches/{again['id']}?lang=zh")
    (note,) = page.xpath('//*[@id="unchanged-note"]')
    assert "4" in note.text_content() and "警告仍然有效" in note.text_content()


def test_a_pushed_batch_of_service_statistics_is_named_as_such_wherever_runs_are_listed(app, tokens, push):
    """The runs tables showed a job's kind as its code ("push", "full"); a push of service statistics
    read as a push of instruments."""
    push("440000", samples.guangdong_csv(2))
    ids = [samples.gd_id(i) for i in range(2)]
    push("440000", samples.guangdong_service_csv(ids, 2012), mode=None, kind="service", year=2012)
    admin, _ = sign_in(app, tokens["admin"])
    for path in ("/admin/networks/440000?lang=zh", "/networks/440000?lang=zh"):
        page = doc(admin, path)
        cells = [" ".join(td.text_content().split()) for td in page.xpath("//table//tbody/tr/td[2]")]
        assert any("推送的服务统计" in c for c in cells) and any(c.startswith("推送") and "服务统计" not in c for c in cells), (path, cells)


def test_a_repeated_id_is_named_as_the_record_id_in_the_pages_language(app, tokens, push):
    body = samples.guangdong_csv(3)
    lines = body.split(b"\r\n")
    report = push("440000", b"\r\n".join([*lines[:2], lines[1], *lines[2:]])).get_json()  # row 1 sent twice
    assert report["counts"]["repeated"] == 1 and report["rejected"][0]["field"] == "(record id)"
    client, _ = sign_in(app, tokens["gd"])
    page = doc(client, f"/admin/networks/440000/batches/{report['id']}?lang=zh")
    (row,) = page.xpath('//table[@id="rejected"]/tbody/tr')
    field, said = (" ".join(td.text_content().split()) for td in row.xpath("./td")[1:3])
    assert field == "（记录标识）" and "第 2 行" in said and "第 3 行" in said, (field, said)


def test_the_public_network_page_says_withdrawals_wait_for_confirmation(app, pushed):
    """The held snapshot showed on the public page as an ordinary successful push ("#101 推送 成功 … 5 0
    0 5 0 0"), with no word that the network's listing lacked most of its instruments."""
    public = app.test_client()
    page = doc(public, "/networks/440000?lang=zh")
    (note,) = page.xpath('//*[@id="held-withdrawals"]')
    assert "等待国家中心确认" in note.text_content() and re.search(r"\d+ 台", note.text_content())
    assert not doc(public, "/networks/370000?lang=zh").xpath('//*[@id="held-withdrawals"]')
