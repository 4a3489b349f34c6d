"""``ops_task``: invoke's ``@task`` plus the error contract every task shares.

- :class:`~cruddur_ops.errors.OpsError` → ``error: …`` and ``hint: …`` on stderr, its exit code;
- botocore and psycopg failures that escaped an adapter → the same, translated (no traceback);
- Ctrl-C → exit 130;
- ``inv -d`` (or ``INVOKE_DEBUG=1``) → the original traceback instead, for bug reports;
- in CI: the step summary, ``::error`` annotations and the ``--json`` document (:mod:`cruddur_ops.ci`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from invoke import Task, task
from invoke.exceptions import Exit

from ..ci.run import CiEnvironment, TaskRun, close_run, open_run
from ..config import process_environment
from ..console import consoles, data_on_stderr, plain
from ..errors import EXIT_INTERRUPTED, DatabaseError, OpsError
from ..redact import mask_text

F = TypeVar("F", bound=Callable[..., Any])


def debug_enabled() -> bool:
    """True under ``inv -d``: invoke turns on DEBUG logging for its own logger."""
    return logging.getLogger("invoke").isEnabledFor(logging.DEBUG)


def report_error(error: OpsError) -> None:
    err = consoles().err
    err.print(plain("error: ", style="error") + plain(mask_text(error.message)))
    if error.hint:
        err.print(plain("hint: ", style="hint") + plain(mask_text(error.hint)))


def as_ops_error(exc: BaseException) -> OpsError | None:
    """Translate the library failures that adapters should have caught, as a safety net."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError  # an endpoint's HTML error page

    if isinstance(exc, ClientError | BotoCoreError | ResponseParserError):
        from ..aws import translate

        return translate(exc, action="AWS request")
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a hard dependency
        return None
    if isinstance(exc, psycopg.Error):
        return DatabaseError(f"database error: {mask_text(str(exc).strip())}")
    return None


def run_guarded(body: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return body(*args, **kwargs)
    except Exit:
        raise
    except KeyboardInterrupt:
        if debug_enabled():
            raise
        consoles().err.print(plain("interrupted", style="error"))
        raise Exit(code=EXIT_INTERRUPTED) from None
    except Exception as exc:
        error = exc if isinstance(exc, OpsError) else as_ops_error(exc)
        if error is None or debug_enabled():
            raise
        report_error(error)
        raise _Reported(error) from None


class _Reported(Exit):
    """An expected failure, already printed, on its way out (keeps the error for the CI run)."""

    def __init__(self, error: OpsError) -> None:
        super().__init__(code=error.exit_code)
        self.error = error


@contextmanager
def ci_run(task: str, *, json_mode: bool) -> Iterator[TaskRun]:
    """Open the CI side of a task run and close it with the outcome (see :mod:`cruddur_ops.ci`)."""
    run = open_run(TaskRun(task, CiEnvironment.from_environ(process_environment()), json_mode=json_mode))
    exit_code, error = 0, None
    try:
        if json_mode:
            with data_on_stderr():
                yield run
        else:
            yield run
    except _Reported as reported:
        exit_code, error = reported.code, reported.error
        raise
    except Exit as stop:
        exit_code = stop.code
        raise
    except BaseException as bug:  # a traceback follows; its text may hold anything, so only its type
        exit_code = 1
        error = OpsError(f"unexpected {type(bug).__name__}: a bug, the traceback is in the log",
                         hint="report it with the output of `inv -d` and the command that failed")
        raise
    finally:
        close_run(run)
        run.finish(exit_code=exit_code, error=error)


def ops_task(*args: Any, **kwargs: Any) -> Any:
    """Drop-in for ``invoke.task`` that applies the shared error contract.

    The task's CI name (``frontend.sync``) is set by the namespace once collections exist
    (:func:`cruddur_ops.entrypoints.namespace.name_tasks`); until then it is the function's name.
    """

    def decorate(body: F) -> Task[Any]:
        @functools.wraps(body)
        def guarded(*call_args: Any, **call_kwargs: Any) -> Any:
            with ci_run(getattr(guarded, "task_name", body.__name__), json_mode=bool(call_kwargs.get("json"))):
                return run_guarded(body, *call_args, **call_kwargs)

        return task(**kwargs)(guarded)

    if len(args) == 1 and callable(args[0]) and not kwargs:
        return decorate(args[0])
    if args:
        raise TypeError("ops_task takes keyword arguments only (e.g. help={...}, iterable=[...])")
    return decorate
