"""CRUDDUR_OPS_PATCHES=off: botocore, invoke and the interpreter run as shipped.

Each patch has its own tests (named in its module docstring); these check the one switch over
all of them, with botocore's and invoke's own behaviour as the expected result.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest
from moto import mock_aws

from cruddur_ops import aws
from cruddur_ops.patches import SETTING, enabled
from cruddur_ops.patches.botocore_loader import DirectServiceLoader
from cruddur_ops.sync.s3client import sync_client

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGET = aws.AwsTarget(region="us-east-1")


@pytest.fixture(params=["on", "off"])
def switch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Each test runs with the patches on and off; the value: whether they are on."""
    monkeypatch.setenv(SETTING, request.param)
    return request.param == "on"


def test_the_switch_reads_like_the_other_off_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SETTING, raising=False)
    assert enabled()
    for on in ("on", "1", "yes", "", "  "):
        monkeypatch.setenv(SETTING, on)
        assert enabled(), on
    for off in ("off", "OFF", " off ", "false", "0", "no", "none"):
        monkeypatch.setenv(SETTING, off)
        assert not enabled(), off


def test_sessions_load_models_through_botocore_s_own_loader_when_off(switch: bool,
                                                                     private_cache_home: Path) -> None:
    target = aws.AwsTarget(region="us-east-1", model_cache=private_cache_home / "cruddur-ops" / "botocore")
    loader = aws.session(target).get_component("data_loader")
    assert isinstance(loader, DirectServiceLoader) is switch
    if not switch:
        assert type(loader) is botocore.loaders.Loader
        assert type(loader.file_loader) is botocore.loaders.JSONFileLoader
    aws.client("s3", target)
    assert (private_cache_home / "cruddur-ops" / "botocore").is_dir() is switch  # the model cache


def test_https_clients_keep_botocore_s_certificate_set_up_when_off(switch: bool) -> None:
    s3 = aws.client("s3", TARGET)  # https://s3.amazonaws.com, verification on
    http_session = s3._endpoint.http_session
    assert ("_setup_ssl_cert" in vars(http_session)) is switch  # an instance attribute = patched


@pytest.fixture
def bucket_client(switch: bool) -> Iterator[Any]:
    with mock_aws():
        s3 = sync_client(TARGET, aws.session(TARGET), workers=2)
        s3.create_bucket(Bucket="bkt")
        yield s3


def test_the_sync_client_lists_and_puts_as_botocore_does_when_off(switch: bool, bucket_client: Any) -> None:
    sent: list[bytes | None] = []
    bucket_client.meta.events.register("before-send.s3.PutObject",
                                       lambda request, **_: sent.append(request.headers.get("Expect")))
    bucket_client.put_object(Bucket="bkt", Key="a.js", Body=b"small")
    assert sent == ([None] if switch else [b"100-continue"])
    [entry] = bucket_client.list_objects_v2(Bucket="bkt")["Contents"]
    assert isinstance(entry["LastModified"], str if switch else datetime)


# A CLI start in a fresh interpreter: what invoke's parser makes of `env.render` without a NAME,
# and the interpreter's settings once the run ends.
CLI_PROBE = """
import atexit, gc, json, sys
from invoke.parser import ParseError, Parser

def report():
    from cruddur_ops.entrypoints.namespace import namespace
    try:
        parsed = Parser(contexts=namespace.to_contexts()).parse_argv(["env.render"])
        name = parsed[-1].args["name"].value
    except ParseError as exc:
        name = "ParseError: " + str(exc)
    print(json.dumps({"young": gc.get_threshold()[0], "dont_write_bytecode": sys.dont_write_bytecode,
                      "env.render NAME": name}))

atexit.register(report)  # runs after the CLI's own exit handlers
"""


@pytest.mark.parametrize(
    "run",
    [
        f"from invoke.main import program; program.run(['inv', '--search-root', {str(REPO_ROOT)!r}, '--list'])",
        "from cruddur_ops.entrypoints.program import program; program.run(['cruddur-ops', '--list'])",
    ],
)
def test_cli_runs_keep_invoke_s_parser_and_the_interpreter_s_settings_when_off(switch: bool, run: str) -> None:
    from cruddur_ops.patches.cli_process import YOUNG_GENERATION_THRESHOLD

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run([sys.executable, "-c", CLI_PROBE + run], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    if switch:
        assert report == {"young": YOUNG_GENERATION_THRESHOLD, "dont_write_bytecode": False,
                          "env.render NAME": ""}
    else:
        assert report["young"] == gc.get_threshold()[0] != YOUNG_GENERATION_THRESHOLD  # the default
        assert report["dont_write_bytecode"] is True  # invoke's --write-pyc default, as shipped
        assert report["env.render NAME"].startswith("ParseError: ")
        assert "did not receive required positional arguments: 'name'" in report["env.render NAME"]
