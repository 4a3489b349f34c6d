"""Independent start-up steps: ok / skipped / failed, and one failure never stops the rest."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from cruddur_ops.errors import ConfigError
from cruddur_ops.workspace.steps import StepDone, StepSkipped, any_failed, run_step


def test_statuses() -> None:
    ok = run_step("a", lambda: StepDone("fine", ("export X=1",)))
    assert (ok.status, ok.detail, ok.extra) == ("ok", "fine", ("export X=1",))

    def skip() -> StepDone:
        raise StepSkipped("not here", "do this")

    skipped = run_step("b", skip)
    assert (skipped.status, skipped.detail, skipped.hint) == ("skipped", "not here", "do this")

    def fail() -> StepDone:
        raise ConfigError("broken", hint="fix it")

    failed = run_step("c", fail)
    assert (failed.status, failed.detail, failed.hint) == ("failed", "broken", "fix it")
    assert any_failed([ok, skipped, failed]) and not any_failed([ok, skipped])


def test_botocore_errors_are_translated() -> None:
    def denied() -> StepDone:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "PutParameter")

    result = run_step("origin parameter", denied)
    assert result.status == "failed"
    assert "access denied" in result.detail


def test_bugs_are_failed_steps_unless_debugging() -> None:
    def bug() -> StepDone:
        raise KeyError("oops")

    result = run_step("x", bug)
    assert result.status == "failed" and "unexpected KeyError" in result.detail
    assert "inv -d" in (result.hint or "")
    with pytest.raises(KeyError):
        run_step("x", bug, reraise_bugs=True)
