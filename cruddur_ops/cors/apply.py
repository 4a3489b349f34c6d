"""Read the bucket's CORS and the function's variables; write the plan. Never prints.

The function's whole environment must be sent back on update (Lambda replaces it), so it is read
here and merged here; only the ORIGIN_URL_* names ever leave this module in a plan or a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from .. import aws
from ..errors import ConfigError
from .plan import CorsPlan


def read_rules(s3: Any, bucket: str, sess: Any = None) -> list[dict[str, Any]]:
    try:
        return list(s3.get_bucket_cors(Bucket=bucket).get("CORSRules") or [])
    except ClientError as exc:
        if aws.error_code(exc) == "NoSuchCORSConfiguration":
            return []
        if aws.error_code(exc) == "NoSuchBucket":
            raise ConfigError(f"bucket {bucket} does not exist",
                              hint="check --bucket / CORS_BUCKET (aws s3 ls lists your buckets)") from exc
        raise aws.translate(exc, action=f"read the CORS rules of s3://{bucket}", sess=sess) from exc


def read_variables(lam: Any, function: str, sess: Any = None) -> dict[str, str]:
    try:
        config = lam.get_function_configuration(FunctionName=function)
    except ClientError as exc:
        if aws.error_code(exc) == "ResourceNotFoundException":
            raise ConfigError(f"Lambda function {function} does not exist",
                              hint="check --function / CORS_FUNCTION and AWS_REGION") from exc
        raise aws.translate(exc, action=f"read the configuration of Lambda {function}", sess=sess) from exc
    return dict((config.get("Environment") or {}).get("Variables") or {})


@dataclass(frozen=True)
class CorsOutcome:
    plan: CorsPlan
    changed: bool
    dry_run: bool = False


class CorsExecutor(Protocol):
    def execute(self, plan: CorsPlan) -> CorsOutcome: ...


class AwsCorsWriter:
    """Puts the rules, then the variables (rules first: they are what the browser checks)."""

    def __init__(self, s3: Any, lam: Any, sess: Any = None) -> None:
        self._s3 = s3
        self._lambda = lam
        self._sess = sess

    def execute(self, plan: CorsPlan) -> CorsOutcome:
        if plan.rules_change:
            with aws.aws_errors(f"write the CORS rules of s3://{plan.bucket}", self._sess):
                self._s3.put_bucket_cors(Bucket=plan.bucket, CORSConfiguration={"CORSRules": list(plan.after)})
        if plan.function and plan.variables_change:
            # Re-read just before writing: another change since the preview must not be undone.
            variables = read_variables(self._lambda, plan.function, self._sess)
            variables.update(plan.variables_after)
            with aws.aws_errors(f"set {', '.join(plan.variables_after)} on Lambda {plan.function}", self._sess):
                self._lambda.update_function_configuration(
                    FunctionName=plan.function, Environment={"Variables": variables})
        return CorsOutcome(plan, changed=plan.changes)


class DryRunCorsWriter:
    def execute(self, plan: CorsPlan) -> CorsOutcome:
        return CorsOutcome(plan, changed=False, dry_run=True)
