"""`inv frontend.releases` and `inv frontend.rollback`: the bucket's release history, and making
an earlier release live again server-side (no old build, no bucket versioning).

Thin: the flow is the sync's own (cruddur_ops.sync.workflow) with a release as its plan source.
"""

from __future__ import annotations

from invoke import Context

from .. import ci
from ..cli.guard import ops_task
from ..console import consoles
from .frontend_common import LOCK_HELP, RichUi, cloudfront_factory, prepare, resolver

ENV_HELP = {"env-file": "settings file (default: sync.env in the repository root); real env vars win"}


@ops_task(help={**ENV_HELP, "json": "print the releases as a JSON list on stdout (docs/json.md); text goes to stderr",
                "limit": "show at most this many (default 20; 0 = all)"})
def releases(ctx: Context, json: bool = False, limit: int = 20, env_file: str = "") -> None:
    """List the releases recorded in the bucket, newest first, the live one marked with *.

    Each applied sync or rollback records one: id, when, commit, where it ran, files and bytes.
    """
    from ..sync.render import releases_table
    from ..sync.workflow import list_releases, release_rows

    config, target_spec, sess, s3 = prepare(ctx, env_file=env_file, build_dir="", key_mode="", workers=None)
    target = resolver(config, target_spec, sess)(False)
    rows = release_rows(list_releases(config, s3, target.bucket, limit=limit))
    c = consoles()
    if json:  # printed by the task wrapper, alone on stdout
        ci.result(rows)
    elif rows:
        c.out.print(releases_table(rows))
    else:
        c.err.print(f"No releases recorded in s3://{target.bucket}/{config.release_prefix} yet: "
                    "`inv frontend.sync` records one.")


@ops_task(help={
    **ENV_HELP, **LOCK_HELP,
    "to": "the release id to make live (default: the one before the live one); a newer id rolls forward",
    "yes": "roll back without asking (also SYNC_AUTO_APPROVE); required without a terminal",
    "dry-run": "plan and preview the rollback without sending any write or invalidation",
    "invalidate": "invalidate the paths whose bytes change (default on; --no-invalidate skips it)",
    "wait": "wait until the invalidation has completed",
    "allow-deletes": "apply even when the deletes exceed the caps",
    "show-all": "also list unchanged files in the preview",
    "json": "print the outcome as one JSON object on stdout (as frontend.sync's; docs/json.md); text goes to stderr",
})
def rollback(ctx: Context, to: str = "", yes: bool = False, dry_run: bool = False, invalidate: bool = True,
             wait: bool = False, allow_deletes: bool = False, show_all: bool = False, env_file: str = "",
             keep_releases: int = 0, lock_wait: int = 0, break_lock: bool = False, json: bool = False) -> None:
    """Make an earlier release live again, server-side, in seconds.

    Copies its replaced-in-place files (HTML, manifest.json, …) back from the content copies kept
    under the release prefix, deletes what it did not have, invalidates only the paths whose
    bytes change and records the rollback as a new release. Refuses, naming them, when assets
    the release needs are gone from the bucket.
    """
    from ..sync.workflow import Flags, execute, plan_rollback

    config, target_spec, sess, s3 = prepare(
        ctx, env_file=env_file, build_dir="", key_mode="", workers=None,
        flags={"KEEP_RELEASES": keep_releases or None, "LOCK_WAIT": lock_wait or None})
    ui = RichUi(config, show_all=show_all, invalidate=invalidate)
    deploy = plan_rollback(config, s3, resolver(config, target_spec, sess), to=to or None, invalidate=invalidate)
    ui.preview(deploy)
    execute(deploy, config, s3, cloudfront_factory(target_spec, sess), ui=ui, reference="rollback",
            flags=Flags(yes=yes, dry_run=dry_run, invalidate=invalidate, wait=wait,
                        allow_deletes=allow_deletes, break_lock=break_lock))


tasks = [releases, rollback]
