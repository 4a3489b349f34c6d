"""Where to sync: the bucket and distribution, from settings or the frontend stack's outputs.

``frontend.sync`` works without hard-coded ids once the frontend stack is deployed: its outputs
``BucketName`` and ``DistributionId`` are read when ``SYNC_S3_BUCKET`` /
``SYNC_CLOUDFRONT_DISTRIBUTION_ID`` are unset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..aws import aws_errors
from ..errors import AwsError, ConfigError

BUCKET_OUTPUT = "BucketName"
DISTRIBUTION_OUTPUT = "DistributionId"
SET_BUCKET_HINT = "set SYNC_S3_BUCKET (and SYNC_CLOUDFRONT_DISTRIBUTION_ID) in sync.env or the environment"


@dataclass(frozen=True)
class Target:
    bucket: str
    distribution_id: str | None
    source: str  # "settings" or "stack <name>"
    notice: str | None = None  # why invalidation will be skipped, when it will


def stack_outputs(cfn: Any, stack_name: str) -> dict[str, str] | None:
    """Outputs of ``stack_name`` (plus its status under ``"__status__"``); None when the stack
    does not exist. Read through the cfn domain, which also resolves outputs from the deployed
    template where an emulator dropped them (GetAtt on IAM roles is not needed here)."""
    from ..cfn.observe import describe_stack
    from ..cfn.outputs import outputs_report

    with aws_errors(f"read the outputs of stack {stack_name}"):
        stack = describe_stack(cfn, stack_name)
        if stack is None:
            return None
        outputs = dict(outputs_report(cfn, None, stack_name, stack=stack).outputs)
    outputs["__status__"] = stack.status
    return outputs


def resolve_target(bucket: str | None, distribution_id: str | None, *, stack_name: str,
                   cfn_factory: Any, need_distribution: bool = True) -> Target:
    """``cfn_factory()`` builds a CloudFormation client, only when the stack must be consulted.

    ``need_distribution=False`` (a sync with ``--no-invalidate``) skips the stack when the bucket
    is known: the distribution would not be used, and the run then needs no CloudFormation
    permission and no extra round trip.
    """
    if bucket and (distribution_id or not need_distribution):
        return Target(bucket, distribution_id, "settings")
    try:
        outputs = stack_outputs(cfn_factory(), stack_name)
    except AwsError as exc:
        if bucket:  # only the distribution was missing: sync without invalidation
            outputs = None
        else:
            raise AwsError(f"SYNC_S3_BUCKET is not set, and reading it from stack {stack_name!r} failed: "
                           f"{exc.message}", hint=SET_BUCKET_HINT + f"; or fix: {exc.hint}" if exc.hint
                           else SET_BUCKET_HINT) from exc
    if not bucket:
        if outputs is None:
            raise ConfigError(
                f"SYNC_S3_BUCKET is not set and the frontend stack {stack_name!r} does not exist",
                hint=SET_BUCKET_HINT + ", or deploy it with `inv cfn.deploy frontend`",
            )
        bucket = outputs.get(BUCKET_OUTPUT)
        if not bucket:
            status = outputs.get("__status__", "")
            why = (f"it is {status}" if status and not status.endswith("_COMPLETE") else
                   "emulators such as moto drop the outputs of stacks created through change sets")
            raise ConfigError(
                f"SYNC_S3_BUCKET is not set and stack {stack_name!r} has no {BUCKET_OUTPUT} output ({why})",
                hint=SET_BUCKET_HINT,
            )
        source = f"stack {stack_name}"
    else:
        source = "settings"
    notice = None
    if not distribution_id:
        distribution_id = (outputs or {}).get(DISTRIBUTION_OUTPUT) or None
        if distribution_id:
            source = f"stack {stack_name}" if source != "settings" else "settings + stack " + stack_name
        else:
            notice = ("no CloudFront distribution configured (SYNC_CLOUDFRONT_DISTRIBUTION_ID unset, "
                      f"no {DISTRIBUTION_OUTPUT} output on stack {stack_name!r}): invalidation skipped")
    return Target(bucket, distribution_id, source, notice)
