"""Operations tests run the real scheduler, probes and connectors against the real simulator."""

from __future__ import annotations

import dataclasses

import pytest

from tests.conftest import REFERENCE_NETWORKS as NETWORKS
from tests.conftest import fail_fast_settings


@pytest.fixture
def sim_scale():
    return 0.05


@pytest.fixture
def settings():
    s = fail_fast_settings(max_retries=1)
    return dataclasses.replace(s, operations=dict(s.operations, probe_timeout_seconds=5))


def pulled(registry, codes=NETWORKS):
    return [registry.get(c) for c in codes]
