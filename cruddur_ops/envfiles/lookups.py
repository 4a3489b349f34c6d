"""``ssm('/name')`` and ``secret('id', 'key')`` for templates, read through :mod:`cruddur_ops.aws`.

Clients are created on first use, so rendering a template that needs no AWS value works with no
credentials at all. Values are cached per render run: one call per parameter.
"""

from __future__ import annotations

import json
from typing import Any

from .. import aws
from ..errors import ConfigError


class AwsLookups:
    def __init__(self, target: aws.AwsTarget | None = None) -> None:
        self._target = target
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._cache: dict[tuple[str, ...], str] = {}

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            if self._session is None:
                self._session = aws.session(self._target)
            self._clients[service] = aws.client(service, self._target, sess=self._session)
        return self._clients[service]

    def ssm(self, name: str, default: str | None = None) -> str:
        """A Parameter Store value (SecureString decrypted). ``default`` when it does not exist."""
        key = ("ssm", name)
        if key not in self._cache:
            client = self._client("ssm")
            try:
                with aws.aws_errors(f"read SSM parameter {name}", self._session):
                    response = client.get_parameter(Name=name, WithDecryption=True)
                self._cache[key] = response["Parameter"]["Value"]
            except aws.AwsError as exc:
                if "ParameterNotFound" in exc.message and default is not None:
                    return default
                if "ParameterNotFound" in exc.message:
                    raise ConfigError(
                        f"SSM parameter {name} does not exist",
                        hint=f"aws ssm put-parameter --name {name} --type SecureString --value ...",
                    ) from exc
                raise
        return self._cache[key]

    def secret(self, secret_id: str, key: str | None = None) -> str:
        """A Secrets Manager value; with ``key``, one field of a JSON secret (RDS-style)."""
        cache_key = ("secret", secret_id)
        if cache_key not in self._cache:
            client = self._client("secretsmanager")
            with aws.aws_errors(f"read secret {secret_id}", self._session):
                response = client.get_secret_value(SecretId=secret_id)
            self._cache[cache_key] = response.get("SecretString") or ""
        raw = self._cache[cache_key]
        if key is None:
            return raw
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"secret {secret_id} is not JSON, so it has no field {key!r}",
                hint=f"use secret('{secret_id}') for the whole value",
            ) from exc
        if not isinstance(document, dict) or key not in document:
            fields = ", ".join(sorted(document)) if isinstance(document, dict) else "none"
            raise ConfigError(f"secret {secret_id} has no field {key!r}", hint=f"fields: {fields}")
        return str(document[key])
