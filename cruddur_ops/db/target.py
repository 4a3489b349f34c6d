"""Where a db task connects: ``--env dev`` → ``CONNECTION_URL``; ``--env prod`` → a Secrets
Manager secret (``--secret-id`` / ``PROD_DB_SECRET_ID``, the RDS JSON shape) or
``PROD_CONNECTION_URL``.

A :class:`DbTarget` carries the connection string (which may hold a password) and never shows it:
``describe()`` and ``repr()`` give ``user@host:port/dbname`` only. The task layer passes plain
setting values in; nothing here reads the environment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from ..errors import ConfigError
from ..redact import mask_text
from .settings import DEFAULT_MAINTENANCE_DB

ENVIRONMENTS = ("dev", "prod")


@dataclass(frozen=True)
class DbTarget:
    env: str
    conninfo: str = field(repr=False)  # URL or key=value string; may contain the password
    source: str = ""  # where it came from, for messages: "CONNECTION_URL", "secret cruddur/db"

    def params(self) -> dict[str, Any]:
        try:
            return conninfo_to_dict(self.conninfo)
        except Exception as exc:  # psycopg.ProgrammingError with the text (and password) in it
            raise ConfigError(
                f"{self.source or 'the connection URL'} is not a valid PostgreSQL connection string",
                hint="expected postgresql://USER:PASSWORD@HOST:5432/DBNAME",
            ) from exc

    @property
    def dbname(self) -> str:
        name = self.params().get("dbname")
        if not name:
            raise ConfigError(
                f"{self.source or 'the connection URL'} names no database",
                hint="end the URL with /DBNAME, e.g. postgresql://postgres:…@localhost:5432/cruddur",
            )
        return str(name)

    @property
    def password(self) -> str | None:
        value = self.params().get("password")
        return None if value is None else str(value)

    def describe(self) -> str:
        """``user@host:port/dbname`` — never the password."""
        p = self.params()
        user = f"{p['user']}@" if p.get("user") else ""
        host = p.get("host") or p.get("hostaddr") or "localhost"
        port = f":{p['port']}" if p.get("port") else ""
        return mask_text(f"{user}{host}{port}/{p.get('dbname', '')}")

    def with_dbname(self, dbname: str) -> DbTarget:
        """The same server and credentials, another database (only ``dbname`` is replaced —
        the old scripts ran ``sed 's/\\/cruddur//'`` on the URL, which broke on any other name)."""
        params = self.params()
        params["dbname"] = dbname
        return DbTarget(self.env, make_conninfo(**params), self.source)

    def maintenance(self, dbname: str = DEFAULT_MAINTENANCE_DB) -> DbTarget:
        return self.with_dbname(dbname)

    def __str__(self) -> str:
        return self.describe()


SECRET_KEYS_REQUIRED = ("username", "password", "host")


def conninfo_from_secret(secret_text: str, *, secret_id: str, default_dbname: str) -> str:
    """Build a connection string from an RDS-style secret (``username``, ``password``, ``host``,
    ``port``, ``dbname``, optional ``sslmode``), or accept a secret that is itself a URL.

    Error messages name the missing *keys*, never the values.
    """
    text = secret_text.strip()
    if text.startswith(("postgres://", "postgresql://")):
        return text
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ConfigError(
            f"secret {secret_id!r} is neither JSON nor a postgresql:// URL",
            hint='store {"username", "password", "host", "port", "dbname"} as RDS does',
        )
    missing = [k for k in SECRET_KEYS_REQUIRED if not data.get(k)]
    if missing:
        raise ConfigError(
            f"secret {secret_id!r} lacks {', '.join(missing)}",
            hint='an RDS-style secret holds "username", "password", "host", "port" and "dbname"',
        )
    params: dict[str, Any] = {
        "user": str(data["username"]),
        "password": str(data["password"]),
        "host": str(data["host"]),
        "port": str(data.get("port") or 5432),
        "dbname": str(data.get("dbname") or default_dbname),
    }
    if data.get("sslmode"):
        params["sslmode"] = str(data["sslmode"])
    return make_conninfo(**params)


def resolve_target(
    env: str,
    *,
    dev_url: str | None,
    prod_url: str | None,
    secret_id: str | None,
    fetch_secret: Callable[[str], str],
    default_dbname: str = "cruddur",
) -> DbTarget:
    """Pick the database for ``env``. For prod a secret id wins over ``PROD_CONNECTION_URL``:
    it is the safer source (no password in a workspace variable)."""
    if env not in ENVIRONMENTS:
        raise ConfigError(f"unknown environment {env!r}", hint="use --env dev or --env prod")
    if env == "dev":
        if secret_id:
            raise ConfigError("--secret-id applies to --env prod only",
                              hint="dev uses CONNECTION_URL")
        if not dev_url:
            raise ConfigError("CONNECTION_URL is not set",
                              hint="export CONNECTION_URL=postgresql://postgres:password@localhost:5432/cruddur")
        return DbTarget("dev", dev_url, "CONNECTION_URL")
    if secret_id:
        conninfo = conninfo_from_secret(fetch_secret(secret_id), secret_id=secret_id,
                                        default_dbname=default_dbname)
        return DbTarget("prod", conninfo, f"secret {secret_id}")
    if prod_url:
        return DbTarget("prod", prod_url, "PROD_CONNECTION_URL")
    raise ConfigError(
        "no production database configured",
        hint="set PROD_DB_SECRET_ID (or --secret-id) to a Secrets Manager secret with the RDS "
        "credentials, or export PROD_CONNECTION_URL",
    )
