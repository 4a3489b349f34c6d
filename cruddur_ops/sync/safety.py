"""Delete caps: a plan that would delete too much is refused unless explicitly allowed.

Two caps, either one trips: more than ``max_deletes`` objects, or more than ``max_percent`` of the
objects under the prefix when the bucket holds at least ``PERCENT_FLOOR`` of them (on a tiny
bucket any deploy is a large fraction; the count cap still applies there). The usual cause is
a wrong SYNC_BUILD_DIR, a wrong bucket, or a half-finished build — all of which a person should
look at before the site disappears.
"""

from __future__ import annotations

from .model import Plan

DEFAULT_MAX_DELETES = 50
DEFAULT_MAX_DELETE_PERCENT = 50.0
PERCENT_FLOOR = 20


def delete_cap_violation(plan: Plan, *, max_deletes: int = DEFAULT_MAX_DELETES,
                         max_percent: float = DEFAULT_MAX_DELETE_PERCENT) -> str | None:
    """Why the plan's deletes exceed a cap, or None."""
    deletes = plan.count("delete")
    if deletes == 0:
        return None
    if max_deletes >= 0 and deletes > max_deletes:
        return f"the plan deletes {deletes} objects, more than the cap of {max_deletes}"
    total = plan.remote_count
    if total >= PERCENT_FLOOR and max_percent >= 0:
        share = 100.0 * deletes / total
        if share > max_percent:
            return (f"the plan deletes {deletes} of the bucket's {total} objects ({share:.0f}%), "
                    f"more than the cap of {max_percent:g}%")
    return None
