"""Read a Secrets Manager secret (the prod database credentials) through cruddur_ops.aws."""

from __future__ import annotations

from ..aws import AwsTarget, aws_errors, client, session
from ..errors import ConfigError


def fetch_secret_string(secret_id: str, target: AwsTarget) -> str:
    sess = session(target)
    with aws_errors(f"read secret {secret_id}", sess):
        response = client("secretsmanager", target, sess=sess).get_secret_value(SecretId=secret_id)
    value = response.get("SecretString")
    if not value:
        raise ConfigError(f"secret {secret_id!r} has no string value",
                          hint="store the RDS credentials as a JSON SecretString")
    return str(value)
