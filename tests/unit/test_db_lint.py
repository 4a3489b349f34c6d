"""Pure parts of db.lint / db.dump / non-transactional planning: no database, no files."""

from __future__ import annotations

import pytest

from cruddur_ops.db.dump import HEADER, normalise
from cruddur_ops.db.lint import MigrationSql, lint_migration
from cruddur_ops.db.migrations.plan import FailedRow, Ledger, State, plan_migrate, reconcile
from cruddur_ops.db.statements import split
from cruddur_ops.db.timeouts import statement_timeout
from cruddur_ops.errors import ConfigError, RefusedError
from tests.unit.test_db_plan import FILES, UUID, row


def rules(up: str, down: str = "SELECT 1;") -> list[tuple[str, bool]]:
    return [(f.rule, f.acknowledged) for f in lint_migration(MigrationSql("m.py", up, down))]


def test_split_keeps_dollar_quotes_whole_and_numbers_lines_in_the_file() -> None:
    sql = ("\n-- first\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
           "CREATE INDEX CONCURRENTLY i ON t (a); -- trailing\n")
    first, second = split(sql, where="x.py", line_offset=10)
    assert first.text.endswith("LANGUAGE sql;") and "$$ SELECT 1; $$" in first.text
    assert (first.line, second.line) == (13, 14)
    assert first.comments == ("-- first",) and second.comments == ("-- trailing",)


def test_split_names_the_line_of_a_syntax_error() -> None:
    with pytest.raises(ConfigError, match=r"^x\.py, line 12: SQL does not parse: syntax error at or near \"selec\""):
        split("select 1;\n\nselec 2;", where="x.py", line_offset=9)


def test_tables_created_in_the_same_migration_are_exempt() -> None:
    assert rules("CREATE TABLE t (a int); CREATE INDEX ON t (a); ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
                 "DROP TABLE t;") == []
    assert rules("CREATE INDEX ON other (a);", "SELECT 1;") == [("create-index-not-concurrently", False)]


def test_acknowledgement_applies_to_its_own_statement_only() -> None:
    found = rules("-- db.lint: allow truncate, drop-table\nTRUNCATE a;\nTRUNCATE b;")
    assert found == [("truncate", True), ("truncate", False)]


def test_rollback_must_undo_what_the_migration_does() -> None:
    assert rules("ALTER TABLE u ADD COLUMN c int;", "") == [("rollback-empty", False)]
    assert rules("ALTER TABLE u ADD COLUMN c int;", "ALTER TABLE u DROP COLUMN c;") == []
    assert rules("ALTER TABLE u ADD COLUMN c int;", "ALTER TABLE public.u DROP COLUMN c;") == []
    assert rules("ALTER TABLE u ADD COLUMN c int;", "ALTER TABLE u DROP COLUMN d;") == [("rollback-not-inverse", False)]
    # The journal's shape: drop and re-add; its rollback drops and re-adds again.
    journal = "ALTER TABLE a DROP COLUMN r;\nALTER TABLE a ADD COLUMN r uuid;"
    assert rules(journal, "ALTER TABLE a DROP COLUMN r;\nALTER TABLE a ADD COLUMN r integer;") == [
        ("drop-column", False)]


def test_normalise_drops_the_random_restrict_key_and_banners() -> None:
    def raw(key: str) -> str:
        return (f"--\n-- PostgreSQL database dump\n--\n\\restrict {key}\n\n-- Dumped from database version 15.20\n"
                "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', '', false);\n\n\n"
                "--\n-- Name: t; Type: TABLE; Schema: public; Owner: -\n--\n\nCREATE TABLE public.t (\n"
                "    a integer -- kept: not pg_dump's\n);\n\n\n\\unrestrict " + key + "\n")
    assert normalise(raw("abc")) == normalise(raw("xyz")) == (
        HEADER + "\nCREATE TABLE public.t (\n    a integer -- kept: not pg_dump's\n);\n")


def test_a_failed_migration_blocks_until_retried_or_marked() -> None:
    failure = FailedRow(UUID, "reply_uuid", 2, 3, "boom")
    status = reconcile(FILES, Ledger(True, (row(FILES[0].version.digits, FILES[0].name),), failures=(failure,)))
    assert [e.state for e in status.entries] == [State.APPLIED, State.FAILED, State.PENDING]
    with pytest.raises(RefusedError, match="failed at statement 2 of 3: boom"):
        plan_migrate(status)
    retry = plan_migrate(status, retry_failed=True)
    assert [s.version for s in retry.steps] == [UUID, FILES[2].version.digits]
    assert retry.steps[0].reason == "retry after a failure"
    marked = plan_migrate(status, mark_applied=True)
    assert [s.version for s in marked.mark_applied] == [UUID]
    assert [s.version for s in marked.steps] == [FILES[2].version.digits]
    with pytest.raises(RefusedError, match="exclude each other"):
        plan_migrate(status, retry_failed=True, mark_applied=True)


@pytest.mark.parametrize(("value", "expected"), [("30", "30s"), ("1.5", "1.5s"), ("250ms", "250ms"),
                                                 (" 5 min ", "5min"), ("0", "0s"), (2, "2s")])
def test_statement_timeout_values(value: str, expected: str) -> None:
    assert statement_timeout(value, source="DB_STATEMENT_TIMEOUT") == expected


def test_statement_timeout_rejects_nonsense() -> None:
    with pytest.raises(ConfigError, match="DB_STATEMENT_TIMEOUT = '-1' is not a duration"):
        statement_timeout("-1", source="DB_STATEMENT_TIMEOUT")
