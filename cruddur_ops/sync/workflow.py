"""The deploy flow shared by ``frontend.plan``, ``frontend.sync`` and ``frontend.rollback``.

A run has a *plan source* — the build folder observed afresh, a saved changeset checked against
a fresh observation, or an earlier release — that yields a :class:`Deploy`: the plan to show,
the items to apply, the files that will be live, how to upload them (PUT from the build, or a
server-side copy from the release prefix). :func:`execute` then runs the one sequence every
source shares: delete caps → dry run or confirmation → the bucket lock → the live release
checked (alongside: content copies, invalidation journal) → apply (assets, HTML, deletes; the
journal's fsync alongside, waited for only while paths are still owed) → release record →
pointer → unlock, with the invalidation sent alongside once the apply is done.

What the operator sees goes through :class:`Ui` (the task layer implements it with rich); this
module never prints and reads no environment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import OpsError, RefusedError
from . import journal
from .changeset import epoch_path, write_changeset
from .invalidation import InvalidationPlan, plan_invalidation, raw_paths
from .model import Plan, PlanItem
from .plan import PlanRules
from .release_store import (
    ReleaseState,
    read_pointer,
    read_releases,
    record_release,
    split_reserved,
    state_from,
    store_copies,
)
from .releases import (
    Release,
    ReleaseFile,
    Retention,
    choose_target,
    files_digest,
    files_of,
    kept_digest,
    new_release_id,
    now_iso,
    retain,
    rollback_plan,
    still_kept,
    store_key,
    unchanged_since_live,
)
from .remote import list_objects
from .safety import delete_cap_violation
from .service import Hooks, start_observation
from .settings import SyncConfig
from .target import Target

if TYPE_CHECKING:  # the apply side loads only when something is applied (a no-change sync is timed)
    from .apply import ApplyResult, Executor, Progress


class Ui(Protocol):
    """What the flow shows and asks; implemented by the task layer."""

    def hashing(self) -> AbstractContextManager[Hooks]: ...
    def preview(self, deploy: Deploy, *, to_stderr: bool = False) -> None: ...
    def confirm(self, question: str, *, yes: bool) -> None: ...
    def uploading(self, total: int) -> AbstractContextManager[Progress]: ...
    def applied(self, result: ApplyResult, seconds: float, *, dry_run: bool) -> None: ...
    def say(self, text: str, *, style: str | None = None, err: bool = False) -> None: ...
    def warn(self, text: str) -> None: ...
    def waiting(self, what: str) -> AbstractContextManager[None]: ...
    def finished(self, deploy: Deploy, outcome: Outcome) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """How a run ended, for reports (the CI step summary, ``--json``): given to ``Ui.finished``
    before execute() returns or raises for failed objects."""

    mode: str  # "no_changes" | "dry_run" | "applied"
    result: ApplyResult | None = None
    seconds: float = 0.0
    invalidation_ids: tuple[str, ...] = ()
    invalidating: bool = False  # an invalidation was (or would be) sent


@dataclass(frozen=True)
class Flags:
    yes: bool = False
    dry_run: bool = False
    invalidate: bool = True
    wait: bool = False
    allow_deletes: bool = False
    break_lock: bool = False


@dataclass(frozen=True)
class Deploy:
    """One run's plan, whatever its source: what the preview shows and execute() applies."""

    kind: str  # "sync" | "rollback"
    target: Target
    plan: Plan  # what the preview lists (a saved plan's items, or the fresh plan)
    todo: tuple[PlanItem, ...]
    files: Mapping[str, ReleaseFile]  # what will be live afterwards
    releases: ReleaseState
    record: bool  # a release will be recorded
    retention: Retention | None = None
    changeset_note: str | None = None
    build_dir: Path | None = None  # uploads read from here; None: server-side copies
    rollback_of: Release | None = None
    owed: tuple[str, ...] = ()  # invalidation paths an interrupted run still owes
    journal: Path | None = None
    invalidation: InvalidationPlan | None = None
    warning: str | None = None  # the delete caps' verdict
    copies: tuple[tuple[str, Path], ...] = ()  # content copies to keep (md5, file)


