"""Does a security group admit TCP to a port from a peer? Pure functions over DescribeSecurityGroups.

A peer is a set of security groups plus the CIDRs its traffic comes from (a function's subnets).
A rule admits the peer when it references one of the peer's groups, or when its CIDR covers
*every* one of the peer's CIDRs (a /24 covering one of two subnets admits only half the time,
which is exactly the kind of intermittent failure these checks exist to name).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

TCP = {"tcp", "6", "-1", "all"}


@dataclass(frozen=True)
class Permission:
    """One IpPermissions entry of a group (ingress or egress)."""

    protocol: str
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()
    prefix_lists: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> Permission:
        return cls(
            protocol=str(item.get("IpProtocol", "")).lower(),
            from_port=item.get("FromPort"),
            to_port=item.get("ToPort"),
            cidrs=tuple(
                [str(r["CidrIp"]) for r in item.get("IpRanges") or [] if r.get("CidrIp")]
                + [str(r["CidrIpv6"]) for r in item.get("Ipv6Ranges") or [] if r.get("CidrIpv6")]
            ),
            group_ids=tuple(str(p["GroupId"]) for p in item.get("UserIdGroupPairs") or [] if p.get("GroupId")),
            prefix_lists=tuple(
                str(p["PrefixListId"]) for p in item.get("PrefixListIds") or [] if p.get("PrefixListId")
            ),
        )

    def covers_tcp(self, port: int) -> bool:
        if self.protocol not in TCP:
            return False
        if self.protocol in {"-1", "all"} or self.from_port is None or self.to_port is None:
            return True
        return self.from_port <= port <= self.to_port


@dataclass(frozen=True)
class GroupFacts:
    group_id: str
    name: str
    vpc_id: str
    ingress: tuple[Permission, ...]
    egress: tuple[Permission, ...]

    @classmethod
    def from_api(cls, item: dict[str, Any]) -> GroupFacts:
        return cls(
            group_id=str(item.get("GroupId", "")),
            name=str(item.get("GroupName", "")),
            vpc_id=str(item.get("VpcId", "")),
            ingress=tuple(Permission.from_api(p) for p in item.get("IpPermissions") or []),
            egress=tuple(Permission.from_api(p) for p in item.get("IpPermissionsEgress") or []),
        )


def cidr_covers(outer: str, inner: str) -> bool:
    try:
        a, b = ipaddress.ip_network(outer, strict=False), ipaddress.ip_network(inner, strict=False)
    except ValueError:
        return False
    return a.version == b.version and b.subnet_of(a)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Peer:
    """Who is on the other side: its groups and the CIDRs its addresses come from."""

    group_ids: frozenset[str]
    cidrs: tuple[str, ...]


def _admits(permission: Permission, port: int, peer: Peer) -> str | None:
    if not permission.covers_tcp(port):
        return None
    for group in permission.group_ids:
        if group in peer.group_ids:
            return group
    for cidr in permission.cidrs:
        if peer.cidrs and all(cidr_covers(cidr, c) for c in peer.cidrs):
            return cidr
    return None


def find_rule(groups: Iterable[GroupFacts], port: int, peer: Peer, *, egress: bool = False) -> str | None:
    """``"sg-… admits tcp/443 from sg-…"`` for the first rule that lets the peer through, else None."""
    for group in groups:
        for permission in group.egress if egress else group.ingress:
            source = _admits(permission, port, peer)
            if source:
                direction = "to" if egress else "from"
                verb = "allows egress" if egress else "admits"
                return f"{group.group_id} {verb} tcp/{port} {direction} {source}"
    return None


def port_sources(groups: Iterable[GroupFacts], port: int, *, egress: bool = False) -> list[str]:
    """Everything the groups let through on ``port`` (for "admits only X" messages)."""
    found: list[str] = []
    for group in groups:
        for permission in group.egress if egress else group.ingress:
            if permission.covers_tcp(port):
                found += [*permission.group_ids, *permission.cidrs, *permission.prefix_lists]
    return list(dict.fromkeys(found))
