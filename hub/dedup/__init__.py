"""Duplicate resolution: one national record per physical instrument (docs/duplicates.md).

`features` turns a stored record into what is compared, `score` compares two, `resolve` clusters a
set of records (pure), `settings` loads `conf/dedup.yaml`, `store` keeps clusters and operators'
decisions in the database and re-resolves only what changed.
"""