TargetResolver = Callable[[bool], Target]  # need_distribution → Target


# --------------------------------------------------------------------------- plan sources

def _observe(config: SyncConfig, s3: Any, resolve: TargetResolver, ui: Ui, *, force: bool,
             need_distribution: bool) -> tuple[Target, Plan, Any]:
    """Start the bucket listing as soon as the bucket is known; the stack lookup (when the
    distribution comes from the stack) and the hashing run while it is in flight."""
    target = None if config.bucket else resolve(need_distribution)  # the bucket comes from the stack
    bucket = target.bucket if target else config.bucket or ""
    with start_observation(s3, bucket=bucket, build_dir=config.build_dir, key_mode=config.key_mode,
                           prefix=config.prefix, workers=config.workers,
                           keep_hidden=config.keep_hidden, release_prefix=config.release_prefix) as observation:
        if target is None:
            target = resolve(need_distribution)
        rules = PlanRules(ignore=config.ignore, cache_rules=config.cache_rules,
                          content_types=config.content_types, force=force)
        with ui.hashing() as hooks:
            plan = observation.finish(rules, hooks=hooks, hash_cache=config.hash_cache, trust_hashed_names=config.trust_hashed_names)
    return target, plan, observation


def _retention(config: SyncConfig, s3: Any, bucket: str, plan: Plan,
               releases: ReleaseState) -> tuple[Plan, Retention | None]:
    """Skew protection; reads release records only when the plan deletes something."""
    if not releases.ids or not any(i.action == "delete" for i in plan.items):
        return plan, None
    wanted = list(reversed(releases.ids[-(config.keep_releases - 1):])) if config.keep_releases > 1 else []
    live_id = releases.pointer.id if releases.pointer and releases.pointer.id in releases.ids else releases.newest
    to_read = wanted + ([live_id] if live_id and live_id not in wanted else [])
    read = dict(zip(to_read, read_releases(s3, bucket, releases.prefix, to_read, workers=config.workers),
                    strict=True))
    return retain(plan, [read[i] for i in wanted], live=read.get(live_id or ""), keep=config.keep_releases)


def _journal(config: SyncConfig, target: Target, invalidate: bool) -> tuple[Path | None, tuple[str, ...]]:
    if not (target.distribution_id and invalidate):
        return None, ()
    path = journal.journal_path(config.changeset_path.parent, target.bucket, target.distribution_id)
    return path, tuple(journal.owed(path))


def _finish(config: SyncConfig, s3: Any, deploy: Deploy, invalidate: bool) -> Deploy:
    """Skew protection, the caps' verdict, the journal and the invalidation, for any source."""
    shown, retention = ((deploy.plan, deploy.retention) if deploy.retention is not None
                        else _retention(config, s3, deploy.target.bucket, deploy.plan, deploy.releases))
    kept = set(retention.kept_for) if retention else set()
    todo = tuple(i for i in deploy.todo if i.path not in kept or i.action != "delete")
    journal_file, owed = _journal(config, deploy.target, invalidate)
    changes = [i for i in shown.items if i.is_change]
    inv = (plan_invalidation(changes, prefix=config.prefix, max_paths=config.invalidation_max_paths, extra=owed)
           if deploy.target.distribution_id else None)
    warning = delete_cap_violation(shown, max_deletes=config.max_deletes, max_percent=config.max_delete_percent)
    copies: tuple[tuple[str, Path], ...] = ()
    if deploy.record and deploy.build_dir is not None:
        by_key = {i.path: i for i in deploy.plan.items}
        copies = tuple(sorted({(f.md5, deploy.build_dir / ((by_key[k].file if k in by_key else None) or k))
                               for k, f in deploy.files.items()
                               if not f.hashed and f.md5 not in deploy.releases.stored}))
    return replace(deploy, plan=shown, todo=todo, retention=retention, journal=journal_file, owed=owed,
                   invalidation=inv, warning=warning, copies=copies)


