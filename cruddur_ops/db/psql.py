"""The interactive client for ``inv db.connect``: psql with the password in ``PGPASSWORD``.

The old ``bin/db/connect`` ran ``psql $CONNECTION_URL``: the password sat in the process table
(``ps`` shows argv to every user) and in shell history. Here argv carries a connection string
*without* the password, and the password travels in the child's environment only.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from psycopg.conninfo import make_conninfo

from ..errors import ConfigError
from .target import DbTarget

INSTALL_HINT = "install the PostgreSQL client: `apt-get install postgresql-client` (or `brew install libpq`)"


@dataclass(frozen=True)
class PsqlInvocation:
    executable: str
    argv: list[str]
    env: dict[str, str] = field(repr=False)


def client_invocation(program: str, target: DbTarget, *, base_env: Mapping[str, str],
                      args: Sequence[str], needed_for: str, which: object = shutil.which) -> PsqlInvocation:
    """``program`` (psql, pg_dump) with the connection string *without* the password as its last
    argument, and the password in ``PGPASSWORD`` of the child's environment only."""
    executable = which(program) if callable(which) else None
    if not executable:
        raise ConfigError(f"{program} is not installed (needed for {needed_for})", hint=INSTALL_HINT)
    params = target.params()
    password = params.pop("password", None)
    env = {k: v for k, v in base_env.items() if k not in ("PGPASSWORD",)}
    if password:
        env["PGPASSWORD"] = str(password)
    conninfo = make_conninfo(**params)
    return PsqlInvocation(str(executable), [program, *args, conninfo], env)


def psql_invocation(target: DbTarget, *, base_env: Mapping[str, str], extra_args: Sequence[str] = (),
                    which: object = shutil.which) -> PsqlInvocation:
    invocation = client_invocation("psql", target, base_env=base_env, args=(),
                                   needed_for="`inv db.connect`", which=which)
    # psql takes its options after the connection string as well (`psql URL -c …`).
    return PsqlInvocation(invocation.executable, [*invocation.argv, *extra_args], invocation.env)
