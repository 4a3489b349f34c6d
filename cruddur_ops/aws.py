"""The only place that builds AWS sessions and clients, and turns AWS failures into OpsError.

botocore's own chain (the one boto3 and the AWS CLI use) does the credential work (environment
incl. ``AWS_SESSION_TOKEN``, profiles, SSO, web identity for GitHub OIDC, container/instance
roles) and honours ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` for emulators, so
nothing here re-implements it: we only pass the profile/region we were given and translate
failures into one actionable line. Nothing here reads the process environment either: what the
env files say about AWS arrives in the target (see :mod:`cruddur_ops.aws_settings`).

The old gem built ``Aws::Credentials.new(key, secret)`` by hand and dropped the session token,
which is how the journal's "invalid aws access key id" happened. Never build credentials here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)

from .aws_settings import AwsTarget
from .errors import AwsError, CredentialsError, OpsError

if TYPE_CHECKING:
    from botocore.session import Session

# botocore.session and botocore.config (most of botocore) are imported on first use, not at
# import: every `inv` start-up imports this module, and most tasks and `inv --list` never call
# AWS. Sessions are botocore's, not boto3's: boto3.Session adds nothing the tasks use but imports
# s3transfer on the way (~0.04 s of every sync, measured in benchmarks/ANALYSIS.md); boto3's
# transfer manager is still used, on demand, for multipart uploads.

DEFAULT_REGION = "us-east-1"

# Error codes that mean "who you are" is wrong, by what the operator must do about it.
EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
UNKNOWN_KEY_CODES = frozenset(
    {"InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException", "AuthFailure",
     "InvalidToken"}
)
SIGNATURE_CODES = frozenset({"SignatureDoesNotMatch", "IncompleteSignature"})
ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"}
)

# botocore's credential provider names, as an operator would say them.
_METHOD_NAMES = {
    "env": "environment variables",
    "shared-credentials-file": "~/.aws/credentials",
    "config-file": "~/.aws/config",
    "sso": "an SSO profile",
    "assume-role": "an assume-role profile",
    "assume-role-with-web-identity": "web identity (OIDC)",
    "container-role": "the container role",
    "iam-role": "the instance role",
}

CREDENTIALS_HELP = (
    "set AWS_PROFILE (after `aws sso login` for SSO), or AWS_ACCESS_KEY_ID + "
    "AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN for temporary credentials); in GitHub Actions "
    "use aws-actions/configure-aws-credentials with `permissions: id-token: write`"
)


# botocore session variables the target sets itself (the constructor's profile, the region).
_TARGET_VARIABLES = frozenset({"profile", "region"})


def _hand_over_variables(sess: Session, variables: dict[str, str]) -> None:
    """Give botocore the ``AWS_*`` settings of the env files, as its environment would have.

    Each session variable botocore reads from the environment (``AWS_CA_BUNDLE``,
    ``AWS_CONFIG_FILE``, ``AWS_MAX_ATTEMPTS`` …) is set on the session; ``variables`` already
    has the process environment over the files, so the value is the one botocore would have read.
    """
    # (sic: botocore's own spelling) logical name -> (config key, env var(s), default, converter)
    from botocore.configprovider import BOTOCORE_DEFAUT_SESSION_VARIABLES

    for logical, (_config_name, env_names, _default, convert) in BOTOCORE_DEFAUT_SESSION_VARIABLES.items():
        if logical in _TARGET_VARIABLES or env_names is None:
            continue
        for env_name in [env_names] if isinstance(env_names, str) else env_names:
            if variables.get(env_name):
                raw = variables[env_name]
                sess.set_config_variable(logical, convert(raw) if convert else raw)
                break


def _env_file_credentials(sess: Session, variables: dict[str, str]) -> None:
    """Credentials from the env files through botocore's own ``EnvProvider`` (key, secret,
    session token, expiry), tried first at the place of the process environment's provider.

    An explicit profile has no environment provider in its chain (botocore's rule: the profile
    wins), and then none is added, as when the files were exported.
    """
    from botocore.credentials import EnvProvider

    if not any(name in variables for name in (EnvProvider.ACCESS_KEY, EnvProvider.SECRET_KEY)):
        return
    resolver = sess.get_component("credential_provider")
    if EnvProvider.METHOD in [provider.METHOD for provider in resolver.providers]:
        resolver.insert_before(EnvProvider.METHOD, EnvProvider(environ=variables))


def session(target: AwsTarget | None = None) -> Session:
    """A botocore session for ``target``; region falls back to the SDK chain, then us-east-1."""
    import botocore.session

    from .patches.botocore_loader import install as install_direct_loader

    target = target or AwsTarget()
    sess = botocore.session.Session(profile=target.profile)
    variables = target.aws_environ
    if variables:  # before the config files are read: AWS_CONFIG_FILE may be among them
        _hand_over_variables(sess, variables)
    try:
        sess.get_scoped_config()  # an unknown profile fails here, not at the first request
    except ProfileNotFound as exc:
        raise CredentialsError(
            f"AWS profile {target.profile!r} is not configured",
            hint="check AWS_PROFILE / --profile against `aws configure list-profiles`",
        ) from exc
    # skips botocore's scan of ~420 service folders per client, and its JSON parsing after the first
    install_direct_loader(sess, model_cache=target.model_cache)
    if target.region:
        sess.set_config_variable("region", target.region)
    elif not sess.get_config_variable("region"):
        sess.set_config_variable("region", DEFAULT_REGION)
    if variables:
        _env_file_credentials(sess, variables)
    return sess


def _configured_endpoint(sess: Session, service: str, variables: dict[str, str]) -> str | None:
    """``AWS_ENDPOINT_URL_<SERVICE>`` / ``AWS_ENDPOINT_URL`` (then the config file's), looked up
    by botocore's own provider in ``variables`` rather than the process environment."""
    from botocore.configprovider import ConfiguredEndpointProvider

    if sess.get_config_variable("ignore_configured_endpoint_urls"):
        return None
    provider = ConfiguredEndpointProvider(full_config=sess.full_config, scoped_config=sess.get_scoped_config(),
                                          client_name=service, environ=variables)
    endpoint: str | None = provider.provide()
    return endpoint


def client(
    service: str,
    target: AwsTarget | None = None,
    *,
    sess: Session | None = None,
    max_pool_connections: int = 10,
    max_attempts: int = 8,
    region: str | None = None,
    request_checksum_calculation: Literal["when_supported", "when_required"] = "when_supported",
    sign_s3_payload: bool | None = None,
) -> Any:
    """A client with standard retries (exponential backoff + jitter) and a sized connection pool.

    ``request_checksum_calculation="when_required"``: no CRC32 on requests that do not need
    one; for callers that send their own integrity check (Content-MD5 on every PutObject).
    ``sign_s3_payload=False``: no SHA-256 of request bodies. botocore already skips it on HTTPS
    when Content-MD5 is sent; this makes plain-HTTP endpoints (emulators) behave the same.
    """
    target = target or AwsTarget()
    sess = sess or session(target)
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=max_pool_connections,
        user_agent_extra="cruddur-ops",
        request_checksum_calculation=request_checksum_calculation,
        s3=None if sign_s3_payload is None else {"payload_signing_enabled": sign_s3_payload},
    )
    kwargs: dict[str, Any] = {"config": config}
    endpoint_url = target.endpoint_url
    if not endpoint_url and target.aws_variables:
        endpoint_url = _configured_endpoint(sess, service, target.aws_environ)
    if endpoint_url:
        kwargs["endpoint_url"] = endpoint_url
    if region:
        kwargs["region_name"] = region
    from .patches.botocore_tls import load_ca_bundle_once

    made = sess.create_client(service, **kwargs)
    load_ca_bundle_once(made)  # the CA bundle once per SSL context, not per HTTPS connection
    return made


