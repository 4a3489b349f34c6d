"""A sync's outcome as data, and that data as a step summary (Markdown) and as ``--json``.

Pure: :func:`sync_report` reads the plan, the apply result and the invalidation; the two
renderers only format it, so the terminal (``render.py``), the summary and the JSON agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..ci import markdown as md
from ..units import human_size
from .apply import ApplyResult
from .invalidation import InvalidationPlan
from .model import Plan, PlanItem

Mode = Literal["plan", "applied", "dry_run", "no_changes"]


@dataclass(frozen=True)
class SyncReport:
    mode: Mode
    bucket: str
    prefix: str
    created: int
    updated: int
    deleted: int
    unchanged: int
    ignored: int
    failed: int
    bytes: int
    seconds: float  # uploading and deleting (0 for a plan or no changes)
    changes: tuple[tuple[str, str], ...]  # (action, key) in plan order
    distribution_id: str | None = None
    invalidation_ids: tuple[str, ...] = ()
    invalidation_paths: tuple[str, ...] = ()
    invalidation_note: str | None = None  # why there is no invalidation, when there is none
    changeset: str | None = None

    @property
    def uploaded(self) -> int:
        return self.created + self.updated


def sync_report(mode: Mode, plan: Plan, todo: Sequence[PlanItem], *, result: ApplyResult | None = None,
                seconds: float = 0.0, invalidation: InvalidationPlan | None = None,
                invalidation_ids: Sequence[str] = (), distribution_id: str | None = None,
                invalidation_note: str | None = None, changeset: str | None = None) -> SyncReport:
    """For a plan, the counts are the plan's; once applied, what the apply result says was done."""
    if result is not None:
        done = set(result.uploaded)
        created = sum(1 for i in todo if i.action == "create" and i.path in done)
        updated = len(result.uploaded) - created
        deleted, failed, sent = len(result.deleted), len(result.failed), result.bytes_uploaded
    else:
        created, updated, deleted = (sum(1 for i in todo if i.action == a) for a in ("create", "update", "delete"))
        failed = 0
        sent = sum(i.size or 0 for i in todo if i.action in ("create", "update"))
    return SyncReport(
        mode=mode, bucket=plan.bucket, prefix=plan.prefix, created=created, updated=updated, deleted=deleted,
        unchanged=plan.count("no_change"), ignored=plan.count("ignore"), failed=failed, bytes=sent,
        seconds=seconds, changes=tuple((i.action, i.path) for i in todo), distribution_id=distribution_id,
        invalidation_ids=tuple(invalidation_ids),
        invalidation_paths=invalidation.paths if invalidation is not None else (),
        invalidation_note=invalidation_note, changeset=changeset,
    )


_HEADLINE = {"plan": "Plan", "applied": "Applied", "dry_run": "Dry run (nothing sent)", "no_changes": "No changes"}


def sync_markdown(report: SyncReport) -> str:
    target = md.code(f"s3://{report.bucket}/{report.prefix}")
    if report.mode == "no_changes":
        return f"**No changes**: {target} matches the build ({report.unchanged} unchanged)."
    verb = "to upload" if report.mode == "plan" else ("would upload" if report.mode == "dry_run" else "uploaded")
    gone = "to delete" if report.mode == "plan" else ("would delete" if report.mode == "dry_run" else "deleted")
    counts = (f"{verb} {report.uploaded} ({report.created} new, {report.updated} changed; "
              f"{human_size(report.bytes)}), {gone} {report.deleted}, {report.unchanged} unchanged")
    if report.failed:
        counts += f", **{report.failed} failed**"
    timing = f" in {md.duration(report.seconds)}" if report.mode in ("applied", "dry_run") else ""
    lines = [f"**{_HEADLINE[report.mode]}** {target}: {counts}{timing}."]
    if report.invalidation_ids:
        lines.append(f"CloudFront: invalidation {', '.join(md.code(i) for i in report.invalidation_ids)} on "
                     f"{md.code(report.distribution_id or '')}, {md.plural(len(report.invalidation_paths), 'path')}: "
                     + ", ".join(md.code(p) for p in report.invalidation_paths[:md.SHOWN_PATHS])
                     + (" …" if len(report.invalidation_paths) > md.SHOWN_PATHS else ""))
    elif report.invalidation_paths:
        lines.append(f"CloudFront: {md.plural(len(report.invalidation_paths), 'path')} to invalidate on "
                     f"{md.code(report.distribution_id or '')}")
    elif report.invalidation_note:
        lines.append(f"CloudFront: {md.text(report.invalidation_note)}")
    if report.changeset:
        lines.append(f"Changeset: {md.code(report.changeset)}")
    parts = ["  \n".join(lines)]
    if report.changes:
        shown = report.changes[:md.SHOWN_PATHS]
        parts.append(md.table(["action", "path"], [(action, md.code(path)) for action, path in shown]))
        if len(report.changes) > len(shown):
            parts.append(f"… and {len(report.changes) - len(shown)} more changes (see the changeset)")
    return "\n\n".join(parts)


def sync_json(report: SyncReport) -> dict[str, Any]:
    """The documented ``frontend.sync --json`` shape (docs/json.md)."""
    return {
        "outcome": report.mode,
        "bucket": report.bucket,
        "prefix": report.prefix,
        "uploaded": report.uploaded,
        "created": report.created,
        "updated": report.updated,
        "deleted": report.deleted,
        "unchanged": report.unchanged,
        "ignored": report.ignored,
        "failed": report.failed,
        "bytes": report.bytes,
        "seconds": round(report.seconds, 3),
        "distribution_id": report.distribution_id,
        "invalidation_id": report.invalidation_ids[0] if report.invalidation_ids else None,
        "invalidation_ids": list(report.invalidation_ids),
        "invalidation_paths": list(report.invalidation_paths),
        "changeset": report.changeset,
        "changes": [{"action": action, "path": path} for action, path in report.changes],
    }
