"""`inv cors.apply`: CORS origins exactly as stored in Parameter Store (never a wildcard).

The CORS core is imported inside the task, so `inv --list` and every other task start without it.
"""

from __future__ import annotations

from invoke import Collection, Context

from ..cli.common import aws_target, confirm, load_settings
from ..cli.guard import ops_task
from ..console import consoles


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
    from ..cors.render import outcome_line, preview
    from ..cors.service import open_clients, plan_for, writer
    from ..cors.settings import cors_settings

    settings = load_settings(ctx, section="cors", flags={"CORS_BUCKET": bucket, "CORS_FUNCTION": function})
    cors = cors_settings(settings)
    clients = open_clients(aws_target(settings))
    plan = plan_for(cors, clients)
    out = consoles().out
    for line in preview(plan):
        out.print(line)
    if plan.changes and not dry_run:
        confirm("Apply these CORS changes?", yes=yes)
    out.print(outcome_line(writer(clients, dry_run=dry_run).execute(plan)))


collection = Collection("cors", apply)
