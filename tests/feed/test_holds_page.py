"""The withdrawal holds on the operator's /admin pages, as the national centre's operator meets them
in a browser: the waiting ones to decide, and the ones decided since — confirmed or rejected by whom,
or superseded by which newer listing — instead of a hold seen this morning silently gone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from lxml import html as lhtml
from sqlalchemy import insert

from hub.auth.tokens import create_token
from hub.feed import samples
from hub.feed.holds import HOLDS
from tests.feed.conftest import auth


@pytest.fixture
def operator(store):
    """An admin token with a label, as `hub token create --role admin --label …` makes: (id, token)."""
    info, token = create_token(store, "admin", label="国家中心值班员")
    return info.id, token


def sign_in(client, token) -> str | None:
    """Sign the test client in as a browser does; return the csrf field of the page's forms, if any."""
    assert client.post("/admin/login", data={"token": token}).status_code == 303
    found = re.search(r'name="csrf" value="([0-9a-f]{32})"', client.get("/admin").get_data(as_text=True))
    return found.group(1) if found else None


def page(client, path):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return lhtml.fromstring(r.get_data(as_text=True))


def decided_rows(doc) -> dict[int, dict]:
    """The decided-holds table: hold id → its cells by column, as text, and its links."""
    heads = [th.text_content().strip() for th in doc.xpath('//table[@id="decided-holds"]/thead//th')]
    rows = {}
    for tr in doc.xpath('//table[@id="decided-holds"]/tbody/tr'):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("./td|./th")]
        # The hold's number links its own page (the instruments it names); `links` are the others.
        hold, hrefs = int(tr.get("data-decided-hold")), [a.get("href") for a in tr.xpath(".//a")]
        own = [h for h in hrefs if h.endswith(f"/holds/{hold}")]
        rows[hold] = dict(zip(heads, cells), links=[h for h in hrefs if h not in own], page=own)
    return rows


def test_superseded_and_decided_holds_stay_on_the_admin_page_with_who_and_when(push, client, operator):
    """440000 sent the same short snapshot twice: the first hold was superseded by the second batch,
    and the operator rejected the second. /admin listed only holds still waiting, so both vanished
    from the page and nobody could see there who had decided what."""
    push("440000", samples.guangdong_csv(10))
    first = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    second = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()
    old, new = first["withdrawal"]["hold"], second["withdrawal"]["hold"]
    assert second["withdrawal"]["superseded"] == [old], second["withdrawal"]

    csrf = sign_in(client, operator[1])
    assert client.post(f"/admin/holds/{new}/reject", data={"csrf": csrf}).status_code == 303

    doc = page(client, "/admin?lang=en")
    assert doc.xpath('//*[@id="holds"]')[0].text_content().strip() == "No withdrawals held."
    rows = decided_rows(doc)
    assert list(rows) == [new, old], "newest decision first"
    rejected, superseded = rows[new], rows[old]
    assert (rejected["Code"], rejected["Absent"], rejected["Listed"], rejected["Active before"]) == ("440000", "5", "5", "10"), rejected
    assert rejected["State"] == "rejected" and rejected["Decided by"] == f"国家中心值班员 ({operator[0]})", rejected
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d ", rejected["Decided at"]), rejected
    assert superseded["State"] == f"superseded by batch {second['id']}" and superseded["Decided by"] == "–", superseded

    # The batch that superseded it is linked where the admin pages show batches: its run on the network page.
    (link,) = superseded["links"]
    path, _, anchor = link.partition("#")
    assert path == "/admin/networks/440000" and anchor.startswith("run-"), link
    run = page(client, path + "?lang=en").xpath(f'//*[@id="{anchor}"]')
    assert run and second["id"] in run[0].text_content(), f"{link} lands on no run naming batch {second['id']}"

    zh = decided_rows(page(client, "/admin?lang=zh"))
    assert zh[new]["状态"] == "已驳回" and zh[old]["状态"] == f"已被批次 {second['id']} 取代", zh


