"""Evaluate IAM policy documents for one action on one resource, offline and explainably.

Why our own: the doctor must say *which statement* grants or denies, and emulators do not run
IAM's simulator (moto 5 answers ``simulate_principal_policy`` with "not implemented").

What it models: Allow/Deny, Action/NotAction (case-insensitive), Resource/NotResource
(case-sensitive), Principal/NotPrincipal for resource policies, IAM's two wildcards ``*`` and
``?`` (nothing else is special: ``[`` is literal, unlike fnmatch). What it does not: condition
keys are not evaluated — a statement with a Condition is reported as *conditional*, so the
caller can say "allowed if …" instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class PolicySource:
    """One policy document and where it came from ("inline policy X of role Y", an ARN, …)."""

    label: str
    document: dict[str, Any]


@dataclass(frozen=True)
class StatementRef:
    """A statement that matched, named so an operator can find it."""

    source: str
    sid: str  # the Sid, or "#N" (1-based position) when it has none
    conditional: bool = False
    condition: str = ""

    def __str__(self) -> str:
        text = f"{self.source}, statement {self.sid}"
        return f"{text} (if {self.condition})" if self.conditional else text


@dataclass(frozen=True)
class Decision:
    """Which statements allow and which deny ``action`` on ``resource``."""

    allows: tuple[StatementRef, ...] = ()
    denies: tuple[StatementRef, ...] = ()

    @property
    def explicit_deny(self) -> tuple[StatementRef, ...]:
        """Denies that apply whatever the request's context (no Condition)."""
        return tuple(d for d in self.denies if not d.conditional)

    @property
    def conditional_deny(self) -> tuple[StatementRef, ...]:
        return tuple(d for d in self.denies if d.conditional)

    @property
    def allowed(self) -> bool:
        """Some statement allows and none denies outright (conditions counted as met)."""
        return bool(self.allows) and not self.explicit_deny

    @property
    def unconditional_allow(self) -> tuple[StatementRef, ...]:
        return tuple(a for a in self.allows if not a.conditional)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statements(document: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [s for s in as_list((document or {}).get("Statement")) if isinstance(s, dict)]


@lru_cache(maxsize=512)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's matching: ``*`` any run of characters, ``?`` exactly one, everything else literal."""
    return bool(_pattern(str(pattern), ignore_case).match(value))


def action_matches(patterns: Iterable[Any], action: str) -> bool:
    return any(wildcard_match(str(p), action, ignore_case=True) for p in patterns)


def resource_matches(patterns: Iterable[Any], resource: str) -> bool:
    return any(wildcard_match(str(p), resource) for p in patterns)


def account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def principal_matches(principal: Any, principal_arn: str) -> bool:
    """Whether a Principal block names ``principal_arn`` (a role ARN): ``*``, ``{"AWS": "*"}``,
    the ARN itself, or its account (id or ``:root``), which delegates to the account's IAM."""
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    account = account_of(principal_arn)
    for value in as_list(principal.get("AWS")):
        text = str(value)
        if text in {"*", principal_arn, account} or text == f"arn:aws:iam::{account}:root":
            return True
        if ("*" in text or "?" in text) and wildcard_match(text, principal_arn):
            return True
    return False


def _condition_text(condition: Any) -> str:
    parts = []
    for operator, block in (condition or {}).items():
        if isinstance(block, dict):
            for key, values in block.items():
                parts.append(f"{operator} {key} {', '.join(map(str, as_list(values)))}")
    return "; ".join(parts) or "its condition holds"


def statement_matches(statement: dict[str, Any], action: str, resource: str,
                      principal_arn: str | None = None) -> bool:
    """Whether the statement is about this request (its Effect and Condition aside)."""
    if "NotAction" in statement:
        if action_matches(as_list(statement["NotAction"]), action):
            return False
    elif not action_matches(as_list(statement.get("Action")), action):
        return False
    if "NotResource" in statement:
        if resource_matches(as_list(statement["NotResource"]), resource):
            return False
    elif "Resource" in statement and not resource_matches(as_list(statement["Resource"]), resource):
        return False
    # A resource policy may omit Resource (it then means this resource); an identity policy may not.
    if principal_arn is not None:
        if "NotPrincipal" in statement:
            return not principal_matches(statement["NotPrincipal"], principal_arn)
        return principal_matches(statement.get("Principal"), principal_arn)
    return True


def statement_ref(source: PolicySource, index: int, statement: dict[str, Any]) -> StatementRef:
    condition = statement.get("Condition")
    return StatementRef(
        source=source.label,
        sid=str(statement.get("Sid") or f"#{index + 1}"),
        conditional=bool(condition),
        condition=_condition_text(condition) if condition else "",
    )


def evaluate(sources: Iterable[PolicySource], action: str, resource: str,
             principal_arn: str | None = None) -> Decision:
    """Every statement of ``sources`` that allows or denies ``action`` on ``resource``.

    Identity policies: leave ``principal_arn`` None. Resource policies: pass the caller's ARN,
    and only statements whose Principal names it count.
    """
    allows: list[StatementRef] = []
    denies: list[StatementRef] = []
    for source in sources:
        for index, statement in enumerate(statements(source.document)):
            if not statement_matches(statement, action, resource, principal_arn):
                continue
            ref = statement_ref(source, index, statement)
            effect = str(statement.get("Effect", ""))
            if effect == "Deny":
                denies.append(ref)
            elif effect == "Allow":
                allows.append(ref)
    return Decision(tuple(allows), tuple(denies))


def resources_for(sources: Iterable[PolicySource], action: str) -> list[tuple[StatementRef, str]]:
    """(statement, resource pattern) of every Allow naming ``action``: to show what *is* granted
    when the resource we need is not."""
    found = []
    for source in sources:
        for index, statement in enumerate(statements(source.document)):
            if statement.get("Effect") != "Allow" or "NotAction" in statement:
                continue
            if not action_matches(as_list(statement.get("Action")), action):
                continue
            for pattern in as_list(statement.get("Resource")):
                found.append((statement_ref(source, index, statement), str(pattern)))
    return found
