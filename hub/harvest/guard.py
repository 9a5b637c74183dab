"""The withdrawal guard (design rule 1): a pure decision (`decide`), and its application at the end
of a full listing, harvested or pushed as a snapshot (`enforce`).

Withdrawal by absence happens only after a complete, error-free full listing that is not suspicious,
and never for more than `max_share` of the network's active instruments in one run unless an operator
confirms: beyond that share the withdrawals are held, not applied.

A network has at most one pending hold: a later listing the guard trusts is the network's latest word,
so it closes the hold left waiting (state `superseded`, decided by the newer batch or harvest job,
kept in the hold's `superseded_by_batch` / `superseded_by_job`, written to the audit log) before it
withdraws, holds anew or finds nothing absent. Two holds side by side could be decided against each
other — one confirmed, the other rejected — over one catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, update

from hub import reasons
from hub.auth import audit
from hub.clock import now
from hub.store.hooks import instruments_changed
from hub.store.listings import absent_from, settle
from hub.store.models import WithdrawalHold

HOLDS = WithdrawalHold.__table__


#: Decisions after which a complete listing counts as the last sighting of every record it did not
#: find absent (`hub.store.listings.settle`); a listing the guard distrusts ("skip") proves nothing.
SETTLED = ("withdraw", "hold", "none")


@dataclass(frozen=True)
class Decision:
    action: str  # "withdraw" | "hold" | "skip" (withdrawals refused) | "none" (nothing to withdraw)
    reason: str


def percent(part: int, whole: int) -> str:
    """`part` of `whole` as a percentage that never rounds to all or none of it: 821 of 823 is 99.8%,
    not 100% (an operator deciding a hold must see that some are still listed), 1 of 823 is 0.1%."""
    if whole <= 0 or part >= whole:
        return "100%"
    if part <= 0:
        return "0%"
    share = 100 * part / whole
    digits = 0
    while digits < 6 and round(share, digits) in (0, 100):
        digits += 1
    return f"{share:.{digits}f}%"


def decide(*, full: bool, complete: bool, listed: int, active_before: int, absent: int, max_share: float, min_listing: int) -> Decision:
    if not full:
        return Decision("skip", reasons.GUARD_INCREMENTAL())
    if not complete:
        return Decision("skip", reasons.GUARD_INCOMPLETE())
    if listed < min_listing:
        return Decision("skip", reasons.GUARD_TOO_FEW(listed=listed, least=min_listing))
    if absent == 0:
        return Decision("none", reasons.GUARD_NOTHING_ABSENT())
    share = absent / active_before if active_before else 1.0
    if share > max_share:
        return Decision(
            "hold",
            reasons.GUARD_HELD(absent=absent, active=active_before, share=percent(absent, active_before), limit=f"{max_share:.0%}"),
        )
    return Decision("withdraw", reasons.GUARD_WITHDRAWN(absent=absent, share=percent(absent, active_before)))


@dataclass(frozen=True)
class Enforced:
    decision: Decision
    absent: int  # records the listing lacked
    hold: int | None  # the withdrawal hold written, when the decision was "hold"
    superseded: list[int]  # the holds left waiting that this listing closed


def enforce(store, job, writer, *, complete: bool, active_before: int, withdrawal: dict, reason: str, fence=lambda conn: None) -> Enforced:
    """End `job`'s full listing, which `writer` read: decide, then withdraw the absent records (saying
    `reason`), or hold them for an operator, in one write transaction (`fence` checked first); a
    listing the guard trusts is then the last sighting of every record it did not find absent
    (`hub.store.listings.settle`). The same for a harvest and a pushed snapshot (design "one path in")."""
    with store.write() as conn:
        fence(conn)
        absent = absent_from(conn, job.network, writer.listed, job.started_at)
        decision = decide(
            full=True,
            complete=complete,
            listed=job.counts.fetched,
            active_before=active_before,
            absent=len(absent),
            max_share=withdrawal["max_share"],
            min_listing=withdrawal["min_listing"],
        )
        hold, withdrawn = None, []
        if decision.action == "withdraw":
            withdrawn = writer.withdraw(conn, absent, reason)
            job.counts.withdrawn += len(withdrawn)
            instruments_changed(conn, withdrawn)
        elif decision.action == "hold":
            hold = conn.execute(
                insert(HOLDS)
                .values(
                    network=job.network,
                    job_id=job.id,
                    created_at=now(),
                    listed=job.counts.fetched,
                    active_before=active_before,
                    instrument_ids=absent,
                    state="held",
                )
                .returning(HOLDS.c.id)
            ).scalar_one()
        if decision.action in SETTLED:
            # The listing is on record; the absent records it leaves active are marked as such.
            settle(conn, job.network, job.id, absent if decision.action == "hold" else [], now())
        superseded = _supersede_waiting(conn, job, writer.provenance.batch_id, pending=hold) if decision.action in SETTLED else []
        writer.stamp_withdrawn(conn, withdrawn)  # last: the listing settled above is a network's worth of rows
    return Enforced(decision, len(absent), hold, superseded)


def superseder(batch_id: str | None, job_id: int) -> str:
    """How a superseded hold's `decided_by` (and its audit entry's actor) names the listing that
    closed it, for people: the pushed snapshot's batch, or else the harvest job of a full listing.
    Programs read the hold's `superseded_by_batch` and `superseded_by_job` instead."""
    return f"batch {batch_id}" if batch_id else f"harvest job {job_id}"


def _supersede_waiting(conn, job, batch_id: str | None, *, pending: int | None) -> list[int]:
    """Close the network's holds still waiting for a decision, but `pending` (the hold `job` just
    made): `job`'s listing (a pushed snapshot's batch, or a harvest) replaces the one they were made
    from. Return their ids."""
    by = superseder(batch_id, job.id)
    # One statement that reads and closes: a hold an operator decided meanwhile (its row locked by
    # `hub.feed.holds.decide`) is no longer `held` when PostgreSQL re-reads it, and is left alone.
    closing = update(HOLDS).where(HOLDS.c.network == job.network, HOLDS.c.state == "held")
    if pending is not None:
        closing = closing.where(HOLDS.c.id != pending)
    closed = closing.values(state="superseded", decided_by=by, decided_at=now(), superseded_by_batch=batch_id, superseded_by_job=job.id)
    waiting = sorted(conn.execute(closed.returning(HOLDS.c.id)).scalars())
    for hold_id in waiting:
        audit.record(
            conn,
            actor=by,
            role=None,
            action="hold.supersede",
            network=job.network,
            batch_id=batch_id,
            target=f"hold:{hold_id}",
            detail=dict(
                reason=f"a newer complete listing ({by}) replaced the one this hold was made from; nothing withdrawn",
                pending=pending,
            ),
        )
    return waiting
