"""One exception root for the hub; errors carry their context (network, record, field).

Errors are data: a bad record becomes a `RecordError` row and the run carries on; a failed transport
becomes a `ConnectorError` that ends the listing (and so forbids withdrawals, design rule 1).
"""

from __future__ import annotations

from marshmallow import ValidationError


class HubError(Exception):
    """Root of every error the hub raises on purpose."""

    def __reduce__(self):
        # Subclasses take their context as arguments but pass one message up, so the default pickling
        # (call the class with `self.args`) fails in the receiving process; a worker's error would
        # then break the whole process pool. Rebuild from the message and the attributes instead.
        return _rebuild, (type(self), self.args, self.__dict__)


def _rebuild(cls, args, state):
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigError(HubError):
    """A configuration, registry, mapping or framework file is wrong. Raised at load time."""

    def __init__(self, source, key, problem):
        self.source, self.key, self.problem = str(source), key, problem
        where = f"{self.source}: {key}" if key else self.source
        super().__init__(f"{where}: {problem}")


class ConnectorError(HubError):
    """A network could not be read completely: transport failure, protocol error, broken body.

    `kind` is a short machine-readable reason (`http_500`, `timeout`, `truncated`, `auth`, …) used in
    job telemetry and shown to operators.
    """

    def __init__(self, network, message, kind="error"):
        self.network, self.kind = network, kind
        super().__init__(f"network {network}: {message}")


class TransformError(HubError):
    """A value could not be transformed. The mapping engine adds the network, record and field."""


class RecordError(HubError):
    """A single record is unusable; it is recorded and skipped, never stopping the run."""

    def __init__(self, network, source_id, field, message):
        self.network, self.source_id, self.field, self.message = network, source_id, field, message
        super().__init__(f"network {network}, record {source_id}, field {field}: {message}")


def validation_error(path, exc: ValidationError) -> ConfigError:
    """Turn marshmallow's nested message dict into one ConfigError naming the first bad key."""

    def first(messages, prefix=""):
        if isinstance(messages, dict):
            for k, v in messages.items():
                return first(v, f"{prefix}.{k}" if prefix else str(k))
        if isinstance(messages, list) and messages and isinstance(messages[0], (dict, list)):
            return first(messages[0], prefix)
        text = "; ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
        return prefix, text

    key, text = first(exc.messages)
    return ConfigError(path, key, text)