def plan_sync(config: SyncConfig, s3: Any, resolve: TargetResolver, ui: Ui, *, force: bool = False,
              saved_plan: str | None = None, invalidate: bool = True) -> Deploy:
    """The build folder (or a saved changeset of it) against the bucket."""
    target, fresh, observation = _observe(config, s3, resolve, ui, force=force, need_distribution=invalidate)
    releases: ReleaseState = observation.releases
    if saved_plan:
        from .changeset import read_changeset, resume_saved_plan

        shown, todo, done = resume_saved_plan(read_changeset(Path(saved_plan)), fresh, source=saved_plan)
        note = f"{saved_plan} (saved plan{f'; {done} item(s) already applied' if done else ''})"
    else:
        shown, todo = fresh, list(fresh.changes)
        note = None
    files = files_of(fresh.items)
    digest = files_digest(files)
    if not saved_plan and unchanged_since_live(releases.pointer, digest, todo, config.keep_releases):
        shown, retention = still_kept(shown, config.keep_releases)  # the pointer was enough
        deploy = Deploy("sync", target, shown, (), files, releases, False, retention, build_dir=config.build_dir)
        return _finish(config, s3, deploy, invalidate)
    releases = observation.reserved_listing()  # the releases' ids and content copies
    deploy = _finish(config, s3, Deploy("sync", target, shown, tuple(todo), files, releases, True,
                                        changeset_note=note, build_dir=config.build_dir), invalidate)
    if deploy.todo or releases.pointer is None or releases.pointer.digest != digest:
        return deploy
    return replace(deploy, record=False, copies=())  # every change was a delete skew protection keeps


def write_plan_changeset(config: SyncConfig, deploy: Deploy, out: Path | None = None) -> Path:
    """The changeset of a fresh plan (``SYNC_OUTPUT_CHANGESET_PATH`` with -<epoch>, or ``out``)."""
    return write_changeset(out or epoch_path(config.changeset_path), deploy.plan)


def plan_rollback(config: SyncConfig, s3: Any, resolve: TargetResolver, *, to: str | None = None,
                  invalidate: bool = True) -> Deploy:
    """An earlier release against the bucket: copies from the release prefix, no build needed."""
    target = resolve(invalidate)
    bucket = target.bucket
    with _pool() as submit:
        pointer_future = submit(read_pointer, s3, bucket, config.release_prefix)
        listing = list_objects(s3, bucket, config.prefix)
        pointer = pointer_future.result()
    site, reserved = split_reserved(listing, config.release_prefix)
    if not config.release_prefix.startswith(config.prefix):
        reserved = list_objects(s3, bucket, config.release_prefix)
    releases = state_from(reserved, config.release_prefix, pointer)
    live = pointer.id if pointer else None
    chosen = choose_target(releases.ids, live, to)
    (release,) = read_releases(s3, bucket, config.release_prefix, [chosen])
    plan = rollback_plan(release, site, set(releases.stored), bucket=bucket, prefix=config.prefix)
    deploy = Deploy("rollback", target, plan, plan.changes, release.files, releases, True,
                    rollback_of=release)
    return _finish(config, s3, deploy, invalidate)


@contextmanager
def _pool() -> Iterator[Callable[..., Any]]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pointer") as pool:
        yield pool.submit


# --------------------------------------------------------------------------- execution

def where_ran(config: SyncConfig) -> str:
    """The GitHub Actions run's URL, else user@host (the user from the settings, else the
    account this process runs as: no environment read here)."""
    import os
    import socket

    p = config.provenance
    if p.run_url:
        return p.run_url
    user = p.user
    if not user:
        try:
            import pwd

            user = pwd.getpwuid(os.getuid()).pw_name
        except (ImportError, KeyError, OSError):
            user = "unknown"
    return f"{user}@{socket.gethostname()}"


def git_commit(config: SyncConfig, folder: Path | None) -> str | None:
    """GITHUB_SHA, else the HEAD of the repository holding ``folder``, else None."""
    if config.provenance.commit:
        return config.provenance.commit
    if folder is None:
        return None
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and len(sha) == 40 else None


