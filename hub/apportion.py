"""Whole numbers that add up exactly to a total: the largest-remainder (Hamilton) method, with caps.

Used where a published total must be hit to the unit — the simulator's calibrated service
statistics (hub.simulate.calibration) and the award table of a unit appraisal (hub.evaluation.awards).
"""

from __future__ import annotations

import math


def apportion(total: int, weights, caps=None, step: int = 1) -> list[int]:
    """Split `total` into multiples of `step` proportional to `weights`, none above its cap.

    Each share gets the floor of its quota, then the leftover steps go one at a time to the largest
    fractional parts among the shares with room. A share that reaches its cap is fixed there and the
    rest are split again over the others (so a cap moves money to the uncapped, never loses it).
    Raises ValueError when the caps leave no way to place the whole total.
    """
    n = len(weights)
    if total % step:
        raise ValueError(f"total {total} is not a multiple of the step {step}")
    units = total // step
    cap_units = [math.inf if caps is None or caps[i] is None else int(caps[i] // step) for i in range(n)]
    room = sum(min(cap_units[i], units) for i in range(n) if weights[i] > 0)
    if room < units:
        raise ValueError(f"the caps allow at most {room * step:,} of {total:,} (to the shares with a weight)")
    out = [0] * n
    free = [i for i in range(n) if weights[i] > 0]
    left = units
    while True:
        wsum = sum(weights[i] for i in free)
        if not free or wsum <= 0:
            if left:
                raise ValueError(f"{left * step:,} of {total:,} cannot be placed: no share with weight and room left")
            return [v * step for v in out]
        quota = {i: left * weights[i] / wsum for i in free}
        over = [i for i in free if out[i] + quota[i] >= cap_units[i]]
        if over:
            # fix the capped shares at their caps and split what remains over the others
            for i in over:
                left -= cap_units[i] - out[i]
                out[i] = cap_units[i]
            free = [i for i in free if i not in over]
            continue
        base = {i: math.floor(quota[i]) for i in free}
        for i in free:
            out[i] += base[i]
        rest = left - sum(base.values())
        order = sorted(free, key=lambda i: (-(quota[i] - base[i]), i))
        for i in order[:rest]:
            out[i] += 1
        return [v * step for v in out]
