"""Load one stack folder: ``aws/cfn/<stack>/template.yaml`` + ``config.toml``.

The one reader of ``config.toml``: the sync (the frontend stack's name) and the SG rule (the db
stack's name) ask :func:`configured_stack_name` rather than parse the file themselves.

config.toml::

    [deploy]
    stack_name = "CrdSync"        # required
    region = "us-east-1"          # optional (else AWS_REGION / the profile's region)
    bucket = "my-cfn-artifacts"   # optional: needed only for templates > 51,200 bytes
    prefix = "sync"               # optional key prefix inside that bucket
    capabilities = [...]          # optional: overrides the capabilities derived from the template

    [parameters]                  # template parameters (strings, numbers, booleans, lists)
    [tags]                        # extra stack tags (group = "cruddur-<stack>" is always added)
    [secrets]                     # NoEcho parameter = "ENV_VAR" it is read from (never written here)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")
STACK_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,127}$")
PARAM_KEY_RE = re.compile(r"^[A-Za-z0-9]+$")


@dataclass(frozen=True)
class StackConfig:
    """Everything config.toml says about one stack, normalised to strings."""

    name: str  # the folder name: `inv cfn.deploy NAME`
    directory: Path
    template_path: Path
    stack_name: str
    region: str | None = None
    bucket: str | None = None
    prefix: str = ""
    capabilities: tuple[str, ...] | None = None
    parameters: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)  # parameter -> env var name

    @property
    def all_tags(self) -> dict[str, str]:
        # The old scripts tagged every stack `group=cruddur-<x>`; keep it (config may override).
        return {"group": f"cruddur-{self.name}", **self.tags}


def _as_string(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ",".join(str(v) for v in value)  # CommaDelimitedList / List<...>
    raise ConfigError(f"{where}: unsupported value {value!r}", hint="use a string, number, boolean or list")


def _table(data: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{key}] must be a table")
    return value


def find_template(directory: Path) -> Path | None:
    for name in TEMPLATE_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def available_stacks(stacks_dir: Path) -> list[str]:
    if not stacks_dir.is_dir():
        return []
    return sorted(
        p.name for p in stacks_dir.iterdir()
        if p.is_dir() and (p / "config.toml").is_file() and find_template(p)
    )


def read_config_toml(config_path: Path) -> dict[str, Any] | None:
    """A stack's config.toml parsed; None when there is none. An unreadable or invalid file is a
    ConfigError naming it."""
    try:
        text = config_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config_path}: {exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: invalid TOML: {exc}") from exc


def configured_stack_name(config_path: Path, default: str) -> str:
    """``[deploy] stack_name`` of a stack's config.toml, ``default`` when the file or the name is
    absent. ConfigError when the file cannot be read."""
    deploy = (read_config_toml(config_path) or {}).get("deploy")
    name = deploy.get("stack_name") if isinstance(deploy, dict) else None
    return str(name) if name else default


def load_stack_config(stacks_dir: Path, name: str) -> StackConfig:
    """Read ``stacks_dir/name``; every problem is a ConfigError naming the file."""
    if not name or "/" in name or name.startswith("."):
        raise ConfigError(f"invalid stack name {name!r}", hint=_stacks_hint(stacks_dir))
    directory = stacks_dir / name
    config_path = directory / "config.toml"
    if not directory.is_dir():
        raise ConfigError(f"no stack folder {directory}", hint=_stacks_hint(stacks_dir))
    template_path = find_template(directory)
    if template_path is None:
        raise ConfigError(f"{directory} has no template.yaml", hint="add the CloudFormation template there")
    if not config_path.is_file():
        raise ConfigError(f"{directory} has no config.toml",
                          hint='add [deploy] stack_name = "..." (and [parameters])')
    data = read_config_toml(config_path) or {}
    deploy = _table(data, "deploy", config_path)
    stack_name = deploy.get("stack_name")
    if not isinstance(stack_name, str) or not STACK_NAME_RE.match(stack_name):
        raise ConfigError(
            f"{config_path}: [deploy] stack_name is missing or invalid ({stack_name!r})",
            hint="a CloudFormation stack name: a letter, then letters, digits or hyphens",
        )
    capabilities = deploy.get("capabilities")
    if capabilities is not None and not (
        isinstance(capabilities, list) and all(isinstance(c, str) for c in capabilities)
    ):
        raise ConfigError(f"{config_path}: [deploy] capabilities must be a list of strings")
    parameters = {
        str(k): _as_string(v, f"{config_path} [parameters] {k}")
        for k, v in _table(data, "parameters", config_path).items()
    }
    tags = {str(k): _as_string(v, f"{config_path} [tags] {k}") for k, v in _table(data, "tags", config_path).items()}
    secrets = {str(k): _as_string(v, f"{config_path} [secrets] {k}")
               for k, v in _table(data, "secrets", config_path).items()}
    return StackConfig(
        name=name,
        directory=directory,
        template_path=template_path,
        stack_name=stack_name,
        region=_opt_str(deploy.get("region")),
        bucket=_opt_str(deploy.get("bucket")),
        prefix=(_opt_str(deploy.get("prefix")) or "").strip("/"),
        capabilities=tuple(capabilities) if capabilities is not None else None,
        parameters=parameters,
        tags=tags,
        secrets=secrets,
    )


def _opt_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _stacks_hint(stacks_dir: Path) -> str:
    names = available_stacks(stacks_dir)
    if names:
        return f"stacks in {stacks_dir}: {', '.join(names)}"
    return f"no stacks found in {stacks_dir} (set CFN_STACKS_DIR or --stacks-dir)"


def parse_param_flags(values: list[str] | None) -> dict[str, str]:
    """``--param KEY=VALUE`` (repeatable) → dict; the value may contain '='."""
    result: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not PARAM_KEY_RE.match(key):
            raise ConfigError(f"--param {item.split('=')[0]!r}: expected KEY=VALUE",
                              hint="e.g. --param Branch=prod (repeat --param for several)")
        result[key] = value
    return result


def env_name_for(parameter: str) -> str:
    """``DbPassword`` → ``DB_PASSWORD``: where a NoEcho parameter's value is looked up."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", parameter).upper()


def secret_values(
    no_echo_parameters: list[str], config: StackConfig, environ: Mapping[str, str]
) -> dict[str, str]:
    """Values of NoEcho parameters from the environment: ``[secrets] Param = "ENV"``, else an
    env var named like the parameter (``DbPassword`` or ``DB_PASSWORD``)."""
    found: dict[str, str] = {}
    for parameter in no_echo_parameters:
        candidates = [config.secrets[parameter]] if parameter in config.secrets else [
            parameter, env_name_for(parameter)]
        for env_name in candidates:
            if environ.get(env_name):
                found[parameter] = environ[env_name]
                break
    return found
