"""The feed's app and tokens (tests/feed/conftest.py), for the corpus pushed through the API; `client`
comes from tests/conftest.py."""

from tests.feed.conftest import app, feed_settings, registry, tokens  # noqa: F401  (fixtures)
