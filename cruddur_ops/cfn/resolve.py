"""Evaluate a template's Output values from what a deployed stack exposes (pure).

Real CloudFormation returns Outputs from describe_stacks. A stack created through a change set
on moto has none, so `stack_outputs` falls back to this: Ref to parameters, pseudo parameters and
resources (physical ids), Fn::Sub, Fn::If with the template's Conditions, Fn::Join, Fn::Select,
Fn::Split, and Fn::GetAtt through a callback. Whatever cannot be known (a resource the stack
did not create, an attribute with no known derivation) raises Unresolvable and that output is
left out rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class Unresolvable(Exception):
    """This value depends on something the stack does not reveal."""


NO_VALUE = object()
SUB_VAR = re.compile(r"\$\{([^}]+)\}")

AttributeLookup = Callable[[str, str, str, str], str | None]  # (logical, type, physical, attr)


@dataclass
class Resolver:
    template: Mapping[str, Any]
    parameters: Mapping[str, str]
    pseudo: Mapping[str, str]
    resources: Mapping[str, tuple[str, str]]  # logical id -> (type, physical id)
    attribute: AttributeLookup = field(default=lambda logical, rtype, physical, attr: None)
    _conditions: dict[str, bool] = field(default_factory=dict)

    def parameter(self, name: str) -> Any:
        spec = (self.template.get("Parameters") or {}).get(name) or {}
        if name in self.parameters:
            value: Any = self.parameters[name]
        elif "Default" in spec:
            value = str(spec["Default"])
        else:
            raise Unresolvable(f"parameter {name}")
        if str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<")):
            return [v.strip() for v in str(value).split(",")] if value != "" else [""]
        return value

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in (self.template.get("Parameters") or {}):
            return self.parameter(name)
        if name in self.resources:
            return self.resources[name][1]
        raise Unresolvable(f"Ref {name}")

    def get_att(self, logical: str, attr: str) -> Any:
        if logical not in self.resources:
            raise Unresolvable(f"GetAtt {logical}.{attr}")
        rtype, physical = self.resources[logical]
        value = self.attribute(logical, rtype, physical, attr)
        if value is None:
            raise Unresolvable(f"GetAtt {logical}.{attr}")
        return value

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            spec = (self.template.get("Conditions") or {}).get(name)
            if spec is None:
                raise Unresolvable(f"condition {name}")
            self._conditions[name] = bool(self.evaluate(spec))
        return self._conditions[name]

    def evaluate(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.evaluate(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, Mapping):
            return node
        if len(node) != 1:
            return {k: self.evaluate(v) for k, v in node.items()}
        (key, arg), = node.items()
        if key == "Ref":
            return self.ref(str(arg))
        if key == "Fn::GetAtt":
            logical, attr = (arg.split(".", 1) if isinstance(arg, str) else arg)
            return self.get_att(str(logical), str(self.evaluate(attr)))
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::If":
            name, when_true, when_false = arg
            return self.evaluate(when_true if self.condition(str(name)) else when_false)
        if key == "Condition":
            return self.condition(str(arg))
        if key == "Fn::Equals":
            left, right = (self.evaluate(a) for a in arg)
            return str(left) == str(right) if not isinstance(left, list) else left == right
        if key == "Fn::Not":
            return not self.evaluate(arg[0])
        if key == "Fn::And":
            return all(self.evaluate(a) for a in arg)
        if key == "Fn::Or":
            return any(self.evaluate(a) for a in arg)
        if key == "Fn::Join":
            delimiter, values = arg
            return str(delimiter).join(str(v) for v in self.evaluate(values))
        if key == "Fn::Select":
            index, values = arg
            return self.evaluate(values)[int(self.evaluate(index))]
        if key == "Fn::Split":
            delimiter, value = arg
            return str(self.evaluate(value)).split(str(delimiter))
        if key.startswith("Fn::"):
            raise Unresolvable(key)
        return {key: self.evaluate(arg)}

    def _sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = str(arg[0]), {k: self.evaluate(v) for k, v in (arg[1] or {}).items()}
        else:
            text, variables = str(arg), {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical, attr = name.split(".", 1)
                return str(self.get_att(logical, attr))
            return str(self.ref(name))

        return SUB_VAR.sub(replace, text)


def resolve_outputs(resolver: Resolver) -> tuple[dict[str, str], list[str]]:
    """(resolved outputs, names of outputs that could not be resolved)."""
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for name, spec in (resolver.template.get("Outputs") or {}).items():
        spec = spec or {}
        try:
            if "Condition" in spec and not resolver.condition(str(spec["Condition"])):
                continue  # a conditional output that the stack does not have
            value = resolver.evaluate(spec.get("Value"))
        except (Unresolvable, KeyError, IndexError, TypeError, ValueError):
            missing.append(str(name))
            continue
        if value is NO_VALUE:
            continue
        resolved[str(name)] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return resolved, missing


def pseudo_parameters(stack_id: str, stack_name: str) -> dict[str, str]:
    """AWS::Region / AccountId / Partition come from the stack's own ARN."""
    parts = stack_id.split(":")
    partition, region, account = (parts[1], parts[3], parts[4]) if len(parts) > 5 else ("aws", "", "")
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {
        "AWS::StackName": stack_name,
        "AWS::StackId": stack_id,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::Partition": partition,
        "AWS::URLSuffix": suffix,
    }
