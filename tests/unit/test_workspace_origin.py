"""The workspace's exact origin and its SSM parameter (written only when it changed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cruddur_ops.errors import ConfigError
from cruddur_ops.workspace.origin import (
    DryRunOriginWriter,
    OriginWriter,
    exact_origin,
    parameter_name,
    plan_origin,
    read_parameter,
)
from cruddur_ops.workspace_kind import detect_workspace

GITPOD = {
    "GITPOD_WORKSPACE_ID": "crud-abc123",
    "GITPOD_WORKSPACE_CLUSTER_HOST": "ws-eu110.gitpod.io",
}


@pytest.mark.parametrize(
    ("environ", "port", "expected"),
    [
        (GITPOD, 3000, "https://3000-crud-abc123.ws-eu110.gitpod.io"),
        ({"CODESPACE_NAME": "fluffy-space"}, 3000, "https://fluffy-space-3000.app.github.dev"),
        ({}, 3000, "http://localhost:3000"),
        ({}, 8080, "http://localhost:8080"),
    ],
)
def test_workspace_origins_are_exact(environ: dict[str, str], port: int, expected: str) -> None:
    assert exact_origin(detect_workspace(environ).url(port)) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://*.gitpod.io",
        "*",
        "https://x.gitpod.io/path",
        "ftp://x",
        "https://",
        "https://u:p@x.io",
        "https://x.io?q=1",
    ],
)
def test_wildcards_and_non_origins_are_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="not an exact origin"):
        exact_origin(url)


def test_trailing_slash_is_dropped() -> None:
    assert exact_origin("https://3000-x.ws.gitpod.io/") == "https://3000-x.ws.gitpod.io"


def test_parameter_name() -> None:
    assert parameter_name(None, "dev") == "/cruddur/dev/ORIGIN_URL_DEV"
    assert parameter_name("/cruddur/{env}/CORS_ORIGIN", "staging") == "/cruddur/staging/CORS_ORIGIN"
    assert parameter_name("/custom/name", "dev") == "/custom/name"
    for bad in ("relative/name", "/two//slashes", "/with space"):
        with pytest.raises(ConfigError):
            parameter_name(bad, "dev")


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


def test_written_once_then_unchanged_then_updated(ssm: Any) -> None:
    name = "/cruddur/dev/ORIGIN_URL_DEV"
    origin = "https://3000-a.ws.gitpod.io"
    created = OriginWriter(ssm).execute(plan_origin(read_parameter(ssm, name), origin))
    assert (created.plan.action, created.changed, created.version) == ("create", True, 1)

    again = OriginWriter(ssm).execute(plan_origin(read_parameter(ssm, name), origin))
    assert (again.plan.action, again.changed, again.version) == ("noop", False, 1)
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 1

    moved = OriginWriter(ssm).execute(
        plan_origin(read_parameter(ssm, name), "https://3000-b.ws.gitpod.io")
    )
    assert (moved.plan.action, moved.plan.previous, moved.version) == ("update", origin, 2)
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == "https://3000-b.ws.gitpod.io"


def test_dry_run_writes_nothing(ssm: Any) -> None:
    name = "/cruddur/dev/ORIGIN_URL_DEV"
    outcome = DryRunOriginWriter().execute(
        plan_origin(read_parameter(ssm, name), "http://localhost:3000")
    )
    assert outcome.dry_run and outcome.plan.action == "create"
    assert read_parameter(ssm, name).value is None


def test_existing_secure_string_keeps_its_type(ssm: Any) -> None:
    name = "/cruddur/dev/ORIGIN_URL_DEV"
    ssm.put_parameter(Name=name, Value="https://old", Type="SecureString")
    plan = plan_origin(read_parameter(ssm, name), "https://new.example")
    OriginWriter(ssm).execute(plan)
    parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", "https://new.example")