def _executor(deploy: Deploy, s3: Any, dry_run: bool) -> Executor:
    from .apply import DryRunExecutor, S3Executor

    if dry_run:
        return DryRunExecutor(local=deploy.build_dir is not None)
    if deploy.build_dir is None:
        return CopyExecutor(s3, deploy.target.bucket, deploy.releases.prefix)
    return S3Executor(s3, deploy.target.bucket)


class CopyExecutor:
    """A rollback's uploads: server-side copies from the content copies under the release prefix,
    with the release's headers and the MD5 metadata every upload carries."""

    def __init__(self, s3: Any, bucket: str, release_prefix: str) -> None:
        from .apply import S3Executor

        self.s3, self.bucket, self.release_prefix = s3, bucket, release_prefix
        self._deletes = S3Executor(s3, bucket)

    def upload(self, item: PlanItem, path: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        from .apply import S3Executor, UploadFailed
        from .remote import MD5_METADATA

        extra: dict[str, Any] = {"Metadata": {MD5_METADATA: item.md5 or ""}, "MetadataDirective": "REPLACE"}
        if item.content_type:
            extra["ContentType"] = item.content_type
        if item.cache_control:
            extra["CacheControl"] = item.cache_control
        source = store_key(self.release_prefix, item.md5 or "")
        try:
            self.s3.copy_object(Bucket=self.bucket, Key=item.path,
                                CopySource={"Bucket": self.bucket, "Key": source}, **extra)
        except ClientError as exc:
            raise UploadFailed(S3Executor._explain(item, exc)) from exc
        except BotoCoreError as exc:
            raise UploadFailed(str(exc)) from exc

    def delete(self, keys: Any) -> list[tuple[str, str]]:
        return self._deletes.delete(keys)


def nothing_to_do(deploy: Deploy) -> bool:
    return not deploy.todo and not deploy.record and not deploy.owed


def execute(deploy: Deploy, config: SyncConfig, s3: Any, cloudfront: Callable[[], Any], flags: Flags,
            ui: Ui, *, reference: str) -> None:
    """Apply ``deploy`` (its preview has been shown): caps, dry run or confirmation, lock, apply,
    record, unlock, invalidate (see the module's docstring for what overlaps). ``reference``
    names the invalidation's caller reference."""
    if nothing_to_do(deploy):
        ui.say("No changes. The bucket matches the build." if deploy.kind == "sync"
               else "No changes. The bucket already matches that release.", style="ok")
        ui.finished(deploy, Outcome("no_changes"))
        return
    if deploy.warning and not flags.allow_deletes:
        raise RefusedError(f"refusing to delete: {deploy.warning} (nothing was changed)",
                           hint="check SYNC_BUILD_DIR and the bucket; re-run with --allow-deletes "
                                "(or a higher --max-deletes) if this is intended")
    if deploy.warning:
        ui.warn(f"{deploy.warning}: allowed by --allow-deletes")
    invalidating = bool(deploy.target.distribution_id) and flags.invalidate
    if flags.dry_run:
        result, seconds = _dry_run(deploy, invalidating, ui)
        ui.finished(deploy, Outcome("dry_run", result, seconds, invalidating=invalidating))
        return
    from .lock import BucketLock, new_lock

    bucket = deploy.target.bucket
    ui.confirm(f"Apply this plan to s3://{bucket}?" if deploy.rollback_of is None
               else f"Roll back s3://{bucket} to release {deploy.rollback_of.id}?", yes=flags.yes or config.auto_approve)
    inv = deploy.invalidation
    sending = invalidating and inv is not None and not inv.empty
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="deploy") as side:
        # Work off the request path, started now so the lock's round trips hide it: the CloudFront
        # client (its model loads while the bucket is written) and the commit (a git process).
        client = side.submit(cloudfront) if sending else None
        commit = (_done(deploy.rollback_of.commit) if deploy.rollback_of
                  else side.submit(git_commit, config, deploy.build_dir))
        now = datetime.now(UTC)
        release_id = new_release_id(now, after=deploy.releases.newest)
        where = where_ran(config)
        lock = BucketLock(s3, deploy.target.bucket, deploy.releases.prefix)
        with ui.waiting("waiting for the deploy lock") if config.lock_wait else _nothing():
            held = lock.acquire(new_lock(deploy.kind, release_id, where, now, config.lock_ttl),
                                wait=config.lock_wait, break_stale=flags.break_lock)
        if lock.notice:
            ui.say(f"note: {lock.notice}", style="muted", err=True)
        sent: Future[list[str]] | None = None
        on_disk: Future[None] | None = None  # the journal's fsync, once it is written
        try:
            with lock.kept(held, config.lock_ttl):
                # The content copies are named by their bytes and nothing points at them yet: they go
                # up while the pointer is checked; the site's objects only once it has been.
                copies = (side.submit(store_copies, s3, bucket, deploy.releases.prefix, deploy.copies,
                                      workers=config.workers) if deploy.copies else _done(None))
                owed = side.submit(_record_owed, deploy, config) if invalidating else _done(None)
                _check_still_live(deploy, s3)
                copies.result()
                on_disk = owed.result()  # the journal is in place before the first object changes
                result, seconds = _apply(deploy, config, s3, ui)
                if result.ok and client is not None and inv is not None:
                    # the site's objects are in place: CloudFront may fetch them while the release is recorded
                    sent = side.submit(_send_invalidation, client, deploy.target.distribution_id or "",
                                       inv.paths, reference)
                if result.ok and deploy.record:
                    release = Release(id=release_id, created=now_iso(now), files=deploy.files, kind=deploy.kind,
                                      where=where, commit=commit.result(),
                                      rollback_of=deploy.rollback_of.id if deploy.rollback_of else None)
                    record_release(s3, bucket, deploy.releases.prefix, release, updated=now_iso(datetime.now(UTC)),
                                   kept=kept_digest(config.keep_releases,
                                                    deploy.retention.kept_for if deploy.retention else ()))
            if not result.ok:
                ui.finished(deploy, Outcome("applied", result, seconds))
                raise OpsError(
                    f"{len(result.failed)} object(s) failed; later phases were not run" if result.skipped
                    else f"{len(result.failed)} object(s) failed",
                    hint=f"fix the cause and run `inv frontend.{deploy.kind}` again: it resumes where this stopped")
            if deploy.record:
                ui.say(f"Release {release_id} is live"
                       + (f" (rolled back to {deploy.rollback_of.id})." if deploy.rollback_of else "."))
            ids = _invalidated(deploy, client, sent, flags, ui)
        finally:
            if on_disk is not None and deploy.journal is not None:
                journal.settle(deploy.journal, on_disk)
    ui.finished(deploy, Outcome("applied", result, seconds, tuple(ids), invalidating=invalidating))


