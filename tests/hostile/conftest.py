"""The feed's app, client and tokens (tests/feed/conftest.py), for the corpus pushed through the API."""

from tests.feed.conftest import app, client, feed_settings, registry, tokens  # noqa: F401  (fixtures)
