"""Locating the failing statement of a script from the server's error position."""

from __future__ import annotations

from cruddur_ops.db.sqlerrors import SqlFailure, locate, statement_bounds

SCRIPT = """-- header; with a semicolon in a comment
CREATE TABLE a (x text DEFAULT 'semi;colon');
/* block ; comment /* nested ; */ */
CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
SELECT "odd;name" FROM nosuch;
SELECT 'it''s; fine';
"""


def test_statement_bounds_skip_quotes_comments_and_dollar_quotes() -> None:
    statements = [SCRIPT[s:e].strip() for s, e in statement_bounds(SCRIPT)]
    assert len(statements) == 4  # comments belong to the statement that follows them
    assert statements[1].endswith("LANGUAGE sql;")
    assert statements[3] == "SELECT 'it''s; fine';"


def test_locate_maps_a_position_to_line_and_statement() -> None:
    position = SCRIPT.index("nosuch") + 1  # 1-based, as the server reports it
    line, statement = locate(SCRIPT, position)
    assert line == 5
    assert statement == 'SELECT "odd;name" FROM nosuch;'


def test_failure_description_masks_secrets_and_names_the_place() -> None:
    failure = SqlFailure("42P01", 'relation "nosuch" does not exist', 5,
                         "SELECT 'postgresql://u:pw@h/db' FROM nosuch;", None)
    text = failure.describe("schema.sql")
    assert text.startswith("schema.sql failed at line 5 in `SELECT")
    assert "pw@" not in text and 'relation "nosuch" does not exist' in text


def test_transaction_control_statements_are_found_but_not_inside_bodies() -> None:
    script = """
    -- a comment
    begin;
    CREATE FUNCTION f() RETURNS void AS $$ BEGIN PERFORM 1; COMMIT; END $$ LANGUAGE plpgsql;
    SAVEPOINT a; ROLLBACK TO SAVEPOINT a;
    COMMIT;
    """
    from cruddur_ops.db.sqlerrors import transaction_control

    assert transaction_control(script) == ["begin;", "COMMIT;"]
    assert transaction_control("ALTER TABLE users ADD COLUMN bio text;") == []
