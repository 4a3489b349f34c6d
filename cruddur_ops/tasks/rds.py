"""`inv rds.*` tasks: open the database to this workspace's IP.

The network core is imported inside the functions that use it, so `inv --list` and every other
task start without it (`inv workspace.init` reuses these helpers).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from invoke import Collection, Context

from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
from ..config import Settings, repo_root
from ..console import consoles, plain

if TYPE_CHECKING:
    from ..network.addresses import HostAddress
    from ..network.apply import RuleOutcome
    from ..network.publicip import ResolvedIp
    from ..network.service import RuleRequest

DB_STACK_CONFIG = "aws/cfn/db/config.toml"


def workspace_ip(settings: Settings, *, ip: str | None, ipv6: bool) -> ResolvedIp:
    """--ip, else GITPOD_IP / WORKSPACE_IP, else the lookup services (configurable for tests
    and for networks that block the defaults: WORKSPACE_IP_LOOKUP_URLS, a comma list)."""
    from ..network.publicip import (
        DEFAULT_IPV4_URLS,
        DEFAULT_IPV6_URLS,
        DEFAULT_TIMEOUT,
        IP_VARIABLES,
        lookup_public_ip,
        parse_urls,
        resolve_workspace_ip,
    )

    defaults = DEFAULT_IPV6_URLS if ipv6 else DEFAULT_IPV4_URLS
    urls = parse_urls(settings.get("WORKSPACE_IP_LOOKUP_URLS"), defaults)
    try:
        timeout = float(settings.get("WORKSPACE_IP_LOOKUP_TIMEOUT", default=DEFAULT_TIMEOUT))
    except ValueError:
        timeout = DEFAULT_TIMEOUT

    def lookup() -> ResolvedIp:
        consoles().err.print(
            plain(f"looking up the public IP ({len(urls)} services)…", style="muted")
        )
        return lookup_public_ip(urls, timeout=timeout, allow_ipv6=ipv6)

    return resolve_workspace_ip(
        explicit=ip,
        variables={n: settings.get(n) for n in IP_VARIABLES},
        lookup=lookup,
        allow_ipv6=ipv6,
    )


def db_stack(settings: Settings, stack: str | None) -> str:
    """--stack, else DB_STACK_NAME, else aws/cfn/db/config.toml's stack name, else CrdDb."""
    from ..network.service import db_stack_name

    return stack or settings.get("DB_STACK_NAME") or db_stack_name(repo_root() / DB_STACK_CONFIG)


def rule_request(
    settings: Settings,
    host: HostAddress,
    *,
    port: int | str | None,
    description: str | None,
    stack: str | None,
) -> RuleRequest:
    from ..network.service import (
        DEFAULT_DESCRIPTION,
        RuleRequest,
        validate_rule_settings,
    )

    number, text = validate_rule_settings(
        port or settings.get("DB_PORT", default=5432),
        description or settings.get("DB_SG_RULE_DESCRIPTION", default=DEFAULT_DESCRIPTION),
    )
    stack_name = db_stack(settings, stack)
    return RuleRequest(
        host=host,
        port=number,
        description=text,
        group_id=settings.get("DB_SG_ID"),
        rule_id=settings.get("DB_SG_RULE_ID"),
        stack_name=stack_name,
    )


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


def print_outcome(outcome: RuleOutcome, ip: ResolvedIp | None = None) -> None:
    from ..network.render import ip_line, summary
    from ..workspace.detect import detect_workspace

    out = consoles().out
    if ip is not None:
        out.print(ip_line(ip))
    for line in summary(outcome):
        out.print(line)
    names = [name for name, _ in outcome.exports]
    if names and detect_workspace(os.environ).kind == "gitpod":
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
    settings = load_settings(ctx, section="rds")
    resolved = workspace_ip(settings, ip=ip or None, ipv6=ipv6)
    request = rule_request(
        settings,
        resolved.host,
        port=port or None,
        description=description or None,
        stack=stack or None,
    )
    outcome = apply_rule(settings, request, dry_run=dry_run)
    print_outcome(outcome, resolved)


collection = Collection("rds", update_sg_rule)
