"""One exception root for the hub; errors carry their context (network, record, field).

Errors are data: a bad record becomes a `RecordError` row and the run carries on; a failed transport
becomes a `ConnectorError` that ends the listing (and so forbids withdrawals, design rule 1).
"""


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
