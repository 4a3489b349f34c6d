"""Shared fixtures: an AWS emulator over HTTP, a real Postgres, unique names, task runner.

Backend discovery (DESIGN §6), in order:
1. explicit environment: ``AWS_ENDPOINT_URL`` (with ``CRUDDUR_TEST_EMULATOR`` naming its kind)
   and ``TEST_DATABASE_URL``;
2. a Docker engine that answers → ``docker-compose.localstack.yml`` through pytest-docker;
3. what is installed locally: a moto server subprocess, or LocalStack in host mode
   (``CRUDDUR_TEST_EMULATOR=localstack``); Postgres on 127.0.0.1:5432, else a throwaway cluster.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.docker import docker_engine_available
from tests.support.moto_server import start_moto_server
from tests.support.postgres import PostgresServer, discover_postgres

REPO_ROOT = Path(__file__).resolve().parents[1]
EMULATOR_KIND = os.environ.get("CRUDDUR_TEST_EMULATOR", "moto")

# What the free LocalStack cannot do: skipped there with this reason, covered on moto.
LOCALSTACK_GAPS = {
    "needs_cloudfront": "LocalStack community has no CloudFront (501, paid plan only); covered on moto",
    "needs_oidc_provider": "LocalStack's CloudFormation ignores AWS::IAM::OIDCProvider; covered on moto",
    "moto_only": "relies on a moto-only switch (INITIAL_NO_AUTH_ACTION_COUNT); covered on moto",
    "own_emulator": "starts its own moto server, not the session's emulator: it runs once, in the moto session",
}

# Credentials that must never appear in any test output.
FAKE_ACCESS_KEY = "AKIAFAKEFORTESTS0001"
FAKE_SECRET_KEY = "fake-secret-key-for-tests-do-not-print"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)
        if EMULATOR_KIND == "localstack":
            for marker, reason in LOCALSTACK_GAPS.items():
                if item.get_closest_marker(marker):
                    item.add_marker(pytest.mark.skip(reason=reason))


def pytest_report_header(config: pytest.Config) -> str:
    return f"cruddur-ops emulator: {EMULATOR_KIND}"


@dataclass(frozen=True)
class Emulator:
    kind: str  # "moto" | "localstack"
    endpoint_url: str

    @property
    def is_moto(self) -> bool:
        return self.kind == "moto"


@pytest.fixture(scope="session")
def docker_setup() -> list[str]:
    """pytest-docker's compose command: LocalStack sits behind a compose profile."""
    profile = "--profile localstack " if EMULATOR_KIND == "localstack" else ""
    return [f"{profile}up --build --wait"]


@pytest.fixture(scope="session")
def docker_compose_file() -> str:
    return str(REPO_ROOT / "docker-compose.localstack.yml")


@pytest.fixture(scope="session")
def emulator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    explicit = os.environ.get("AWS_ENDPOINT_URL")
    if explicit:
        yield Emulator(EMULATOR_KIND, explicit)
        return
    logs = tmp_path_factory.mktemp("emulator")
    if docker_engine_available():
        services = request.getfixturevalue("docker_services")
        service = "localstack" if EMULATOR_KIND == "localstack" else "moto"
        port = services.port_for(service, 4566 if service == "localstack" else 5000)
        yield Emulator(EMULATOR_KIND, f"http://127.0.0.1:{port}")
        return
    if EMULATOR_KIND == "localstack":
        from tests.support.localstack_host import start_localstack

        print("\nno Docker engine: starting LocalStack in host mode", file=sys.stderr)
        with start_localstack(log_path=logs / "localstack.log") as stack:
            yield Emulator("localstack", stack.endpoint_url)
        return
    print("\nno Docker engine: starting a moto server subprocess", file=sys.stderr)
    server = start_moto_server(logs / "moto.log")
    try:
        yield Emulator("moto", server.endpoint_url)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def private_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tasks run by tests keep their caches (the sync's MD5 cache) in a per-test folder, not in
    the machine's ~/.cache."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


@pytest.fixture
def aws_env(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point this process (and child processes given ``task_env``) at the emulator."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                 "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    values = {
        "AWS_ENDPOINT_URL": emulator.endpoint_url,
        "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        # No ~/.aws files of the machine leak into tests.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def unique() -> str:
    """A short unique suffix for bucket, stack and database names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def bare_group(boto_client: Callable[..., Any], unique: str) -> Iterator[str]:
    """A security group in its own VPC (what the db stack's CrdDbRDSSG is), removed afterwards."""
    ec2 = boto_client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName=f"crd-db-{unique}", Description="db", VpcId=vpc)["GroupId"]
    try:
        yield group
    finally:
        ec2.delete_security_group(GroupId=group)
        ec2.delete_vpc(VpcId=vpc)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = discover_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url(postgres: PostgresServer, unique: str) -> Iterator[str]:
    """A fresh database for one test, dropped afterwards."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"cruddur_test_{unique}"
    with psycopg.connect(postgres.admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    params = conninfo_to_dict(postgres.admin_url)
    params["dbname"] = name
    url = make_conninfo(**params)
    if postgres.admin_url.startswith("postgres"):
        # Keep URL form (what CONNECTION_URL holds in real workspaces).
        from urllib.parse import urlsplit, urlunsplit

        url = urlunsplit(urlsplit(postgres.admin_url)._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        with psycopg.connect(postgres.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class TaskResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def run_task(tmp_path: Path) -> Callable[..., TaskResult]:
    """Run ``inv ARGS`` as a real subprocess from the repository root (the real task, end to end).

    The environment is this process's (so ``aws_env``/monkeypatch apply) plus ``env``; no TTY.
    """

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None,
            cwd: Path | None = None, timeout: float = 300, check: bool = False) -> TaskResult:
        full_env = {**os.environ, "NO_COLOR": "1", "CRUDDUR_OPS_ROOT": str(REPO_ROOT), **(env or {})}
        completed = subprocess.run(
            [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT), *args],
            cwd=cwd or REPO_ROOT,
            env=full_env,
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        result = TaskResult(completed.returncode, completed.stdout, completed.stderr)
        for secret in (FAKE_SECRET_KEY,):
            assert secret not in result.output, "a secret value appeared in task output"
        if check and result.returncode != 0:
            raise AssertionError(f"inv {' '.join(args)} failed ({result.returncode}):\n{result.output}")
        return result

    return run


@pytest.fixture
def boto_client(aws_env: dict[str, str], emulator: Emulator) -> Callable[..., Any]:
    """Test-side clients for arranging and checking emulator state (not the code under test)."""
    if emulator.kind == "localstack":
        from localstack_client.session import Session  # LocalStack's own helper

        host_port = emulator.endpoint_url.split("//", 1)[1]
        session = Session(localstack_host=host_port, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")

        def make(service: str) -> Any:
            return session.client(service)

        return make

    import boto3

    def make_moto(service: str) -> Any:
        return boto3.client(service, endpoint_url=emulator.endpoint_url, region_name="us-east-1")

    return make_moto
