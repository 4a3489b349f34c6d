"""The CORS preview (before → after) and outcome, as plain lines for the console."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from .apply import CorsOutcome
from .plan import CorsPlan


def _rule(rule: dict[str, Any]) -> str:
    return json.dumps(rule, separators=(", ", ": "))


def preview(plan: CorsPlan) -> list[Text]:
    lines = [Text(f"s3://{plan.bucket} CORS origins ← {', '.join(plan.origins)}")]
    if plan.rules_change:
        lines.append(Text("  before: " + ("(no CORS configuration)" if not plan.before else ""), style="delete"))
        lines += [Text(f"    {_rule(r)}", style="delete") for r in plan.before]
        lines.append(Text("  after:", style="create"))
        lines += [Text(f"    {_rule(r)}", style="create") for r in plan.after]
    else:
        lines.append(Text("  rules: no change", style="no_change"))
    if plan.function:
        if not plan.variables_after:
            lines.append(Text(f"  Lambda {plan.function}: no ORIGIN_URL_DEV / ORIGIN_URL_PROD parameter among "
                              "the origins; its variables are left alone", style="muted"))
        for name, value in plan.variables_after.items():
            was = plan.variables_before.get(name)
            if was == value:
                lines.append(Text(f"  Lambda {plan.function} {name}: no change ({value})", style="no_change"))
            else:
                lines.append(Text(f"  Lambda {plan.function} {name}: {was or '(unset)'} → {value}", style="update"))
    return lines


def outcome_line(outcome: CorsOutcome) -> Text:
    plan = outcome.plan
    if not plan.changes:
        return Text("no change: the bucket's origins already match Parameter Store", style="ok")
    if outcome.dry_run:
        return Text("dry run: nothing was changed", style="muted")
    done = []
    if plan.rules_change:
        done.append(f"s3://{plan.bucket} CORS updated ({len(plan.after)} rule(s))")
    if plan.function and plan.variables_change:
        done.append(f"Lambda {plan.function} {', '.join(plan.variables_after)} set")
    return Text("; ".join(done), style="ok")
