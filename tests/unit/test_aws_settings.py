"""The one builder of the AWS target, and the env files' AWS settings handed to botocore."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur_ops import aws
from cruddur_ops.aws_settings import aws_target
from cruddur_ops.cfn import workflow
from cruddur_ops.cli import common
from cruddur_ops.config import Settings, env_settings


def test_tasks_and_stacks_share_one_builder() -> None:
    assert common.aws_target is aws_target
    assert workflow.aws_target is aws_target
    assert not hasattr(workflow, "stack_target")


def test_flag_then_stack_then_settings() -> None:
    settings = Settings(environ={"AWS_REGION": "eu-west-1", "AWS_PROFILE": "env-profile",
                                 "CRUDDUR_AWS_ENDPOINT_URL": "http://emulator:5000"})
    assert aws_target(settings).region == "eu-west-1"
    assert aws_target(settings, configured_region="eu-central-1").region == "eu-central-1"
    assert aws_target(settings, region="us-west-2", configured_region="eu-central-1").region == "us-west-2"
    assert aws_target(settings).profile == "env-profile"
    assert aws_target(settings, profile="flag").profile == "flag"
    assert aws_target(settings).endpoint_url == "http://emulator:5000"
    assert aws_target(Settings(env_files={"AWS_DEFAULT_REGION": "ap-south-1"})).region == "ap-south-1"


def test_no_env_file_aws_names_leaves_botocore_to_the_process_environment() -> None:
    assert aws_target(Settings(env_files={"SYNC_S3_BUCKET": "b"}, environ={"AWS_REGION": "x"})).aws_variables == ()


def write_env_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "backend.env"
    path.write_text(text)
    return path


def test_env_file_credentials_keep_their_session_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal's failure: temporary keys from a file, used without their session token."""
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    env_file = write_env_file(tmp_path, "AWS_ACCESS_KEY_ID=ASIAFROMTHEFILE00001\nAWS_SECRET_ACCESS_KEY=file-secret\n"
                                        "AWS_SESSION_TOKEN=file-session-token\n")
    target = aws_target(env_settings(env_files=[env_file]))
    assert "file-secret" not in repr(target) and "file-session-token" not in repr(target)
    creds = aws.session(target).get_credentials()
    assert creds is not None and creds.method == "env"
    frozen = creds.get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        "ASIAFROMTHEFILE00001", "file-secret", "file-session-token")


def test_the_real_environment_wins_over_env_file_credentials(tmp_path: Path) -> None:
    env_file = write_env_file(tmp_path, "AWS_ACCESS_KEY_ID=ASIAFROMTHEFILE00001\nAWS_SESSION_TOKEN=file-token\n")
    frozen = aws.session(aws_target(env_settings(env_files=[env_file]))).get_credentials().get_frozen_credentials()
    # the unit suite's environment sets the key and secret (and no token)
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        "AKIAUNITTESTS0000000", "unit-test-secret", "file-token")


def test_an_explicit_profile_keeps_env_file_keys_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's rule: a profile named explicitly wins over keys in the environment."""
    config = tmp_path / "config"
    config.write_text("[profile other]\naws_access_key_id = AKIAFROMPROFILE00001\n"
                      "aws_secret_access_key = profile-secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    env_file = write_env_file(tmp_path, "AWS_ACCESS_KEY_ID=ASIAFROMTHEFILE00001\nAWS_SECRET_ACCESS_KEY=s\n")
    target = aws_target(env_settings(env_files=[env_file]), profile="other")
    assert aws.session(target).get_credentials().get_frozen_credentials().access_key == "AKIAFROMPROFILE00001"


def test_env_file_endpoints_reach_the_clients(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = write_env_file(tmp_path, "AWS_ENDPOINT_URL=http://127.0.0.1:4566\n"
                                        "AWS_ENDPOINT_URL_S3=http://127.0.0.1:9000\n")
    target = aws_target(env_settings(env_files=[env_file]))
    assert aws.client("s3", target).meta.endpoint_url == "http://127.0.0.1:9000"
    assert aws.client("cloudformation", target).meta.endpoint_url == "http://127.0.0.1:4566"
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7000")  # the real environment wins
    target = aws_target(env_settings(env_files=[env_file]))
    assert aws.client("s3", target).meta.endpoint_url == "http://127.0.0.1:7000"


def test_other_botocore_settings_from_env_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS", raising=False)
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    env_file = write_env_file(tmp_path, "AWS_MAX_ATTEMPTS=7\nAWS_RETRY_MODE=adaptive\n")
    sess = aws.session(aws_target(env_settings(env_files=[env_file])))
    assert sess.get_config_variable("max_attempts") == 7  # converted as botocore converts it
    assert sess.get_config_variable("retry_mode") == "adaptive"


def test_a_stack_target_is_the_task_target_with_the_stack_s_region(tmp_path: Path) -> None:
    stack = tmp_path / "demo"
    stack.mkdir()
    (stack / "template.yaml").write_text("Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n")
    (stack / "config.toml").write_text('[deploy]\nstack_name = "Demo"\nregion = "eu-north-1"\n')
    settings = Settings(environ={"CFN_STACKS_DIR": str(tmp_path), "AWS_REGION": "us-east-1",
                                 "CRUDDUR_AWS_ENDPOINT_URL": "http://emulator:5000",
                                 "CRUDDUR_OPS_MODEL_CACHE": str(tmp_path / "models")},
                        env_files={"AWS_SESSION_TOKEN": "file-token"})
    loaded = workflow.load(settings, "demo", None, "", "")
    assert loaded.target == aws_target(settings, configured_region="eu-north-1")
    assert loaded.target.model_cache == tmp_path / "models"
    assert dict(loaded.target.aws_variables)["AWS_SESSION_TOKEN"] == "file-token"
    assert workflow.load(settings, "demo", None, "ap-east-1", "").target.region == "ap-east-1"
