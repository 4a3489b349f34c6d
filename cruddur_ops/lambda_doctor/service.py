"""The `lambda.doctor` flow: one session and its clients → observe → the checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..doctor.checks import CheckResult
from .checks import run_checks
from .observe import Clients, observe_lambda
from .snapshot import LambdaSnapshot

if TYPE_CHECKING:
    from ..aws import AwsTarget
    from .settings import DoctorSettings

DEFAULT_REGION = "us-east-1"  # when neither the target nor the profile names one


def diagnose(target: AwsTarget, doctor: DoctorSettings) -> tuple[LambdaSnapshot, tuple[CheckResult, ...]]:
    from .. import aws

    sess = aws.session(target)
    clients = Clients(*(aws.client(name, target, sess=sess) for name in
                        ("lambda", "iam", "ec2", "secretsmanager", "kms", "cloudformation")))
    snapshot = observe_lambda(
        clients,
        function_name=doctor.function,
        region=target.region or sess.get_config_variable("region") or DEFAULT_REGION,
        secret_id=doctor.secret_id,
        db_sg=doctor.db_sg,
        db_sg_configured=doctor.db_sg_configured,
        db_stack=doctor.db_stack,
    )
    return snapshot, run_checks(snapshot)
