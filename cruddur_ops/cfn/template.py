"""What the deploy needs to know about a template, read locally (no validate_template call:
it is slow on emulators and, on moto, returns no parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError

MAX_TEMPLATE_BODY = 51_200  # bytes; larger templates must be passed as TemplateURL (S3)

IAM_PREFIX = "AWS::IAM::"
EXPANDING_TYPES = frozenset({"AWS::CloudFormation::Stack", "AWS::CloudFormation::Macro"})


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    type: str
    has_default: bool
    no_echo: bool


@dataclass(frozen=True)
class TemplateInfo:
    body: str
    parameters: dict[str, ParameterSpec]
    resource_types: dict[str, str]  # logical id -> type
    has_transform: bool
    data: dict[str, Any]

    @property
    def size(self) -> int:
        return len(self.body.encode("utf-8"))

    @property
    def needs_upload(self) -> bool:
        return self.size > MAX_TEMPLATE_BODY

    @property
    def no_echo_parameters(self) -> list[str]:
        return [p.name for p in self.parameters.values() if p.no_echo]


def missing_cfn_lint() -> ConfigError:
    return ConfigError("cfn-lint is not installed (needed to lint and read CloudFormation templates)",
                       hint="python -m pip install 'cfn-lint>=1.20,<2'")


def parse_template_text(body: str, *, source: str = "template") -> dict[str, Any]:
    """YAML or JSON with CloudFormation short tags (!Ref, !Sub …) → plain data."""
    try:
        from cfnlint.decode import decode_str  # cfn-lint's decoder understands the short tags
    except ImportError as exc:
        raise missing_cfn_lint() from exc
    data, matches = decode_str(body)
    if matches or not isinstance(data, dict):
        first = matches[0] if matches else None
        where = f":{first.linenumber}" if first is not None else ""
        message = first.message if first is not None else "not a mapping"
        raise ConfigError(f"{source}{where}: cannot parse template: {message}")
    return dict(data)


def template_info(body: str, *, source: str = "template") -> TemplateInfo:
    data = parse_template_text(body, source=source)
    parameters = {}
    for name, spec in (data.get("Parameters") or {}).items():
        spec = spec or {}
        parameters[str(name)] = ParameterSpec(
            name=str(name),
            type=str(spec.get("Type", "String")),
            has_default="Default" in spec,
            no_echo=str(spec.get("NoEcho", "false")).lower() == "true",
        )
    resources = {str(k): str((v or {}).get("Type", "")) for k, v in (data.get("Resources") or {}).items()}
    return TemplateInfo(body=body, parameters=parameters, resource_types=resources,
                        has_transform="Transform" in data, data=data)
