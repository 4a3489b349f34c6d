"""``workspace.init``: the steps a workspace runs at start, each independent of the others.

1. workspace IP     --ip / GITPOD_IP / WORKSPACE_IP, else looked up (only when AWS is usable)
2. database access  the SG rule (skipped when no DB_SG_ID and no db stack, or no IP)
3. env files        every erb_templates/*.env.erb rendered (skipped when there are none)
4. origin parameter the frontend origin in SSM, written only when it changed
5. CORS             cors.apply on CORS_BUCKET (and CORS_FUNCTION), skipped when it is not set

Configuration arrives resolved (no ``os.environ`` here); AWS clients are built lazily, so a
machine without credentials gets "skipped" lines instead of failures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import aws
from ..cors.describe import summary as cors_summary
from ..cors.origins import parameter_names
from ..cors.service import CorsClients, plan_for
from ..cors.service import writer as cors_writer
from ..cors.settings import CorsSettings
from ..envfiles.lookups import AwsLookups
from ..envfiles.service import render_env_files
from ..network.addresses import HostAddress
from ..network.apply import DryRunRuleExecutor, Ec2RuleExecutor, RuleExecutor, RuleOutcome
from ..network.describe import export_statements, rule_sentence
from ..network.observe import SecurityGroupReader
from ..network.plan import NoDatabaseGroup
from ..network.publicip import ResolvedIp
from ..network.service import RuleRequest, ensure_rule
from ..workspace_kind import Workspace
from .origin import DryRunOriginWriter, OriginWriter, exact_origin, plan_origin, read_parameter
from .steps import StepDone, StepResult, StepSkipped, run_step

NO_CREDENTIALS = "no AWS credentials configured"
NO_CREDENTIALS_HINT = "export AWS_PROFILE (or access keys) and run `inv workspace.init` again"


class AwsAccess:
    """A lazily built session and clients for one target."""

    def __init__(self, target: aws.AwsTarget) -> None:
        self.target = target
        self._session: Any = None
        self._clients: dict[str, Any] = {}

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = aws.session(self.target)
        return self._session

    def has_credentials(self) -> bool:
        from botocore.exceptions import BotoCoreError

        try:
            return self.session.get_credentials() is not None
        except BotoCoreError:
            return False

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = aws.client(service, self.target, sess=self.session)
        return self._clients[service]


@dataclass(frozen=True)
class InitConfig:
    dry_run: bool
    explicit_ip: bool  # the IP came from --ip or a workspace variable: no lookup needed
    find_ip: Callable[[], ResolvedIp]
    make_rule_request: Callable[[HostAddress], RuleRequest]
    template_dir: Path
    out_dir: Path
    root: Path
    environ: Mapping[str, str]
    allow_missing: bool
    workspace: Workspace
    frontend_port: int
    parameter: str
    cors_bucket: str = ""  # CORS_BUCKET: the bucket whose origins follow Parameter Store
    cors_function: str = ""  # CORS_FUNCTION: the Lambda whose ORIGIN_URL_* follow it too
    cors_parameters: str = ""  # CORS_ORIGIN_PARAMETERS as given (checked in the step)


@dataclass
class _State:
    ip: ResolvedIp | None = None
    ip_status: str = ""
    rule: RuleOutcome | None = None


def run_init(
    config: InitConfig, access: AwsAccess, *, reraise_bugs: bool = False
) -> list[StepResult]:
    state = _State()

    def find_ip() -> StepDone:
        if not config.explicit_ip and not access.has_credentials():
            raise StepSkipped(f"{NO_CREDENTIALS}: no rule to point at it", NO_CREDENTIALS_HINT)
        state.ip = config.find_ip()
        return StepDone(f"{state.ip.host.address} (from {state.ip.source})")

    def database_access() -> StepDone:
        if not access.has_credentials():
            raise StepSkipped(NO_CREDENTIALS, NO_CREDENTIALS_HINT)
        if state.ip is None:
            raise StepSkipped("no workspace IP (see the step above)")
        request = config.make_rule_request(state.ip.host)
        ec2 = access.client("ec2")
        reader = SecurityGroupReader(ec2, access.client("cloudformation"), access.session)
        executor: RuleExecutor = (
            DryRunRuleExecutor() if config.dry_run else Ec2RuleExecutor(ec2, access.session)
        )
        try:
            outcome = ensure_rule(reader, executor, request)
        except NoDatabaseGroup as exc:
            raise StepSkipped(exc.message, exc.hint) from exc
        state.rule = outcome
        detail = f"{rule_sentence(outcome)} in {outcome.plan.group.group_id}"
        return StepDone(detail, tuple(export_statements(outcome)))

    def env_files() -> StepDone:
        if not config.template_dir.is_dir() or not any(config.template_dir.glob("*.env.erb")):
            raise StepSkipped(f"no *.env.erb templates in {config.template_dir}")
        lookups = AwsLookups(access.target)
        files = render_env_files(
            template_dir=config.template_dir,
            out_dir=config.out_dir,
            root=config.root,
            environ=config.environ,
            allow_missing=config.allow_missing,
            ssm=lookups.ssm,
            secret=lookups.secret,
            write=not config.dry_run,
        )
        names = ", ".join(f.path.name + (" (0600)" if f.holds_secrets else "") for f in files)
        verb = "would write" if config.dry_run else "wrote"
        return StepDone(f"{verb} {names} in {config.out_dir}")

    def origin_parameter() -> StepDone:
        origin = exact_origin(config.workspace.url(config.frontend_port))
        if not access.has_credentials():
            raise StepSkipped(
                f"{NO_CREDENTIALS}: {origin} not recorded in {config.parameter}",
                NO_CREDENTIALS_HINT,
            )
        ssm = access.client("ssm")
        plan = plan_origin(read_parameter(ssm, config.parameter, access.session), origin)
        writer = DryRunOriginWriter() if config.dry_run else OriginWriter(ssm, access.session)
        outcome = writer.execute(plan)
        where = f"{config.parameter} = {origin}"
        if plan.action == "noop":
            return StepDone(f"{where} unchanged (version {outcome.version})")
        if outcome.dry_run:
            return StepDone(f"would {plan.action} {where} (was {plan.previous or 'unset'})")
        return StepDone(f"{where} ({plan.action}d, version {outcome.version})")

    def cors() -> StepDone:
        if not config.cors_bucket:
            raise StepSkipped("CORS_BUCKET is not set", "set CORS_BUCKET (and CORS_FUNCTION) to keep "
                              "the upload bucket's origins in step with Parameter Store")
        if not access.has_credentials():
            raise StepSkipped(NO_CREDENTIALS, NO_CREDENTIALS_HINT)
        clients = CorsClients(s3=access.client("s3"), ssm=access.client("ssm"), lam=access.client("lambda"),
                              sess=access.session)
        cors = CorsSettings(config.cors_bucket, config.cors_function, parameter_names(config.cors_parameters))
        return StepDone(cors_summary(cors_writer(clients, dry_run=config.dry_run).execute(plan_for(cors, clients))))

    steps: list[tuple[str, Callable[[], StepDone]]] = [
        ("workspace IP", find_ip),
        ("database access", database_access),
        ("env files", env_files),
        ("origin parameter", origin_parameter),
        ("CORS", cors),
    ]
    return [run_step(name, body, reraise_bugs=reraise_bugs) for name, body in steps]


__all__ = ["AwsAccess", "InitConfig", "run_init"]
