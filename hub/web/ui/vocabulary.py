"""The labels of coded values — a record's status, a job's state, a sort order, a refused filter —
as message ids written out one by one, so Babel's extraction sees every id a value can pick.

`label(kind, value)` is the one lookup; a value a table lacks has no label (the caller shows it as
sent). `tests/ui/test_ui_i18n.py` checks every national vocabulary value has one.
"""

from __future__ import annotations

from hub.schema import ABSENT_CONFIRMED, ABSENT_FROM_LISTING, ABSENT_FROM_SNAPSHOT, DELETED_AT_SOURCE
from hub.web.ui.i18n import N_

#: kind → value → message id.
VOCABULARIES: dict[str, dict[str, str]] = {
    "status": {
        "normal": N_("status.normal"),
        "standby": N_("status.standby"),
        "remote": N_("status.remote"),
        "occasional_fault": N_("status.occasional_fault"),
        "frequent_fault": N_("status.frequent_fault"),
        "awaiting_repair": N_("status.awaiting_repair"),
        "awaiting_retirement": N_("status.awaiting_retirement"),
        "retired": N_("status.retired"),
    },
    "sharing": {
        "external": N_("sharing.external"),
        "internal": N_("sharing.internal"),
        "none": N_("sharing.none"),
    },
    "acquisition": {
        "purchased": N_("acquisition.purchased"),
        "developed": N_("acquisition.developed"),
        "donated": N_("acquisition.donated"),
        "other": N_("acquisition.other"),
    },
    "owner_type": {
        "university": N_("owner_type.university"),
        "institute": N_("owner_type.institute"),
        "enterprise": N_("owner_type.enterprise"),
        "other": N_("owner_type.other"),
    },
    "owner_level": {
        "central": N_("owner_level.central"),
        "provincial": N_("owner_level.provincial"),
        "municipal": N_("owner_level.municipal"),
    },
    "certified": {
        "true": N_("certified.true"),
        "false": N_("certified.false"),
    },
    "job_kind": {
        "full": N_("job_kind.full"),
        "incremental": N_("job_kind.incremental"),
        "service": N_("job_kind.service"),
        "remap": N_("job_kind.remap"),
        "push": N_("job_kind.push"),
        "push_service": N_("job_kind.push_service"),
    },
    # How a network is collected: its connector family. A family an extension adds has no label
    # here and is shown by its code.
    "family": {
        "sdyq-xml": N_("family.sdyq-xml"),
        "hbkx-json": N_("family.hbkx-json"),
        "yqlm-html": N_("family.yqlm-html"),
        "oai-pmh": N_("family.oai-pmh"),
        "tabular": N_("family.tabular"),
        "push": N_("family.push"),
    },
    "job_state": {
        "running": N_("job_state.running"),
        "succeeded": N_("job_state.succeeded"),
        "partial": N_("job_state.partial"),
        "failed": N_("job_state.failed"),
        "crashed": N_("job_state.crashed"),
    },
    # A withdrawal hold's state; a superseded one names the listing that closed it (admin/_holds.html).
    # A pushed batch's state (docs/push.md "Batch report") and what its snapshot did about absences.
    # What a pushed batch carries and how it is applied (docs/push.md "Pushing a batch").
    "batch_kind": {
        "instruments": N_("batch_kind.instruments"),
        "service": N_("batch_kind.service"),
    },
    "batch_mode": {
        "upsert": N_("batch_mode.upsert"),
        "snapshot": N_("batch_mode.snapshot"),
        "delete": N_("batch_mode.delete"),
    },
    "batch_state": {
        "queued": N_("batch_state.queued"),
        "processing": N_("batch_state.processing"),
        "done": N_("batch_state.done"),
        "failed": N_("batch_state.failed"),
    },
    # A field of the common schema (hub.schema) as a reason names it ("missing required value (common
    # field owner.name)"): the instrument page's label for it.
    "common_field": {
        "name": N_("field.name"),
        "name_en": N_("field.name_en"),
        "category": N_("field.category"),
        "model": N_("field.model"),
        "manufacturer": N_("field.manufacturer"),
        "country": N_("field.country"),
        "original_value": N_("field.original_value"),
        "commissioned": N_("field.commissioned"),
        "address": N_("field.address"),
        "specs": N_("field.specs"),
        "functions": N_("field.functions"),
        "services": N_("field.services"),
        "booking_url": N_("field.booking_url"),
        "status": N_("field.status"),
        "sharing": N_("field.sharing"),
        "certifications": N_("field.certifications"),
        "subjects": N_("field.subjects"),
        "source_updated": N_("field.source_updated"),
        "source_id": N_("field.source_id"),
        "owner": N_("field.owner"),
        "owner.name": N_("field.owner"),
        "owner.credit_code": N_("field.owner_credit_code"),
        "owner.type": N_("field.owner_type"),
        "owner.level": N_("field.owner_level"),
        "region": N_("field.region"),
        "fee": N_("field.fee"),
        "contact.name": N_("field.contact_name"),
        "contact.phone": N_("field.contact_phone"),
        "contact.email": N_("field.contact_email"),
        "value_foreign": N_("field.value_foreign"),
    },
    # What a refusal names instead of a field of the province's (hub.harvest.writer): the whole record,
    # or its id.
    "record_part": {
        "(record)": N_("field.whole_record"),
        "(record id)": N_("field.record_id"),
    },
    "withdrawn_reason": {
        DELETED_AT_SOURCE: N_("withdrawn_reason.deleted_at_source"),
        ABSENT_FROM_LISTING: N_("withdrawn_reason.absent_from_listing"),
        ABSENT_FROM_SNAPSHOT: N_("withdrawn_reason.absent_from_snapshot"),
        ABSENT_CONFIRMED: N_("withdrawn_reason.absent_confirmed"),
    },
    "withdrawal_action": {
        "withdraw": N_("withdrawal_action.withdraw"),
        "hold": N_("withdrawal_action.hold"),
        "skip": N_("withdrawal_action.skip"),
        "none": N_("withdrawal_action.none"),
    },
    "hold_state": {
        "held": N_("hold_state.held"),
        "confirmed": N_("hold_state.confirmed"),
        "rejected": N_("hold_state.rejected"),
        "superseded": N_("hold_state.superseded"),
    },
    "admin_alert": {
        "failed_runs": N_("admin.alert.failed_runs"),
        "unreachable": N_("admin.alert.unreachable"),
    },
    "cluster_decision": {
        "confirm": N_("clusters.confirm"),
        "split": N_("clusters.split"),
        "detach": N_("clusters.detach"),
    },
    "cluster_order": {
        "newest": N_("clusters.newest"),
        "uncertain": N_("clusters.uncertain"),
    },
    "sort": {
        "relevance": N_("sort.relevance"),
        "value": N_("sort.value"),
        "-value": N_("sort.-value"),
        "commissioned": N_("sort.commissioned"),
        "-commissioned": N_("sort.-commissioned"),
        "updated": N_("sort.updated"),
    },
    "filter": {
        "network": N_("filter.network"),
        "city": N_("filter.city"),
        "category": N_("filter.category"),
        "owner_type": N_("filter.owner_type"),
        "owner_level": N_("filter.owner_level"),
        "status": N_("filter.status"),
        "sharing": N_("filter.sharing"),
        "certified": N_("filter.certified"),
        "min_value": N_("filter.min_value"),
        "max_value": N_("filter.max_value"),
        "include_retired": N_("filter.include_retired"),
    },
    "invalid": {
        "min_value": N_("invalid.min_value"),
        "max_value": N_("invalid.max_value"),
        "page": N_("invalid.page"),
        "q": N_("invalid.q"),
        "city": N_("invalid.city"),
        "category": N_("invalid.category"),
        "network": N_("invalid.network"),
        "status": N_("invalid.status"),
        "sharing": N_("invalid.sharing"),
        "owner_type": N_("invalid.owner_type"),
        "owner_level": N_("invalid.owner_level"),
        "sort": N_("invalid.sort"),
        "page_size": N_("invalid.page_size"),
        "certified": N_("invalid.certified"),
        "include_retired": N_("invalid.include_retired"),
        "all_sources": N_("invalid.all_sources"),
    },
}


def label(kind: str, value) -> str | None:
    """The message id labelling `value` of vocabulary `kind` (booleans as `true` / `false`), or None."""
    key = str(value).lower() if isinstance(value, bool) else str(value)
    return VOCABULARIES.get(kind, {}).get(key)
