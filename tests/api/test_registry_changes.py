"""A registry change — a network registered or renamed (hub.store.networks.sync_networks) — changes no
document, so it moves no index version: the kept answers that show the networks' names must follow it
anyway (the network facet, the statistics page's table by network)."""

from __future__ import annotations

from sqlalchemy import insert, update

from hub.store.models import Network
from hub.web import create_app
from tests.factories import make_corpus

NETWORKS = Network.__table__
RENAMED = "山东省科学仪器共享平台（新）"


def _rename(store, code: str, **values) -> None:
    with store.write() as conn:
        conn.execute(update(NETWORKS).where(NETWORKS.c.code == code).values(**values))


def test_a_renamed_network_is_labelled_by_its_new_name_in_every_answer_asked_before(store, tmp_path):
    make_corpus(store)
    client = create_app({"STORE": store, "TESTING": True, "ANSWERS_DIR": str(tmp_path / "answers")}).test_client()
    asked = ({}, {"q": "色谱"}, {"sharing": "external", "certified": "true"}, {"network": "370000"})
    for ask in asked:
        client.get("/api/v1/instruments", query_string=ask)
        client.get("/api/v1/instruments", query_string=ask)  # kept
    _rename(store, "370000", name=RENAMED)
    for ask in asked:
        answer = client.get("/api/v1/instruments", query_string=ask)
        labels = {f["value"]: f["label"] for f in answer.json["facets"]["network"]}
        assert labels["370000"] == RENAMED, ask
        assert {i["labels"]["network"] for i in answer.json["items"] if i["network"] == "370000"} <= {RENAMED}
        # and what is kept under the new state is the new name: revalidating it confirms that
        again = client.get("/api/v1/instruments", query_string=ask, headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
        assert {f["value"]: f["label"] for f in client.get("/api/v1/instruments", query_string=ask).json["facets"]["network"]} == labels


def test_the_statistics_page_lists_a_network_registered_later_and_a_province_spelt_anew(store):
    make_corpus(store)
    client = create_app({"STORE": store, "TESTING": True}).test_client()
    before = client.get("/stats?lang=zh").get_data(as_text=True)
    assert "广东省" not in before and "河北省" in before
    with store.write() as conn:
        conn.execute(insert(NETWORKS).values(code="440000", name="广东省大型科学仪器共享平台", province="广东省", family="json-api"))
    _rename(store, "130000", province="河北")
    after = client.get("/stats?lang=zh").get_data(as_text=True)
    assert "广东省" in after  # listed with no instrument yet
    assert "河北省" not in after and "河北" in after
