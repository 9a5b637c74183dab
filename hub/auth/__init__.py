"""Accounts and tokens (roles admin / publisher / evaluator), the audit log, and `require()` for views.

* `hub.auth.tokens` — create (shown once, stored as a hash), authenticate, list, revoke;
* `hub.auth.web` — `require(role, network=…)`, `current_principal()` for Flask views;
* `hub.auth.audit` — `record(...)` inside the writing transaction, `entries(...)` to read.
"""
