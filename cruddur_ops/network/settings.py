"""The rule flow's settings, resolved once from the layered :class:`~cruddur_ops.config.Settings`:
the workspace IP to allow and the rule request.

Shared by ``inv rds.update-sg-rule``, the SG step of ``inv workspace.init`` and ``inv
lambda.doctor`` (the database's group), so no task module imports another. Flags reach these
through ``Settings.flags``: ``IP`` (--ip, never read from the environment: GITPOD_IP /
WORKSPACE_IP are the variables), ``DB_PORT``, ``DB_SG_RULE_DESCRIPTION``, ``DB_STACK_NAME``.
Empty means unset. Prints nothing: the IP lookup announces itself through ``on_lookup``.

The port and description are checked, and ``aws/cfn/db/config.toml`` read, when the request is
made, not here: in ``workspace.init`` a bad one fails the security-group step alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

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
DEFAULT_DB_PORT = 5432


@dataclass(frozen=True)
class RuleSettings:
    explicit_ip: str | None  # --ip
    ip_variables: Mapping[str, str | None]  # GITPOD_IP, WORKSPACE_IP
    lookup_urls: tuple[str, ...]  # WORKSPACE_IP_LOOKUP_URLS; () = the default services
    lookup_timeout: float  # WORKSPACE_IP_LOOKUP_TIMEOUT, seconds
    port: int | str  # DB_PORT, checked by rule_request
    description: str  # DB_SG_RULE_DESCRIPTION, checked by rule_request
    group_id: str | None  # DB_SG_ID
    rule_id: str | None  # DB_SG_RULE_ID
    stack_name: str | None  # DB_STACK_NAME; None = the db stack's config.toml, else CrdDb

    @property
    def ip_given(self) -> bool:
        """The IP comes from --ip or a workspace variable, not from a lookup service."""
        return bool(self.explicit_ip) or any(self.ip_variables.values())


def _timeout(raw: object) -> float:
    # An unreadable timeout falls back to the default, as it always has: the lookup still runs.
    try:
        return float(str(raw))
    except ValueError:
        return DEFAULT_TIMEOUT


def rule_settings(settings: Settings) -> RuleSettings:
    return RuleSettings(
        explicit_ip=settings.flags.get("IP") or None,
        ip_variables={name: settings.get(name) for name in IP_VARIABLES},
        lookup_urls=parse_urls(settings.get("WORKSPACE_IP_LOOKUP_URLS"), ()),
        lookup_timeout=_timeout(settings.get("WORKSPACE_IP_LOOKUP_TIMEOUT", default=DEFAULT_TIMEOUT)),
        port=settings.get("DB_PORT", default=DEFAULT_DB_PORT),
        description=settings.get("DB_SG_RULE_DESCRIPTION", default=DEFAULT_DESCRIPTION),
        group_id=settings.get("DB_SG_ID"),
        rule_id=settings.get("DB_SG_RULE_ID"),
        stack_name=settings.get("DB_STACK_NAME"),
    )


def workspace_ip(rules: RuleSettings, *, ipv6: bool, on_lookup: Callable[[int], None]) -> ResolvedIp:
    """--ip, else GITPOD_IP / WORKSPACE_IP, else the lookup services (configurable for tests
    and for networks that block the defaults: WORKSPACE_IP_LOOKUP_URLS, a comma list).
    ``on_lookup`` is told how many services are about to be asked, before the first one."""
    urls = rules.lookup_urls or (DEFAULT_IPV6_URLS if ipv6 else DEFAULT_IPV4_URLS)

    def lookup() -> ResolvedIp:
        on_lookup(len(urls))
        return lookup_public_ip(urls, timeout=rules.lookup_timeout, allow_ipv6=ipv6)

    return resolve_workspace_ip(
        explicit=rules.explicit_ip,
        variables=dict(rules.ip_variables),
        lookup=lookup,
        allow_ipv6=ipv6,
    )


def db_stack(stack_name: str | None) -> str:
    """--stack / DB_STACK_NAME (``stack_name``), else aws/cfn/db/config.toml's stack name, else CrdDb."""
    return stack_name or db_stack_name(repo_root() / DB_STACK_CONFIG)


def rule_request(rules: RuleSettings, host: HostAddress) -> RuleRequest:
    number, text = validate_rule_settings(rules.port, rules.description)
    return RuleRequest(
        host=host,
        port=number,
        description=text,
        group_id=rules.group_id,
        rule_id=rules.rule_id,
        stack_name=db_stack(rules.stack_name),
    )
