"""`inv lambda.doctor`: why a VPC Lambda times out on its database secret.

The doctor core is imported inside the task, so `inv --list` and every other task start without it.
"""

from __future__ import annotations

from invoke import Collection, Context

from .. import ci
from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
from ..console import consoles
from ..errors import OpsError


@ops_task(
    auto_shortflags=False,
    help={
        "function": "the Lambda function's name or ARN",
        "secret-id": "the secret it reads (default: SECRET_NAME / DB_SECRET_ARN / SECRET_ID in its environment)",
        "db-sg": "the database's security group (default: DB_SG_ID, else the db stack's group)",
        "stack": "db stack to find the database's group in (default: aws/cfn/db/config.toml or CrdDb)",
        "json": "print the checks as a JSON array on stdout (name, ok, status, detail, fix; docs/json.md); text goes to stderr",
    },
)
def doctor(ctx: Context, function: str, secret_id: str = "", db_sg: str = "", stack: str = "",
           json: bool = False) -> None:
    """Check every link a VPC Lambda needs to read its secret and reach RDS; name the broken one.

    Function and role → VPC attachment (subnets, groups, zones) → a Secrets Manager interface
    endpoint with private DNS in every zone, or a NAT route from every subnet → the endpoint's group
    admits 443 from the function's → the database's group admits 5432 → the role may call
    GetSecretValue on the secret (no Deny; resource policy; KMS key) → timeout. Read-only.
    Exit 1 when any link is broken.
    """
    from ..lambda_doctor import render
    from ..lambda_doctor.service import diagnose
    from ..lambda_doctor.settings import doctor_settings

    settings = load_settings(ctx, section="lambda", flags={
        "FUNCTION": function, "SECRET_ID": secret_id, "DB_SG": db_sg, "DB_STACK_NAME": stack})
    snapshot, results = diagnose(aws_target(settings), doctor_settings(settings))
    if json:  # printed by the task wrapper, alone on stdout (also when a link is broken)
        ci.result(render.as_json(results))
    else:
        consoles().out.print(render.report(function, snapshot.region, results))
    broken = [r.link for r in results if r.broken]
    if broken:
        raise OpsError(f"{len(broken)} broken link(s) for Lambda {function}: {', '.join(broken)}",
                       hint="apply each fix above, then run inv lambda.doctor again")


collection = Collection("lambda", doctor)