def _done(value: Any) -> Future[Any]:
    """A future already holding ``value``."""
    future: Future[Any] = Future()
    future.set_result(value)
    return future


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _check_still_live(deploy: Deploy, s3: Any) -> None:
    """Under the lock: the release the plan was made against must still be live, or another
    deploy ran between our plan and our lock."""
    seen = deploy.releases.pointer
    now = read_pointer(s3, deploy.target.bucket, deploy.releases.prefix)
    if now != seen:
        raise RefusedError(
            f"another deploy made release {now.id if now else '?'} live since this plan was made "
            "(nothing was changed)",
            hint=f"run `inv frontend.{deploy.kind}` again: it plans against what is live now")


def _record_owed(deploy: Deploy, config: SyncConfig) -> Future[None] | None:
    """The invalidation journal: the paths this apply will owe CloudFront until it is invalidated,
    in place now; the returned future is done once they are on disk (journal.py says why later)."""
    if deploy.journal is None or deploy.invalidation is None:
        return None
    changes = [i for i in deploy.plan.items if i.is_change]
    journal.record(deploy.journal, [*deploy.owed, *raw_paths(changes, config.prefix)])
    return journal.persist_in_background(deploy.journal)


def _apply(deploy: Deploy, config: SyncConfig, s3: Any, ui: Ui) -> tuple[ApplyResult, float]:
    from .apply import apply_plan

    uploads = sum(1 for i in deploy.todo if i.action in ("create", "update"))
    deletes = sum(1 for i in deploy.todo if i.action == "delete")
    started = time.monotonic()
    with ui.uploading(uploads + deletes) as progress:
        result = apply_plan(deploy.todo, executor=_executor(deploy, s3, False),
                            build_dir=deploy.build_dir or Path(), workers=config.workers, progress=progress)
    seconds = time.monotonic() - started
    ui.applied(result, seconds, dry_run=False)
    return result, seconds


