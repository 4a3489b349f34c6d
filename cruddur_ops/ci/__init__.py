"""CI-native output for every task: GitHub step summaries, annotations, masks and ``--json``.

What a task gets for free: the task wrapper (:func:`cruddur_ops.cli.guard.ops_task`) opens a run
around it. When ``GITHUB_STEP_SUMMARY`` is set, a failure appends a block naming the task, its
duration, the error and the hint; under ``GITHUB_ACTIONS=true`` the error is also printed as
``::error title=<task>::<message>``. A task that takes a ``json`` flag gets its stdout to itself:
with ``--json`` every console write for stdout goes to stderr, the wrapper prints one JSON
document at the end, and a failure prints ``{"error", "hint"}`` (or the result with them added).

What a task adds, from its body (each call is a no-op outside a run):

- ``ci.section(markdown)`` — its success content, made by a pure renderer of its result data
  (``sync/summary.py``, ``cfn/summary.py``, ``db/summary.py``, ``workspace/summary.py``);
- ``ci.result(payload)`` — its ``--json`` document (a JSON-able value; one documented shape);
- ``ci.warn(message)`` — a warning worth seeing at the top of the run (``::warning``);
- ``ci.error(message)`` — a failure it reports itself before ``Exit(1)`` (``::error``);
- ``ci.mask(value, …)`` — secrets it learned (a Secrets Manager password), registered with
  ``::add-mask::`` before anything could print them.

Hooking a new task, e.g. ``frontend.rollback``: decorate it with ``ops_task`` (failures are then
reported already); give it a ``json: bool = False`` flag; build its result data, then::

    from .. import ci
    from ..sync.summary import rollback_markdown, rollback_json   # pure, unit-tested
    ci.section(rollback_markdown(report))
    ci.result(rollback_json(report))

Only the wrapper reads the environment (``GITHUB_*``) and writes the summary file.
"""

from __future__ import annotations

from typing import Any

from .run import current


def section(markdown: str) -> None:
    run = current()
    if run is not None:
        run.section(markdown)


def result(payload: Any) -> None:
    run = current()
    if run is not None:
        run.result(payload)


def warn(message: str, *, file: str | None = None, line: int | None = None) -> None:
    run = current()
    if run is not None:
        run.warn(message, file=file, line=line)


def mask(*values: str | None) -> None:
    run = current()
    if run is not None:
        run.mask(*values)


def error(message: str) -> None:
    """A failure the task reports itself before exiting non-zero without an exception (e.g. one
    failed step of several): ``::error`` now, and named in the summary."""
    run = current()
    if run is not None:
        run.error(message)


def json_requested() -> bool:
    run = current()
    return run is not None and run.json_mode


def summary_requested() -> bool:
    """True when a step summary will be written: skip building one otherwise (big plans)."""
    run = current()
    return run is not None and run.ci.summary_path is not None


__all__ = ["error", "json_requested", "mask", "result", "section", "summary_requested", "warn"]
