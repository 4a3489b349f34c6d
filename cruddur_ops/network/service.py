"""The whole ``update-sg-rule`` flow: observe → choose group → plan → execute.

Shared by ``inv rds.update-sg-rule`` and the SG step of ``inv workspace.init``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..cfn.config import configured_stack_name
from ..errors import ConfigError
from .addresses import HostAddress
from .apply import RuleExecutor, RuleOutcome
from .observe import SecurityGroupReader
from .plan import DesiredRule, GroupChoice, choose_group, plan_rule

DEFAULT_DESCRIPTION = "GITPOD"
DEFAULT_PORT = 5432
DEFAULT_STACK = "CrdDb"


@dataclass(frozen=True)
class RuleRequest:
    host: HostAddress
    port: int = DEFAULT_PORT
    description: str = DEFAULT_DESCRIPTION
    group_id: str | None = None  # DB_SG_ID
    rule_id: str | None = None  # DB_SG_RULE_ID
    stack_name: str = DEFAULT_STACK


def find_db_group(reader: SecurityGroupReader, group_id: str | None, stack_name: str) -> GroupChoice:
    """The database's security group: ``DB_SG_ID`` when it exists, else the db stack's
    (also used by ``lambda.doctor`` to check the database admits the function)."""
    exists = bool(group_id) and reader.group_exists(group_id or "")
    # The stack is only read when DB_SG_ID cannot be used: one call fewer in the common case.
    stack = None if exists else reader.stack_groups(stack_name)
    return choose_group(
        configured=group_id,
        configured_exists=exists,
        stack_name=stack_name,
        stack=stack,
    )


def locate_group(reader: SecurityGroupReader, request: RuleRequest) -> GroupChoice:
    return find_db_group(reader, request.group_id, request.stack_name)


def ensure_rule(
    reader: SecurityGroupReader, executor: RuleExecutor, request: RuleRequest
) -> RuleOutcome:
    group = locate_group(reader, request)
    plan = plan_rule(
        group=group,
        rules=reader.group_rules(group.group_id),
        desired=DesiredRule(
            cidr=request.host.cidr, port=request.port, description=request.description
        ),
        configured_rule_id=request.rule_id,
    )
    return executor.execute(plan)


# AWS accepts these characters in a rule description (max 255).
_DESCRIPTION_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*"
)


def validate_rule_settings(port: int | str, description: str) -> tuple[int, str]:
    """Port in 1-65535 and a description AWS accepts; both checked before any AWS call."""
    try:
        number = int(port)
    except (TypeError, ValueError):
        number = -1
    if not 1 <= number <= 65535:
        raise ConfigError(f"port {port!r} is not a TCP port", hint="use --port 5432 (1-65535)")
    text = description.strip()
    if not text or len(text) > 255 or not set(text) <= _DESCRIPTION_CHARS:
        raise ConfigError(
            f"rule description {description!r} is not usable",
            hint="1-255 characters: letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
        )
    return number, text


def db_stack_name(config_path: Path, default: str = DEFAULT_STACK) -> str:
    """The db stack's name from ``aws/cfn/db/config.toml`` ([deploy] stack_name) when present."""
    try:
        return configured_stack_name(config_path, default)
    except ConfigError as exc:
        raise ConfigError(f"cannot read {exc.message}", hint="fix the file or pass --stack NAME") from exc
