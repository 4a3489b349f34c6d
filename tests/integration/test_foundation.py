"""Foundation end to end: entry points, credentials over HTTP, env rendering with AWS lookups."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAKE_SECRET_KEY, REPO_ROOT
from tests.support.moto_server import start_moto_server
from tests.support.recording_proxy import CannedResponse, RecordingProxy

NAMESPACES = ("env.", "frontend.", "cfn.", "rds.", "db.", "workspace.")


def test_inv_list_shows_every_namespace(run_task):
    result = run_task("--list", check=True)
    for namespace in NAMESPACES:
        assert namespace in result.stdout, result.stdout


def test_console_script_offers_the_same_tasks_outside_the_checkout(tmp_path):
    script = shutil.which("cruddur-ops", path=str(Path(sys.executable).parent)) or shutil.which("cruddur-ops")
    assert script, "the cruddur-ops console script is not installed"
    result = subprocess.run([script, "--list"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for namespace in NAMESPACES:
        assert namespace in result.stdout


@pytest.fixture
def ssm_template(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "app.env.erb").write_text(
        "BUCKET=<%= ssm('/cruddur/test/bucket') %>\n"
        "DB_PASSWORD=<%= secret('cruddur/test/db', 'password') %>\n")
    return templates


def _seed(boto_client, unique):
    boto_client("ssm").put_parameter(Name="/cruddur/test/bucket", Value=f"bucket-{unique}",
                                     Type="String", Overwrite=True)
    secrets = boto_client("secretsmanager")
    try:
        secrets.create_secret(Name="cruddur/test/db", SecretString=json.dumps({"password": "pw-" + unique}))
    except secrets.exceptions.ResourceExistsException:
        secrets.put_secret_value(SecretId="cruddur/test/db", SecretString=json.dumps({"password": "pw-" + unique}))


def test_session_token_is_sent_with_every_request(aws_env, boto_client, run_task, unique, ssm_template, tmp_path):
    """The journal's 'invalid aws access key id': the token must travel with temporary keys."""
    _seed(boto_client, unique)
    proxy = RecordingProxy(upstream=aws_env["AWS_ENDPOINT_URL"]).start()
    try:
        result = run_task("env.render", "app", "--template-dir", str(ssm_template), "--out-dir", str(tmp_path),
                          env={"AWS_ENDPOINT_URL": proxy.endpoint_url, "AWS_ACCESS_KEY_ID": "ASIATEMPORARYKEY01",
                               "AWS_SESSION_TOKEN": f"session-token-{unique}"})
    finally:
        proxy.stop()
    assert result.returncode == 0, result.output
    assert proxy.requests, "no request reached the emulator"
    assert all(r.get("x-amz-security-token") == f"session-token-{unique}" for r in proxy.requests)
    rendered = (tmp_path / "app.env").read_text()
    assert rendered == f"BUCKET=bucket-{unique}\nDB_PASSWORD=pw-{unique}\n"
    assert stat.S_IMODE(os.stat(tmp_path / "app.env").st_mode) == 0o600
    assert f"pw-{unique}" not in result.output


def test_env_file_credentials_reach_aws_with_their_session_token(aws_env, boto_client, run_task, unique, tmp_path,
                                                                 monkeypatch):
    """Temporary keys rendered into an env file (not exported anywhere) are used, token and all:
    the journal's "invalid aws access key id" came from a token dropped on the way."""
    boto_client("s3").create_bucket(Bucket=f"site-{unique}")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    proxy = RecordingProxy(upstream=aws_env["AWS_ENDPOINT_URL"]).start()
    env_file = tmp_path / "sync.env"
    env_file.write_text(f"SYNC_S3_BUCKET=site-{unique}\nAWS_ENDPOINT_URL={proxy.endpoint_url}\n"
                        f"AWS_ACCESS_KEY_ID=ASIAENVFILEKEY000001\nAWS_SECRET_ACCESS_KEY={FAKE_SECRET_KEY}\n"
                        f"AWS_SESSION_TOKEN=file-token-{unique}\n")
    try:
        result = run_task("frontend.doctor", "--env-file", str(env_file), "--json")
    finally:
        proxy.stop()
    assert "Traceback" not in result.output
    assert json.loads(result.stdout), result.output  # the checks ran (the site itself is not set up)
    assert proxy.requests, "no request reached the emulator through the env file's AWS_ENDPOINT_URL"
    assert all(r.get("x-amz-security-token") == f"file-token-{unique}" for r in proxy.requests)
    assert all("ASIAENVFILEKEY000001" in r.get("authorization", "") for r in proxy.requests)
    assert f"file-token-{unique}" not in result.output


