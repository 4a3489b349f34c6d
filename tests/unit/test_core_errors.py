"""The task error contract: one error line + hint, exit codes, tracebacks only under `inv -d`."""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from invoke import Context
from invoke.exceptions import Exit

from cruddur_ops.cli.guard import ops_task
from cruddur_ops.console import reset_consoles
from cruddur_ops.errors import EXIT_INTERRUPTED, OpsError, RefusedError


@pytest.fixture(autouse=True)
def _fresh_consoles():
    reset_consoles()
    yield
    reset_consoles()


def _call(task_obj):
    return task_obj(Context())


def test_ops_error_becomes_error_and_hint_lines_and_exit_code(capsys):
    @ops_task
    def failing(ctx):
        """A task that fails."""
        raise RefusedError("deletes exceed the cap", hint="pass --allow-deletes", exit_code=3)

    with pytest.raises(Exit) as info:
        _call(failing)
    assert info.value.code == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == ["error: deletes exceed the cap", "hint: pass --allow-deletes"]


def test_keyboard_interrupt_exits_130(capsys):
    @ops_task
    def interrupted(ctx):
        """Ctrl-C."""
        raise KeyboardInterrupt

    with pytest.raises(Exit) as info:
        _call(interrupted)
    assert info.value.code == EXIT_INTERRUPTED
    assert "interrupted" in capsys.readouterr().err


def test_escaped_botocore_error_is_translated_not_a_traceback(capsys):
    @ops_task
    def aws_call(ctx):
        """Boto failure."""
        raise ClientError({"Error": {"Code": "ExpiredToken", "Message": "expired"}}, "ListObjectsV2")

    with pytest.raises(Exit) as info:
        _call(aws_call)
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "have expired (ExpiredToken)" in err
    assert "AWS_SESSION_TOKEN" in err


def test_no_credentials_names_the_variables(capsys):
    @ops_task
    def aws_call(ctx):
        """No creds."""
        raise NoCredentialsError()

    with pytest.raises(Exit):
        _call(aws_call)
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err
    assert "AWS_PROFILE" in err and "AWS_SESSION_TOKEN" in err


def test_debug_mode_keeps_the_traceback():
    @ops_task
    def failing(ctx):
        """Fails."""
        raise OpsError("boom")

    logger = logging.getLogger("invoke")
    previous = logger.level
    logger.setLevel(logging.DEBUG)  # what `inv -d` does (through logging.basicConfig)
    try:
        with pytest.raises(OpsError, match="boom"):
            _call(failing)
    finally:
        logger.setLevel(previous)


def test_bugs_are_not_swallowed():
    @ops_task
    def buggy(ctx):
        """A bug."""
        return {}["missing"]

    with pytest.raises(KeyError):
        _call(buggy)


def test_error_output_masks_passwords(capsys):
    @ops_task
    def leaky(ctx):
        """Leaky."""
        raise OpsError("cannot connect to postgresql://cruddur:hunter2@db:5432/cruddur")

    with pytest.raises(Exit):
        _call(leaky)
    err = capsys.readouterr().err
    assert "hunter2" not in err
    assert "postgresql://cruddur:****@db:5432/cruddur" in err


def test_task_keeps_its_signature_for_invoke():
    @ops_task(help={"name": "who"})
    def greet(ctx, name="world", loud=False):
        """Greets."""

    names = {arg.name for arg in greet.get_arguments()}
    assert names == {"name", "loud"}
    assert greet.__doc__ == "Greets."
