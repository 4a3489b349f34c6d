"""Sync settings (names, precedence, invoke config) and the stack-output fallback (moto mock)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from cruddur_ops.config import Settings, env_settings
from cruddur_ops.errors import ConfigError
from cruddur_ops.sync.cache_control import CacheRule
from cruddur_ops.sync.settings import DEFAULT_STACK, stack_name_from_config, sync_config
from cruddur_ops.sync.target import resolve_target


def test_names_defaults_and_the_old_misspelling(tmp_path: Path) -> None:
    config = sync_config(Settings(environ={"SYNC_S3_BUCKET": "b", "SYNC_CLOUDFRONT_DISTRUBTION_ID": "E1",
                                           "SYNC_AUTO_APPROVE": "yes", "SYNC_BUILD_DIR": "site/build/"}), tmp_path)
    assert (config.bucket, config.distribution_id, config.auto_approve) == ("b", "E1", True)
    assert config.build_dir == tmp_path / "site" / "build"
    assert config.changeset_path == tmp_path / "tmp" / "changeset.json"
    assert config.max_deletes == 50 and config.workers == 16 and config.key_mode == "relative"
    right = sync_config(Settings(environ={"SYNC_CLOUDFRONT_DISTRIBUTION_ID": "E2",
                                          "SYNC_CLOUDFRONT_DISTRUBTION_ID": "E1"}), tmp_path)
    assert right.distribution_id == "E2"


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("YES", True), ("false", False), ("", False)])
def test_auto_approve_values(tmp_path: Path, value: str, expected: bool) -> None:
    assert sync_config(Settings(environ={"SYNC_AUTO_APPROVE": value}), tmp_path).auto_approve is expected


def test_bad_values_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SYNC_AUTO_APPROVE"):
        sync_config(Settings(environ={"SYNC_AUTO_APPROVE": "maybe"}), tmp_path)
    with pytest.raises(ConfigError, match="unknown key mode"):
        sync_config(Settings(flags={"KEY_MODE": "weird"}), tmp_path)
    with pytest.raises(ConfigError, match="MAX_DELETES"):
        sync_config(Settings(flags={"MAX_DELETES": "lots"}), tmp_path)


def test_invoke_config_rules(tmp_path: Path) -> None:
    config = sync_config(Settings(invoke_config={
        "IGNORE": ["robots.txt", "legacy/*"],
        "CACHE_CONTROL": [{"match": "*.html", "value": "max-age=60"}],
        "CONTENT_TYPES": {"foo": "text/x-foo"},
        "MAX_DELETE_PERCENT": "25%",
    }), tmp_path)
    assert config.ignore == ("robots.txt", "legacy/*")
    assert config.cache_rules == (CacheRule("*.html", "max-age=60"),)
    assert config.content_types == {".foo": "text/x-foo"} and config.max_delete_percent == 25.0
    assert config.keep_hidden == ()


def test_keep_hidden_from_invoke_config_or_the_environment(tmp_path: Path) -> None:
    assert sync_config(Settings(invoke_config={"KEEP_HIDDEN": [".vite"]}), tmp_path).keep_hidden == (".vite",)
    env = Settings(environ={"SYNC_KEEP_HIDDEN": ".vite, .htaccess"})
    assert sync_config(env, tmp_path).keep_hidden == (".vite", ".htaccess")


def test_real_environment_wins_over_the_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "sync.env"
    env_file.write_text("SYNC_S3_BUCKET=from-file\nSYNC_BUILD_DIR=file-build\n")
    monkeypatch.setenv("SYNC_S3_BUCKET", "from-env")
    monkeypatch.delenv("SYNC_BUILD_DIR", raising=False)
    config = sync_config(env_settings(env_files=[env_file]), tmp_path)
    assert config.bucket == "from-env" and config.build_dir == tmp_path / "file-build"


def test_stack_name_from_the_frontend_config(tmp_path: Path) -> None:
    assert stack_name_from_config(tmp_path) == DEFAULT_STACK
    cfg = tmp_path / "aws" / "cfn" / "frontend" / "config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text('[deploy]\nstack_name = "MyFront"\n')
    assert stack_name_from_config(tmp_path) == "MyFront"
    assert sync_config(Settings(environ={"SYNC_FRONTEND_STACK": "Other"}), tmp_path).stack_name == "Other"


TEMPLATE = {
    "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
    "Outputs": {"BucketName": {"Value": {"Ref": "Bucket"}}, "DistributionId": {"Value": "E123"}},
}


def test_bucket_and_distribution_from_stack_outputs() -> None:
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        cfn.create_stack(StackName="Front", TemplateBody=json.dumps(TEMPLATE))
        target = resolve_target(None, None, stack_name="Front", cfn_factory=lambda: cfn)
        assert target.bucket.startswith("front-") and target.distribution_id == "E123"
        assert target.source == "stack Front" and target.notice is None
        assert resolve_target("b", "D", stack_name="x", cfn_factory=lambda: 1 / 0).source == "settings"


def test_missing_stack_or_outputs_are_clear_errors() -> None:
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        with pytest.raises(ConfigError, match="stack 'Nope' does not exist") as missing:
            resolve_target(None, None, stack_name="Nope", cfn_factory=lambda: cfn)
        assert "SYNC_S3_BUCKET" in (missing.value.hint or "")
        cfn.create_stack(StackName="Bare", TemplateBody=json.dumps({"Resources": TEMPLATE["Resources"]}))
        with pytest.raises(ConfigError, match="has no BucketName output") as bare:
            resolve_target(None, None, stack_name="Bare", cfn_factory=lambda: cfn)
        assert "set SYNC_S3_BUCKET" in (bare.value.hint or "")
        only_bucket = resolve_target("b", None, stack_name="Nope", cfn_factory=lambda: cfn)
        assert only_bucket.distribution_id is None and "invalidation skipped" in (only_bucket.notice or "")


def test_a_known_bucket_without_need_for_the_distribution_skips_the_stack() -> None:
    def no_stack_lookup() -> Any:
        raise AssertionError("the stack was consulted")

    target = resolve_target("b", None, stack_name="Front", cfn_factory=no_stack_lookup, need_distribution=False)
    assert (target.bucket, target.distribution_id, target.source, target.notice) == ("b", None, "settings", None)
    with mock_aws():  # an unknown bucket still comes from the stack, distribution included
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        cfn.create_stack(StackName="Front", TemplateBody=json.dumps(TEMPLATE))
        from_stack = resolve_target(None, None, stack_name="Front", cfn_factory=lambda: cfn,
                                    need_distribution=False)
        assert from_stack.bucket.startswith("front-") and from_stack.distribution_id == "E123"


def test_release_settings_and_where_a_release_comes_from(tmp_path: Path) -> None:
    from cruddur_ops.sync.workflow import git_commit, where_ran

    default = sync_config(Settings(environ={"USER": "ana"}), tmp_path)
    assert (default.release_prefix, default.keep_releases, default.lock_ttl) == ("_cruddur-ops/", 3, 120)
    assert where_ran(default).startswith("ana@") and git_commit(default, tmp_path) is None  # not a repository
    ci = sync_config(Settings(environ={
        "SYNC_RELEASE_PREFIX": "/deploys", "SYNC_KEEP_RELEASES": "5", "GITHUB_SHA": "a" * 40,
        "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "org/cruddur", "GITHUB_RUN_ID": "42"}), tmp_path)
    assert (ci.release_prefix, ci.keep_releases) == ("deploys/", 5)
    assert where_ran(ci) == "https://github.com/org/cruddur/actions/runs/42" and git_commit(ci, None) == "a" * 40
    with pytest.raises(ConfigError, match="SYNC_KEEP_RELEASES=0 must be at least 1"):
        sync_config(Settings(environ={"SYNC_KEEP_RELEASES": "0"}), tmp_path)
