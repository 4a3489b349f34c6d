"""`inv frontend.plan` and `inv frontend.sync`: the Terraform-like S3 + CloudFront deploy.

Thin: resolve settings once, call the sync core (cruddur_ops.sync), render, map outcomes to exit
codes. Heavy imports (boto3 clients, the sync core) happen inside the tasks, so `inv --list`
stays fast.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Context
from invoke.exceptions import Exit

from ..cli.common import aws_target, confirm, load_settings
from ..cli.guard import ops_task
from ..config import repo_root, resolve_path
from ..console import consoles
from ..errors import EXIT_CHANGES_PRESENT, OpsError, RefusedError

if TYPE_CHECKING:
    from ..aws import AwsTarget
    from ..sync.invalidation import InvalidationPlan
    from ..sync.model import Plan, PlanItem
    from ..sync.settings import SyncConfig
    from ..sync.target import Target

SHARED_HELP = {
    "env-file": "settings file (default: sync.env in the repository root); real env vars win",
    "build-dir": "build folder to deploy (default: SYNC_BUILD_DIR, else frontend-react-js/build)",
    "key-mode": "`relative` (default: keys are the files' paths) or `strip-html` (the gem's "
                "extensionless keys: about.html → about)",
    "show-all": "list every file in the preview, unchanged and ignored ones too (past 200 changes the "
                "preview otherwise rolls them up by folder)",
    "workers": "parallel uploads / hashing threads (default 16)",
    "force": "re-upload every file (e.g. after changing Cache-Control rules)",
}


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _prepare(ctx: Context, *, env_file: str, build_dir: str, key_mode: str, workers: int | None,
             flags: dict[str, Any] | None = None) -> tuple[SyncConfig, AwsTarget, Any, Any]:
    """Settings, the AWS session and the S3 client: what the bucket listing needs, nothing more."""
    from .. import aws
    from ..sync.s3client import sync_client
    from ..sync.settings import sync_config

    root = repo_root()
    env_path = resolve_path(env_file, root) if env_file else root / "sync.env"
    if env_file and not env_path.is_file():
        raise OpsError(f"env file {env_path} does not exist", hint="render it with `inv env.render sync`")
    settings = load_settings(
        ctx,
        env_files=[env_path],
        section="sync",
        flags={"SYNC_BUILD_DIR": build_dir or None, "KEY_MODE": key_mode or None,
               "WORKERS": workers or None, **(flags or {})},
    )
    config = sync_config(settings, root)
    target_spec = aws_target(settings)
    sess = aws.session(target_spec)
    s3 = sync_client(target_spec, sess, workers=config.workers)
    return config, target_spec, sess, s3


def _target(config: SyncConfig, target_spec: AwsTarget, sess: Any, *, need_distribution: bool) -> Target:
    from .. import aws
    from ..sync.target import resolve_target

    return resolve_target(
        config.bucket, config.distribution_id, stack_name=config.stack_name,
        cfn_factory=lambda: aws.client("cloudformation", target_spec, sess=sess),
        need_distribution=need_distribution,
    )


def _observe(config: SyncConfig, target_spec: AwsTarget, sess: Any, s3: Any, *,
             force: bool, need_distribution: bool = True) -> tuple[Target, Plan]:
    """Start the bucket listing as soon as the bucket is known; the stack lookup (when the
    distribution comes from the stack), the consoles and the hashing run while it is in flight."""
    from ..sync.service import Hooks, start_observation

    def target_now() -> Target:
        return _target(config, target_spec, sess, need_distribution=need_distribution)

    target = None if config.bucket else target_now()  # the bucket comes from the stack
    bucket = target.bucket if target else config.bucket or ""
    with start_observation(s3, bucket=bucket, build_dir=config.build_dir, key_mode=config.key_mode,
                           prefix=config.prefix, workers=config.workers) as observation:
        if target is None:
            target = target_now()
        # imported here, not above: sync.render imports rich, which now loads during the listing
        from ..sync.plan import PlanRules
        from ..sync.render import progress_bar

        c = consoles()
        rules = PlanRules(ignore=config.ignore, cache_rules=config.cache_rules,
                          content_types=config.content_types, force=force)
        with progress_bar(c.err, "hashing", enabled=c.live) as (advance, set_total):
            plan = observation.finish(rules, hooks=Hooks(hash_total=set_total, hashed=advance),
                                      hash_cache=config.hash_cache)
    return target, plan


def _invalidation(config: SyncConfig, target: Target, items: Any, extra: Any = ()) -> InvalidationPlan:
    from ..sync.invalidation import plan_invalidation

    return plan_invalidation(items, prefix=config.prefix, max_paths=config.invalidation_max_paths,
                             extra=extra)


def _show_preview(plan: Plan, config: SyncConfig, target: Target, inv: InvalidationPlan | None, *,
                  show_all: bool, changeset: str | None, invalidate: bool, warning: str | None,
                  to_stderr: bool = False) -> None:
    from ..sync.render import preview_parts, print_parts

    note = target.notice if invalidate else "invalidation skipped (--no-invalidate)"
    c = consoles()
    print_parts(c.err if to_stderr else c.out, preview_parts(
        plan, source=_relative(config.build_dir), invalidation=inv,
        distribution_id=target.distribution_id, invalidation_note=note, show_all=show_all,
        changeset=changeset, warning=warning,
    ))


@ops_task(
    help={
        **SHARED_HELP,
        "out": "write the changeset here (default: SYNC_OUTPUT_CHANGESET_PATH with -<epoch>)",
        "detailed-exitcode": "exit 0 when nothing would change, 2 when something would, 1 on error",
        "json": "print the plan as JSON (the changeset array) on stdout; the preview goes to stderr",
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
) -> None:
    """Plan a sync of the build folder to the S3 bucket and preview it; change nothing.

    Every file gets create/update/delete/no_change/ignore with a reason (size first, then MD5
    against the ETag or the MD5 recorded in metadata). The plan is saved as a changeset JSON
    file that `inv frontend.sync --plan FILE` applies later, refusing it if anything changed.
    """
    from ..sync.changeset import epoch_path, write_changeset, write_items
    from ..sync.safety import delete_cap_violation

    config, target_spec, sess, s3 = _prepare(ctx, env_file=env_file, build_dir=build_dir,
                                             key_mode=key_mode, workers=workers)
    target, the_plan = _observe(config, target_spec, sess, s3, force=force)
    path = resolve_path(out, repo_root()) if out else epoch_path(config.changeset_path)
    write_changeset(path, the_plan)
    inv = _invalidation(config, target, the_plan.items) if target.distribution_id else None
    warning = delete_cap_violation(the_plan, max_deletes=config.max_deletes,
                                   max_percent=config.max_delete_percent)
    if warning:
        warning += ": `frontend.sync` will refuse it without --allow-deletes"
    _show_preview(the_plan, config, target, inv, show_all=show_all, changeset=_relative(path),
                  invalidate=True, warning=warning, to_stderr=json)
    if json:
        write_items(consoles().out.file, the_plan.items)
        consoles().out.file.write("\n")
        consoles().out.file.flush()
    if detailed_exitcode and the_plan.has_changes:
        raise Exit(code=EXIT_CHANGES_PRESENT)


def _saved_plan(plan_file: str, fresh: Plan) -> tuple[Plan, list[PlanItem], int]:
    from ..sync.changeset import read_changeset, resume_saved_plan

    return resume_saved_plan(read_changeset(resolve_path(plan_file, Path.cwd())), fresh, source=plan_file)


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
) -> None:
    """Sync the build folder to S3 and invalidate CloudFront: plan, preview, confirm, apply.

    Uploads new/changed files (assets first, HTML last, then deletes) in parallel with the right
    Content-Type and Cache-Control, then invalidates the changed paths. Refuses a missing or
    empty build folder and deletes above the caps; without a terminal it needs --yes.
    """
    from ..sync.changeset import epoch_path, write_changeset
    from ..sync.safety import delete_cap_violation

    config, target_spec, sess, s3 = _prepare(
        ctx, env_file=env_file, build_dir=build_dir, key_mode=key_mode, workers=workers,
        flags={"MAX_DELETES": max_deletes or None},
    )
    target, fresh = _observe(config, target_spec, sess, s3, force=force, need_distribution=invalidate)
    c = consoles()
    if plan:
        shown_plan, todo, done = _saved_plan(plan, fresh)
        changeset_note: str | None = f"{plan} (saved plan{f'; {done} item(s) already applied' if done else ''})"
    else:
        shown_plan, todo = fresh, list(fresh.changes)
        path = epoch_path(config.changeset_path)
        write_changeset(path, fresh)
        changeset_note = _relative(path)

    invalidating = bool(target.distribution_id) and invalidate
    journal_file = None
    owed: list[str] = []
    if invalidating:
        from ..sync import journal

        journal_file = journal.journal_path(config.changeset_path.parent, target.bucket,
                                            target.distribution_id or "")
        owed = journal.owed(journal_file)
    changes = [i for i in shown_plan.items if i.is_change]
    inv = _invalidation(config, target, changes, owed) if target.distribution_id else None
    _show_preview(shown_plan, config, target, inv, show_all=show_all, changeset=changeset_note,
                  invalidate=invalidate, warning=None)

    if not todo and not (invalidating and owed):
        c.out.print(_no_changes())
        return
    violation = delete_cap_violation(shown_plan, max_deletes=config.max_deletes,
                                     max_percent=config.max_delete_percent)
    if violation and not allow_deletes:
        raise RefusedError(f"refusing to delete: {violation} (nothing was changed)",
                           hint="check SYNC_BUILD_DIR and the bucket; re-run with --allow-deletes "
                                "(or a higher --max-deletes) if this is intended")
    if dry_run:
        _dry_run(config, todo, inv if invalidating else None)
        return
    confirm(f"Apply this plan to s3://{target.bucket}?", yes=yes or config.auto_approve,
            what="--yes (or SYNC_AUTO_APPROVE=true)")

    from .. import aws as aws_mod

    if invalidating and journal_file is not None and inv is not None:
        from ..sync import journal
        from ..sync.invalidation import raw_paths

        journal.record(journal_file, [*owed, *raw_paths(changes, config.prefix)])
    result, seconds = _apply(config, todo, s3, target.bucket)
    from ..sync.render import apply_summary, failures

    c.out.print(apply_summary(result, seconds))
    if not result.ok:
        c.err.print(failures(result))
        raise OpsError(
            f"{len(result.failed)} object(s) failed; later phases were not run" if result.skipped
            else f"{len(result.failed)} object(s) failed",
            hint="fix the cause and run `inv frontend.sync` again: it resumes where this stopped",
        )
    if invalidating and inv is not None and not inv.empty:
        cloudfront = aws_mod.client("cloudfront", target_spec, sess=sess)
        _invalidate(cloudfront, target.distribution_id or "", inv, wait=wait,
                    reference=(Path(plan).stem if plan else epoch_path(config.changeset_path).stem))
        if journal_file is not None:
            from ..sync import journal

            journal.clear(journal_file)
    elif invalidate and target.notice and (todo or owed):  # --no-invalidate was said in the preview
        c.err.print(f"note: {target.notice}", style="muted")


def _no_changes() -> Any:
    from ..sync.render import no_changes

    return no_changes()


def _apply(config: SyncConfig, todo: list[PlanItem], s3: Any, bucket: str) -> tuple[Any, float]:
    from ..sync.apply import S3Executor, apply_plan
    from ..sync.render import progress_bar

    c = consoles()
    uploads = sum(1 for i in todo if i.action in ("create", "update"))
    deletes = sum(1 for i in todo if i.action == "delete")
    started = time.monotonic()
    with progress_bar(c.err, "uploading", enabled=c.live, total=uploads + deletes) as (advance, _):
        result = apply_plan(
            todo, executor=S3Executor(s3, bucket), build_dir=config.build_dir,
            workers=config.workers, progress=lambda event, item, size: advance(1 if item else size),
        )
    return result, time.monotonic() - started


def _dry_run(config: SyncConfig, todo: list[PlanItem], inv: InvalidationPlan | None) -> None:
    from ..sync.apply import DryRunExecutor, apply_plan
    from ..sync.render import apply_summary

    c = consoles()
    executor = DryRunExecutor()
    started = time.monotonic()
    result = apply_plan(todo, executor=executor, build_dir=config.build_dir, workers=1)
    c.out.print(apply_summary(result, time.monotonic() - started, dry_run=True))
    if inv is not None and not inv.empty:
        c.out.print(f"Dry run: would invalidate {len(inv.paths)} path(s): {' '.join(inv.paths[:10])}"
                    + (" …" if len(inv.paths) > 10 else ""))
    c.out.print("Dry run: nothing was sent.")


def _invalidate(cloudfront: Any, distribution_id: str, inv: InvalidationPlan, *, wait: bool,
                reference: str) -> None:
    from ..sync.cloudfront import create_invalidations, wait_for
    from ..sync.render import progress_bar

    c = consoles()
    ids = create_invalidations(cloudfront, distribution_id, inv.paths,
                               caller_reference=f"cruddur-ops-{reference}-{int(time.time() * 1000)}")
    c.out.print(f"Invalidation {', '.join(ids)} created on {distribution_id} "
                f"({len(inv.paths)} path{'s' if len(inv.paths) != 1 else ''}).")
    if wait:
        with progress_bar(c.err, "waiting for CloudFront", enabled=c.live, total=None):
            wait_for(cloudfront, distribution_id, ids)
        c.out.print("Invalidation completed.")


tasks = [plan, sync]
