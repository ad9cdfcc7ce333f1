"""The client's address behind reverse proxies: X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import Request

from minyi.web.state import app_state

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=16)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """MINYI_TRUSTED_PROXIES entries (addresses or CIDRs) as networks; settings validated them already."""
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted(text: str, networks: tuple[Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in n for n in networks)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: tuple[Network, ...]) -> str:
    """The peer, unless it is a trusted proxy: then the right-most X-Forwarded-For hop that is not trusted.

    Each proxy appends the address it saw, so hops right of the first untrusted one were written by our
    own proxies, and anything left of it was written by the client and can be forged.
    """
    if not peer:
        return UNKNOWN
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for header in forwarded_for for h in header.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            address = _address(hop)
            return str(address) if address is not None else hop[:64]
    return hops[0] if hops else peer  # every hop is one of our proxies: the farthest one is the client


def request_client(request: Request) -> str:
    """The address of the client that sent `request`, by the app's MINYI_TRUSTED_PROXIES."""
    peer = request.client.host if request.client else None
    networks = trusted_networks(app_state(request).settings.trusted_proxies)
    return client_address(peer, request.headers.getlist("x-forwarded-for"), networks)
