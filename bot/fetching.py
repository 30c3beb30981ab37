"""Fetching a page a moderator (or a feed) names, without letting the link reach inside.

A link is a request the bot makes on someone's behalf, so every hop is checked: only http and
https; at most five redirects, each followed by hand and checked again; every address a host
name resolves to must be a public one (not private, loopback, link-local, shared, reserved or
multicast), and the connection goes to exactly the addresses checked, so a name that resolves
differently the second time (DNS rebinding) cannot slip through. Then a time limit, a size cap
read as the body streams in, and a content type. Each refusal is one line saying which check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "text/plain",  # some servers label feeds so
    }
)
REDIRECTS = {301, 302, 303, 307, 308}
USER_AGENT = "dispute-bot/0.1 (+article intake; one request per link)"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(Exception):
    """Why a link was not fetched, in one line for the moderator."""


@dataclass(frozen=True)
class FetchPolicy:
    """``allowed_private`` lists the non-public networks a link may reach (none by default;
    ``allow_private_urls: true`` allows all of them, a list allows those networks only)."""

    max_bytes: int = 2_000_000
    timeout: float = 10.0
    max_redirects: int = 5
    allowed_private: tuple[Network, ...] = ()
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str
    charset: str | None
    redirects: tuple[str, ...] = field(default=())


def private_networks(setting: bool | Sequence[str]) -> tuple[Network, ...]:
    """The ``allow_private_urls`` setting as networks: true → every address, a list → those."""
    if setting is True:
        return (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
    if not setting:
        return ()
    return tuple(ipaddress.ip_network(str(n), strict=False) for n in setting)


ALLOW_HINT = "(set allow_private_urls to allow it)"


def refusal(address: str, allowed: tuple[Network, ...]) -> str | None:
    """What kind of address may not be reached ("loopback"), or None when it may."""
    ip: Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    if any(ip.version == n.version and ip in n for n in allowed):
        return None
    kind = next(
        (
            name
            for name, flag in (
                ("loopback", ip.is_loopback),
                ("link-local", ip.is_link_local),
                ("multicast", ip.is_multicast),
                ("unspecified", ip.is_unspecified),
                ("private", ip.is_private),
                ("reserved", ip.is_reserved),
            )
            if flag
        ),
        "non-public",
    )
    return kind


class _CheckingResolver(AbstractResolver):
    """Resolves in a thread like aiohttp's default, then refuses any non-public answer."""

    def __init__(self, allowed: tuple[Network, ...]) -> None:
        self._allowed = allowed

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM, family=family
            )
        except socket.gaierror as exc:
            raise FetchError(f"cannot resolve {host}: {exc.strerror}") from None
        results: list[ResolveResult] = []
        for family_, _, proto, _, sockaddr in infos:
            why = refusal(str(sockaddr[0]), self._allowed)
            if why is not None:
                raise FetchError(
                    f"refused: {host} resolves to {sockaddr[0]}, a {why} address {ALLOW_HINT}"
                )
            results.append(
                {
                    "hostname": host,
                    "host": str(sockaddr[0]),
                    "port": int(sockaddr[1]),
                    "family": family_,
                    "proto": proto,
                    "flags": socket.AI_NUMERICHOST,
                }
            )
        if not results:
            raise FetchError(f"cannot resolve {host}")
        return results

    async def close(self) -> None:
        return None


def check_url(url: str, allowed: tuple[Network, ...]) -> str:
    """The URL if its scheme and (literal) address may be fetched; raises ``FetchError``."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError as exc:
        raise FetchError(f"not a valid link: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https links can be fetched, not {parts.scheme or 'that'}")
    if not host:
        raise FetchError("the link has no host name")
    if parts.username or parts.password:
        raise FetchError("links with a user name or password are not fetched")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return url.strip()  # a name: checked when it is resolved
    why = refusal(host, allowed)
    if why is not None:
        raise FetchError(f"refused: {host} is a {why} address {ALLOW_HINT}")
    return url.strip()


async def fetch(url: str, policy: FetchPolicy, accept: frozenset[str] = PAGE_TYPES) -> Fetched:
    """GET a page, following and checking redirects by hand; raises ``FetchError``."""
    timeout = aiohttp.ClientTimeout(total=policy.timeout)
    connector = aiohttp.TCPConnector(
        resolver=_CheckingResolver(policy.allowed_private), use_dns_cache=False
    )
    headers = {"User-Agent": policy.user_agent, "Accept": ", ".join(sorted(accept)) + ";q=1, */*;q=0.1"}
    hops: list[str] = []
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, headers=headers, trust_env=False
        ) as session:
            current = check_url(url, policy.allowed_private)
            while True:
                async with session.get(current, allow_redirects=False) as response:
                    if response.status in REDIRECTS:
                        location = response.headers.get("Location")
                        if not location:
                            raise FetchError(f"redirect ({response.status}) without a Location")
                        if len(hops) >= policy.max_redirects:
                            raise FetchError(
                                f"too many redirects (more than {policy.max_redirects})"
                            )
                        hops.append(current)
                        current = check_url(urljoin(current, location), policy.allowed_private)
                        continue
                    return await _read(response, current, policy, accept, tuple(hops))
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError(f"the site did not answer within {policy.timeout:g} s") from None
    except aiohttp.ClientConnectorError as exc:
        raise FetchError(f"cannot connect to {exc.host}: {exc.strerror or exc}") from None
    except aiohttp.ClientError as exc:
        raise FetchError(f"the download failed: {_one_line(exc)}") from None


async def _read(
    response: aiohttp.ClientResponse,
    url: str,
    policy: FetchPolicy,
    accept: frozenset[str],
    hops: tuple[str, ...],
) -> Fetched:
    if response.status != 200:
        raise FetchError(f"the site answered {response.status} {response.reason or ''}".strip())
    content_type = response.content_type.lower()
    if content_type not in accept:
        raise FetchError(f"not a web page: the site says it is {content_type}")
    declared = response.content_length
    if declared is not None and declared > policy.max_bytes:
        raise FetchError(f"too large ({declared:,} bytes; the limit is {policy.max_bytes:,})")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"too large (more than {policy.max_bytes:,} bytes)")
        chunks.append(chunk)
    body = b"".join(chunks)
    _check_body(body, content_type)
    return Fetched(url, body, content_type, response.charset, hops)


def _check_body(body: bytes, content_type: str) -> None:
    """A server's label is not proof: a PDF or an image served as text/html is refused."""
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        raise FetchError(f"the page is a PDF, though the site says {content_type}")
    if b"\x00" in head:
        raise FetchError(f"the page is binary data, though the site says {content_type}")
    if not body.strip():
        raise FetchError("the page is empty")


def _one_line(exc: Any) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
