"""One task run as CI sees it: its step summary, its annotations, its masks, its --json document.

The task wrapper (:mod:`cruddur_ops.cli.guard`) opens a :class:`TaskRun` around every task and
closes it with the outcome, so failure reporting needs nothing from a task. A task adds its
success content through the module functions of :mod:`cruddur_ops.ci` (``section``, ``warn``,
``mask``, ``result``), which do nothing when no run is open (a core function called from a test).

Everything that leaves here is masked twice over: :func:`cruddur_ops.redact.mask_text` (passwords
in URLs, ``password=`` pairs) and every value registered with :meth:`TaskRun.mask`.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import EXIT_CHANGES_PRESENT, EXIT_INTERRUPTED, OpsError
from ..redact import MASK, mask_text
from . import commands, markdown

# Masking a very short value would blank out ordinary words all over the log.
MIN_MASK_LENGTH = 4


@dataclass(frozen=True)
class CiEnvironment:
    """What the CI provides: annotations (GitHub Actions) and a step summary file."""

    annotations: bool = False
    summary_path: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> CiEnvironment:
        summary = environ.get("GITHUB_STEP_SUMMARY", "")
        return cls(annotations=environ.get("GITHUB_ACTIONS", "") == "true",
                   summary_path=Path(summary) if summary else None)


@dataclass(frozen=True)
class RawJson:
    """A JSON document already serialised, as pieces printed one after another: a 100,000-item
    changeset is streamed to stdout, never held as one string."""

    pieces: Callable[[], Iterable[str]]

    @classmethod
    def of(cls, text: str) -> RawJson:
        return cls(lambda: (text,))

    @property
    def text(self) -> str:
        return "".join(self.pieces())


_NO_RESULT = object()


def outcome_of(exit_code: int) -> str:
    if exit_code == 0:
        return "succeeded"
    if exit_code == EXIT_CHANGES_PRESENT:
        return "succeeded, changes present"
    if exit_code == EXIT_INTERRUPTED:
        return "interrupted"
    return "failed"


def report_markdown(task: str, *, outcome: str, seconds: float, sections: list[str],
                    warnings: list[str], error: str | None = None, hint: str | None = None) -> str:
    """The step-summary block of one task run (pure: the caller has masked the text)."""
    icon = "❌" if outcome in ("failed", "interrupted") else "✅"
    parts = [f"### {icon} {markdown.code('inv ' + task)}: {outcome} in {markdown.duration(seconds)}"]
    if error is not None:
        parts.append(f"**Error:** {markdown.text(error)}" + (f"  \n**Hint:** {markdown.text(hint)}" if hint else ""))
    if warnings:
        parts.append(markdown.bullets(f"⚠️ {markdown.text(w)}" for w in warnings))
    parts.extend(s.strip("\n") for s in sections if s.strip())
    return "\n\n".join(parts) + "\n\n"


def json_document(payload: Any, error: OpsError | None) -> str:
    """The one JSON document a ``--json`` run prints: the task's result; on failure the result
    with ``error`` and ``hint`` added (objects), or ``{"error", "hint"}`` when there is none."""
    if isinstance(payload, RawJson) and error is None:
        return payload.text
    if error is not None:
        failure = {"error": mask_text(error.message), "hint": mask_text(error.hint) if error.hint else None}
        if isinstance(payload, dict):
            payload = {**payload, **failure}
        elif payload is _NO_RESULT or isinstance(payload, RawJson):
            payload = failure
    return json.dumps(payload, indent=2, ensure_ascii=False)


@dataclass
class TaskRun:
    task: str
    ci: CiEnvironment
    json_mode: bool = False
    # Workflow commands go to stderr, so --json keeps stdout to itself: the runner parses both
    # streams for commands (actions/runner ScriptHandler: one OutputManager per stream).
    annotate: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))
    started: float = field(default_factory=time.monotonic)
    sections: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    payload: Any = _NO_RESULT
    masked: list[str] = field(default_factory=list)

    # --- what a task contributes -------------------------------------------------------------

    def mask(self, *values: str | None) -> None:
        """Register secret values: the runner hides them from here on; our own output too."""
        for value in values:
            if not value or len(value) < MIN_MASK_LENGTH or value in self.masked:
                continue
            self.masked.append(value)
            if self.ci.annotations:
                self.annotate(commands.add_mask(value))

    def scrub(self, message: str) -> str:
        for value in sorted(self.masked, key=len, reverse=True):
            message = message.replace(value, MASK)
        return mask_text(message)

    def section(self, content: str) -> None:
        self.sections.append(content)

    def warn(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        message = self.scrub(message)
        self.warnings.append(message)
        if self.ci.annotations:
            self.annotate(commands.warning(message, title=self.task, file=file, line=line))

    def error(self, message: str) -> None:
        message = self.scrub(message)
        self.errors.append(message)
        if self.ci.annotations:
            self.annotate(commands.error(message, title=self.task))

    def result(self, payload: Any) -> None:
        self.payload = payload

    # --- how it ends --------------------------------------------------------------------------

    def finish(self, *, exit_code: int = 0, error: OpsError | None = None, stdout: TextIO | None = None) -> None:
        """Annotate a failure, append the step summary, print the --json document."""
        seconds = time.monotonic() - self.started
        message = self.scrub(error.message) if error is not None else None
        hint = self.scrub(error.hint) if error is not None and error.hint else None
        if error is not None and self.ci.annotations:
            self.annotate(commands.error(message + (f"\nhint: {hint}" if hint else "") if message else "",
                                         title=self.task))
        failed = exit_code not in (0, EXIT_CHANGES_PRESENT)
        if self.ci.summary_path is not None and (failed or self.sections or self.warnings):
            self._append_summary(report_markdown(
                self.task, outcome=outcome_of(exit_code), seconds=seconds,
                sections=[self.scrub(s) for s in self.sections], warnings=self.warnings,
                error=message if message is not None else self._reported_failure(exit_code, failed),
                hint=hint))
        if self.json_mode and (self.payload is not _NO_RESULT or error is not None):
            out = stdout or sys.stdout
            if isinstance(self.payload, RawJson) and error is None:
                for piece in self.payload.pieces():
                    out.write(self.scrub(piece))
                out.write("\n")
            else:
                out.write(self.scrub(json_document(self.payload, error)) + "\n")
            out.flush()

    def _reported_failure(self, exit_code: int, failed: bool) -> str | None:
        if self.errors:
            return "; ".join(self.errors)
        return f"exit code {exit_code}" if failed else None

    def _append_summary(self, block: str) -> None:
        assert self.ci.summary_path is not None
        try:
            # The runner's protocol: append. The file holds earlier steps' summaries too.
            with self.ci.summary_path.open("a", encoding="utf-8") as handle:
                handle.write(block)
        except OSError as exc:
            print(f"warning: cannot append the step summary to {self.ci.summary_path}: {exc.strerror}",
                  file=sys.stderr)


_open_runs: list[TaskRun] = []


def current() -> TaskRun | None:
    return _open_runs[-1] if _open_runs else None


def open_run(run: TaskRun) -> TaskRun:
    _open_runs.append(run)
    return run


def close_run(run: TaskRun) -> None:
    if run in _open_runs:
        _open_runs.remove(run)
