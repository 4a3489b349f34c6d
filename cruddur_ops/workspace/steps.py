"""Run independent start-up steps, each reporting ok / skipped (why) / failed (why).

A failing step never stops the next one: a workspace whose env files rendered but whose AWS
credentials expired should still get its env files. Expected failures (:class:`OpsError`,
botocore errors) become ``failed`` with their message and hint; anything else is a bug and is
re-raised only when asked (``inv -d``), otherwise reported as failed too — a start-up script
must finish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..errors import OpsError

Status = Literal["ok", "skipped", "failed"]


class StepSkipped(Exception):  # a signal for the runner, not an error
    """Raised inside a step that does not apply here; the message says why."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


@dataclass(frozen=True)
class StepResult:
    name: str
    status: Status
    detail: str
    hint: str | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)  # e.g. export lines


@dataclass(frozen=True)
class StepDone:
    """What a step returns when it succeeds."""

    detail: str
    extra: tuple[str, ...] = ()


def run_step(name: str, body: Callable[[], StepDone], *, reraise_bugs: bool = False) -> StepResult:
    from botocore.exceptions import BotoCoreError, ClientError

    from ..aws import translate

    try:
        done = body()
    except StepSkipped as skip:
        return StepResult(name, "skipped", skip.reason, skip.hint)
    except OpsError as exc:
        return StepResult(name, "failed", exc.message, exc.hint)
    except (ClientError, BotoCoreError) as exc:
        error = translate(exc, action=name)
        return StepResult(name, "failed", error.message, error.hint)
    except Exception as exc:
        if reraise_bugs:
            raise
        return StepResult(
            name,
            "failed",
            f"unexpected {type(exc).__name__}: {exc}",
            "run `inv -d workspace.init` for the traceback",
        )
    return StepResult(name, "ok", done.detail, extra=done.extra)


def any_failed(results: list[StepResult]) -> bool:
    return any(r.status == "failed" for r in results)
