"""The connector tests' fixtures, defined once beside the conformance suite that uses them."""

from tests.connectors.conformance import make_http, rsps, sleeps  # noqa: F401  (fixtures for every test here)
