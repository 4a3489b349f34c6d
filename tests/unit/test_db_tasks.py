"""Task-layer rules for db.*: the prod confirmation (where the db files are found: test_db_settings)."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

from cruddur_ops.db.target import DbTarget
from cruddur_ops.errors import RefusedError
from cruddur_ops.tasks import db as db_tasks

PROD = DbTarget("prod", "postgresql://root:pw@rds.example:5432/cruddur", "PROD_CONNECTION_URL")
DEV = DbTarget("dev", "postgresql://postgres:pw@localhost:5432/cruddur", "CONNECTION_URL")


def _fake_consoles(monkeypatch: pytest.MonkeyPatch, *, interactive: bool) -> io.StringIO:
    """Consoles that are (or are not) a terminal; returns what the prompt writes to stderr."""
    err = io.StringIO()
    fake = SimpleNamespace(interactive=interactive, err=Console(file=err), out=Console(file=io.StringIO()))
    monkeypatch.setattr("cruddur_ops.tasks.db.consoles", lambda: fake)
    monkeypatch.setattr("cruddur_ops.cli.common.consoles", lambda: fake)
    return err


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Pretend stdin/stderr are a terminal; answers typed at the prompt come from the list."""
    answers: list[str] = []
    _fake_consoles(monkeypatch, interactive=True)
    monkeypatch.setattr("builtins.input", lambda: answers.pop(0))
    return answers


def test_dev_needs_no_confirmation(monkeypatch: pytest.MonkeyPatch) -> None:
    # A terminal that would answer "no": dev must neither ask nor refuse.
    err = _fake_consoles(monkeypatch, interactive=True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda: asked.append("asked") or "no")
    assert db_tasks._guard_destructive(DEV, "drop the database", yes=False) is None
    assert asked == [] and err.getvalue() == ""


def test_prod_without_yes_is_refused_even_on_a_terminal(terminal: list[str]) -> None:
    terminal.append("prod")
    with pytest.raises(RefusedError, match="needs --yes"):
        db_tasks._guard_destructive(PROD, "drop the database", yes=False)
    assert terminal == ["prod"]  # not even asked


def test_prod_with_yes_on_a_terminal_also_needs_the_word_prod(terminal: list[str]) -> None:
    terminal.append("prod")
    db_tasks._guard_destructive(PROD, "drop the database", yes=True)
    terminal.append("yes")
    with pytest.raises(RefusedError, match="not confirmed"):
        db_tasks._guard_destructive(PROD, "drop the database", yes=True)


def test_prod_with_yes_without_a_terminal_proceeds(monkeypatch: pytest.MonkeyPatch) -> None:
    # No terminal (CI): --yes is the whole approval; nothing is asked or printed.
    err = _fake_consoles(monkeypatch, interactive=False)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda: asked.append("asked") or "prod")
    assert db_tasks._guard_destructive(PROD, "drop the database", yes=True) is None
    assert asked == [] and err.getvalue() == ""
