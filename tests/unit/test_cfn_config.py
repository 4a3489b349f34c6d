"""Loading stack folders (config.toml + template) and merging parameters (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cruddur_ops.cfn.config import (
    available_stacks,
    env_name_for,
    load_stack_config,
    parse_param_flags,
    secret_values,
)
from cruddur_ops.cfn.plan import resolve_parameters
from cruddur_ops.cfn.template import MAX_TEMPLATE_BODY, template_info
from cruddur_ops.errors import ConfigError

REPO_CFN = Path(__file__).resolve().parents[2] / "aws" / "cfn"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Name:
    Type: String
  Size:
    Type: Number
    Default: 1
  Zones:
    Type: CommaDelimitedList
    Default: a
  DbPassword:
    Type: String
    NoEcho: true
Resources:
  Topic:
    Type: AWS::SNS::Topic
"""


def make_stack(root: Path, name: str, config: str, template: str = TEMPLATE) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(template)
    (folder / "config.toml").write_text(config)
    return folder


def test_repository_stacks_load() -> None:
    assert {"sync", "frontend"} <= set(available_stacks(REPO_CFN))
    sync = load_stack_config(REPO_CFN, "sync")
    assert sync.stack_name == "CrdSync"
    assert sync.region == "us-east-1"
    assert sync.parameters["Branch"] == "prod"
    assert sync.all_tags == {"group": "cruddur-sync"}


def test_values_are_normalised_to_strings(tmp_path: Path) -> None:
    make_stack(tmp_path, "demo", """
[deploy]
stack_name = "Demo"
bucket = "artifacts"
prefix = "/demo/"
capabilities = ["CAPABILITY_IAM"]
[parameters]
Size = 3
Zones = ["a", "b"]
Flag = true
[tags]
owner = "ops"
group = "custom"
[secrets]
DbPassword = "PROD_DB_PASSWORD"
""")
    config = load_stack_config(tmp_path, "demo")
    assert config.parameters == {"Size": "3", "Zones": "a,b", "Flag": "true"}
    assert config.prefix == "demo"
    assert config.bucket == "artifacts"
    assert config.capabilities == ("CAPABILITY_IAM",)
    assert config.all_tags == {"group": "custom", "owner": "ops"}
    assert config.secrets == {"DbPassword": "PROD_DB_PASSWORD"}


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("[deploy]\n", "stack_name is missing"),
        ('[deploy]\nstack_name = "1bad"\n', "stack_name is missing or invalid"),
        ('[deploy]\nstack_name = "Ok"\n[parameters]\nX = {a = 1}\n', "unsupported value"),
        ("[deploy\n", "invalid TOML"),
        ('deploy = "x"\n', "[deploy] must be a table"),
    ],
)
def test_bad_config_is_a_clear_error(tmp_path: Path, config: str, fragment: str) -> None:
    make_stack(tmp_path, "demo", config)
    with pytest.raises(ConfigError) as info:
        load_stack_config(tmp_path, "demo")
    assert fragment in info.value.message
    assert "config.toml" in info.value.message


def test_unknown_stack_lists_the_available_ones(tmp_path: Path) -> None:
    make_stack(tmp_path, "alpha", '[deploy]\nstack_name = "A"\n')
    with pytest.raises(ConfigError) as info:
        load_stack_config(tmp_path, "beta")
    assert "alpha" in (info.value.hint or "")


def test_missing_template_or_config(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no template\.yaml"):
        load_stack_config(tmp_path, "empty")
    (tmp_path / "empty" / "template.yaml").write_text(TEMPLATE)
    with pytest.raises(ConfigError, match=r"no config\.toml"):
        load_stack_config(tmp_path, "empty")


def test_param_flags() -> None:
    assert parse_param_flags(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    assert parse_param_flags(None) == {}
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_param_flags(["novalue"])
    with pytest.raises(ConfigError):
        parse_param_flags(["bad-key=1"])


def test_env_names_for_no_echo_parameters(tmp_path: Path) -> None:
    assert env_name_for("DbPassword") == "DB_PASSWORD"
    assert env_name_for("MasterUserPassword") == "MASTER_USER_PASSWORD"
    make_stack(tmp_path, "demo", '[deploy]\nstack_name = "Demo"\n')
    config = load_stack_config(tmp_path, "demo")
    assert secret_values(["DbPassword"], config, {"DB_PASSWORD": "s3cret"}) == {"DbPassword": "s3cret"}
    assert secret_values(["DbPassword"], config, {"DbPassword": "a", "DB_PASSWORD": "b"}) == {"DbPassword": "a"}
    assert secret_values(["DbPassword"], config, {}) == {}
    make_stack(tmp_path, "mapped", '[deploy]\nstack_name = "M"\n[secrets]\nDbPassword = "PROD_PW"\n')
    mapped = load_stack_config(tmp_path, "mapped")
    assert secret_values(["DbPassword"], mapped, {"DB_PASSWORD": "no", "PROD_PW": "yes"}) == {"DbPassword": "yes"}


def test_parameter_precedence_and_masking() -> None:
    specs = template_info(TEMPLATE).parameters
    values = resolve_parameters(
        specs,
        config_values={"Name": "from-config", "Size": "2"},
        flag_values={"Size": "5"},
        secret_values={"DbPassword": "hunter2"},
    )
    by_key = {v.key: v for v in values}
    assert by_key["Name"].value == "from-config" and by_key["Name"].source == "config.toml"
    assert by_key["Size"].value == "5" and by_key["Size"].source == "--param"
    assert "Zones" not in by_key  # default applies: not sent
    assert by_key["DbPassword"].secret and by_key["DbPassword"].shown() == "****"
    assert by_key["DbPassword"].to_api() == {"ParameterKey": "DbPassword", "ParameterValue": "hunter2"}


def test_unknown_and_missing_parameters() -> None:
    specs = template_info(TEMPLATE).parameters
    with pytest.raises(ConfigError, match="not in the template: Nope"):
        resolve_parameters(specs, config_values={"Name": "x", "Nope": "1"}, flag_values={},
                           secret_values={"DbPassword": "p"})
    with pytest.raises(ConfigError) as info:
        resolve_parameters(specs, config_values={"Name": "x"}, flag_values={}, secret_values={})
    assert "DbPassword" in info.value.message
    assert "DB_PASSWORD" in (info.value.hint or "")


def test_update_keeps_previous_secret_value() -> None:
    specs = template_info(TEMPLATE).parameters
    values = resolve_parameters(specs, config_values={"Name": "x"}, flag_values={}, secret_values={},
                                previous_keys=["Name", "DbPassword"], updating=True)
    secret = next(v for v in values if v.key == "DbPassword")
    assert secret.use_previous
    assert secret.to_api() == {"ParameterKey": "DbPassword", "UsePreviousValue": True}
    assert secret.shown() == "(previous value)"


def test_template_size_and_no_echo() -> None:
    info = template_info(TEMPLATE)
    assert info.no_echo_parameters == ["DbPassword"]
    assert not info.needs_upload
    big = TEMPLATE + "# " + "x" * MAX_TEMPLATE_BODY + "\n"
    assert template_info(big).needs_upload
