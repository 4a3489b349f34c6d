"""What `frontend.plan`, `frontend.sync`, `frontend.releases` and `frontend.rollback` share: the
flag help, settings → AWS session and S3 client, the target resolver, and :class:`RichUi`, the
sync workflow's Ui on the task's consoles (with the CI report of each run's end).

Support for the frontend task modules, not a task module: it defines no task.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke import Context

from .. import ci
from ..cli.common import aws_target, confirm, load_settings
from ..config import repo_root, resolve_path
from ..console import Consoles, consoles
from ..errors import OpsError

if TYPE_CHECKING:
    from ..aws import AwsTarget
    from ..sync.apply import ApplyResult, Progress
    from ..sync.service import Hooks
    from ..sync.settings import SyncConfig
    from ..sync.target import Target
    from ..sync.workflow import Deploy, Outcome

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
LOCK_HELP = {
    "keep-releases": "keep content-hashed assets while any of the last N releases references them "
                     "(default 3, or SYNC_KEEP_RELEASES)",
    "lock-wait": "wait up to SECONDS for another deploy's lock instead of refusing at once",
    "break-lock": "remove a deploy lock whose stated expiry has passed (a killed run's), then proceed",
}


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def prepare(ctx: Context, *, env_file: str, build_dir: str, key_mode: str, workers: int | None,
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


def resolver(config: SyncConfig, target_spec: AwsTarget, sess: Any) -> Callable[[bool], Target]:
    def resolve(need_distribution: bool) -> Target:
        from .. import aws
        from ..sync.target import resolve_target

        return resolve_target(
            config.bucket, config.distribution_id, stack_name=config.stack_name,
            cfn_factory=lambda: aws.client("cloudformation", target_spec, sess=sess),
            need_distribution=need_distribution,
        )

    return resolve


def cloudfront_factory(target_spec: AwsTarget, sess: Any) -> Callable[[], Any]:
    def build() -> Any:
        from .. import aws

        return aws.client("cloudfront", target_spec, sess=sess)

    return build


class RichUi:
    """The sync workflow's :class:`~cruddur_ops.sync.workflow.Ui` on the task's consoles."""

    def __init__(self, config: SyncConfig, *, show_all: bool = False, invalidate: bool = True,
                 warn_caps: bool = False) -> None:
        self.config, self.show_all, self.invalidate, self.warn_caps = config, show_all, invalidate, warn_caps

    @property
    def c(self) -> Consoles:
        # Built on first use, not here: the task makes its Ui before the bucket listing starts,
        # and the consoles import rich (~20 ms), which is free once the listing is in flight.
        return consoles()

    @contextmanager
    def hashing(self) -> Iterator[Hooks]:
        # imported here: sync.render imports rich, which loads while the listing is in flight
        from ..sync.render import progress_bar
        from ..sync.service import Hooks

        with progress_bar(self.c.err, "hashing", enabled=self.c.live) as (advance, set_total):
            yield Hooks(hash_total=set_total, hashed=advance)

    def preview(self, deploy: Deploy, *, to_stderr: bool = False) -> None:
        from ..sync.render import preview_parts, print_parts, release_summary

        note = deploy.target.notice if self.invalidate else "invalidation skipped (--no-invalidate)"
        source = (relative(deploy.build_dir) if deploy.build_dir is not None
                  else f"release {deploy.rollback_of.id if deploy.rollback_of else '?'}")
        warning = (f"{deploy.warning}: `frontend.sync` will refuse it without --allow-deletes"
                   if self.warn_caps and deploy.warning else None)
        console = self.c.err if to_stderr else self.c.out
        print_parts(console, preview_parts(
            deploy.plan, source=source, invalidation=deploy.invalidation,
            distribution_id=deploy.target.distribution_id, invalidation_note=note, show_all=self.show_all,
            changeset=deploy.changeset_note, warning=warning,
        ))
        r = deploy.retention
        line = release_summary(record=deploy.record, keep=self.config.keep_releases,
                               kept=r.kept if r else 0, kept_bytes=r.kept_bytes if r else 0,
                               pruned=r.pruned if r else 0, pruned_bytes=r.pruned_bytes if r else 0,
                               rollback_to=deploy.rollback_of.id if deploy.rollback_of else None)
        if line is not None:
            console.print(line)

    def confirm(self, question: str, *, yes: bool) -> None:
        confirm(question, yes=yes, what="--yes (or SYNC_AUTO_APPROVE=true)")

    @contextmanager
    def uploading(self, total: int) -> Iterator[Progress]:
        from ..sync.render import progress_bar

        with progress_bar(self.c.err, "uploading", enabled=self.c.live, total=total) as (advance, _):
            yield lambda event, item, size: advance(1 if item else size)

    def applied(self, result: ApplyResult, seconds: float, *, dry_run: bool) -> None:
        from ..sync.render import apply_summary, failures

        self.c.out.print(apply_summary(result, seconds, dry_run=dry_run))
        if not result.ok:
            self.c.err.print(failures(result))

    def say(self, text: str, *, style: str | None = None, err: bool = False) -> None:
        (self.c.err if err else self.c.out).print(text, style=style)

    def warn(self, text: str) -> None:
        self.c.err.print(f"warning: {text}", style="skipped")
        ci.warn(text)

    def finished(self, deploy: Deploy, outcome: Outcome) -> None:
        invalidation = deploy.invalidation if outcome.invalidating else None
        note = None if outcome.invalidating else (
            deploy.target.notice if self.invalidate else "skipped (--no-invalidate)")
        publish(outcome.mode, deploy, result=outcome.result, seconds=outcome.seconds, invalidation=invalidation,
                ids=outcome.invalidation_ids, note=note)

    @contextmanager
    def waiting(self, what: str) -> Iterator[None]:
        from ..sync.render import progress_bar

        with progress_bar(self.c.err, what, enabled=self.c.live, total=None):
            yield


def publish(mode: Any, deploy: Deploy, *, result: Any = None, seconds: float = 0.0,
            invalidation: Any = None, ids: Any = (), note: str | None = None) -> None:
    """The outcome for CI: the step summary and the --json document (cruddur_ops.ci)."""
    if not (ci.summary_requested() or ci.json_requested()):
        return  # a big plan's report is not built for nobody
    from ..sync.summary import sync_json, sync_markdown, sync_report

    report = sync_report(mode, deploy.plan, deploy.todo, result=result, seconds=seconds,
                         invalidation=invalidation, invalidation_ids=ids,
                         distribution_id=deploy.target.distribution_id,
                         invalidation_note=note if note is not None else deploy.target.notice,
                         changeset=deploy.changeset_note)
    ci.section(sync_markdown(report))
    if mode != "plan":  # frontend.plan --json prints the changeset array instead
        ci.result(sync_json(report))
