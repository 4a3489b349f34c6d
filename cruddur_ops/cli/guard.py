"""``ops_task``: invoke's ``@task`` plus the error contract every task shares.

- :class:`~cruddur_ops.errors.OpsError` → ``error: …`` and ``hint: …`` on stderr, its exit code;
- botocore and psycopg failures that escaped an adapter → the same, translated (no traceback);
- Ctrl-C → exit 130;
- ``inv -d`` (or ``INVOKE_DEBUG=1``) → the original traceback instead, for bug reports.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from invoke import Task, task
from invoke.exceptions import Exit

from ..console import consoles, plain
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
        raise Exit(code=error.exit_code) from None


def ops_task(*args: Any, **kwargs: Any) -> Any:
    """Drop-in for ``invoke.task`` that applies the shared error contract."""

    def decorate(body: F) -> Task[Any]:
        @functools.wraps(body)
        def guarded(*call_args: Any, **call_kwargs: Any) -> Any:
            return run_guarded(body, *call_args, **call_kwargs)

        return task(**kwargs)(guarded)

    if len(args) == 1 and callable(args[0]) and not kwargs:
        return decorate(args[0])
    if args:
        raise TypeError("ops_task takes keyword arguments only (e.g. help={...}, iterable=[...])")
    return decorate
