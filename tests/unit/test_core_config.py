"""Configuration precedence, env files that never override, booleans, masking."""

from __future__ import annotations

import os

import pytest

from cruddur_ops.config import Settings, env_settings, load_env_file, parse_bool, resolve_path
from cruddur_ops.errors import ConfigError
from cruddur_ops.redact import mask_text, mask_url, mask_value


def test_precedence_flag_env_file_invoke_default():
    settings = Settings(
        defaults={"X": "default", "D": "d"},
        invoke_config={"X": "invoke", "I": "i"},
        env_files={"X": "file", "F": "f"},
        environ={"X": "env", "E": "e"},
        flags={"X": "flag"},
    )
    assert settings.get("X") == "flag"
    assert [settings.lookup(n)[2] for n in ("E", "F", "I", "D")] == [
        "environment", "env file", "invoke config", "default"]


def test_aliases_are_tried_in_order_within_a_layer_and_empty_counts_as_unset():
    settings = Settings(environ={"SYNC_CLOUDFRONT_DISTRIBUTION_ID": "",
                                 "SYNC_CLOUDFRONT_DISTRUBTION_ID": "E123"})
    value, name, _ = settings.lookup("SYNC_CLOUDFRONT_DISTRIBUTION_ID", "SYNC_CLOUDFRONT_DISTRUBTION_ID")
    assert (value, name) == ("E123", "SYNC_CLOUDFRONT_DISTRUBTION_ID")


def test_require_names_the_variable():
    with pytest.raises(ConfigError, match="SYNC_S3_BUCKET is not set"):
        Settings().require("SYNC_S3_BUCKET")


def test_env_file_never_overrides_the_real_environment(tmp_path, monkeypatch):
    env_file = tmp_path / "sync.env"
    env_file.write_text("SYNC_S3_BUCKET=from-file\nSYNC_BUILD_DIR=build\n")
    monkeypatch.setenv("SYNC_S3_BUCKET", "from-env")
    monkeypatch.delenv("SYNC_BUILD_DIR", raising=False)
    settings = env_settings(env_files=[env_file])
    assert settings.lookup("SYNC_S3_BUCKET")[::2] == ("from-env", "environment")
    assert settings.lookup("SYNC_BUILD_DIR")[::2] == ("build", "env file")
    assert os.environ["SYNC_S3_BUCKET"] == "from-env"


def test_env_files_never_reach_the_process_environment(tmp_path, monkeypatch):
    """Later code and child processes see only the real environment; what they need from an
    env file is handed to them (AwsTarget.aws_variables, npm's env)."""
    env_file = tmp_path / "sync.env"
    env_file.write_text("SYNC_BUILD_DIR=build\nAWS_SESSION_TOKEN=file-token\n")
    monkeypatch.delenv("SYNC_BUILD_DIR", raising=False)
    settings = env_settings(env_files=[env_file])
    assert settings.get("SYNC_BUILD_DIR") == "build" and settings.get("AWS_SESSION_TOKEN") == "file-token"
    assert "SYNC_BUILD_DIR" not in os.environ
    assert "AWS_SESSION_TOKEN" not in os.environ
    assert "SYNC_BUILD_DIR" not in env_settings().environ  # the next resolution reads a clean environment


def test_variables_put_the_environment_over_the_files_unless_empty():
    settings = Settings(env_files={"A": "file", "B": "file", "C": ""}, environ={"A": "env", "B": "", "D": ""})
    assert settings.variables() == {"A": "env", "B": "file", "C": "", "D": ""}


def test_missing_env_file_is_empty(tmp_path):
    assert load_env_file(tmp_path / "nope.env") == {}


@pytest.mark.parametrize("raw,expected", [("true", True), ("1", True), ("YES", True), ("on", True),
                                          ("false", False), ("0", False), ("no", False), ("", False)])
def test_parse_bool(raw, expected):
    assert parse_bool(raw) is expected


def test_parse_bool_rejects_nonsense():
    with pytest.raises(ConfigError, match="SYNC_AUTO_APPROVE='maybe' is not a boolean"):
        parse_bool("maybe", name="SYNC_AUTO_APPROVE")


def test_paths_resolve_from_the_given_root(tmp_path):
    assert resolve_path("build", tmp_path) == tmp_path / "build"
    assert resolve_path("/abs/x", tmp_path).as_posix() == "/abs/x"


def test_masking():
    assert mask_url("postgresql://u:pw@h:5432/db") == "postgresql://u:****@h:5432/db"
    assert mask_url("postgresql://h/db") == "postgresql://h/db"
    assert "pw" not in mask_text("connect postgresql://u:pw@h/db failed; password=pw")
    assert mask_value("AWS_SECRET_ACCESS_KEY", "abc") == "****"
    assert mask_value("AWS_ACCESS_KEY_ID", "ASIAXYZ") == "ASIA****"
    assert mask_value("PROD_CONNECTION_URL", "postgresql://u:pw@h/db") == "****"
    assert mask_value("SYNC_S3_BUCKET", "b") == "b"


def test_describe_masks_and_shows_source():
    settings = Settings(environ={"AWS_SESSION_TOKEN": "tok"})
    assert settings.describe("AWS_SESSION_TOKEN") == "****  [environment]"
    assert settings.describe("NOPE") == "(unset)"
