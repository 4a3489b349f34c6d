"""Pure planning: states, adoption of the old pointer, migrate/rollback plans."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cruddur_ops.db.migrations.files import MigrationFile
from cruddur_ops.db.migrations.plan import (
    AppliedRow,
    Ledger,
    State,
    plan_migrate,
    plan_rollback,
    reconcile,
)
from cruddur_ops.db.migrations.versions import Version
from cruddur_ops.errors import RefusedError

BIO, UUID, LATE16 = "16812294605993273", "16844665640237772", "1690000000123456"


def mf(digits: str, name: str, checksum: str = "") -> MigrationFile:
    return MigrationFile(Version.parse(digits), name, Path(f"/m/{digits}_{name}.py"), checksum or f"c-{name}")


FILES = [mf(BIO, "add_bio_column"), mf(UUID, "reply_uuid"), mf(LATE16, "late")]


def row(digits: str, name: str, checksum: str | None = None) -> AppliedRow:
    return AppliedRow(digits, name, checksum or f"c-{name}")


def test_states_applied_pending_changed_missing() -> None:
    ledger = Ledger(True, (row(BIO, "add_bio_column", "old-sum"), row(UUID, "reply_uuid"),
                           row("16000000000000000", "gone")))
    status = reconcile(FILES, ledger)
    assert [(e.version, e.state) for e in status.entries] == [
        ("16000000000000000", State.MISSING),
        (BIO, State.CHANGED),
        (UUID, State.APPLIED),
        (LATE16, State.PENDING),
    ]
    assert [e.name for e in status.pending] == ["late"]


def test_pointer_is_adopted_by_time_not_by_integer() -> None:
    # Pointer at the uuid migration: both 17-digit files count; the 16-digit file is later in time.
    ledger = Ledger(False, (), Decimal("1684466564.0237772"), UUID, True)
    status = reconcile(FILES, ledger)
    assert [e.state for e in status.entries] == [State.APPLIED, State.APPLIED, State.PENDING]
    assert all(e.adopted for e in status.applied)
    assert status.adopting_pointer == UUID


def test_migrate_plan_is_time_ordered_and_applies_late_merged_files_with_a_warning() -> None:
    ledger = Ledger(True, (row(UUID, "reply_uuid"),))
    plan = plan_migrate(reconcile(FILES, ledger))
    assert [s.version for s in plan.steps] == [BIO, LATE16]
    assert "out of order" in plan.steps[0].reason
    assert plan.steps[1].reason == "pending"
    assert any("out of order" in w for w in plan.warnings)


def test_migrate_refuses_edited_applied_files_unless_accepted() -> None:
    status = reconcile(FILES, Ledger(True, (row(BIO, "add_bio_column", "different"),)))
    with pytest.raises(RefusedError, match="edited"):
        plan_migrate(status)
    plan = plan_migrate(status, accept_changed=True)
    assert [s.version for s in plan.accept] == [BIO]
    assert [s.version for s in plan.steps] == [UUID, LATE16]


def test_missing_files_warn_but_do_not_block_migrate() -> None:
    status = reconcile(FILES, Ledger(True, (row("16000000000000000", "gone"),)))
    plan = plan_migrate(status)
    assert len(plan.steps) == 3
    assert any("missing" in w for w in plan.warnings)


def test_nothing_pending_is_an_empty_plan() -> None:
    status = reconcile(FILES, Ledger(True, tuple(row(f.version.digits, f.name) for f in FILES)))
    assert plan_migrate(status).steps == ()


def test_rollback_takes_the_newest_applied_first() -> None:
    status = reconcile(FILES, Ledger(True, tuple(row(f.version.digits, f.name) for f in FILES)))
    assert [s.version for s in plan_rollback(status).steps] == [LATE16]
    assert [s.version for s in plan_rollback(status, steps=2).steps] == [LATE16, UUID]
    three = plan_rollback(status, steps=5)
    assert [s.version for s in three.steps] == [LATE16, UUID, BIO]
    assert three.warnings


def test_rollback_refuses_missing_and_changed_files() -> None:
    missing = reconcile(FILES[:1], Ledger(True, (row(BIO, "add_bio_column"), row(UUID, "reply_uuid"))))
    with pytest.raises(RefusedError, match="missing"):
        plan_rollback(missing)
    changed = reconcile(FILES, Ledger(True, (row(BIO, "add_bio_column", "x"),)))
    with pytest.raises(RefusedError, match="edited"):
        plan_rollback(changed)
    assert [s.version for s in plan_rollback(changed, accept_changed=True).steps] == [BIO]


def test_rollback_with_nothing_applied_and_bad_steps() -> None:
    status = reconcile(FILES, Ledger(True, ()))
    assert plan_rollback(status).steps == ()
    with pytest.raises(RefusedError):
        plan_rollback(status, steps=0)
