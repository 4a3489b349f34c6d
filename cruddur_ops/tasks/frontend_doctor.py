"""`inv frontend.doctor`: explain a 403 (or any other break) in the chain that serves the site.

The doctor core and the stack-output reader are imported inside the task, so `inv --list` and
every other task start without them.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from invoke import Context

from .. import ci
from ..cli.common import aws_target, load_settings
from ..cli.guard import ops_task
from ..config import Settings, repo_root, resolve_path
from ..console import consoles, plain
from ..errors import ConfigError, OpsError

if TYPE_CHECKING:
    from ..aws import AwsTarget

DISTRIBUTION_NAMES = ("SYNC_CLOUDFRONT_DISTRIBUTION_ID", "SYNC_CLOUDFRONT_DISTRUBTION_ID")


def _from_stack(settings: Settings, stack: str, target: AwsTarget) -> dict[str, str]:
    """BucketName / DistributionId from the frontend stack's outputs (when not configured)."""
    from ..cfn.outputs import stack_folder_outputs

    stacks_dir = resolve_path(settings.get("CFN_STACKS_DIR", default="aws/cfn"), repo_root())
    return stack_folder_outputs(stacks_dir, stack, target)


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
    from ..aws import client, session
    from ..doctor import render
    from ..doctor.checks import healthy, run_checks
    from ..doctor.observe import observe_site
    from ..sync.settings import release_prefix

    env_path = resolve_path(env_file or "sync.env", repo_root())
    if env_file and not env_path.is_file():
        raise ConfigError(f"env file {env_file} not found", hint="render it first: inv env.render sync")
    settings = load_settings(
        ctx, env_files=[env_path], section="frontend",
        flags={"SYNC_S3_BUCKET": bucket or None, "SYNC_CLOUDFRONT_DISTRIBUTION_ID": distribution_id or None,
               "CFN_STACKS_DIR": stacks_dir or None},
    )
    target = aws_target(settings)
    bucket_name = settings.get("SYNC_S3_BUCKET")
    distribution = settings.get(*DISTRIBUTION_NAMES)
    err = consoles().err
    if not bucket_name and not distribution:
        try:
            outputs = _from_stack(settings, stack, target)
        except OpsError as exc:
            raise ConfigError(
                "no bucket or distribution to check",
                hint="pass --bucket/--distribution-id, set SYNC_S3_BUCKET / SYNC_CLOUDFRONT_DISTRIBUTION_ID "
                f"(sync.env), or deploy the {stack} stack ({exc.message})",
            ) from exc
        bucket_name, distribution = outputs.get("BucketName"), outputs.get("DistributionId")
        err.print(plain(f"using the {stack} stack's outputs: bucket {bucket_name or '?'}, "
                       f"distribution {distribution or '?'}", style="muted"))
    sess = session(target)
    snapshot = observe_site(
        s3=client("s3", target, sess=sess),
        cloudfront=client("cloudfront", target, sess=sess),
        acm=client("acm", target, sess=sess, region="us-east-1"),  # CloudFront certificates live there
        bucket=bucket_name,
        distribution_id=distribution,
        release_prefix=release_prefix(settings),
    )
    results = run_checks(snapshot)
    if json:  # printed by the task wrapper, alone on stdout (also when a link is broken)
        payload: list[dict[str, Any]] = [asdict(r) for r in results]
        ci.result(payload)
    else:
        consoles().out.print(render.report(snapshot.bucket_name, snapshot.distribution_id, results))
    if not healthy(results):
        broken = [r.link for r in results if r.broken]
        raise OpsError(f"{len(broken)} broken link(s) between CloudFront and the bucket: {', '.join(broken)}",
                       hint="apply each fix above, then run inv frontend.doctor again")


# Task objects this module contributes to the `frontend` namespace.
tasks: list[Any] = [doctor]
