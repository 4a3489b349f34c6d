"""The workspace's frontend origin and its copy in SSM Parameter Store.

CORS allow-lists (the avatar-upload Lambda) need the *exact* origin of the dev frontend, which
changes with every Gitpod/Codespaces workspace. ``workspace.init`` records it in a parameter and
rewrites the parameter only when the value changed, so its version (and anything watching it)
stays still across restarts of the same workspace.

Sections: ``exact_origin`` (validation), ``read_parameter`` (observe), ``plan_origin`` (pure),
``OriginWriter``/``DryRunOriginWriter`` (apply).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from .. import aws
from ..errors import ConfigError

DEFAULT_ENVIRONMENT = "dev"
DEFAULT_PARAMETER_TEMPLATE = "/cruddur/{env}/ORIGIN_URL_DEV"
DEFAULT_FRONTEND_PORT = 3000
PARAMETER_DESCRIPTION = (
    "Frontend origin of the current dev workspace (written by inv workspace.init)"
)


def exact_origin(url: str) -> str:
    """``scheme://host[:port]`` with nothing else: an origin a browser sends, never a wildcard."""
    parts = urlsplit(url.strip())
    if (
        "*" in url
        or parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise ConfigError(
            f"{url!r} is not an exact origin (scheme://host[:port], no wildcard, no path)",
            hint="check GITPOD_WORKSPACE_ID / CODESPACE_NAME, or pass --port",
        )
    return f"{parts.scheme}://{parts.netloc}"


def parameter_name(template: str | None, environment: str) -> str:
    name = (template or DEFAULT_PARAMETER_TEMPLATE).replace("{env}", environment)
    if not name.startswith("/") or "//" in name or any(c.isspace() for c in name):
        raise ConfigError(
            f"SSM parameter name {name!r} is not a valid path",
            hint="use a name like /cruddur/dev/ORIGIN_URL_DEV (ORIGIN_PARAMETER or --origin-parameter)",
        )
    return name


@dataclass(frozen=True)
class ParameterState:
    name: str
    value: str | None  # None: the parameter does not exist
    version: int | None = None
    type: str = "String"


@dataclass(frozen=True)
class OriginPlan:
    action: Literal["create", "update", "noop"]
    name: str
    value: str
    previous: str | None
    version: int | None
    type: str = "String"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class OriginOutcome:
    plan: OriginPlan
    version: int | None  # the parameter's version afterwards
    changed: bool
    dry_run: bool = False


def read_parameter(ssm: Any, name: str, sess: Any = None) -> ParameterState:
    try:
        response = ssm.get_parameter(Name=name, WithDecryption=True)
    except ClientError as exc:
        if aws.error_code(exc) == "ParameterNotFound":
            return ParameterState(name, None)
        raise aws.translate(exc, action=f"read SSM parameter {name}", sess=sess) from exc
    parameter = response["Parameter"]
    return ParameterState(
        name, parameter["Value"], parameter.get("Version"), parameter.get("Type", "String")
    )


def plan_origin(state: ParameterState, origin: str) -> OriginPlan:
    if state.value is None:
        action: Literal["create", "update", "noop"] = "create"
    else:
        action = "noop" if state.value == origin else "update"
    return OriginPlan(action, state.name, origin, state.value, state.version, state.type)


class OriginWriter:
    def __init__(self, ssm: Any, sess: Any = None) -> None:
        self._ssm = ssm
        self._sess = sess

    def execute(self, plan: OriginPlan) -> OriginOutcome:
        if plan.action == "noop":
            return OriginOutcome(plan, plan.version, changed=False)
        kwargs: dict[str, Any] = {"Name": plan.name, "Value": plan.value, "Type": plan.type}
        if plan.action == "update":
            kwargs["Overwrite"] = True
        else:
            kwargs["Description"] = PARAMETER_DESCRIPTION
        with aws.aws_errors(f"write SSM parameter {plan.name}", self._sess):
            response = self._ssm.put_parameter(**kwargs)
        return OriginOutcome(plan, response.get("Version"), changed=True)


class DryRunOriginWriter:
    def execute(self, plan: OriginPlan) -> OriginOutcome:
        return OriginOutcome(plan, plan.version, changed=False, dry_run=True)
