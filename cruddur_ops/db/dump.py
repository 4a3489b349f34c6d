"""``db.dump``: the schema as ``pg_dump --schema-only`` writes it, normalised to be byte-stable.

Two dumps of the same schema must be identical, so that a schema change is a reviewable diff:
no version banners or ``-- Name: …; Owner: …`` headers, no owners or privileges (``--no-owner
--no-privileges``), no ``SET`` preamble, and no ``\\restrict <random key>`` lines (pg_dump
15.20+ writes a fresh random key into every plain dump). pg_dump's own object order is already
deterministic. The migrator's bookkeeping tables are left out: they are not the app's schema.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import ConfigError, DatabaseError
from ..redact import mask_text
from .migrations.ledger import BOOKKEEPING_TABLES
from .psql import client_invocation
from .target import DbTarget

HEADER = "-- Schema dumped by `inv db.dump` (pg_dump --schema-only, normalised). Regenerate; do not edit.\n"
PG_DUMP_TIMEOUT_SECONDS = 600
CONNECT_TIMEOUT_SECONDS = "10"

# pg_dump's own comment lines (its object headers and banners), not comments inside bodies.
_DUMP_COMMENT = re.compile(
    r"^--( (Name|TOC entry|Dependencies|Dumped from|Dumped by|PostgreSQL database dump)\b.*)?$")
_NOISE = re.compile(
    r"^(\\(un)?restrict\s+\S+|SET [a-z_]+ = .*;|SELECT pg_catalog\.set_config\('search_path', '', false\);)$")

Runner = Callable[..., Any]


def pg_dump_args() -> list[str]:
    args = ["--schema-only", "--no-owner", "--no-privileges", "--no-tablespaces",
            "--no-security-labels", "--no-subscriptions"]
    args += [f"--exclude-table={name}" for name in BOOKKEEPING_TABLES]
    return args


def normalise(raw: str) -> str:
    """Drop the noise and collapse blank lines; keep every statement byte for byte."""
    kept: list[str] = []
    for line in raw.splitlines():
        stripped = line.rstrip()
        if _DUMP_COMMENT.match(stripped) or _NOISE.match(stripped):
            continue
        if not stripped and (not kept or not kept[-1]):
            continue
        kept.append(stripped)
    while kept and not kept[-1]:
        kept.pop()
    return HEADER + "\n" + "\n".join(kept) + "\n"


def run_pg_dump(target: DbTarget, *, base_env: Mapping[str, str], run: Runner = subprocess.run) -> str:
    """The raw ``pg_dump --schema-only`` text of ``target`` (password via PGPASSWORD only)."""
    invocation = client_invocation("pg_dump", target, base_env=base_env, args=pg_dump_args(),
                                   needed_for="`inv db.dump` and `inv db.drift`")
    env = {**invocation.env, "PGCONNECT_TIMEOUT": CONNECT_TIMEOUT_SECONDS}
    try:
        completed = run([invocation.executable, *invocation.argv[1:]], env=env, capture_output=True,
                        text=True, timeout=PG_DUMP_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DatabaseError(f"pg_dump of {target.describe()} took longer than {PG_DUMP_TIMEOUT_SECONDS}s",
                            hint="check the connection and the server's load") from exc
    except OSError as exc:
        raise ConfigError(f"cannot run pg_dump: {exc.strerror}",
                          hint="check the installation: `pg_dump --version`") from exc
    if completed.returncode != 0:
        lines = [ln for ln in completed.stderr.splitlines() if ln.strip()]
        message = mask_text(lines[0] if lines else f"exit status {completed.returncode}")
        hint = "check the URL and that the server is reachable"
        if "version mismatch" in completed.stderr:
            hint = ("pg_dump must be at least as new as the server: install the matching client "
                    "(`apt-get install postgresql-client-<server major>`)")
        raise DatabaseError(f"pg_dump of {target.describe()} failed: {message}", hint=hint)
    return str(completed.stdout)


def dump_schema(target: DbTarget, *, base_env: Mapping[str, str], run: Runner = subprocess.run) -> str:
    return normalise(run_pg_dump(target, base_env=base_env, run=run))