def test_a_confirmed_hold_and_one_a_harvest_superseded_say_so(push, client, operator, store):
    push("440000", samples.guangdong_csv(10))
    held = push("440000", samples.guangdong_csv(5), mode="snapshot").get_json()["withdrawal"]["hold"]
    with store.write() as conn:
        # What hub.harvest.guard writes when a harvested network's full listing (job 7) closes a hold
        # (holds superseded before migration 0020 had only the text; it filled in the column).
        by_harvest = conn.execute(
            insert(HOLDS)
            .values(
                network="370000",
                job_id=6,
                created_at=datetime.now(timezone.utc) - timedelta(days=1),
                listed=40,
                active_before=100,
                instrument_ids=[f"370000:{i}" for i in range(60)],
                state="superseded",
                decided_by="harvest job 7",
                superseded_by_job=7,
                decided_at=datetime.now(timezone.utc) - timedelta(hours=1),
            )
            .returning(HOLDS.c.id)
        ).scalar_one()
    csrf = sign_in(client, operator[1])
    assert client.post(f"/admin/holds/{held}/confirm", data={"csrf": csrf}).status_code == 303

    rows = decided_rows(page(client, "/admin?lang=en"))
    assert list(rows) == [held, by_harvest]
    assert rows[held]["State"] == "confirmed" and rows[held]["Decided by"] == f"国家中心值班员 ({operator[0]})", rows[held]
    assert rows[by_harvest]["State"] == "superseded by harvest job 7" and rows[by_harvest]["Absent"] == "60", rows[by_harvest]
    assert rows[by_harvest]["links"] == ["/admin/networks/370000#run-7"], rows[by_harvest]
    zh = decided_rows(page(client, "/admin?lang=zh"))
    assert zh[held]["状态"] == "已确认撤下" and zh[by_harvest]["状态"] == "已被采集任务 7 取代", zh


def test_the_admin_page_shows_the_last_twenty_decisions_and_a_paged_page_has_them_all(client, store, operator, tokens):
    at = datetime.now(timezone.utc) - timedelta(days=2)
    with store.write() as conn:
        ids = [
            conn.execute(
                insert(HOLDS)
                .values(
                    network="440000",
                    job_id=None,
                    created_at=at,
                    listed=1,
                    active_before=10,
                    instrument_ids=["440000:GD1"],
                    state="rejected",
                    decided_by=operator[0],
                    decided_at=at + timedelta(minutes=i),
                )
                .returning(HOLDS.c.id)
            ).scalar_one()
            for i in range(25)
        ]
    newest_first = ids[::-1]
    sign_in(client, operator[1])
    doc = page(client, "/admin?lang=en")
    assert list(decided_rows(doc)) == newest_first[:20]
    (more,) = doc.xpath('//a[@id="all-decided-holds"]')
    assert more.get("href") == "/admin/holds" and "25" in more.text_content(), lhtml.tostring(more)

    first = page(client, "/admin/holds?lang=en")
    assert list(decided_rows(first)) == newest_first[:20] and "Page 1 of 2" in first.text_content()
    (following,) = first.xpath('//a[@rel="next"]')
    assert list(decided_rows(page(client, following.get("href")))) == newest_first[20:]
    assert client.get("/admin/holds?page=0").status_code == 400
    # An old link past the end says so and leads to the last page, rather than "no hold decided yet".
    beyond = page(client, "/admin/holds?page=9&lang=en")
    assert not decided_rows(beyond) and "No hold decided" not in beyond.text_content()
    (notice,) = beyond.xpath('//p[@id="beyond-end"]')
    assert "Page 9 is past the last page, 2." in notice.text_content(), lhtml.tostring(notice)
    assert notice.xpath(".//a/@href") == ["/admin/holds?page=2"]


def test_the_holds_page_is_an_admins_alone(client, tokens):
    r = client.get("/admin/holds")
    assert r.status_code == 401 and 'action="/admin/login?next=/admin/holds"' in r.get_data(as_text=True)
    assert client.get("/admin/holds", headers=auth(tokens["gd"])).status_code == 403
    assert client.get("/admin/holds", headers=auth(tokens["admin"])).status_code == 200
