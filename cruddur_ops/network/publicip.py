"""Where the workspace's public IP comes from: a flag, a workspace variable, or a lookup.

The lookup asks a short list of "what is my IP" services in turn, each with a timeout, and
accepts the first answer that is a valid public address. The fetcher is injected so tests can
use a local fake service (or none at all); nothing here reads ``os.environ``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..errors import OpsError
from .addresses import HostAddress, parse_host_address

# Plain-text services answering with the caller's address only. Several, because any single
# one is sometimes down or rate-limited from cloud workspaces.
DEFAULT_IPV4_URLS: tuple[str, ...] = (
    "https://checkip.amazonaws.com",
    "https://api.ipify.org",
    "https://ipv4.icanhazip.com",
)
DEFAULT_IPV6_URLS: tuple[str, ...] = (
    "https://api6.ipify.org",
    "https://ipv6.icanhazip.com",
)
DEFAULT_TIMEOUT = 4.0
# Workspace variables holding the IP, in order (GITPOD_IP is the old scripts' name).
IP_VARIABLES: tuple[str, ...] = ("GITPOD_IP", "WORKSPACE_IP")

Fetcher = Callable[[str, float], str]


@dataclass(frozen=True)
class ResolvedIp:
    host: HostAddress
    source: str  # "--ip", "GITPOD_IP", "lookup https://…"


def http_fetch(url: str, timeout: float) -> str:
    """GET ``url`` and return its body as text (the default fetcher)."""
    request = urllib.request.Request(
        url, headers={"User-Agent": "cruddur-ops", "Accept": "text/plain"}
    )
    # Only the configured http(s) URLs are fetched; the body is capped below.
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body: bytes = response.read(256)  # an address is short; never read an unbounded body
    return body.decode("ascii", errors="replace")


def lookup_public_ip(
    urls: Sequence[str],
    *,
    fetch: Fetcher = http_fetch,
    timeout: float = DEFAULT_TIMEOUT,
    allow_ipv6: bool = False,
) -> ResolvedIp:
    """Ask each service in turn; the first valid public address wins.

    A service that fails, times out or answers something that is not a public address is
    skipped; when none answers usefully the error lists what each one did.
    """
    if not urls:
        raise OpsError("no IP lookup services configured", hint="pass --ip or set WORKSPACE_IP")
    problems: list[str] = []
    for url in urls:
        try:
            answer = fetch(url, timeout).strip()
        except urllib.error.HTTPError as exc:
            problems.append(f"{url}: HTTP {exc.code} {exc.reason}")
            continue
        except (OSError, ValueError) as exc:
            # URLError, timeouts and socket errors are OSErrors; a malformed URL is a ValueError.
            problems.append(f"{url}: {getattr(exc, 'reason', None) or exc}")
            continue
        try:
            host = parse_host_address(answer[:64], allow_ipv6=allow_ipv6, source="its answer")
        except OpsError as exc:
            problems.append(f"{url}: {exc.message}")
            continue
        return ResolvedIp(host=host, source=f"lookup {url}")
    raise OpsError(
        "could not find this workspace's public IP: " + "; ".join(problems),
        hint="pass --ip ADDRESS or export WORKSPACE_IP=ADDRESS (check https://checkip.amazonaws.com)",
    )


def resolve_workspace_ip(
    *,
    explicit: str | None,
    variables: Mapping[str, str | None],
    lookup: Callable[[], ResolvedIp],
    allow_ipv6: bool = False,
) -> ResolvedIp:
    """``--ip`` first, then ``GITPOD_IP``/``WORKSPACE_IP``, then ``lookup()``.

    A value that is set but invalid is an error, not a reason to fall through to the next source:
    the user asked for that address.
    """
    if explicit:
        return ResolvedIp(
            parse_host_address(explicit, allow_ipv6=allow_ipv6, source="--ip"), "--ip"
        )
    for name in IP_VARIABLES:
        value = variables.get(name)
        if value:
            return ResolvedIp(parse_host_address(value, allow_ipv6=allow_ipv6, source=name), name)
    return lookup()


def parse_urls(value: str | Sequence[str] | None, default: Sequence[str]) -> tuple[str, ...]:
    """A comma/space separated list of URLs from configuration, or the defaults."""
    if value is None or value == "":
        return tuple(default)
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return tuple(item.strip() for item in items if item.strip())
