"""Decide the bucket's CORS rules and the function's origin variables. Pure functions.

Only ``AllowedOrigins`` change: methods, headers, exposed headers, max age and rule ids are kept.
A bucket without CORS gets the upload rule the journal's avatar bucket used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .origins import StoredOrigin

ORIGIN_VARIABLES = ("ORIGIN_URL_DEV", "ORIGIN_URL_PROD")
UPLOAD_RULE: dict[str, Any] = {
    "AllowedHeaders": ["*"],
    "AllowedMethods": ["PUT"],
    "ExposeHeaders": ["x-amz-server-side-encryption", "x-amz-request-id", "x-amz-id-2"],
    "MaxAgeSeconds": 3000,
}


@dataclass(frozen=True)
class CorsPlan:
    bucket: str
    origins: tuple[str, ...]
    before: tuple[dict[str, Any], ...]  # the rules now (empty: no CORS configuration)
    after: tuple[dict[str, Any], ...]
    function: str = ""
    variables_before: dict[str, str | None] = field(default_factory=dict)  # only ORIGIN_URL_* names
    variables_after: dict[str, str] = field(default_factory=dict)

    @property
    def rules_change(self) -> bool:
        return self.before != self.after

    @property
    def variables_change(self) -> bool:
        return any(self.variables_before.get(k) != v for k, v in self.variables_after.items())

    @property
    def changes(self) -> bool:
        return self.rules_change or self.variables_change

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rule_key(rule: Mapping[str, Any]) -> str:
    return json.dumps(rule, sort_keys=True)


def plan_rules(current: Sequence[Mapping[str, Any]], origins: Sequence[str]) -> tuple[dict[str, Any], ...]:
    """Every rule with ``AllowedOrigins`` = ``origins``; rules that become identical merge."""
    source = list(current) or [UPLOAD_RULE]
    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for rule in source:
        updated = {**rule, "AllowedOrigins": list(origins)}
        key = _rule_key({k: v for k, v in updated.items() if k != "ID"})
        if key not in seen:
            seen.add(key)
            rules.append(updated)
    return tuple(rules)


def plan_variables(stored: Sequence[StoredOrigin]) -> dict[str, str]:
    """ORIGIN_URL_DEV / ORIGIN_URL_PROD from the parameters of the same name (comma-joined when a
    parameter holds several origins)."""
    values: dict[str, list[str]] = {}
    for item in stored:
        if item.variable in ORIGIN_VARIABLES:
            values.setdefault(item.variable, []).append(item.origin)
    return {name: ",".join(v) for name, v in values.items()}


def plan_cors(*, bucket: str, stored: Sequence[StoredOrigin], current_rules: Sequence[Mapping[str, Any]],
              function: str = "", function_variables: Mapping[str, str] | None = None) -> CorsPlan:
    origins = tuple(dict.fromkeys(item.origin for item in stored))
    after_vars = plan_variables(stored) if function else {}
    before_vars = {name: (function_variables or {}).get(name) for name in after_vars}
    return CorsPlan(
        bucket=bucket,
        origins=origins,
        before=tuple(dict(r) for r in current_rules),
        after=plan_rules(current_rules, origins),
        function=function,
        variables_before=before_vars,
        variables_after=after_vars,
    )
