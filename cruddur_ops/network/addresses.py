"""Which addresses may be written into the database's ingress rule.

The rule is meant to admit exactly one workstation, so only a single public host address is
accepted: never ``0.0.0.0/0`` (the whole internet), and never an address that cannot be the
source of a connection arriving from the internet (private, loopback, link-local, CGNAT,
documentation, multicast, reserved) — writing one of those would silently lock the user out.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..errors import ConfigError, RefusedError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class HostAddress:
    """One validated public host address and the CIDR a rule uses for it (/32 or /128)."""

    address: str

    @property
    def version(self) -> int:
        return ipaddress.ip_address(self.address).version

    @property
    def cidr(self) -> str:
        return f"{self.address}/{32 if self.version == 4 else 128}"


def why_not_public(ip: IPAddress) -> str | None:
    """The reason ``ip`` cannot be a workstation's public address, or None when it can."""
    if ip.is_unspecified:
        return "the unspecified address (it would mean every address)"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return "an IPv4-mapped IPv6 address (use the IPv4 form)"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a carrier-grade NAT (shared) address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private or documentation address"
    if not ip.is_global:
        return "not a globally routable address"
    return None


def parse_host_address(
    value: str, *, allow_ipv6: bool = False, source: str = "address"
) -> HostAddress:
    """Validate ``value`` (an address, or one with a /32 or /128 host prefix) for the rule.

    Raises :class:`RefusedError` for anything that would open more than one public host, and
    :class:`ConfigError` for text that is not an address at all.
    """
    text = value.strip()
    if not text:
        raise ConfigError(
            f"{source} is empty", hint="pass --ip ADDRESS, or leave it unset to look the address up"
        )
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise ConfigError(
            f"{source} {text!r} is not an IP address",
            hint="give one public IPv4 address such as the one https://checkip.amazonaws.com shows (no hostnames)",
        ) from exc
    if network.num_addresses != 1:
        raise RefusedError(
            f"refusing {source} {text}: a rule must admit a single host (/32), not {network}",
            hint="give the workstation's own public address; 0.0.0.0/0 is never allowed",
        )
    ip = network.network_address
    reason = why_not_public(ip)
    if reason:
        raise RefusedError(
            f"refusing {source} {ip}: {reason}, not a public address",
            hint="give the public address the database will see (check https://checkip.amazonaws.com)",
        )
    if ip.version == 6 and not allow_ipv6:
        raise RefusedError(
            f"refusing {source} {ip}: an IPv6 address needs --ipv6 (the rule would be /128)",
            hint="pass --ipv6 to open IPv6, or give the public IPv4 address",
        )
    return HostAddress(str(ip))
