"""Which addresses may go into the database's ingress rule."""

from __future__ import annotations

import pytest

from cruddur_ops.errors import ConfigError, RefusedError
from cruddur_ops.network.addresses import parse_host_address

PUBLIC_V4 = "8.8.4.4"  # globally routable; written into rules on emulators only, never contacted
PUBLIC_V6 = "2001:4860:4860::8844"


def test_public_ipv4_becomes_a_slash_32() -> None:
    host = parse_host_address(PUBLIC_V4)
    assert host.address == PUBLIC_V4
    assert host.cidr == "8.8.4.4/32"


def test_host_prefix_and_whitespace_are_accepted() -> None:
    assert parse_host_address(" 8.8.4.4/32\n").cidr == "8.8.4.4/32"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("0.0.0.0", "unspecified"),
        ("0.0.0.0/0", "single host"),
        ("8.8.4.0/24", "single host"),
        ("10.1.2.3", "private"),
        ("192.168.1.20", "private"),
        ("172.16.0.5", "private"),
        ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("100.64.3.4", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "unspecified|private|reserved"),
        ("203.0.113.7", "documentation"),
    ],
)
def test_non_public_addresses_are_refused_with_the_reason(value: str, reason: str) -> None:
    with pytest.raises(RefusedError) as caught:
        parse_host_address(value, source="--ip")
    message = caught.value.message
    assert message.startswith("refusing --ip")
    assert any(word in message for word in reason.split("|")), message
    assert caught.value.hint


@pytest.mark.parametrize("value", ["banana", "8.8.4", "300.1.1.1", "example.com"])
def test_text_that_is_not_an_address_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError, match="is not an IP address"):
        parse_host_address(value, source="--ip")


def test_empty_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is empty"):
        parse_host_address("  ")


def test_ipv6_needs_to_be_asked_for() -> None:
    with pytest.raises(RefusedError, match="--ipv6"):
        parse_host_address(PUBLIC_V6)
    host = parse_host_address(PUBLIC_V6, allow_ipv6=True)
    assert host.cidr == f"{PUBLIC_V6}/128"
    assert host.version == 6


@pytest.mark.parametrize(
    "value", ["::", "::1", "fe80::1", "fd00::1", "2001:db8::1", "::ffff:8.8.8.8", "::/0"]
)
def test_non_public_ipv6_is_refused_even_with_ipv6(value: str) -> None:
    with pytest.raises(RefusedError):
        parse_host_address(value, allow_ipv6=True)