def test_expired_token_is_one_actionable_line(aws_env, run_task, ssm_template, tmp_path):
    expired = CannedResponse(400, json.dumps({"__type": "ExpiredTokenException",
                                              "message": "The security token included in the request is expired"}).encode())
    proxy = RecordingProxy(upstream=aws_env["AWS_ENDPOINT_URL"], canned=expired).start()
    try:
        result = run_task("env.render", "app", "--template-dir", str(ssm_template), "--out-dir", str(tmp_path),
                          env={"AWS_ENDPOINT_URL": proxy.endpoint_url, "AWS_SESSION_TOKEN": "old-token"})
    finally:
        proxy.stop()
    assert result.returncode == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: read SSM parameter /cruddur/test/bucket: the AWS credentials have expired")
    assert lines[1].startswith("hint:") and "AWS_SESSION_TOKEN" in lines[1]
    assert not (tmp_path / "app.env").exists()


@pytest.mark.moto_only
def test_invalid_credentials_are_rejected_with_one_line(tmp_path, run_task, ssm_template):
    """A moto server that enforces authentication returns AWS's real credential errors."""
    server = start_moto_server(tmp_path / "moto-auth.log", extra_env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    try:
        common = {"AWS_ENDPOINT_URL": server.endpoint_url, "AWS_DEFAULT_REGION": "us-east-1",
                  "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY, "AWS_CONFIG_FILE": os.devnull,
                  "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        args = ("env.render", "app", "--template-dir", str(ssm_template), "--out-dir", str(tmp_path))
        unknown = run_task(*args, env={**common, "AWS_ACCESS_KEY_ID": "AKIAUNKNOWNKEY000001"})
        temporary = run_task(*args, env={**common, "AWS_ACCESS_KEY_ID": "ASIAUNKNOWNKEY000001"})
    finally:
        server.stop()
    assert unknown.returncode == 1 and "Traceback" not in unknown.output
    assert "does not recognise the access key (from environment variables) (InvalidClientTokenId)" in unknown.stderr
    assert temporary.returncode == 1
    assert "temporary key (ASIA…) used without its session token" in temporary.stderr
    assert "export AWS_SESSION_TOKEN" in temporary.stderr


def test_no_credentials_at_all(aws_env, run_task, ssm_template, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run_task("env.render", "app", "--template-dir", str(ssm_template), "--out-dir", str(tmp_path))
    error, hint = error_and_hint(result)
    assert "no AWS credentials found" in error and "AWS_PROFILE" in hint


def test_render_sync_env_positional_name(aws_env, run_task, tmp_path):
    result = run_task("env.render", "sync", "--out-dir", str(tmp_path),
                      env={"SYNC_S3_BUCKET": "my-bucket", "SYNC_CLOUDFRONT_DISTRUBTION_ID": "E2OLD"})
    assert result.returncode == 0, result.output
    text = (tmp_path / "sync.env").read_text()
    assert "SYNC_S3_BUCKET=my-bucket\n" in text
    assert "SYNC_CLOUDFRONT_DISTRIBUTION_ID=E2OLD\n" in text  # the old misspelling is accepted
    assert [p.name for p in tmp_path.iterdir()] == ["sync.env"]


def error_and_hint(result) -> tuple[str, str]:
    """The promised shape of an expected failure: exit 1, exactly an error line and a hint line."""
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    error, hint = result.stderr.strip().splitlines()
    assert error.startswith("error: ") and hint.startswith("hint: "), result.stderr
    return error, hint


def test_bad_input_is_one_error_line_and_one_hint_line(run_task, tmp_path):
    # An unknown template name (the first positional, even when it looks like a flag).
    error, hint = error_and_hint(run_task("env.render", "--no-such-flag", "--out-dir", str(tmp_path)))
    assert "unknown template '--no-such-flag'" in error and "available: " in hint and "sync" in hint
    # A missing build folder is refused before any request (the endpoint here answers nothing).
    error, hint = error_and_hint(run_task("frontend.plan", "--build-dir", str(tmp_path / "missing"),
                                          env={"SYNC_S3_BUCKET": "cruddur-missing-build",
                                               "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}))
    assert f"build directory {tmp_path / 'missing'} does not exist" in error
    assert "inv frontend.build" in hint


def test_unknown_flag_is_invokes_parse_error_not_a_traceback(run_task):
    # invoke parses the command line before any task runs: its own one-line message, exit 1.
    result = run_task("frontend.plan", "--no-such-flag")
    assert result.returncode == 1 and "Traceback" not in result.output
    assert result.stderr.strip() == "No idea what '--no-such-flag' is!"


def test_debug_flag_shows_the_traceback(run_task, tmp_path):
    result = run_task("-d", "env.render", "nope", "--out-dir", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "ConfigError" in result.stderr


def test_repo_root_is_found_from_a_subfolder(run_task, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CRUDDUR_OPS_ROOT"}
    result = subprocess.run([sys.executable, "-m", "invoke", "--list"], cwd=REPO_ROOT / "erb_templates",
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "env.render" in result.stdout
