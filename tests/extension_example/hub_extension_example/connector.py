"""The `example-ndjson` family: one newline-delimited JSON export at `<base_url>/instruments.ndjson`.

Each line is one instrument object with an `id`; `"deleted": true` marks a deletion. The body is read
as a stream through the hub's HTTP client, so timeouts, retries and the size cap apply.
"""

from __future__ import annotations

import json
from typing import Iterator

from connectors import Connector, RawRecord, register
from hub.errors import ConnectorError


@register("example-ndjson")
class NdjsonConnector(Connector):
    def list_records(self, since=None) -> Iterator[RawRecord]:
        response = self.http.get(f"{self.network.base_url}/instruments.ndjson")
        body = self.http.stream(response)
        pending = b""
        try:
            while chunk := body.read(64 * 1024):
                pending += chunk
                *lines, pending = pending.split(b"\n")
                yield from filter(None, map(self._record, lines))
            yield from filter(None, [self._record(pending)])
        finally:
            body.close()

    def _record(self, line: bytes) -> RawRecord | None:
        if not line.strip():
            return None
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise ConnectorError(self.network.code, f"not a JSON line: {exc}", "malformed") from exc
        return RawRecord(str(obj.get("id")), obj, deleted=bool(obj.get("deleted")))

    def service_stats(self, year: int):
        return iter(())

    def probe(self) -> None:
        self.http.get(f"{self.network.base_url}/instruments.ndjson").close()
