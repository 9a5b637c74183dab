"""A simulator for the whole module: start once, clear faults after each test.

Copy this fixture to use the simulator elsewhere:

    @pytest.fixture(scope="module")
    def sim():
        with SimulatorServer(networks=["370000", "420000", "130000"], port=0) as server:
            yield server
"""

import pytest

from hub.simulate import SimulatorServer


@pytest.fixture(scope="module")
def sim():
    with SimulatorServer(networks=["370000", "420000", "130000"], scale=1.0, port=0) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_faults(request):
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").clear_faults()
