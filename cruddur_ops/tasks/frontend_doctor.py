"""`inv frontend.doctor`: explain a 403 (or any other break) in the chain that serves the site.

The doctor core and the stack-output reader are imported inside the task, so `inv --list` and
every other task start without them.
"""

from __future__ import annotations

from typing import Any

from invoke import Context

from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
from ..config import repo_root, resolve_path
from ..errors import ConfigError


@ops_task(
    help={
        "bucket": "the site's bucket (default: SYNC_S3_BUCKET, else the frontend stack's BucketName)",
        "distribution-id": "the CloudFront distribution (default: SYNC_CLOUDFRONT_DISTRIBUTION_ID, "
                           "else the frontend stack's DistributionId)",
        "env-file": "rendered env file to read settings from (default: sync.env when present)",
        "stack": "stack folder whose outputs name the bucket/distribution (default: frontend)",
        "stacks-dir": "folder holding the stack folders (default aws/cfn, or CFN_STACKS_DIR)",
        "json": "print the checks as a JSON array on stdout (shape: docs/json.md); text goes to stderr",
    },
)
def doctor(ctx: Context, bucket: str = "", distribution_id: str = "", env_file: str = "",
           stack: str = "frontend", stacks_dir: str = "", json: bool = False) -> None:
    """Check each link that serves the site and name the broken one with its fix.

    Distribution deployed → origin on the bucket's REST endpoint → OAC (or legacy OAI) →
    bucket policy grants that distribution → public access blocked → index.html is text/html →
    default root object → SPA routing (a CloudFront Function, not error responses that hide
    missing assets) → the release prefix kept from the distribution → aliases covered by the
    certificate.
    Exit 1 when any link is broken.
    """
    from ..doctor import render
    from ..doctor.site import examine, raise_if_broken, site_to_check

    env_path = resolve_path(env_file or "sync.env", repo_root())
    if env_file and not env_path.is_file():
        raise ConfigError(f"env file {env_file} not found", hint="render it first: inv env.render sync")
    settings = load_settings(
        ctx, env_files=[env_path], section="frontend",
        flags={"SYNC_S3_BUCKET": bucket or None, "SYNC_CLOUDFRONT_DISTRIBUTION_ID": distribution_id or None,
               "CFN_STACKS_DIR": stacks_dir or None},
    )
    target = aws_target(settings)
    site = site_to_check(settings, stack, target)
    if site.from_stack:
        render.show_stack_source(site)
    snapshot, results = examine(site, target)
    render.show(snapshot, results, as_json=json)
    raise_if_broken(results)


# Task objects this module contributes to the `frontend` namespace.
tasks: list[Any] = [doctor]
