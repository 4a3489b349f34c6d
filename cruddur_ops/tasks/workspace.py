"""`inv workspace.*` tasks: what a Gitpod / Codespaces / local workspace runs at start.

The workspace core (env rendering, network rules, SSM) is imported inside the tasks, so
`inv --list` and every other task start without it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from invoke import Collection, Context
from invoke.exceptions import Exit

from .. import ci
from ..cli.common import aws_target, load_settings
from ..cli.guard import debug_enabled, ops_task
from ..config import Settings, repo_root, resolve_path
from ..console import consoles
from ..errors import ConfigError

if TYPE_CHECKING:
    from ..network.addresses import HostAddress
    from ..network.publicip import ResolvedIp
    from ..network.service import RuleRequest
    from ..workspace.init import InitConfig
    from ..workspace.steps import StepResult


def _frontend_port(settings: Settings, port: int) -> int:
    from ..workspace.origin import DEFAULT_FRONTEND_PORT

    value = port or settings.get("FRONTEND_PORT", default=DEFAULT_FRONTEND_PORT)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= 65535:
        raise ConfigError(f"frontend port {value!r} is not a TCP port", hint="use --port 3000")
    return number


@ops_task(help={"port": "the frontend's port (default: FRONTEND_PORT or 3000)"})
def origin(ctx: Context, port: int = 0) -> None:
    """Print the exact origin of this workspace's frontend (for CORS allow-lists; never a wildcard).

    Gitpod: https://3000-<workspace>.<cluster>; Codespaces: https://<name>-3000.<domain>;
    elsewhere http://localhost:3000.
    """
    from ..workspace.origin import exact_origin
    from ..workspace_kind import detect_workspace

    settings = load_settings(ctx, section="workspace")
    url = detect_workspace(os.environ).url(_frontend_port(settings, port))
    consoles().out.print(exact_origin(url), markup=False, highlight=False)


@ops_task(
    auto_shortflags=False,
    help={
        "dry-run": "report what each step would change without changing anything",
        "ip": "workspace IP to allow (default: GITPOD_IP / WORKSPACE_IP, else looked up)",
        "stack": "db stack holding the security group (default: aws/cfn/db/config.toml or CrdDb)",
        "env": "environment name in the origin parameter /cruddur/<env>/ORIGIN_URL_DEV (default dev)",
        "origin-parameter": "full SSM parameter name for the origin (default /cruddur/<env>/ORIGIN_URL_DEV)",
        "frontend-port": "the frontend's port, for the origin (default 3000)",
        "out-dir": "where env files go (default: the repository root)",
        "template-dir": "folder of *.env.erb templates (default: erb_templates/)",
        "allow-missing": "render unset ENV['X'] as empty instead of failing the env step",
    },
)
def init(
    ctx: Context,
    dry_run: bool = False,
    ip: str = "",
    stack: str = "",
    env: str = "",
    origin_parameter: str = "",
    frontend_port: int = 0,
    out_dir: str = "",
    template_dir: str = "",
    allow_missing: bool = False,
) -> None:
    """Start a workspace: find its IP, open the database to it, render env files, publish its origin,
    and (when CORS_BUCKET is set) set the bucket's CORS origins from Parameter Store (cors.apply).

    Each step prints ok / skipped (why) / failed (why); a failed step does not stop the others,
    and the task exits 1 when any step failed. Steps needing AWS are skipped when no credentials
    are configured; the database step is skipped when neither DB_SG_ID nor the db stack exists.
    """
    from ..workspace.init import AwsAccess, run_init

    settings = load_settings(ctx, section="workspace")
    config = _init_config(ctx, settings, dry_run=dry_run, ip=ip, stack=stack, env=env,
                          origin_parameter=origin_parameter, frontend_port=frontend_port,
                          out_dir=out_dir, template_dir=template_dir, allow_missing=allow_missing)
    results = run_init(config, AwsAccess(aws_target(settings)), reraise_bugs=debug_enabled())
    _report(results, dry_run=dry_run)


def _init_config(ctx: Context, settings: Settings, *, dry_run: bool, ip: str, stack: str, env: str,
                 origin_parameter: str, frontend_port: int, out_dir: str, template_dir: str,
                 allow_missing: bool) -> InitConfig:
    """workspace.init's flags and settings → the steps' configuration."""
    from ..network.publicip import IP_VARIABLES
    from ..network.render import show_lookup
    from ..network.rule_settings import rule_request, workspace_ip
    from ..workspace.init import InitConfig
    from ..workspace.origin import DEFAULT_ENVIRONMENT, parameter_name
    from ..workspace_kind import detect_workspace

    rds_settings = load_settings(ctx, section="rds")
    env_settings = load_settings(ctx, section="env")
    root = repo_root()
    environment = env or settings.get("CRUDDUR_ENV", default=DEFAULT_ENVIRONMENT)
    explicit = bool(ip) or any(rds_settings.get(n) for n in IP_VARIABLES)

    def find_ip() -> ResolvedIp:
        return workspace_ip(rds_settings, ip=ip or None, ipv6=False, on_lookup=show_lookup)

    def make_request(host: HostAddress) -> RuleRequest:
        return rule_request(rds_settings, host, port=None, description=None, stack=stack or None)

    return InitConfig(
        dry_run=dry_run,
        explicit_ip=explicit,
        find_ip=find_ip,
        make_rule_request=make_request,
        template_dir=resolve_path(
            template_dir or env_settings.get("TEMPLATE_DIR", default="erb_templates"), root
        ),
        out_dir=resolve_path(out_dir or env_settings.get("OUT_DIR", default="."), root),
        root=root,
        environ=dict(os.environ),
        allow_missing=allow_missing,
        workspace=detect_workspace(os.environ),
        frontend_port=_frontend_port(settings, frontend_port),
        parameter=parameter_name(origin_parameter or settings.get("ORIGIN_PARAMETER"), environment),
        cors_bucket=settings.get("CORS_BUCKET") or "",
        cors_function=settings.get("CORS_FUNCTION") or "",
        cors_parameters=settings.get("CORS_ORIGIN_PARAMETERS") or "",
    )



def _report(results: list[StepResult], *, dry_run: bool) -> None:
    """Each step's line, the step summary and annotations; exit 1 when any step failed."""
    from ..workspace.render import step_lines
    from ..workspace.summary import init_markdown

    out = consoles().out
    for line in step_lines(results, dry_run=dry_run):
        out.print(line)
    ci.section(init_markdown(results, dry_run=dry_run))
    for failed in (r for r in results if r.status == "failed"):
        ci.error(f"{failed.name}: {failed.detail}")
    if any(r.status == "failed" for r in results):
        raise Exit(code=1)


collection = Collection("workspace", init, origin)
