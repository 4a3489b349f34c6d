"""Security-group reachability: group references, covering CIDRs, port ranges, egress."""

from __future__ import annotations

from cruddur_ops.network.reach import GroupFacts, Peer, Permission, find_rule, port_sources

FUNCTION = Peer(frozenset({"sg-fn"}), ("10.0.1.0/24", "10.0.2.0/24"))


def group(*ingress: dict, egress: tuple[dict, ...] = ()) -> GroupFacts:
    return GroupFacts.from_api({"GroupId": "sg-x", "GroupName": "x", "VpcId": "vpc-1",
                                "IpPermissions": list(ingress), "IpPermissionsEgress": list(egress)})


def tcp(port_from: int, port_to: int | None = None, **sources: object) -> dict:
    return {"IpProtocol": "tcp", "FromPort": port_from, "ToPort": port_to or port_from, **sources}


def test_group_reference_admits() -> None:
    g = group(tcp(443, UserIdGroupPairs=[{"GroupId": "sg-fn"}]))
    assert find_rule([g], 443, FUNCTION) == "sg-x admits tcp/443 from sg-fn"
    assert find_rule([g], 5432, FUNCTION) is None


def test_a_cidr_must_cover_every_subnet_of_the_peer() -> None:
    half = group(tcp(443, IpRanges=[{"CidrIp": "10.0.1.0/24"}]))
    assert find_rule([half], 443, FUNCTION) is None
    whole = group(tcp(443, IpRanges=[{"CidrIp": "10.0.0.0/16"}]))
    assert find_rule([whole], 443, FUNCTION) == "sg-x admits tcp/443 from 10.0.0.0/16"


def test_port_ranges_all_traffic_and_other_protocols() -> None:
    assert find_rule([group(tcp(0, 65535, UserIdGroupPairs=[{"GroupId": "sg-fn"}]))], 5432, FUNCTION)
    everything = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-fn"}]}
    assert find_rule([group(everything)], 5432, FUNCTION)
    udp = {"IpProtocol": "udp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": "sg-fn"}]}
    assert find_rule([group(udp)], 443, FUNCTION) is None
    assert not Permission.from_api(tcp(440, 442)).covers_tcp(443)


def test_egress_to_a_group_or_anywhere() -> None:
    to_anywhere = group(egress=({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},))
    endpoint = Peer(frozenset({"sg-ep"}), ("10.0.3.0/24",))
    assert find_rule([to_anywhere], 443, endpoint, egress=True) == "sg-x allows egress tcp/443 to 0.0.0.0/0"
    to_db_only = group(egress=(tcp(5432, UserIdGroupPairs=[{"GroupId": "sg-db"}]),))
    assert find_rule([to_db_only], 443, endpoint, egress=True) is None
    assert port_sources([to_db_only], 5432, egress=True) == ["sg-db"]


def test_ipv6_ranges_never_cover_ipv4_subnets() -> None:
    g = group(tcp(443, Ipv6Ranges=[{"CidrIpv6": "::/0"}]))
    assert find_rule([g], 443, FUNCTION) is None
    assert port_sources([g], 443) == ["::/0"]
