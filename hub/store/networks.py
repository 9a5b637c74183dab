"""Keeps the `networks` table in step with the registry (conf/networks.yaml)."""

from __future__ import annotations

from hub.store.models import Network
from hub.store.bulk import upsert


def sync_networks(store, registry) -> None:
    rows = [dict(code=n.code, name=n.name, province=n.province, family=n.family) for n in registry]
    with store.write() as conn:
        upsert(conn, Network.__table__, rows, ("code",))
