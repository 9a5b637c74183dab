"""docs/push.md names every command, option, endpoint, mode and limit the feed offers."""

import re
from pathlib import Path

import pytest

from hub.auth.tokens import ROLES
from hub.cli.push_cmd import push
from hub.cli.token_cmd import token
from hub.feed.batches import KINDS, MODES, FeedLimits
from hub.web.feed import bp

DOC = (Path(__file__).parents[2] / "docs" / "push.md").read_text(encoding="utf-8")


def _names():
    yield from ROLES
    yield from MODES
    yield from KINDS
    yield from FeedLimits.__dataclass_fields__
    yield from ("FEED_LIMITS", "FEED_WORKER")
    for command in token.commands.values():
        yield f"hub token {command.name}"
        yield from (opt for p in command.params for opt in getattr(p, "opts", []) if opt.startswith("--"))
    yield from (opt for p in push.params for opt in getattr(p, "opts", []) + getattr(p, "secondary_opts", []) if opt.startswith("--"))


@pytest.mark.parametrize("name", sorted(set(_names())))
def test_documented(name):
    assert name in DOC


def test_every_endpoint_is_documented():
    from flask import Flask

    app = Flask("doc")
    app.register_blueprint(bp)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("feed."):
            rule_text = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)  # converters left out: <string:code> is <code>
            path = rule_text.replace("<code>", "{code}").replace("<batch_id>", "{id}").replace("<hold_id>", "{id}")
            path = path.replace("/<decision>", "/confirm")
            assert path.split("?")[0] in DOC, path
