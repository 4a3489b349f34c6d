"""Find or start a PostgreSQL server for the integration suite.

Order (DESIGN §6): ``TEST_DATABASE_URL``; a server already listening on 127.0.0.1:5432 (trust
auth, as on this project's machines); otherwise a throwaway cluster made with Debian's initdb.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .moto_server import free_port

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def can_connect(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
        return True
    except psycopg.Error:
        return False


@dataclass
class PostgresServer:
    admin_url: str  # a maintenance database URL with rights to CREATE/DROP DATABASE
    data_dir: Path | None = None
    _cleanup: list[str] = field(default_factory=list)

    def stop(self) -> None:
        if self.data_dir is None:
            return
        pg_ctl = _pg_bin("pg_ctl")
        subprocess.run(_as_postgres([pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "stop"]),
                       capture_output=True, check=False)
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"{name} not found: install Debian's postgresql package or set TEST_DATABASE_URL")
    return found


def _as_postgres(argv: list[str]) -> list[str]:
    # initdb refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def start_throwaway_cluster() -> PostgresServer:
    base = Path(tempfile.mkdtemp(prefix="cruddur-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    port = free_port()
    subprocess.run(_as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres",
                                 "--auth=trust", "--no-sync"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-w", "-o",
                                 f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
                                 "-l", str(base / "log"), "start"]), check=True, capture_output=True)
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    for _ in range(50):
        if can_connect(url):
            break
        time.sleep(0.1)
    return PostgresServer(admin_url=url, data_dir=data)


def discover_postgres() -> PostgresServer:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        return PostgresServer(admin_url=explicit)
    if can_connect(DEFAULT_URL):
        return PostgresServer(admin_url=DEFAULT_URL)
    return start_throwaway_cluster()
