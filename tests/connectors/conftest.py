"""Fixtures of the connector tests: an HttpClient that never really sleeps, and `responses`."""

from __future__ import annotations

import sys

import pytest
import responses

from hub.http import HttpClient
from hub import PROJECT_ROOT
from hub.telemetry import Telemetry

# pytest puts tests/ on sys.path (tests/conftest.py has no package), where this directory would
# shadow the real `connectors` package as a namespace package. Put the project first and forget a
# shadow already imported. (`pythonpath = ["."]` in the pytest settings makes this unnecessary.)
if sys.path[0] != str(PROJECT_ROOT):
    sys.path.insert(0, str(PROJECT_ROOT))
if getattr(sys.modules.get("connectors"), "__file__", "") is None:
    for name in [m for m in sys.modules if m == "connectors" or m.startswith("connectors.")]:
        del sys.modules[name]

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
