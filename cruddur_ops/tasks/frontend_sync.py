"""`inv frontend.plan` and `inv frontend.sync`: the Terraform-like S3 + CloudFront deploy.

Thin: resolve settings once, call the sync core (cruddur_ops.sync.workflow), render, map
outcomes to exit codes. Heavy imports (boto3 clients, the sync core) happen inside the tasks, so
`inv --list` stays fast.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from invoke import Context
from invoke.exceptions import Exit

from .. import ci
from ..cli.guard import ops_task
from ..config import repo_root, resolve_path
from ..errors import EXIT_CHANGES_PRESENT
from .frontend_common import (
    LOCK_HELP,
    SHARED_HELP,
    RichUi,
    cloudfront_factory,
    prepare,
    publish,
    relative,
    resolver,
)


@ops_task(
    help={
        **SHARED_HELP,
        "out": "write the changeset here (default: SYNC_OUTPUT_CHANGESET_PATH with -<epoch>)",
        "detailed-exitcode": "exit 0 when nothing would change, 2 when something would, 1 on error",
        "json": "print the plan as JSON (the changeset array) on stdout; the preview goes to stderr; "
                "an error prints {\"error\", \"hint\"}",
        "keep-releases": LOCK_HELP["keep-releases"],
    },
)
def plan(
    ctx: Context,
    out: str = "",
    detailed_exitcode: bool = False,
    json: bool = False,
    show_all: bool = False,
    env_file: str = "",
    build_dir: str = "",
    key_mode: str = "",
    workers: int = 0,
    force: bool = False,
    keep_releases: int = 0,
) -> None:
    """Plan a sync of the build folder to the S3 bucket and preview it; change nothing.

    Every file gets create/update/delete/no_change/ignore with a reason (size first, then MD5
    against the ETag or the MD5 recorded in metadata). The plan is saved as a changeset JSON
    file that `inv frontend.sync --plan FILE` applies later, refusing it if anything changed.
    """
    from ..sync.changeset import chunks
    from ..sync.workflow import plan_sync, write_plan_changeset

    config, target_spec, sess, s3 = prepare(ctx, env_file=env_file, build_dir=build_dir,
                                             key_mode=key_mode, workers=workers,
                                             flags={"KEEP_RELEASES": keep_releases or None})
    ui = RichUi(config, show_all=show_all, warn_caps=True)
    deploy = plan_sync(config, s3, resolver(config, target_spec, sess), ui, force=force)
    path = write_plan_changeset(config, deploy, resolve_path(out, repo_root()) if out else None)
    deploy = replace(deploy, changeset_note=relative(path))
    if deploy.warning:
        ci.warn(f"{deploy.warning}: `frontend.sync` will refuse it without --allow-deletes")
    ui.preview(deploy, to_stderr=json)
    publish("plan", deploy, invalidation=deploy.invalidation)
    if json:  # streamed item by item by the task wrapper, as the changeset file is written
        from ..ci.run import RawJson

        ci.result(RawJson(lambda: chunks(deploy.plan.items)))
    if detailed_exitcode and deploy.plan.has_changes:
        raise Exit(code=EXIT_CHANGES_PRESENT)


@ops_task(
    help={
        **SHARED_HELP,
        "yes": "apply without asking (also SYNC_AUTO_APPROVE=true/1/yes); required without a terminal",
        "dry-run": "plan, preview and walk through the apply without sending any write or invalidation",
        "plan": "apply this saved changeset (from `frontend.plan --out`) instead of planning anew; "
                "refused if local files or bucket objects changed since",
        "max-deletes": "refuse plans deleting more objects than this (default 50; also refused above "
                       "50% of a bucket of 20+ objects)",
        "allow-deletes": "apply even when the deletes exceed the caps",
        "invalidate": "create a CloudFront invalidation for the changed paths (default on; "
                      "--no-invalidate skips it, and the stack lookup when the bucket is set)",
        "wait": "wait until the invalidation has completed",
        "json": "print the outcome as one JSON object on stdout (shape: docs/json.md); text goes to stderr",
        **LOCK_HELP,
    },
)
def sync(
    ctx: Context,
    yes: bool = False,
    dry_run: bool = False,
    plan: str = "",
    max_deletes: str = "",
    allow_deletes: bool = False,
    invalidate: bool = True,
    wait: bool = False,
    show_all: bool = False,
    env_file: str = "",
    build_dir: str = "",
    key_mode: str = "",
    workers: int = 0,
    force: bool = False,
    keep_releases: int = 0,
    lock_wait: int = 0,
    break_lock: bool = False,
    json: bool = False,
) -> None:
    """Sync the build folder to S3 and invalidate CloudFront: plan, preview, confirm, apply.

    Uploads new/changed files (assets first, HTML last, then deletes) in parallel with the right
    Content-Type and Cache-Control, then invalidates the changed paths, and records a release
    (`frontend.releases`). Content-hashed assets of the last N releases are kept. One deploy at a
    time per bucket (a lock object). Refuses a missing or empty build folder and deletes above
    the caps; without a terminal it needs --yes.
    """
    from ..sync.workflow import Flags, execute, plan_sync, write_plan_changeset

    config, target_spec, sess, s3 = prepare(
        ctx, env_file=env_file, build_dir=build_dir, key_mode=key_mode, workers=workers,
        flags={"MAX_DELETES": max_deletes or None, "KEEP_RELEASES": keep_releases or None,
               "LOCK_WAIT": lock_wait or None},
    )
    ui = RichUi(config, show_all=show_all, invalidate=invalidate)
    deploy = plan_sync(config, s3, resolver(config, target_spec, sess), ui, force=force,
                       saved_plan=str(resolve_path(plan, Path.cwd())) if plan else None, invalidate=invalidate)
    changeset = Path(plan) if plan else write_plan_changeset(config, deploy)
    deploy = deploy if plan else replace(deploy, changeset_note=relative(changeset))
    ui.preview(deploy)
    execute(deploy, config, s3, cloudfront_factory(target_spec, sess), ui=ui, reference=changeset.stem,
            flags=Flags(yes=yes, dry_run=dry_run, invalidate=invalidate, wait=wait,
                        allow_deletes=allow_deletes, break_lock=break_lock))


tasks = [plan, sync]
