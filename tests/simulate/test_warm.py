"""`hub simulate --warm` builds every record before serving: the same pages as a cold simulator,
edits included, only without generating while a client reads (tests/bench/bench_harvest.py)."""

from __future__ import annotations

import requests

from hub.simulate import SimulatorServer
from hub.simulate.families.sdyq_xml import PASSWORD, USER

NETWORKS = ["370000", "420000", "130000"]


def _pages(server) -> dict[str, bytes]:
    """The sdyq-xml export and the first two list pages of the HTML site, as a client gets them."""
    export = requests.get(f"{server.base_url('370000')}/exchange/instruments.xml", auth=(USER, PASSWORD), timeout=30)
    pages = {"export": export.content}
    for page in (1, 2):
        r = requests.get(f"{server.base_url('130000')}/yiqi/list.jsp", params={"page": page}, timeout=30)
        pages[f"list {page}"] = r.content
    assert all(pages.values())
    return pages


def test_a_warm_simulator_serves_what_a_cold_one_serves_edits_included():
    cold_server = SimulatorServer(networks=NETWORKS, scale=0.2, port=0)
    warm_server = SimulatorServer(networks=NETWORKS, scale=0.2, port=0, warm=True)
    with cold_server as cold, warm_server as warm:
        for code in NETWORKS:
            state = warm.state(code)
            assert len(state._built) == state.total  # built before the first request
            assert [state.record(i) for i in range(state.total)] == [cold.state(code).record(i) for i in range(state.total)]
        assert _pages(warm) == _pages(cold)

        # An edited record is generated again, not served as it was built.
        state = warm.state("370000")
        changed = warm.mutate("370000", update=5, delete=2, add=3)
        for i in changed["updated"] + changed["added"]:
            version, at = state.versions[i]
            assert state.record(i) == state.data.record(i, version, at)
        assert state.record(changed["updated"][0]) != state._built[changed["updated"][0]]
