"""The withdrawal guard (design rule 1), as a pure decision.

Withdrawal by absence happens only after a complete, error-free full listing that is not suspicious,
and never for more than `max_share` of the network's active instruments in one run unless an operator
confirms: beyond that share the withdrawals are held, not applied.
"""

from __future__ import annotations

from dataclasses import dataclass


#: Decisions after which a complete listing counts as the last sighting of every record it did not
#: find absent (`hub.store.listings.settle`); a listing the guard distrusts ("skip") proves nothing.
SETTLED = ("withdraw", "hold", "none")


@dataclass(frozen=True)
class Decision:
    action: str  # "withdraw" | "hold" | "skip" (withdrawals refused) | "none" (nothing to withdraw)
    reason: str


def decide(*, full: bool, complete: bool, listed: int, active_before: int, absent: int, max_share: float, min_listing: int) -> Decision:
    if not full:
        return Decision("skip", "incremental run: withdrawals come only from explicit deletions")
    if not complete:
        return Decision("skip", "the listing was not read completely: nothing withdrawn")
    if listed < min_listing:
        return Decision("skip", f"the network listed {listed} instruments (suspicious: fewer than {min_listing}): nothing withdrawn")
    if absent == 0:
        return Decision("none", "nothing absent")
    share = absent / active_before if active_before else 1.0
    if share > max_share:
        return Decision(
            "hold",
            f"{absent} of {active_before} active instruments ({share:.0%}) are absent,"
            f" above the {max_share:.0%} limit: held for an operator's confirmation",
        )
    return Decision("withdraw", f"{absent} instruments absent from a complete listing withdrawn ({share:.0%})")
