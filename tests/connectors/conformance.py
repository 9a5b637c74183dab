"""What every pull connector must do, whatever its family: a shared suite to inherit.

A family's test module subclasses `ConnectorConformance`, sets `family`, and implements the hooks
below with its own wire format. Each hook registers answers on `rsps` (a `responses.RequestsMock`)
for a small network whose instruments are named by id; the suite then checks the contract of
`connectors/base.py` the same way for every family:

* a full listing yields every id once, as a lazy stream;
* an incremental listing yields the changes and the explicit deletions (incremental families);
* a listing that breaks half-way raises `ConnectorError` *after* yielding the earlier records;
* bytes in the network's odd encoding come out as the right Chinese text;
* service statistics come out per instrument; `probe()` succeeds or raises `ConnectorError`;
* unknown option keys are refused at load with the key named.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import requests
import responses

from hub import PROJECT_ROOT  # noqa: F401 (re-exported to the family tests)


from connectors import connector_class  # noqa: E402  (after the path fix above)
from connectors.base import RawRecord, ServiceRow  # noqa: E402
from hub.config import NetworkConfig  # noqa: E402
from hub.errors import ConfigError, ConnectorError  # noqa: E402
from hub.http import HttpClient  # noqa: E402
from hub.telemetry import Telemetry  # noqa: E402

HTTP = {
    "connect_timeout": 2.0,
    "read_timeout": 5.0,
    "max_retries": 3,
    "max_retry_after": 120.0,
    "backoff": 0.5,
    "max_body_bytes": 8 * 1024 * 1024,
    "user_agent": "hub-tests",
}


@pytest.fixture
def sleeps():
    """Every wait HttpClient would have made, in seconds (retries, Retry-After)."""
    return []


@pytest.fixture
def make_http(sleeps):
    def make(code: str, **settings):
        return HttpClient(code, {**HTTP, **settings}, Telemetry(), sleep=sleeps.append)

    return make


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


#: Ids of the small network every hook serves (enough for more than one page where pages exist).
IDS = [f"T-{n:04d}" for n in range(1, 46)]
#: A name in each record whose bytes differ between UTF-8, GBK and GB18030.
NAME = "气相色谱质谱联用仪"


class ConnectorConformance:
    family: str = ""

    # ---------------------------------------------------------------- hooks, per family

    def connector(self, make_http, **options):
        """A connector of this family for the hooks' network, with `options` added."""
        raise NotImplementedError

    def serve_full(self, rsps, ids: list[str]) -> None:
        """A full listing of `ids` (each named `NAME + id`)."""
        raise NotImplementedError

    def serve_changes(self, rsps, changed: list[str], deleted: list[str]) -> None:
        """An incremental listing: `changed` instruments and explicit deletions of `deleted`."""
        raise NotImplementedError

    def serve_broken(self, rsps, ids: list[str]) -> int:
        """A full listing of `ids` that breaks part-way; return how many records come before it."""
        raise NotImplementedError

    def serve_odd_bytes(self, rsps, ids: list[str]) -> None:
        """A full listing in the family's non-UTF-8 encoding (GB18030 XML, GBK HTML, …)."""
        raise NotImplementedError

    def serve_stats(self, rsps, year: int, hours: dict[str, int]) -> None:
        """Service statistics of `year`: instrument id → hours of use."""
        raise NotImplementedError

    def hours_of(self, row: ServiceRow) -> float:
        """The hours of use in a ServiceRow payload, in this family's keys."""
        raise NotImplementedError

    def name_of(self, record: RawRecord) -> str:
        """The instrument name in a payload, in this family's keys."""
        raise NotImplementedError

    def serve_unreachable(self, rsps) -> None:
        """Every request fails at the transport level."""
        for method in ("GET", "POST"):
            rsps.add_callback(method, re.compile(".*"), callback=_raise(requests.ConnectionError("refused")))

    def build(self, make_http, code, base_url, credentials=None, **options):
        """Helper for `connector`: validate options as the registry would, then construct."""
        config = network(code, self.family, base_url, credentials, **options)
        cls = connector_class(self.family)
        cls.validate_options(config, "conf/networks.yaml", f"networks ({code})")
        return cls(config, make_http(code))

    # ---------------------------------------------------------------- the suite

    def test_registered_under_its_family(self):
        cls = connector_class(self.family)
        assert cls.family == self.family
        assert cls.options_schema is not None

    def test_unknown_option_is_refused_with_its_key(self, make_http):
        with pytest.raises(ConfigError) as exc:
            self.connector(make_http, no_such_option=1)
        assert "no_such_option" in str(exc.value)

    def test_full_listing_yields_every_id_once(self, rsps, make_http):
        self.serve_full(rsps, IDS)
        records = list(self.connector(make_http).list_records(None))
        assert [r.source_id for r in records] == IDS
        assert all(not r.deleted and r.problem is None for r in records)
        assert {self.name_of(r) for r in records} == {NAME + i for i in IDS}

    def test_listing_is_lazy(self, rsps, make_http):
        self.serve_full(rsps, IDS)
        stream = self.connector(make_http).list_records(None)
        assert len(rsps.calls) == 0
        first = next(stream)
        assert first.source_id == IDS[0]
        stream.close()

    def test_incremental_listing_yields_changes_and_deletions(self, rsps, make_http):
        connector = self.connector(make_http)
        if not connector.supports_incremental:
            pytest.skip(f"{self.family} has no incremental listing")
        self.serve_changes(rsps, IDS[:3], IDS[-2:])
        records = list(connector.list_records(datetime(2013, 10, 1, tzinfo=timezone.utc)))
        assert [(r.source_id, r.deleted) for r in records] == [(i, False) for i in IDS[:3]] + [(i, True) for i in IDS[-2:]]

    def test_broken_listing_raises_after_the_records_before_the_break(self, rsps, make_http):
        good = self.serve_broken(rsps, IDS)
        seen = []
        with pytest.raises(ConnectorError) as exc:
            for record in self.connector(make_http).list_records(None):
                seen.append(record.source_id)
        assert seen == IDS[:good]
        assert exc.value.network and exc.value.kind

    def test_odd_encoding_gives_the_right_chinese(self, rsps, make_http):
        self.serve_odd_bytes(rsps, IDS[:5])
        records = list(self.connector(make_http).list_records(None))
        assert [self.name_of(r) for r in records] == [NAME + i for i in IDS[:5]]

    def test_service_stats_per_instrument(self, rsps, make_http):
        hours = {IDS[0]: 1630, IDS[1]: 12}
        self.serve_stats(rsps, 2012, hours)
        rows = list(self.connector(make_http).service_stats(2012))
        assert {r.source_id: self.hours_of(r) for r in rows} == hours
        assert {r.year for r in rows} == {2012}

    def test_probe_succeeds_with_one_request(self, rsps, make_http):
        self.serve_full(rsps, IDS)
        assert self.connector(make_http).probe() is None
        assert len(rsps.calls) == 1

    def test_probe_of_an_unreachable_network_raises(self, rsps, make_http):
        self.serve_unreachable(rsps)
        with pytest.raises(ConnectorError) as exc:
            self.connector(make_http).probe()
        assert exc.value.kind == "connection"


def network(code: str, family: str, base_url: str, credentials=None, **options) -> NetworkConfig:
    return NetworkConfig(
        code=code,
        name=f"network {code}",
        province="省",
        family=family,
        mapping=f"{code}.yaml",
        base_url=base_url,
        credentials=credentials or {},
        options=options,
    )


def _raise(exc):
    def callback(request):
        raise exc

    return callback
