"""Property-based tests of the whole JSON API against its own OpenAPI document (schemathesis), on SQLite
and PostgreSQL, anonymous and with a token of each role.

Each generated request is sent four times — with no token, an admin's, a publisher's and an
evaluator's — and every answer must: not be a 5xx, carry a status the document names for that
operation, have a content type it names, and match its schema. Bounded so the suite stays quick on two
cores: a few examples per operation, no coverage phase, no deadline (a shared machine's pauses are not
failures). The app runs with TESTING off, so an unexpected exception would be a real 500.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from hub.auth.tokens import create_token
from hub.config import Registry
from hub.store.migrate import upgrade
from hub.store.networks import sync_networks
from hub.web import create_app
from tests.conftest import BACKENDS, make_store
from tests.factories import make_instruments
from tests.hostile.corpus import LEAK_MARKERS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 4
CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "generation": {"max-examples": EXAMPLES},
    }
)


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory):
    """A catalogue of a few instruments, tokens of every role, and the app, per backend."""
    tmp = tmp_path_factory.mktemp("properties")
    store, cleanup = make_store(request.param, tmp)
    upgrade(store)
    registry = Registry.load()
    sync_networks(store, registry)
    make_instruments(store, 5)
    (tmp / "frameworks").mkdir()
    app = create_app(
        {
            "STORE": store,
            "TESTING": False,
            "SECRET_KEY": "hostile-tests-key",
            "REGISTRY": registry,
            "FEED_WORKER": False,
            # no framework to run: an evaluation POST is answered (422) without seconds of Monte Carlo
            "EVALUATION_FRAMEWORKS": str(tmp / "frameworks"),
        }
    )
    tokens = {
        "anonymous": None,
        "admin": create_token(store, "admin")[1],
        "publisher": create_token(store, "publisher", "440000")[1],
        "evaluator": create_token(store, "evaluator")[1],
    }
    yield app, tokens
    cleanup()


@pytest.fixture(scope="module")
def api_schema(served):
    app, _ = served
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)


def operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()  # raises when the document has an operation schemathesis cannot read


# schemathesis's pytest loader (schema.parametrize / from_fixture) does not run under pytest 9 in the
# installed version (it reads request.node._nodeid); its Python API does the same generation: each
# operation's strategy, driven by hypothesis, valid inputs and invalid ones.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_api_keeps_its_document(api_schema, served, mode):
    _, tokens = served
    seen, negative_less = [], []
    for operation in operations(api_schema):
        seen.append(operation.label)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def exercise(case):
            for role, token in tokens.items():
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                text = response.content.decode("utf-8", "replace")  # an XLSX export is binary
                leaks = [m for m in LEAK_MARKERS if m in text]
                assert not leaks, f"{role}: {case.method} {case.formatted_path} leaks {leaks}"

        try:
            exercise()
        except Unsatisfiable:
            # an operation without parameters or body has no invalid request to make
            assert mode == GenerationMode.NEGATIVE, operation.label
            negative_less.append(operation.label)
    assert len(seen) >= 20, seen
    assert len(negative_less) < len(seen) / 2, f"too few operations took invalid input: {negative_less}"
