"""`inv cors.apply`: CORS origins exactly as stored in Parameter Store (never a wildcard).

The CORS core is imported inside the task, so `inv --list` and every other task start without it.
"""

from __future__ import annotations

from invoke import Collection, Context

from ..cli.common import aws_target, confirm, load_settings
from ..cli.guard import ops_task
from ..console import consoles
from ..errors import ConfigError


@ops_task(
    auto_shortflags=False,
    help={
        "bucket": "the bucket whose CORS rules to set (default: CORS_BUCKET)",
        "function": "also set this Lambda's ORIGIN_URL_DEV / ORIGIN_URL_PROD (default: CORS_FUNCTION)",
        "dry-run": "show the change and stop",
        "yes": "apply without asking (required without a terminal)",
    },
)
def apply(ctx: Context, bucket: str = "", function: str = "", dry_run: bool = False, yes: bool = False) -> None:
    """Set a bucket's CORS AllowedOrigins to exactly the origins in Parameter Store.

    Origins: /cruddur/dev/ORIGIN_URL_DEV and /cruddur/prod/ORIGIN_URL_PROD, or the names in
    CORS_ORIGIN_PARAMETERS (comma list). Methods, headers, exposed headers and max age are kept; a
    bucket without CORS gets the upload rule (PUT, 3000 s). Refuses *, wildcards, paths and plain
    http:// (except http://localhost:PORT), naming the parameter. Previews before → after and asks.
    """
    from .. import aws
    from ..cors.apply import AwsCorsWriter, CorsExecutor, DryRunCorsWriter
    from ..cors.origins import parameter_names
    from ..cors.render import outcome_line, preview
    from ..cors.service import prepare

    settings = load_settings(ctx, section="cors", flags={"CORS_BUCKET": bucket or None,
                                                         "CORS_FUNCTION": function or None})
    bucket_name = settings.get("CORS_BUCKET")
    if not bucket_name:
        raise ConfigError("no bucket to set CORS on", hint="pass --bucket NAME or set CORS_BUCKET")
    function_name = settings.get("CORS_FUNCTION") or ""
    target = aws_target(settings)
    sess = aws.session(target)
    s3, lam = aws.client("s3", target, sess=sess), aws.client("lambda", target, sess=sess)
    plan = prepare(s3=s3, ssm=aws.client("ssm", target, sess=sess), lam=lam, bucket=bucket_name,
                   function=function_name, parameters=parameter_names(settings.get("CORS_ORIGIN_PARAMETERS")),
                   sess=sess)
    out = consoles().out
    for line in preview(plan):
        out.print(line)
    if plan.changes and not dry_run:
        confirm("Apply these CORS changes?", yes=yes)
    executor: CorsExecutor = DryRunCorsWriter() if dry_run else AwsCorsWriter(s3, lam, sess)
    out.print(outcome_line(executor.execute(plan)))


collection = Collection("cors", apply)
