"""A stack's outputs, for `inv cfn.outputs` and for other domains (frontend.sync / doctor).

Public API::

    stack_outputs(stack_name: str, target: AwsTarget | None = None) -> dict[str, str]
    stack_folder_outputs(stacks_dir: Path, folder: str, target: AwsTarget | None = None) -> dict[str, str]

Real CloudFormation (and LocalStack) return Outputs from describe_stacks and that is all this
does there. A stack that moto created through a change set has no Outputs; then the template
the stack was created from is evaluated against the stack's parameters and resources (see
:mod:`.resolve`): Refs to parameters/resources, Fn::Sub/If/Join/Select/Split, and GetAtt for
IAM roles (Arn, RoleId) and S3 buckets (Arn, DomainName, RegionalDomainName). Outputs that
depend on resources the stack does not have (e.g. a CloudFront distribution on moto) are
left out and listed in ``OutputsReport.unresolved``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from ..aws import AwsTarget, aws_errors, client, session
from ..errors import AwsError
from .observe import StackSnapshot, deployed_template, describe_stack, stack_resources
from .resolve import Resolver, pseudo_parameters, resolve_outputs
from .template import parse_template_text


@dataclass(frozen=True)
class OutputsReport:
    stack_name: str
    outputs: dict[str, str]
    source: Literal["stack", "template", "none"]
    unresolved: tuple[str, ...] = field(default_factory=tuple)


def attribute_lookup(iam: Any, region: str, suffix: str = "amazonaws.com") -> Callable[[str, str, str, str], str | None]:
    """GetAtt values that can be derived from a physical id (plus one IAM read for roles)."""

    def lookup(logical: str, rtype: str, physical: str, attr: str) -> str | None:
        if rtype == "AWS::S3::Bucket":
            return {
                "Arn": f"arn:aws:s3:::{physical}",
                "DomainName": f"{physical}.s3.{suffix}",
                "RegionalDomainName": f"{physical}.s3.{region}.{suffix}",
            }.get(attr)
        if rtype == "AWS::IAM::Role" and attr in {"Arn", "RoleId"} and iam is not None:
            with aws_errors(f"get role {physical}"):
                role = iam.get_role(RoleName=physical)["Role"]
            return str(role["Arn"] if attr == "Arn" else role["RoleId"])
        return None

    return lookup


def outputs_report(cf: Any, iam: Any, stack_name: str, *, stack: StackSnapshot | None = None) -> OutputsReport:
    stack = stack or describe_stack(cf, stack_name)
    if stack is None:
        raise AwsError(f"stack {stack_name} does not exist",
                       hint=f"deploy it first: inv cfn.deploy <stack folder>  ({stack_name})")
    if stack.outputs:
        return OutputsReport(stack_name, dict(stack.outputs), "stack")
    template = parse_template_text(deployed_template(cf, stack.stack_id or stack_name),
                                   source=f"stack {stack_name}")
    if not template.get("Outputs"):
        return OutputsReport(stack_name, {}, "none")
    pseudo = pseudo_parameters(stack.stack_id, stack.name)
    resolver = Resolver(
        template=template,
        parameters=stack.parameters,
        pseudo=pseudo,
        resources=stack_resources(cf, stack.stack_id or stack_name),
        attribute=attribute_lookup(iam, pseudo["AWS::Region"], pseudo["AWS::URLSuffix"]),
    )
    resolved, missing = resolve_outputs(resolver)
    return OutputsReport(stack_name, resolved, "template", tuple(missing))


def stack_outputs(stack_name: str, target: AwsTarget | None = None) -> dict[str, str]:
    """Output name → value of a deployed stack (raises OpsError when the stack is absent)."""
    sess = session(target)
    cf = client("cloudformation", target, sess=sess)
    iam = client("iam", target, sess=sess)
    return outputs_report(cf, iam, stack_name).outputs


def stack_folder_outputs(stacks_dir: Path, folder: str, target: AwsTarget | None = None) -> dict[str, str]:
    """Outputs of the stack deployed from ``stacks_dir/folder`` (its config.toml names the stack
    and region), e.g. ``stack_folder_outputs(repo_root() / "aws/cfn", "frontend")``."""
    from .config import load_stack_config

    config = load_stack_config(stacks_dir, folder)
    base = target or AwsTarget()
    return stack_outputs(config.stack_name, replace(base, region=config.region or base.region))