@dataclass(frozen=True)
class CredentialFacts:
    """What we may say about the credentials in use, without revealing them."""

    found: bool
    method: str | None = None  # botocore's provider name: env, shared-credentials-file, sso, ...
    key_prefix: str | None = None  # "ASIA" = temporary (needs a session token), "AKIA" = long-lived
    has_session_token: bool = False

    @property
    def temporary_key_without_token(self) -> bool:
        return self.key_prefix == "ASIA" and not self.has_session_token


def credential_facts(sess: Session) -> CredentialFacts:
    try:
        creds = sess.get_credentials()
    except BotoCoreError:
        return CredentialFacts(found=False)
    if creds is None:
        return CredentialFacts(found=False)
    try:
        frozen = creds.get_frozen_credentials()
    except BotoCoreError:
        return CredentialFacts(found=False, method=getattr(creds, "method", None))
    return CredentialFacts(
        found=True,
        method=getattr(creds, "method", None),
        key_prefix=(frozen.access_key or "")[:4] or None,
        has_session_token=bool(frozen.token),
    )


_XML_CODE = re.compile(r"<Code>([^<]+)</Code>")
_XML_MESSAGE = re.compile(r"<Message>([^<]*)</Message>")


def error_code(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    if code.isdigit():
        # An XML error body on a JSON-protocol service (moto's auth layer, some proxies) leaves
        # botocore with only the HTTP status; the real code is inside the body.
        found = _XML_CODE.search(str(error.get("Message", "")))
        if found:
            return found.group(1)
    return code


def error_message(exc: ClientError) -> str:
    message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
    found = _XML_MESSAGE.search(message)
    return found.group(1) if found else message


def translate(exc: BaseException, *, action: str, sess: Session | None = None) -> OpsError:
    """Turn a botocore failure into one actionable :class:`OpsError`.

    ``action`` says what we were doing ("list s3://bucket"), so the line stands on its own.
    """
    facts = credential_facts(sess) if sess is not None else None
    if isinstance(exc, NoCredentialsError):
        return CredentialsError(f"{action}: no AWS credentials found", hint=CREDENTIALS_HELP)
    if isinstance(exc, PartialCredentialsError):
        return CredentialsError(
            f"{action}: incomplete AWS credentials ({exc.kwargs.get('cred_var', 'a variable')} is missing)",
            hint=CREDENTIALS_HELP,
        )
    if isinstance(exc, NoRegionError):
        return OpsError(f"{action}: no AWS region configured", hint="export AWS_REGION=us-east-1")
    if isinstance(exc, EndpointConnectionError):
        return AwsError(
            f"{action}: cannot reach {exc.kwargs.get('endpoint_url', 'the AWS endpoint')}",
            hint="check the network, AWS_REGION and AWS_ENDPOINT_URL (unset it for real AWS)",
        )
    if isinstance(exc, ClientError):
        return _translate_client_error(exc, action=action, facts=facts)
    name = type(exc).__name__
    if name in {"TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError"}:
        return CredentialsError(
            f"{action}: the SSO session has expired",
            hint="run `aws sso login` (with --profile $AWS_PROFILE) and try again",
        )
    return AwsError(f"{action}: {exc}")


def _translate_client_error(exc: ClientError, *, action: str, facts: CredentialFacts | None) -> OpsError:
    code = error_code(exc)
    if code in EXPIRED_CODES:
        return CredentialsError(
            f"{action}: the AWS credentials have expired ({code})",
            hint="refresh them: `aws sso login`, re-run configure-aws-credentials, or re-export "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN together",
        )
    if code in UNKNOWN_KEY_CODES:
        if facts is not None and facts.temporary_key_without_token:
            return CredentialsError(
                f"{action}: AWS rejected the access key ({code}): it is a temporary key (ASIA…) "
                "used without its session token",
                hint="export AWS_SESSION_TOKEN with the token issued alongside AWS_ACCESS_KEY_ID",
            )
        source = f" (from {_METHOD_NAMES.get(facts.method, facts.method)})" if facts and facts.method else ""
        return CredentialsError(
            f"{action}: AWS does not recognise the access key{source} ({code})",
            hint="check AWS_ACCESS_KEY_ID / AWS_PROFILE; temporary keys also need AWS_SESSION_TOKEN",
        )
    if code in SIGNATURE_CODES:
        return CredentialsError(
            f"{action}: the request signature does not match ({code})",
            hint="AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID: re-export both",
        )
    if code in ACCESS_DENIED_CODES:
        return AwsError(
            f"{action}: access denied ({code}): {error_message(exc)}",
            hint="the identity in use lacks this permission: check `aws sts get-caller-identity` "
            "and the role's policy",
        )
    return AwsError(f"{action}: {code or 'error'}: {error_message(exc)}")


@contextmanager
def aws_errors(action: str, sess: Session | None = None) -> Iterator[None]:
    """Run a block of AWS calls; expected botocore failures leave it as :class:`OpsError`."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action=action, sess=sess) from exc


def caller_identity(sess: Session, target: AwsTarget | None = None) -> dict[str, str]:
    """``sts get-caller-identity``, translated: the cheapest proof that credentials work."""
    with aws_errors("check AWS credentials (sts get-caller-identity)", sess):
        response = client("sts", target, sess=sess).get_caller_identity()
    return {k: response[k] for k in ("Account", "Arn", "UserId") if k in response}
