"""What the Lambda doctor observed, as plain frozen data (each check is a pure function of it).

Secret *values* are never read: only the secret's metadata and policies. Of the function's
environment only the variable that names the secret is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..iam.policy import PolicySource
from ..network.reach import GroupFacts

# Link names: the first word of each report line and the "name" of each JSON object.
FUNCTION = "function"
ROLE = "role"
VPC = "VPC attachment"
ROUTE = "route to Secrets Manager"
ENDPOINT_SG = "endpoint SG 443"
DB_SG = "DB SG 5432"
PERMISSION = "GetSecretValue"
SECRET_POLICY = "secret resource policy"
KMS = "KMS key"
TIMEOUT = "timeout"


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    arn: str
    role_arn: str
    timeout: int
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]
    secret_variable: tuple[str, str] | None = None  # (NAME, value) of the variable naming the secret
    state: str = "Active"  # Pending | Active | Inactive | Failed
    state_reason: str = ""
    last_update_status: str = ""  # Successful | InProgress | Failed
    last_update_reason: str = ""


@dataclass(frozen=True)
class RoleFacts:
    name: str
    arn: str
    policies: tuple[PolicySource, ...]  # inline and attached (default version)
    boundary: PolicySource | None = None  # permissions boundary, when set


@dataclass(frozen=True)
class SubnetFacts:
    subnet_id: str
    vpc_id: str
    zone: str
    cidr: str


@dataclass(frozen=True)
class RouteFacts:
    """The route table a subnet uses and where its default route (0.0.0.0/0) goes."""

    subnet_id: str
    route_table_id: str
    default_target: str = ""  # nat-… / igw-… / "" (none); blackholed routes count as none
    is_main: bool = False


@dataclass(frozen=True)
class EndpointFacts:
    endpoint_id: str
    state: str
    private_dns: bool
    subnet_ids: tuple[str, ...]
    group_ids: tuple[str, ...]


@dataclass(frozen=True)
class SecretFacts:
    secret_id: str  # as given (name or ARN)
    source: str  # "--secret-id" or the environment variable it came from
    arn: str = ""
    name: str = ""
    kms_key_id: str = ""  # as DescribeSecret reports it ("" = aws/secretsmanager)
    resource_policy: dict[str, Any] | None = None
    exists: bool = True


@dataclass(frozen=True)
class KeyFacts:
    arn: str
    manager: str  # "AWS" | "CUSTOMER"
    alias: str = ""
    policy: dict[str, Any] | None = None


@dataclass(frozen=True)
class DbGroup:
    group_id: str = ""
    source: str = ""  # "--db-sg", "DB_SG_ID", "stack CrdDb output …"
    missing: str = ""  # why there is none


@dataclass(frozen=True)
class LambdaSnapshot:
    function_name: str
    region: str
    function: FunctionFacts | None = None
    role: RoleFacts | None = None
    vpc_id: str = ""
    vpc_cidrs: tuple[str, ...] = ()
    dns_support: bool | None = None
    dns_hostnames: bool | None = None
    subnets: tuple[SubnetFacts, ...] = ()  # the function's
    groups: dict[str, GroupFacts] = field(default_factory=dict)  # every group read, by id
    routes: tuple[RouteFacts, ...] = ()  # one per function subnet
    endpoints: tuple[EndpointFacts, ...] = ()  # Secrets Manager endpoints in the VPC, any state
    endpoint_subnets: tuple[SubnetFacts, ...] = ()
    secret: SecretFacts | None = None
    key: KeyFacts | None = None
    db: DbGroup = DbGroup()
    errors: dict[str, str] = field(default_factory=dict)  # link → what could not be read

    @property
    def service_name(self) -> str:
        return f"com.amazonaws.{self.region}.secretsmanager"

    @property
    def in_vpc(self) -> bool:
        return bool(self.function and self.function.subnet_ids)

    @property
    def zones(self) -> tuple[str, ...]:
        return tuple(sorted({s.zone for s in self.subnets}))
