"""The SSRF guard's rule: which addresses a webhook may reach."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stonechat.actions.addresses import private_kind

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.5.4", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "cloud metadata"),
    ("169.254.1.1", "link-local"),
    ("100.64.0.1", "shared (carrier-grade NAT)"),
    ("100.127.255.254", "shared (carrier-grade NAT)"),
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "private"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "private"),
    ("255.255.255.255", "private"),
    ("192.0.2.1", "private"),  # documentation
    ("198.18.0.1", "private"),  # benchmarking
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fe80::1", "link-local"),
    ("fc00::1", "private"),
    ("fd12:3456::1", "private"),
    ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
    ("ff02::1", "multicast"),
    ("2001:db8::1", "private"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "cloud metadata"),
    ("::ffff:7f00:1", "loopback"),
    ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
    ("64:ff9b::a00:1", "private"),
    ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
    ("2002:a9fe:a9fe::1", "cloud metadata"),
    ("::7f00:1", "loopback"),  # IPv4-compatible
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo tunnel"),
    ("localhost", "not an IP"),
]
ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81a::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize(("address", "kind"), REFUSED)
def test_refused_addresses(address: str, kind: str) -> None:
    assert private_kind(address) == kind


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses(address: str) -> None:
    assert private_kind(address) is None
    assert private_kind(ipaddress.ip_address(address)) is None


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_and_its_ipv6_forms_are_judged_alike(ip: ipaddress.IPv4Address) -> None:
    kind = private_kind(ip)
    assert private_kind(ipaddress.IPv6Address(f"::ffff:{ip}")) == kind
    assert private_kind(ipaddress.IPv6Address(int(ip) | (0x64FF9B << 96))) == kind
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80) | 1)
    if kind is not None:  # a 6to4 address of a private IPv4 address is refused as well
        assert private_kind(sixtofour) == kind


@given(st.ip_addresses())
def test_only_global_addresses_pass(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    if private_kind(ip) is None:
        assert not ip.is_loopback and not ip.is_link_local and not ip.is_multicast
        assert not ip.is_unspecified
        carried = getattr(ip, "ipv4_mapped", None)
        assert (
            ip.is_global
            or (carried is not None and carried.is_global)
            or (ip in ipaddress.ip_network("64:ff9b::/96"))
        )


@given(st.ip_addresses(network="10.0.0.0/8") | st.ip_addresses(network="fc00::/7"))
def test_private_networks_are_refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
    assert private_kind(ip) == "private"
