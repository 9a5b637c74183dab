"""Upgrading indexes the instruments already in the store (0002 made the index, 0006 fills it)."""

from tests.factories import ensure_networks, instrument_defaults
from sqlalchemy import insert

from hub.search import search
from hub.store.migrate import upgrade
from hub.store.models import Instrument


def test_upgrade_indexes_existing_rows(tmp_path):
    from tests.conftest import make_store

    store, cleanup = make_store("sqlite", tmp_path)
    try:
        upgrade(store, "0001")
        rows = []
        for n, (name, model) in enumerate(
            [("场发射扫描电子显微镜", "SU8010"), ("高效液相色谱仪", "1260"), ("核磁共振波谱仪", "AVANCE III")]
        ):
            row = instrument_defaults(900 + n)
            row.update(name=name, model=model, id=f"370000:M{n}", source_id=f"M{n}", content_hash="x" * 64, owner_id=None)
            rows.append(row)
        rows[2]["withdrawn_at"] = rows[2]["last_seen"]
        with store.write() as conn:
            ensure_networks(conn, ["370000"])
            conn.execute(insert(Instrument), rows)
        upgrade(store)
        with store.read() as conn:
            assert [i["id"] for i in search(conn, {"q": "电镜"}).items] == ["370000:M0"]
            assert search(conn, {"q": "SU8010"}).total == 1
            assert search(conn, {"q": "核磁"}).total == 0  # withdrawn before the upgrade: not indexed
            assert search(conn, {}).total == 2
    finally:
        cleanup()
