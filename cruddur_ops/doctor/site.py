"""Which site ``inv frontend.doctor`` checks, and the check itself: settings → observe → checks.

The bucket and distribution come from the settings (flags, ``sync.env``, the environment), else
from the frontend stack's outputs. Returns data; :mod:`cruddur_ops.doctor.render` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..aws_settings import AwsTarget
from ..config import Settings, repo_root, resolve_path
from ..errors import ConfigError, OpsError
from .checks import CheckResult, healthy, run_checks
from .snapshot import SiteSnapshot

DISTRIBUTION_NAMES = ("SYNC_CLOUDFRONT_DISTRIBUTION_ID", "SYNC_CLOUDFRONT_DISTRUBTION_ID")


@dataclass(frozen=True)
class SiteToCheck:
    bucket: str | None
    distribution_id: str | None
    release_prefix: str
    from_stack: str | None = None  # the stack folder whose outputs named them


def site_to_check(settings: Settings, stack: str, target: AwsTarget) -> SiteToCheck:
    """The configured bucket / distribution, else the ``stack`` folder's outputs."""
    from ..sync.settings import release_prefix

    bucket, distribution = settings.get("SYNC_S3_BUCKET"), settings.get(*DISTRIBUTION_NAMES)
    if bucket or distribution:
        return SiteToCheck(bucket, distribution, release_prefix(settings))
    from ..cfn.outputs import stack_folder_outputs

    stacks_dir = resolve_path(settings.get("CFN_STACKS_DIR", default="aws/cfn"), repo_root())
    try:
        outputs = stack_folder_outputs(stacks_dir, stack, target)
    except OpsError as exc:
        raise ConfigError(
            "no bucket or distribution to check",
            hint="pass --bucket/--distribution-id, set SYNC_S3_BUCKET / SYNC_CLOUDFRONT_DISTRIBUTION_ID "
            f"(sync.env), or deploy the {stack} stack ({exc.message})",
        ) from exc
    return SiteToCheck(outputs.get("BucketName"), outputs.get("DistributionId"), release_prefix(settings),
                       from_stack=stack)


def examine(site: SiteToCheck, target: AwsTarget) -> tuple[SiteSnapshot, list[CheckResult]]:
    """Observe the site through AWS and run every check on what was seen."""
    from ..aws import client, session
    from .observe import observe_site

    sess = session(target)
    snapshot = observe_site(
        s3=client("s3", target, sess=sess),
        cloudfront=client("cloudfront", target, sess=sess),
        acm=client("acm", target, sess=sess, region="us-east-1"),  # CloudFront certificates live there
        bucket=site.bucket,
        distribution_id=site.distribution_id,
        release_prefix=site.release_prefix,
    )
    return snapshot, list(run_checks(snapshot))


def raise_if_broken(results: list[CheckResult]) -> None:
    if not healthy(results):
        broken = [r.link for r in results if r.broken]
        raise OpsError(f"{len(broken)} broken link(s) between CloudFront and the bucket: {', '.join(broken)}",
                       hint="apply each fix above, then run inv frontend.doctor again")
