"""Mapping: a network's raw records → the common schema, driven by `mappings/<code>.yaml`.

Public API::

    mapping = Mapping.load(path)          # ConfigError(file, key, expected) on any mistake
    mapped = mapping.map_record(raw)      # MappedRecord(record, warnings) or RecordError
    stats = mapping.map_service(row)      # dict valid under ServiceStatsSchema, or RecordError
    mapping.digest                        # changes when the file, a code table or the engine change

Transforms are registered in `hub.mapping.registry` (`TRANSFORMS`); the built-ins live in
`hub.mapping.transforms`. docs/mapping.md documents the file format and every transform.
"""

from hub.mapping.engine import MappedRecord, Mapping, MappingRecordError

__all__ = ["Mapping", "MappedRecord", "MappingRecordError"]
