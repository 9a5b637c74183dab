"""Withdrawals held by the guard (design rule 1), decided by an admin: confirm applies, reject drops.

A hold comes from a pushed snapshot or a full harvest that would have withdrawn more than
`withdrawal.max_share` of a network. Confirming withdraws the held instruments that are still active
and have not been seen again since the hold was made (a record re-sent in the meantime is current,
whatever the old snapshot said). Both decisions are written to the audit log, naming the operator by
token id and by the token's label (the id is what the log is searched by, the label who it is). A
hold a newer listing closed before anyone decided it is `superseded` (`hub.harvest.guard`).
`decided_holds` is what the dashboard lists of the holds no longer waiting.
"""

from __future__ import annotations

from sqlalchemy import func, select, update

from hub.auth import audit
from hub.auth.tokens import TOKENS
from hub.errors import HubError
from hub.clock import now
from hub.feed.models import BATCHES
from hub.harvest.writer import INSTRUMENTS, Provenance, RecordWriter
from hub.paging import paged
from hub.schema import ABSENT_CONFIRMED
from hub.store.chunks import among, chunked
from hub.store.hooks import instruments_changed
from hub.store.models import OwnerUnit, WithdrawalHold

HOLDS = WithdrawalHold.__table__
OWNERS = OwnerUnit.__table__


class HoldError(HubError):
    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def _as_dict(row) -> dict:
    d = dict(row._mapping)
    d["count"] = len(d.get("instrument_ids") or [])
    d["superseded_by"] = superseding_listing(d)
    return d


def superseding_listing(hold: dict) -> dict | None:
    """The newer listing that superseded `hold`, as the dashboard and the API show it: its kind
    (`batch` or `harvest job`), its name (the batch id, or the job id) and the job of its run, which
    the network's page lists. None for a hold no listing superseded."""
    batch, job = hold.get("superseded_by_batch"), hold.get("superseded_by_job")
    if hold.get("state") != "superseded" or (batch is None and job is None):
        return None
    return dict(kind="batch", name=batch, job=job) if batch else dict(kind="harvest job", name=str(job), job=job)


def _holds():
    # A token's label is set when it is made and never changed, so reading it now tells who decided.
    # Holds a newer listing superseded are decided by a batch or a job, no token: no label.
    return select(HOLDS, TOKENS.c.label.label("decided_by_label")).outerjoin(TOKENS, TOKENS.c.id == HOLDS.c.decided_by)


def decider(hold: dict) -> str:
    """Who decided `hold`, as a person reads it: the token's label and id, or the superseding batch."""
    label = hold.get("decided_by_label")
    return f"{label} ({hold['decided_by']})" if label else str(hold["decided_by"])


def list_holds(conn, state: str | None = "held", *, network: str | None = None) -> list[dict]:
    query = _holds().order_by(HOLDS.c.id.desc())
    if state:
        query = query.where(HOLDS.c.state == state)
    if network:
        query = query.where(HOLDS.c.network == network)
    return [_as_dict(r) for r in conn.execute(query)]


#: The states a hold ends in; `held` is the one waiting for a decision.
DECIDED = ("confirmed", "rejected", "superseded")


def decided_holds(conn, *, page: int = 1, per_page: int = 20, network: str | None = None) -> dict:
    """The holds no longer waiting (of one network, or all), the most recently decided first, a page
    at a time. Each says either who decided it (`decider`) or which newer listing superseded it
    (`superseded_by`)."""
    where = [HOLDS.c.state.in_(DECIDED)] + ([HOLDS.c.network == network] if network else [])
    total = conn.execute(select(func.count()).select_from(HOLDS).where(*where)).scalar_one()
    query = _holds().where(*where).order_by(HOLDS.c.decided_at.desc(), HOLDS.c.id.desc()).limit(per_page).offset((page - 1) * per_page)
    items = [_as_dict(r) for r in conn.execute(query)]
    for h in items:
        h["decider"] = None if h["superseded_by"] else decider(h)
    return paged(total, page, per_page, items)


