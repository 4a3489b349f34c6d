"""Lint migration SQL for statements that destroy data or lock a busy table (pure: SQL in, findings out).

Statements come from :mod:`.statements` (PostgreSQL's own grammar). Rules read ``migrate_sql``
only; ``rollback_sql`` is checked for being empty or for not undoing what the migration did
(a rollback that drops what the migration added is the point of a rollback, not a finding).

A statement is acknowledged by a comment before it or after its ``;`` on its line::

    -- db.lint: allow drop-column (the column was never read; data copied in 1684466564)
    ALTER TABLE activities DROP COLUMN reply_to_activity_uuid;

Acknowledged findings are still reported, marked as such; only unacknowledged ones fail the lint
and make ``db.migrate --env prod`` refuse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType

from .statements import Statement, split


@dataclass(frozen=True)
class Rule:
    id: str
    category: str  # "destructive" | "locking" | "rollback"
    why: str
    safe: str


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("drop-table", "destructive", "deletes the table and every row in it; running code that still reads it fails",
         "stop reading and writing it in a deploy first; keep a backup (pg_dump -t) and drop it in a later migration"),
    Rule("drop-column", "destructive", "deletes the column's data; running code that still selects it fails",
         "deploy code that no longer uses the column, copy any data you need, then drop it in a later migration"),
    Rule("drop-schema", "destructive", "deletes the schema and everything in it",
         "move what must stay out of the schema first and drop it on purpose, acknowledged"),
    Rule("truncate", "destructive", "deletes every row and takes an ACCESS EXCLUSIVE lock",
         "delete in batches with a WHERE clause, or acknowledge it when the table is disposable"),
    Rule("delete-without-where", "destructive", "deletes every row of the table",
         "add a WHERE clause (and batch large deletes)"),
    Rule("update-without-where", "destructive", "rewrites every row in one transaction, locking them all",
         "add a WHERE clause and update in batches"),
    Rule("alter-column-type", "locking", "rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)"
         " and can lose data in the cast",
         "add a new column of the new type, backfill it in batches, switch the code, drop the old column later"),
    Rule("set-not-null", "locking", "scans the whole table under an ACCESS EXCLUSIVE lock",
         "ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT in a later step; "
         "then SET NOT NULL (uses the valid check, no scan)"),
    Rule("add-column-not-null-without-default", "locking", "fails on a table that has rows (existing rows would be NULL)",
         "ADD COLUMN … NOT NULL DEFAULT <value> (no rewrite since PostgreSQL 11), or add it nullable and backfill"),
    Rule("rename-table", "locking", "running code that uses the old name fails the moment it commits",
         "create the new table (or a view under the old name), move the code over, then drop the old name"),
    Rule("rename-column", "locking", "running code that uses the old name fails the moment it commits",
         "add the new column, write both, backfill, move the reads, drop the old column later"),
    Rule("create-index-not-concurrently", "locking", "blocks every write to the table while the index builds",
         "CREATE INDEX CONCURRENTLY … in a migration with `transactional = False`"),
    Rule("drop-index-not-concurrently", "locking", "takes an ACCESS EXCLUSIVE lock on the table",
         "DROP INDEX CONCURRENTLY … in a migration with `transactional = False`"),
    Rule("add-foreign-key-not-valid", "locking", "validates every row while locking both tables against writes",
         "ADD CONSTRAINT … FOREIGN KEY … NOT VALID; then VALIDATE CONSTRAINT in a later migration"),
    Rule("add-check-not-valid", "locking", "validates every row under an ACCESS EXCLUSIVE lock",
         "ADD CONSTRAINT … CHECK (…) NOT VALID; then VALIDATE CONSTRAINT in a later migration"),
    Rule("concurrently-in-transaction", "locking", "CREATE/DROP INDEX CONCURRENTLY cannot run inside a "
         "transaction block: the migration fails (the server refuses it)",
         "add `transactional = False` to the migration class (`inv db.new NAME --no-transaction`)"),
    Rule("rollback-empty", "rollback", "migrate_sql() changes the database but rollback_sql() is empty",
         "write the inverse in rollback_sql() (or acknowledge that it cannot be undone)"),
    Rule("rollback-not-inverse", "rollback", "rollback_sql() does not undo what migrate_sql() does",
         "drop in rollback_sql() what migrate_sql() creates, and re-create what it drops"),
)}

ACKNOWLEDGE = re.compile(r"db\.lint:\s*allow\s+(?P<rules>[a-z-]+(?:\s*,\s*[a-z-]+)*)", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    rule: str
    statement: str
    direction: str = "up"  # which SQL it was found in: "up" (migrate_sql) or "down" (rollback_sql)
    acknowledged: bool = False

    @property
    def why(self) -> str:
        return RULES[self.rule].why

    @property
    def safe(self) -> str:
        return RULES[self.rule].safe

    @property
    def category(self) -> str:
        return RULES[self.rule].category

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "rule": self.rule, "category": self.category,
                "why": self.why, "safe": self.safe, "statement": self.statement,
                "sql": "migrate_sql" if self.direction == "up" else "rollback_sql",
                "acknowledged": self.acknowledged}


@dataclass(frozen=True)
class MigrationSql:
    """What lint reads of one migration file."""

    file: str  # file name, for reports
    migrate_sql: str
    rollback_sql: str
    migrate_line_offset: int = 0  # lines before the SQL in the file
    rollback_line_offset: int = 0
    transactional: bool = True  # the class's `transactional` attribute


@dataclass(frozen=True)
class Report:
    files: tuple[str, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def unacknowledged(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.acknowledged)

    @property
    def clean(self) -> bool:
        return not self.unacknowledged

    def as_dict(self) -> dict[str, Any]:
        return {"files": list(self.files), "clean": self.clean,
                "findings": [f.as_dict() for f in self.findings]}


# --- names -----------------------------------------------------------------------------------

def _relation(node: Any) -> str:
    """``schema.table`` lower-cased as the server folds it; ``public`` when unqualified."""
    return f"{(node.schemaname or 'public')}.{node.relname}"


def _dotted(names: Iterable[Any], default_schema: bool = True) -> str:
    parts = [n.sval for n in names]
    if default_schema and len(parts) == 1:
        parts.insert(0, "public")
    return ".".join(parts)


def _dropped_names(node: ast.DropStmt) -> list[str]:
    objects = node.objects or ()
    if node.removeType == ObjectType.OBJECT_SCHEMA:
        return [n.sval for n in objects]
    return [_dotted(obj) for obj in objects]


# --- what each statement does ------------------------------------------------------------------

@dataclass(frozen=True)
class Effect:
    """A schema object a statement creates or drops, for the rollback check."""

    kind: str  # "table" | "column" | "index"
    name: str  # schema.table, schema.table.column, schema.index
    created: bool
    table: str = ""  # the table a column or index belongs to, when known


def _effects(node: Any) -> Iterator[Effect]:
    if isinstance(node, ast.CreateStmt):
        yield Effect("table", _relation(node.relation), True)
    elif isinstance(node, ast.IndexStmt) and node.idxname and node.relation is not None:
        yield Effect("index", f"{node.relation.schemaname or 'public'}.{node.idxname}", True,
                     _relation(node.relation))
    elif isinstance(node, ast.DropStmt) and node.removeType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_INDEX):
        kind = "table" if node.removeType == ObjectType.OBJECT_TABLE else "index"
        for name in _dropped_names(node):
            yield Effect(kind, name, False)
    elif isinstance(node, ast.AlterTableStmt):
        table = _relation(node.relation)
        for cmd in node.cmds or ():
            if cmd.subtype == AlterTableType.AT_AddColumn:
                yield Effect("column", f"{table}.{cmd.def_.colname}", True, table)
            elif cmd.subtype == AlterTableType.AT_DropColumn:
                yield Effect("column", f"{table}.{cmd.name}", False)


def _has_default(column: ast.ColumnDef) -> bool:
    kinds = {c.contype for c in column.constraints or ()}
    return bool(kinds & {ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY, ConstrType.CONSTR_GENERATED})


def _is_not_null(column: ast.ColumnDef) -> bool:
    return bool(column.is_not_null) or any(
        c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY)
        for c in column.constraints or ())


def _alter_rules(node: ast.AlterTableStmt) -> Iterator[str]:
    for cmd in node.cmds or ():
        subtype = cmd.subtype
        if subtype == AlterTableType.AT_DropColumn:
            yield "drop-column"
        elif subtype == AlterTableType.AT_AlterColumnType:
            yield "alter-column-type"
        elif subtype == AlterTableType.AT_SetNotNull:
            yield "set-not-null"
        elif subtype == AlterTableType.AT_AddColumn:
            column = cmd.def_
            if _is_not_null(column) and not _has_default(column):
                yield "add-column-not-null-without-default"
        elif subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            constraint = cmd.def_
            if constraint.skip_validation:
                continue
            if constraint.contype == ConstrType.CONSTR_FOREIGN:
                yield "add-foreign-key-not-valid"
            elif constraint.contype == ConstrType.CONSTR_CHECK:
                yield "add-check-not-valid"


def _target_table(node: Any) -> str | None:
    """The table a statement works on, when it has exactly one."""
    if isinstance(node, ast.AlterTableStmt | ast.IndexStmt | ast.RenameStmt) and node.relation is not None:
        return _relation(node.relation)
    return None


def statement_rules(node: Any, new_tables: frozenset[str] = frozenset()) -> list[str]:
    """Rule ids a single parsed statement breaks. ``new_tables`` were created earlier in the same
    migration: locking or dropping inside them touches no live rows, so they are exempt."""
    if _target_table(node) in new_tables:
        return []
    if isinstance(node, ast.DropStmt):
        kind = node.removeType
        if kind == ObjectType.OBJECT_TABLE:
            return [] if all(n in new_tables for n in _dropped_names(node)) else ["drop-table"]
        if kind == ObjectType.OBJECT_SCHEMA:
            return ["drop-schema"]
        if kind == ObjectType.OBJECT_INDEX and not node.concurrent:
            return ["drop-index-not-concurrently"]
        return []
    if isinstance(node, ast.TruncateStmt):
        return ["truncate"]
    if isinstance(node, ast.DeleteStmt) and node.whereClause is None:
        return ["delete-without-where"]
    if isinstance(node, ast.UpdateStmt) and node.whereClause is None:
        return ["update-without-where"]
    if isinstance(node, ast.AlterTableStmt):
        return list(_alter_rules(node))
    if isinstance(node, ast.RenameStmt):
        if node.renameType == ObjectType.OBJECT_TABLE:
            return ["rename-table"]
        if node.renameType == ObjectType.OBJECT_COLUMN:
            return ["rename-column"]
        return []
    if isinstance(node, ast.IndexStmt) and not node.concurrent:
        return ["create-index-not-concurrently"]
    return []


def _concurrently(node: Any) -> bool:
    return isinstance(node, ast.IndexStmt | ast.DropStmt) and bool(node.concurrent)


def acknowledged_rules(statement: Statement) -> set[str]:
    allowed: set[str] = set()
    for comment in statement.comments:
        for match in ACKNOWLEDGE.finditer(comment):
            allowed.update(r.strip().lower() for r in match["rules"].split(","))
    return allowed


def _finding(item: MigrationSql, statement: Statement, rule: str, direction: str = "up") -> Finding:
    return Finding(item.file, statement.line, rule, statement.code, direction,
                   rule in acknowledged_rules(statement))


def _covered(effect: Effect, undone: Sequence[Effect]) -> bool:
    """Whether the rollback undoes ``effect``: the inverse of the same object, or, for a column or
    index created by the migration, dropping its whole table."""
    if any(u.kind == effect.kind and u.name == effect.name and u.created != effect.created for u in undone):
        return True
    if effect.created and effect.table:
        return any(u.kind == "table" and not u.created and u.name == effect.table for u in undone)
    return False


def lint_migration(item: MigrationSql) -> list[Finding]:
    """Findings for one migration (SQL that does not parse raises ``ConfigError``)."""
    up = split(item.migrate_sql, where=f"{item.file} (migrate_sql)", line_offset=item.migrate_line_offset)
    down = split(item.rollback_sql, where=f"{item.file} (rollback_sql)",
                 line_offset=item.rollback_line_offset)
    findings: list[Finding] = []
    new_tables: set[str] = set()
    for statement in up:
        for rule in statement_rules(statement.node, frozenset(new_tables)):
            findings.append(_finding(item, statement, rule))
        if item.transactional and _concurrently(statement.node):
            findings.append(_finding(item, statement, "concurrently-in-transaction"))
        if isinstance(statement.node, ast.CreateStmt):
            new_tables.add(_relation(statement.node.relation))
    if not up:
        return findings
    if not down:
        findings.append(_finding(item, up[0], "rollback-empty"))
        return findings
    undone = [effect for statement in down for effect in _effects(statement.node)]
    for statement in up:
        effects = list(_effects(statement.node))
        if any(not _covered(effect, undone) for effect in effects):
            # Named on the migrate statement (what is not undone); the ack goes there too.
            findings.append(_finding(item, statement, "rollback-not-inverse"))
    return findings


def lint(items: Sequence[MigrationSql]) -> Report:
    findings = [finding for item in items for finding in lint_migration(item)]
    return Report(tuple(item.file for item in items), tuple(findings))
