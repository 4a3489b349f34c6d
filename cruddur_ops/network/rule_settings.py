"""Settings → the inputs of the rule flow: the workspace IP to allow and the rule request.

Shared by ``inv rds.update-sg-rule``, the SG step of ``inv workspace.init`` and ``inv
lambda.doctor`` (the database's group), so no task module imports another. Reads the resolved :class:`~cruddur_ops.config.Settings` only (never
``os.environ``) and prints nothing: the lookup announces itself through ``on_lookup``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..config import Settings, repo_root
from .addresses import HostAddress
from .publicip import (
    DEFAULT_IPV4_URLS,
    DEFAULT_IPV6_URLS,
    DEFAULT_TIMEOUT,
    IP_VARIABLES,
    ResolvedIp,
    lookup_public_ip,
    parse_urls,
    resolve_workspace_ip,
)
from .service import DEFAULT_DESCRIPTION, RuleRequest, db_stack_name, validate_rule_settings

DB_STACK_CONFIG = "aws/cfn/db/config.toml"


def workspace_ip(settings: Settings, *, ip: str | None, ipv6: bool,
                 on_lookup: Callable[[int], None]) -> ResolvedIp:
    """--ip, else GITPOD_IP / WORKSPACE_IP, else the lookup services (configurable for tests
    and for networks that block the defaults: WORKSPACE_IP_LOOKUP_URLS, a comma list).
    ``on_lookup`` is told how many services are about to be asked, before the first one."""
    defaults = DEFAULT_IPV6_URLS if ipv6 else DEFAULT_IPV4_URLS
    urls = parse_urls(settings.get("WORKSPACE_IP_LOOKUP_URLS"), defaults)
    try:
        timeout = float(settings.get("WORKSPACE_IP_LOOKUP_TIMEOUT", default=DEFAULT_TIMEOUT))
    except ValueError:
        timeout = DEFAULT_TIMEOUT

    def lookup() -> ResolvedIp:
        on_lookup(len(urls))
        return lookup_public_ip(urls, timeout=timeout, allow_ipv6=ipv6)

    return resolve_workspace_ip(
        explicit=ip,
        variables={n: settings.get(n) for n in IP_VARIABLES},
        lookup=lookup,
        allow_ipv6=ipv6,
    )


def db_stack(settings: Settings, stack: str | None) -> str:
    """--stack, else DB_STACK_NAME, else aws/cfn/db/config.toml's stack name, else CrdDb."""
    return stack or settings.get("DB_STACK_NAME") or db_stack_name(repo_root() / DB_STACK_CONFIG)


def rule_request(settings: Settings, host: HostAddress, *, port: int | str | None,
                 description: str | None, stack: str | None) -> RuleRequest:
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