def _dry_run(deploy: Deploy, invalidating: bool, ui: Ui) -> tuple[ApplyResult, float]:
    from .apply import apply_plan

    started = time.monotonic()
    result = apply_plan(deploy.todo, executor=_executor(deploy, None, True),
                        build_dir=deploy.build_dir or Path(), workers=1)
    seconds = time.monotonic() - started
    ui.applied(result, seconds, dry_run=True)
    inv = deploy.invalidation
    if invalidating and inv is not None and not inv.empty:
        ui.say(f"Dry run: would invalidate {len(inv.paths)} path(s): {' '.join(inv.paths[:10])}"
               + (" …" if len(inv.paths) > 10 else ""))
    if deploy.record:
        ui.say("Dry run: would record a release" + (f" (rollback to {deploy.rollback_of.id})"
                                                    if deploy.rollback_of else "") + ".")
    ui.say("Dry run: nothing was sent.")
    return result, seconds


def _send_invalidation(client: Future[Any], distribution: str, paths: Sequence[str], reference: str) -> list[str]:
    from .cloudfront import create_invalidations

    return create_invalidations(client.result(), distribution, paths,
                                caller_reference=f"cruddur-ops-{reference}-{int(time.time() * 1000)}")


def _invalidated(deploy: Deploy, client: Future[Any] | None, sent: Future[list[str]] | None, flags: Flags,
                 ui: Ui) -> list[str]:
    """The invalidation ids created (none when there was nothing to invalidate): reported, waited
    for with --wait, and the journal cleared."""
    inv = deploy.invalidation
    if client is not None and sent is not None and inv is not None:
        from .cloudfront import wait_for

        ids = sent.result()
        distribution = deploy.target.distribution_id or ""
        ui.say(f"Invalidation {', '.join(ids)} created on {distribution} "
               f"({len(inv.paths)} path{'s' if len(inv.paths) != 1 else ''}).")
        if flags.wait:
            with ui.waiting("waiting for CloudFront"):
                wait_for(client.result(), distribution, ids)
            ui.say("Invalidation completed.")
        if deploy.journal is not None:
            journal.clear(deploy.journal)
        return list(ids)
    if flags.invalidate and deploy.target.notice and (deploy.todo or deploy.owed):
        ui.say(f"note: {deploy.target.notice}", style="muted", err=True)
    return []


# --------------------------------------------------------------------------- history

@dataclass(frozen=True)
class ReleaseRow:
    release: Release
    live: bool


def list_releases(config: SyncConfig, s3: Any, bucket: str, *, limit: int) -> list[ReleaseRow]:
    """The newest ``limit`` releases, newest first, with the live one marked."""
    reserved = list_objects(s3, bucket, config.release_prefix)
    pointer = read_pointer(s3, bucket, config.release_prefix)
    state = state_from(reserved, config.release_prefix, pointer)
    ids = list(reversed(state.ids))[:limit] if limit > 0 else list(reversed(state.ids))
    live = pointer.id if pointer else None
    return [ReleaseRow(r, r.id == live) for r in read_releases(s3, bucket, config.release_prefix, ids,
                                                                  workers=config.workers)]


def release_rows(rows: list[ReleaseRow]) -> list[dict[str, Any]]:
    """The releases as plain data (``frontend.releases --json``, and the table's rows)."""
    return [{"id": r.release.id, "created": r.release.created, "live": r.live, "kind": r.release.kind,
             "rollback_of": r.release.rollback_of, "commit": r.release.commit, "where": r.release.where,
             "files": len(r.release.files), "bytes": r.release.bytes} for r in rows]
