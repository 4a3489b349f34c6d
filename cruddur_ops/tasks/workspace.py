"""`inv workspace.*` tasks: what a Gitpod / Codespaces / local workspace runs at start.

The workspace core (env rendering, network rules, SSM) is imported inside the tasks, so
`inv --list` and every other task start without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from invoke import Collection, Context
from invoke.exceptions import Exit

from .. import ci
from ..cli.common import aws_target, load_settings
from ..cli.guard import debug_enabled, ops_task
from ..config import Settings
from ..console import consoles

if TYPE_CHECKING:
    from ..network.addresses import HostAddress
    from ..network.publicip import ResolvedIp
    from ..network.service import RuleRequest
    from ..workspace.init import InitConfig
    from ..workspace.steps import StepResult


@ops_task(help={"port": "the frontend's port (default: FRONTEND_PORT or 3000)"})
def origin(ctx: Context, port: int = 0) -> None:
    """Print the exact origin of this workspace's frontend (for CORS allow-lists; never a wildcard).

    Gitpod: https://3000-<workspace>.<cluster>; Codespaces: https://<name>-3000.<domain>;
    elsewhere http://localhost:3000.
    """
    from ..workspace.origin import exact_origin
    from ..workspace.settings import workspace_settings

    workspace = workspace_settings(load_settings(ctx, section="workspace", flags={"FRONTEND_PORT": port or None}))
    url = workspace.workspace.url(workspace.frontend_port)
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

    settings = load_settings(ctx, section="workspace", flags={
        "CRUDDUR_ENV": env, "ORIGIN_PARAMETER": origin_parameter, "FRONTEND_PORT": frontend_port or None})
    config = _init_config(
        settings,
        load_settings(ctx, section="rds", flags={"IP": ip, "DB_STACK_NAME": stack}),
        load_settings(ctx, section="env", flags={"TEMPLATE_DIR": template_dir, "OUT_DIR": out_dir}),
        dry_run=dry_run, allow_missing=allow_missing)
    results = run_init(config, AwsAccess(aws_target(settings)), reraise_bugs=debug_enabled())
    _report(results, dry_run=dry_run)


def _init_config(settings: Settings, rds: Settings, env: Settings, *, dry_run: bool,
                 allow_missing: bool) -> InitConfig:
    """workspace.init's three settings sections (workspace, rds, env) → the steps' configuration."""
    from ..envfiles.settings import env_render_settings
    from ..network.render import show_lookup
    from ..network.settings import rule_request, rule_settings, workspace_ip
    from ..workspace.init import InitConfig
    from ..workspace.settings import workspace_settings

    workspace, rules, files = workspace_settings(settings), rule_settings(rds), env_render_settings(env)

    def find_ip() -> ResolvedIp:
        return workspace_ip(rules, ipv6=False, on_lookup=show_lookup)

    def make_request(host: HostAddress) -> RuleRequest:
        return rule_request(rules, host)

    return InitConfig(
        dry_run=dry_run,
        explicit_ip=rules.ip_given,
        find_ip=find_ip,
        make_rule_request=make_request,
        template_dir=files.template_dir,
        out_dir=files.out_dir,
        root=files.root,
        environ=files.environ,
        allow_missing=allow_missing,
        workspace=workspace.workspace,
        frontend_port=workspace.frontend_port,
        parameter=workspace.parameter(),
        cors_bucket=workspace.cors_bucket,
        cors_function=workspace.cors_function,
        cors_parameters=workspace.cors_parameters,
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
