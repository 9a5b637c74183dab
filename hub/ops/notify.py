"""Notifiers: how an alert reaches a person. A registry by name, chosen in settings.

    operations:
      notifier: {kind: log}                                  # built in: the log (default)
      notifier: {kind: webhook, url: https://…, timeout: 5}  # built in: POST the alert as JSON

A deployment adds its own (mail, a chat bot, a pager) by registering a class under a new name before
the scheduler starts:

    from hub.ops.notify import Notifier, register

    @register("pager")
    class Pager(Notifier):
        options = {"number": str}
        def send(self, alert: dict) -> str: ...   # return a short delivery note; raise on failure

Every alert is written to the log as well, whatever the notifier: the log is the record of last resort.
"""

from __future__ import annotations

import json
import logging
from typing import Callable

import requests

log = logging.getLogger("hub.alerts")

NOTIFIERS: dict[str, type["Notifier"]] = {}


def register(name: str) -> Callable:
    def wrap(cls):
        if name in NOTIFIERS:
            raise ValueError(f"notifier {name!r} registered twice")
        cls.kind = name
        NOTIFIERS[name] = cls
        return cls

    return wrap


class Notifier:
    """Sends one alert (a dict: id, network, kind, state opened|closed, opened_at, closed_at, message)."""

    kind = ""
    #: option name → type; `required` lists the ones that must be given.
    options: dict[str, type | tuple[type, ...]] = {}
    required: tuple[str, ...] = ()

    def __init__(self, **options):
        self.config = options

    def send(self, alert: dict) -> str:
        raise NotImplementedError


@register("log")
class LogNotifier(Notifier):
    """Writes the alert to the `hub.alerts` log at WARNING (opened) or INFO (closed)."""

    def send(self, alert: dict) -> str:
        # The alert itself is logged by `deliver`; this notifier adds nothing else.
        return "logged"


@register("webhook")
class WebhookNotifier(Notifier):
    """POSTs the alert as JSON to `url` (with optional `headers`) within `timeout` seconds."""

    options = {"url": str, "timeout": (int, float), "headers": dict}
    required = ("url",)

    def send(self, alert: dict) -> str:
        response = requests.post(
            self.config["url"],
            data=json.dumps(alert, ensure_ascii=False, default=str).encode("utf-8"),
            headers={"Content-Type": "application/json; charset=utf-8", **self.config.get("headers", {})},
            timeout=float(self.config.get("timeout", 5)),
        )
        response.raise_for_status()
        return f"webhook {response.status_code}"


def check_notifier(spec: dict) -> str | None:
    """The problem with a `notifier:` setting, or None (used by the settings loader)."""
    kind = spec.get("kind")
    if kind not in NOTIFIERS:
        return f"unknown notifier kind {kind!r}, expected one of {sorted(NOTIFIERS)}"
    cls = NOTIFIERS[kind]
    given = {k: v for k, v in spec.items() if k != "kind"}
    for name in given:
        if name not in cls.options:
            return f"notifier {kind!r} has no option {name!r} (options: {sorted(cls.options) or 'none'})"
        if not isinstance(given[name], cls.options[name]):
            return f"notifier {kind!r} option {name!r}: expected {_type_name(cls.options[name])}, got {given[name]!r}"
    missing = [r for r in cls.required if r not in given]
    if missing:
        return f"notifier {kind!r} needs option {missing[0]!r}"
    return None


def _type_name(t) -> str:
    return " or ".join(x.__name__ for x in t) if isinstance(t, tuple) else t.__name__


def make_notifier(spec: dict) -> Notifier:
    problem = check_notifier(spec)
    if problem:
        raise ValueError(problem)
    return NOTIFIERS[spec["kind"]](**{k: v for k, v in spec.items() if k != "kind"})


def deliver(notifier: Notifier, alert: dict) -> str:
    """Log the alert, then hand it to the notifier; a failing notifier is logged, never raised."""
    level = logging.WARNING if alert.get("state") == "opened" else logging.INFO
    log.log(level, "alert %s %s for network %s: %s", alert.get("kind"), alert.get("state"), alert.get("network"), alert.get("message"))
    try:
        return notifier.send(alert)
    except Exception as exc:  # a broken webhook must not stop the scheduler; the log has the alert
        log.error("notifier %s could not deliver alert %s: %s", notifier.kind, alert.get("id"), exc)
        return f"{notifier.kind} failed: {exc}"