def held_instruments(conn, hold: dict, *, page: int = 1, per_page: int = 50) -> dict:
    """One page of the instruments `hold` names — those its listing lacked, which confirming it
    withdraws (or withdrew) — in the hold's order: {total, page, per_page, pages, items: [{id,
    source_id, name, model, owner, withdrawn_at}]}. An id no longer in the catalogue keeps its place,
    with only its id."""
    ids = list(hold.get("instrument_ids") or [])
    chunk = ids[(page - 1) * per_page : page * per_page]
    owner = OWNERS.c.name.label("owner")
    columns = (INSTRUMENTS.c.id, INSTRUMENTS.c.source_id, INSTRUMENTS.c.name, INSTRUMENTS.c.model, INSTRUMENTS.c.withdrawn_at, owner)
    # A page's worth of ids at most: a plain IN.
    query = select(*columns).outerjoin(OWNERS, OWNERS.c.id == INSTRUMENTS.c.owner_id).where(INSTRUMENTS.c.id.in_(chunk))
    found = {r.id: dict(r._mapping) for r in conn.execute(query)} if chunk else {}
    items = [found.get(i) or dict(id=i, source_id=i.partition(":")[2] or i) for i in chunk]
    return paged(len(ids), page, per_page, items)


def get_hold(conn, hold_id: int, *, lock: bool = False) -> dict:
    """The hold; `lock` (inside a write transaction): its row locked until the transaction ends."""
    query = _holds().where(HOLDS.c.id == hold_id)
    if lock:
        query = query.with_for_update(of=HOLDS)
    row = conn.execute(query).first()
    if row is None:
        raise HoldError(404, f"no withdrawal hold {hold_id}")
    return _as_dict(row)


def decide(store, hold_id: int, decision: str, *, actor: str, role: str | None = "admin") -> dict:
    """`decision` is `confirm` or `reject`; return the hold as decided, with `withdrawn` ids on confirm."""
    if decision not in ("confirm", "reject"):
        raise HoldError(400, f"decision must be confirm or reject, got {decision!r}")
    with store.write() as conn:
        # Locked: a newer listing superseding it (hub.harvest.guard) or another operator deciding it
        # waits for this decision and then finds it decided, never the reverse half-way.
        hold = get_hold(conn, hold_id, lock=True)
        if hold["state"] != "held":
            raise HoldError(409, f"hold {hold_id} was already {hold['state']} by {decider(hold)}")
        withdrawn = []
        if decision == "confirm":
            batch_id = _batch_of_job(conn, hold["job_id"])
            writer = RecordWriter(store, hold["network"], None, Provenance(job_id=hold["job_id"], batch_id=batch_id))
            still_absent = [
                iid
                for chunk in chunked(hold["instrument_ids"] or [])
                for iid in conn.execute(
                    select(INSTRUMENTS.c.id).where(among(INSTRUMENTS.c.id, chunk), INSTRUMENTS.c.last_seen < hold["created_at"])
                ).scalars()
            ]
            withdrawn = writer.withdraw(conn, still_absent, ABSENT_CONFIRMED)
            instruments_changed(conn, withdrawn)
        state = "confirmed" if decision == "confirm" else "rejected"
        conn.execute(update(HOLDS).where(HOLDS.c.id == hold_id).values(state=state, decided_by=actor, decided_at=now()))
        audit.record(
            conn,
            actor=actor,
            role=role,
            action=f"hold.{decision}",
            network=hold["network"],
            batch_id=_batch_of_job(conn, hold["job_id"]),
            target=f"hold:{hold_id}",
            detail=dict(
                actor_label=conn.execute(select(TOKENS.c.label).where(TOKENS.c.id == actor)).scalar(),
                held=hold["count"],
                withdrawn=len(withdrawn),
                withdrawn_ids=withdrawn[:500],
            ),
        )
        RecordWriter.stamp_withdrawn(conn, withdrawn)  # last: their datestamp (hub.harvest.writer)
        hold = get_hold(conn, hold_id)
    hold["withdrawn"] = withdrawn
    return hold


def _batch_of_job(conn, job_id) -> str | None:
    if job_id is None:
        return None
    return conn.execute(select(BATCHES.c.id).where(BATCHES.c.job_id == job_id)).scalar()
