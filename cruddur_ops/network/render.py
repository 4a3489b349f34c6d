"""Rich renderables for a rule outcome. No decisions here.

The summary is written as shell comments followed by ``export`` lines, so
``eval "$(inv rds.update-sg-rule)"`` refreshes stale variables in the current shell.
"""

from __future__ import annotations

from rich.text import Text

from .apply import RuleOutcome
from .describe import export_statements, group_sentence, rule_sentence
from .publicip import ResolvedIp

ACTION_STYLES = {"create": "create", "modify": "update", "noop": "no_change"}


def ip_line(ip: ResolvedIp) -> Text:
    return Text(f"# workspace IP {ip.host.address} (from {ip.source})")


def summary(outcome: RuleOutcome) -> list[Text]:
    return [
        Text(f"# {group_sentence(outcome)}"),
        Text(f"# {rule_sentence(outcome)}", style=ACTION_STYLES[outcome.plan.action]),
        *(Text(line) for line in export_statements(outcome)),
    ]


def show_lookup(service_count: int) -> None:
    """On stderr, before the IP lookup (the ``on_lookup`` of ``network.settings.workspace_ip``)."""
    from ..console import consoles

    consoles().err.print(Text(f"looking up the public IP ({service_count} services)…", style="muted"))
