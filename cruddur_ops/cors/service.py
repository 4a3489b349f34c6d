"""The ``cors.apply`` flow up to the plan: origins from SSM → current rules and variables → plan.

Shared by ``inv cors.apply`` and the CORS step of ``inv workspace.init``. Every origin is
validated before anything is read from the bucket, so a refused origin changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .apply import AwsCorsWriter, CorsExecutor, DryRunCorsWriter, read_rules, read_variables
from .origins import read_origins
from .plan import CorsPlan, plan_cors

if TYPE_CHECKING:
    from ..aws import AwsTarget
    from .settings import CorsSettings


@dataclass(frozen=True)
class CorsClients:
    s3: Any
    ssm: Any
    lam: Any
    sess: Any


def open_clients(target: AwsTarget) -> CorsClients:
    """One session, the three clients the flow reads and writes through."""
    from .. import aws

    sess = aws.session(target)
    s3, ssm, lam = (aws.client(name, target, sess=sess) for name in ("s3", "ssm", "lambda"))
    return CorsClients(s3=s3, ssm=ssm, lam=lam, sess=sess)


def prepare(*, s3: Any, ssm: Any, lam: Any, bucket: str, function: str, parameters: Sequence[str],
            sess: Any = None) -> CorsPlan:
    stored = read_origins(ssm, parameters, sess)
    return plan_cors(
        bucket=bucket,
        stored=stored,
        current_rules=read_rules(s3, bucket, sess),
        function=function,
        function_variables=read_variables(lam, function, sess) if function else None,
    )


def plan_for(cors: CorsSettings, clients: CorsClients) -> CorsPlan:
    return prepare(s3=clients.s3, ssm=clients.ssm, lam=clients.lam, bucket=cors.bucket, function=cors.function,
                   parameters=cors.parameters, sess=clients.sess)


def writer(clients: CorsClients, *, dry_run: bool) -> CorsExecutor:
    """A dry run is another executor, not a flag inside the real one."""
    return DryRunCorsWriter() if dry_run else AwsCorsWriter(clients.s3, clients.lam, clients.sess)
