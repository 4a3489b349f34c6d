"""Plain-text sentences about a CORS outcome (for workspace.init's step line; no rich here)."""

from __future__ import annotations

from .apply import CorsOutcome


def summary(outcome: CorsOutcome) -> str:
    """One sentence for workspace.init's step line."""
    plan = outcome.plan
    origins = ", ".join(plan.origins)
    if not plan.changes:
        return f"s3://{plan.bucket} already allows exactly {origins}"
    verb = "would allow" if outcome.dry_run else "now allows"
    text = f"s3://{plan.bucket} {verb} exactly {origins}"
    if plan.function and plan.variables_change:
        text += f"; Lambda {plan.function} {', '.join(plan.variables_after)} {'would be ' if outcome.dry_run else ''}set"
    return text
