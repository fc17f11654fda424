"""Where the push worker may connect: global unicast addresses, checked at connect time.

A patient chooses the URL the worker POSTs to, so the worker must not be a
way into our own network (SSRF). Checking the URL's text is not enough: an
address can be written many ways (decimal, octal, hex, IPv4-mapped IPv6)
and a DNS name can resolve to anything, differently each time. So the
check runs where the connection is made:

- `GuardedResolver` resolves names and refuses the host if any address it
  resolves to is not allowed (aiohttp then connects only to addresses it
  returned, so there is no second lookup to race);
- `guarded_socket_factory` checks every address aiohttp is about to
  connect to, literal IPs included (aiohttp does not resolve those);
- `EgressPolicy.problem` refuses a URL before any of that: scheme, port,
  the optional allowlist of push-service host suffixes, and literal
  addresses however written.

A refused target is never contacted; the caller marks its subscription dead.
"""

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

#: NAT64's well-known prefix (RFC 6052): the last 32 bits are an IPv4 address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedTarget(OSError):
    """The push endpoint is not somewhere the worker may connect. Names no address."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_allowed(text: str, *, allow_loopback: bool = False) -> bool:
    """Whether the worker may connect to this address: global unicast only.

    IPv6 forms that carry an IPv4 address (mapped, 6to4, Teredo, NAT64) are
    judged by that IPv4 address. Loopback is allowed only for development
    and the tests' loopback push service.
    """
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            address = embedded
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not address.is_multicast and not address.is_reserved


def literal_address(host: str) -> str | None:
    """The address a host names if it is an IP literal in any spelling, else None.

    `inet_aton` reads the legacy IPv4 forms (2130706433, 0x7f.1, 017700000001,
    127.1) the way the C library, and so a connecting socket, would.
    """
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None


@dataclass(frozen=True)
class EgressPolicy:
    """What the worker may connect to.

    `allow_loopback`: development and tests (`ALLOW_HTTP_PUSH_ENDPOINTS`),
    which also allows plain http to loopback. `allowed_ports`: None allows
    any port, else only these (production: 443 unless configured).
    `allowed_host_suffixes`: empty allows any host on a global address,
    else only these hosts and their subdomains (the strict setting).
    """

    allow_loopback: bool = False
    allowed_ports: frozenset[int] | None = frozenset({443})
    allowed_host_suffixes: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config) -> "EgressPolicy":
        ports = config.get("PUSH_ALLOWED_PORTS")
        if ports is None:
            allowed_ports = frozenset({443}) if config.get("ENV_NAME") == "production" else None
        else:
            allowed_ports = frozenset(_ints(ports))
        return cls(
            allow_loopback=bool(config.get("ALLOW_HTTP_PUSH_ENDPOINTS", False)),
            allowed_ports=allowed_ports,
            allowed_host_suffixes=tuple(_words(config.get("PUSH_ALLOWED_HOST_SUFFIXES"))),
        )

    def problem(self, endpoint: str) -> str | None:
        """Why the worker must not POST to this URL, or None. Never quotes it."""
        try:
            parts = urlsplit(endpoint)
            host = (parts.hostname or "").lower().rstrip(".")
            port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
        except ValueError:
            return "not a URL"
        if not host or parts.username is not None or parts.password is not None:
            return "not a push service URL"
        literal = literal_address(host)
        named_local = host == "localhost" or host.endswith(".localhost")
        if named_local or (literal is not None and ipaddress.ip_address(literal).is_loopback):
            # Development and the tests' loopback push service: plain http, any port.
            return None if self.allow_loopback else "not a public address"
        if parts.scheme != "https":
            return "must be https"
        if self.allowed_ports is not None and port not in self.allowed_ports:
            return "port not allowed"
        if literal is not None and not address_allowed(literal):
            return "not a public address"
        if self.allowed_host_suffixes and not any(
            host == suffix or host.endswith("." + suffix) for suffix in self.allowed_host_suffixes
        ):
            return "not an allowed push service"
        return None


def _words(value) -> Iterable[str]:
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip().lower().strip(".") for item in items if item.strip()]


def _ints(value) -> Iterable[int]:
    return [int(item) for item in _words(value)] if value else []


class GuardedResolver(AbstractResolver):
    """aiohttp's threaded resolver (the C library's getaddrinfo), refusing
    a host when any address it resolves to is not allowed."""

    def __init__(self, policy: EgressPolicy):
        self._policy = policy
        self._resolver = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver.resolve(host, port, family)
        if not results or any(
            not address_allowed(r["host"], allow_loopback=self._policy.allow_loopback)
            for r in results
        ):
            raise RefusedTarget("push endpoint resolves to an address that is not allowed")
        return results

    async def close(self) -> None:
        await self._resolver.close()


def guarded_socket_factory(policy: EgressPolicy):
    """A socket factory for aiohttp's connector that refuses disallowed addresses.

    aiohttp calls it for every address it tries, literal IPs included, right
    before connecting: the last word on where the worker connects.
    """

    def make(addr_info) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        if not address_allowed(sockaddr[0], allow_loopback=policy.allow_loopback):
            raise RefusedTarget("push endpoint address is not allowed")
        return socket.socket(family=family, type=type_, proto=proto)

    return make


#: Development's policy (and the benchmarks'): loopback push services allowed.
LOOPBACK = EgressPolicy(allow_loopback=True, allowed_ports=None)
