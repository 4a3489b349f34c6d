"""What the deploy-preview job runs: `inv frontend.plan --json` with the read-only role's reach,
then .github/scripts/plan_summary.py on its stdout.

CrdSyncPlanRole grants s3:ListBucket on the bucket and s3:GetObject on its objects, nothing else
(tests/unit/test_cfn_templates.py). The plan is run through a recording proxy with the preview's
settings (bucket and distribution id given, as in the workflow) and every request it sends is
checked against that grant: S3 only, ListObjectsV2 on the bucket, GET/HEAD on objects. moto's
own IAM enforcement cannot judge it: it maps ListObjectsV2 and HeadObject to other actions than
AWS does (see reference/emulators.md), so the rule is AWS's documented mapping, applied here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from urllib.parse import parse_qs, unquote, urlsplit

from tests.conftest import REPO_ROOT
from tests.support.recording_proxy import recording

from .test_sync_support import SyncSite, example_files, site_fixture  # noqa: F401  (fixture)

SUMMARY_SCRIPT = REPO_ROOT / ".github" / "scripts" / "plan_summary.py"


def iam_action(request: dict[str, str], bucket: str) -> str:
    """The IAM action AWS authorises a recorded S3 request against (the few a plan may send)."""
    parts = urlsplit(request[":path"])
    path, query = unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)
    method = request[":method"]
    scope = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request", request.get("authorization", ""))
    service = scope.group(1) if scope else "unsigned"
    if service != "s3":
        return f"{service}: {method} {request[':path']}"
    if path.rstrip("/") == f"/{bucket}":
        if method == "GET" and query.get("list-type") == ["2"]:
            return "s3:ListBucket"  # ListObjectsV2
        return f"bucket-level {method} ?{parts.query}"
    if path.startswith(f"/{bucket}/") and method in ("GET", "HEAD") and not set(query) - {"partNumber"}:
        return "s3:GetObject"  # GetObject / HeadObject
    return f"{method} {request[':path']}"


def test_the_preview_plan_needs_only_list_bucket_and_get_object_and_renders_a_summary(
    site: SyncSite, aws_env: dict[str, str],
) -> None:
    assert site.inv("frontend.sync", "--yes").returncode == 0
    (site.build / "robots.txt").unlink()
    (site.build / "index.html").write_text("<html>changed</html>", encoding="utf-8")
    (site.build / "new page.txt").write_text("hello", encoding="utf-8")

    with recording(aws_env["AWS_ENDPOINT_URL"]) as proxy:
        plan = site.inv("frontend.plan", "--json",
                        env={"AWS_ENDPOINT_URL": proxy.endpoint_url, "SYNC_CLOUDFRONT_DISTRIBUTION_ID": "E1PREVIEW"})
    assert plan.returncode == 0, plan.output
    assert proxy.requests, "the plan read the bucket through the proxy"
    actions = {iam_action(request, site.bucket) for request in proxy.requests}
    assert actions <= {"s3:ListBucket", "s3:GetObject"}, actions
    assert "s3:ListBucket" in actions

    changeset = site.build.parent / "plan.json"
    changeset.write_text(plan.stdout, encoding="utf-8")
    summary = subprocess.run([sys.executable, str(SUMMARY_SCRIPT), str(changeset)], capture_output=True,
                             text=True, env={"SYNC_S3_BUCKET": site.bucket}, timeout=60, check=False)
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    assert lines[0] == f"### Deploy preview: sync plan for `s3://{site.bucket}`"
    unchanged = len(example_files()) - 2
    assert f"| 1 | 1 | 1 | {unchanged} | 0 |" in lines
    assert "| + | new page.txt | 5 B | not in bucket |" in lines
    assert any(line.startswith("| ~ | index.html | 20 B |") for line in lines)
    assert any(line.startswith("| - | robots.txt |") for line in lines)
    assert site.objects().keys() == set(example_files()), "a preview changes nothing"


def test_a_write_would_be_named_as_outside_the_grant(site: SyncSite, aws_env: dict[str, str]) -> None:
    """The control: the same classification flags what a sync sends."""
    with recording(aws_env["AWS_ENDPOINT_URL"]) as proxy:
        applied = site.inv("frontend.sync", "--yes", env={"AWS_ENDPOINT_URL": proxy.endpoint_url})
    assert applied.returncode == 0, applied.output
    actions = {iam_action(request, site.bucket) for request in proxy.requests}
    assert any(action.startswith("PUT /") for action in actions), actions
    assert any(action.startswith("cloudformation: ") for action in actions), actions  # the stack lookup
