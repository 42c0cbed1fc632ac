"""Which network addresses a webhook may reach (the SSRF guard's rule), without I/O.

Only globally routable unicast addresses are public. An IPv6 address that carries an IPv4
address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``, Teredo)
is judged by that IPv4 address too, so ``::ffff:127.0.0.1`` is as private as ``127.0.0.1``.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = ipaddress.IPv4Address("169.254.169.254")  # cloud instance metadata
SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def private_kind(address: str | IPAddress) -> str | None:
    """Why ``address`` is not a public address (``"loopback"``, ``"private"`` ...), or None
    when a webhook may connect to it. A string that is not an IP address is refused."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP"
    if isinstance(ip, ipaddress.IPv6Address):
        carried = ip.ipv4_mapped or _nat64(ip)
        if carried is not None:  # the packets go to this IPv4 address: judge it alone
            return _kind(carried)
        if ip.teredo is not None:
            return "Teredo tunnel"
        embedded = ip.sixtofour
        if embedded is None and 1 < int(ip) < 1 << 32:  # IPv4-compatible ::a.b.c.d
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and _kind(embedded) is not None:
            return _kind(embedded)
    return _kind(ip)


def _nat64(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if any(ip in network for network in NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: IPAddress) -> str | None:
    if ip == METADATA:
        return "cloud metadata"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address) and ip in SHARED:
        return "shared (carrier-grade NAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "not globally routable"
    return None
