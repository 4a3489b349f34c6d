"""Which origins: the SSM parameters that hold them, read and validated.

An origin is what a browser sends in its ``Origin`` header: ``https://host[:port]``, nothing
more. S3 compares it character for character, so a trailing slash or a path never matches, and
a wildcard matches far more than the app (the journal's ``*.gitpod.io`` admits every workspace on
Gitpod). Plain ``http://`` is accepted only for ``localhost:<port>`` development.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import aws
from ..errors import ConfigError, RefusedError

DEFAULT_PARAMETERS = ("/cruddur/dev/ORIGIN_URL_DEV", "/cruddur/prod/ORIGIN_URL_PROD")
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
MAX_PER_CALL = 10  # GetParameters accepts at most ten names


@dataclass(frozen=True)
class StoredOrigin:
    parameter: str
    origin: str

    @property
    def variable(self) -> str:
        """The environment variable this parameter feeds: its last path segment."""
        return self.parameter.rstrip("/").rsplit("/", 1)[-1]


def parameter_names(raw: str | None) -> tuple[str, ...]:
    """``CORS_ORIGIN_PARAMETERS`` (a comma list) or the two defaults."""
    names = tuple(dict.fromkeys(n.strip() for n in (raw or "").split(",") if n.strip()))
    for name in names:
        if not name.startswith("/") or any(c.isspace() for c in name):
            raise ConfigError(f"CORS_ORIGIN_PARAMETERS names {name!r}, not an SSM parameter path",
                              hint="a comma list like /cruddur/dev/ORIGIN_URL_DEV,/cruddur/prod/ORIGIN_URL_PROD")
    return names or DEFAULT_PARAMETERS


def why_not_exact(origin: str) -> str | None:
    """Why ``origin`` is not an exact origin S3 may allow, or None when it is."""
    if origin == "*":
        return "it is *, which allows every site"
    if "*" in origin:
        return "it has a wildcard"
    parts = urlsplit(origin)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        return "it is not an https:// origin"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number"
    if parts.path or parts.query or parts.fragment:
        return f"it has a path ({origin[len(parts.scheme) + 3 + len(parts.netloc):]!r}); an origin ends after the host[:port]"
    if parts.username or parts.password:
        return "it carries credentials"
    if parts.scheme == "http" and not (parts.hostname in LOCAL_HOSTS and port):
        return "it is plain http:// (only http://localhost:<port> is accepted)"
    if parts.netloc != parts.netloc.lower() or parts.scheme != origin.split(":", 1)[0]:
        return "it has capitals (browsers send origins in lower case)"
    return None


def check_origins(parameter: str, value: str) -> list[StoredOrigin]:
    """The origins one parameter holds (a StringList may hold several, comma-separated)."""
    found = []
    for origin in (part.strip() for part in value.split(",")):
        reason = why_not_exact(origin) if origin else "it is empty"
        if reason:
            raise RefusedError(
                f"refusing origin {origin!r} from SSM parameter {parameter}: {reason}",
                hint=f"store the exact origin: aws ssm put-parameter --name {parameter} --overwrite "
                "--type String --value https://HOST (no path, no wildcard); nothing was changed",
            )
        found.append(StoredOrigin(parameter, origin))
    return found


def read_origins(ssm: Any, names: Iterable[str], sess: Any = None) -> list[StoredOrigin]:
    """Every parameter's origins, in the order named; any missing parameter is an error."""
    names = list(names)
    values: dict[str, str] = {}
    for start in range(0, len(names), MAX_PER_CALL):
        chunk = names[start:start + MAX_PER_CALL]
        with aws.aws_errors(f"read SSM parameters {', '.join(chunk)}", sess):
            answer = ssm.get_parameters(Names=chunk, WithDecryption=True)
        values.update({p["Name"]: str(p["Value"]) for p in answer.get("Parameters", [])})
    missing = [n for n in names if n not in values]
    if missing:
        raise ConfigError(
            f"SSM parameter(s) {', '.join(missing)} not found: no origin to allow",
            hint=f"create it: aws ssm put-parameter --name {missing[0]} --type String --value https://HOST "
            "(inv workspace.init writes the dev one), or list the ones to use in CORS_ORIGIN_PARAMETERS",
        )
    origins: list[StoredOrigin] = []
    for name in names:
        origins += check_origins(name, values[name])
    return origins
