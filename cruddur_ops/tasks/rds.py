"""`inv rds.*` tasks: open the database to this workspace's IP.

The network core is imported inside the functions that use it, so `inv --list` and every other
task start without it (`inv workspace.init` shares its settings helpers in
:mod:`cruddur_ops.network.settings`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Collection, Context

from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
from ..config import Settings
from ..console import consoles, plain

if TYPE_CHECKING:
    from ..network.apply import RuleOutcome
    from ..network.publicip import ResolvedIp
    from ..network.service import RuleRequest

def apply_rule(settings: Settings, request: RuleRequest, *, dry_run: bool) -> RuleOutcome:
    from .. import aws
    from ..network.apply import DryRunRuleExecutor, Ec2RuleExecutor, RuleExecutor
    from ..network.observe import SecurityGroupReader
    from ..network.service import ensure_rule

    target = aws_target(settings)
    sess = aws.session(target)
    ec2 = aws.client("ec2", target, sess=sess)
    reader = SecurityGroupReader(ec2, aws.client("cloudformation", target, sess=sess), sess)
    executor: RuleExecutor = DryRunRuleExecutor() if dry_run else Ec2RuleExecutor(ec2, sess)
    return ensure_rule(reader, executor, request)


def print_outcome(settings: Settings, outcome: RuleOutcome, ip: ResolvedIp | None = None) -> None:
    from ..network.render import ip_line, summary
    from ..workspace_kind import detect_workspace

    out = consoles().out
    if ip is not None:
        out.print(ip_line(ip))
    for line in summary(outcome):
        out.print(line)
    names = [name for name, _ in outcome.exports]
    if names and detect_workspace(settings.environ).kind == "gitpod":
        pairs = " ".join(f"{n}={v}" for n, v in outcome.exports)
        consoles().err.print(plain(f"to keep it for new workspaces: gp env {pairs}", style="hint"))


@ops_task(
    auto_shortflags=False,  # -d would read like invoke's own -d (debug)
    help={
        "ip": "address to allow (default: GITPOD_IP / WORKSPACE_IP, else looked up)",
        "description": "description that marks the workspace rule (default GITPOD)",
        "port": "database port (default 5432)",
        "stack": "db stack to find the security group in (default: aws/cfn/db/config.toml or CrdDb)",
        "ipv6": "allow an IPv6 address (/128); IPv4 /32 otherwise",
        "dry-run": "show what would change without changing anything",
    },
)
def update_sg_rule(
    ctx: Context,
    ip: str = "",
    description: str = "",
    port: int = 0,
    stack: str = "",
    ipv6: bool = False,
    dry_run: bool = False,
) -> None:
    """Point the database's workspace ingress rule at this workspace's public IP (/32).

    Security group: DB_SG_ID when it exists, else found in the db stack. Rule: DB_SG_RULE_ID when
    it is still in that group, else the rule with the description, else a new one. Prints the
    rule and `export` lines for variables that were missing or stale:
    `eval "$(inv rds.update-sg-rule)"` refreshes them. Never opens 0.0.0.0/0.
    """
    from ..network.render import show_lookup
    from ..network.settings import rule_request, rule_settings, workspace_ip

    settings = load_settings(ctx, section="rds", flags={
        "IP": ip, "DB_SG_RULE_DESCRIPTION": description, "DB_PORT": port or None, "DB_STACK_NAME": stack})
    rules = rule_settings(settings)
    resolved = workspace_ip(rules, ipv6=ipv6, on_lookup=show_lookup)
    outcome = apply_rule(settings, rule_request(rules, resolved.host), dry_run=dry_run)
    print_outcome(settings, outcome, resolved)


collection = Collection("rds", update_sg_rule)
