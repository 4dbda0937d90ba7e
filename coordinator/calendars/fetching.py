"""Download a calendar by URL behind SSRF guards (pure: no Flask, no database).

- Only http and https (webcal:// means https://).
- The host name is resolved here, every address it resolves to is checked (loopback, private,
  link-local and so cloud metadata, multicast, unspecified and reserved ranges are refused),
  and the connection goes to the address that was checked: a DNS answer that changes between
  the check and the connection (rebinding) cannot steer it elsewhere. TLS still verifies the
  certificate against the host name (urllib3's server_hostname / assert_hostname).
- Redirects are followed by hand, at most `max_redirects` times, each hop checked again.
- Timeouts: connect, and a total deadline across the whole download; a size limit.
- Conditional GET: If-None-Match / If-Modified-Since; a 304 says "not modified".
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error

USER_AGENT = "coordinator-calendar-import/1.0"


class FetchError(Exception):
    """The calendar could not be downloaded; the message says why, in words for the partner."""


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 5.0
    total_timeout: float = 30.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 3
    allow_private: bool = False  # tests and closed networks only
    # Exact "address:port" pairs allowed despite the guard (a test server on loopback).
    allowed_endpoints: frozenset[str] = frozenset()


@dataclass
class FetchResult:
    status: int  # 200, or 304 (not modified)
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    final_url: str = ""
    hops: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def normalise_url(url: str) -> str:
    """webcal(s):// as https://; refuse every other scheme than http(s), and credentials."""
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
    elif scheme not in ("http", "https"):
        raise FetchError("Only http, https and webcal addresses can be fetched.")
    if not parts.hostname:
        raise FetchError("The address has no host name.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password are not accepted.")
    return urlunsplit(parts)


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is one the internet routes to anyone (not ours, not a metadata one)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or not address.is_global
    )


def resolve_checked(host: str, port: int, policy: FetchPolicy) -> str:
    """The address to connect to for host:port, after checking every address it resolves to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise FetchError(f"The host name “{host}” could not be found.") from None
    addresses = []
    for info in infos:
        raw = info[4][0].split("%", 1)[0]
        try:
            addresses.append(ipaddress.ip_address(raw))
        except ValueError:
            continue
    if not addresses:
        raise FetchError(f"The host name “{host}” could not be found.")
    for address in addresses:
        endpoint = f"{address}:{port}" if address.version == 4 else f"[{address}]:{port}"
        if policy.allow_private or endpoint in policy.allowed_endpoints:
            continue
        if not is_public_address(address):
            raise FetchError(
                f"The address {host} leads to {address}, a private or local network address: "
                "calendars are only fetched from the public internet."
            )
    return str(addresses[0])


def _pool(scheme: str, host: str, address: str, port: int, timeout: urllib3.Timeout):
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)


def fetch(url: str, policy: FetchPolicy, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET the calendar at url under the policy (see the module docstring)."""
    deadline = time.monotonic() + policy.total_timeout
    current = normalise_url(url)
    hops: list[str] = []
    for _hop in range(policy.max_redirects + 1):
        hops.append(current)
        response = _get_once(current, policy, deadline, etag, last_modified)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location", "")
                if not location:
                    raise FetchError(f"The server answered {response.status} without a Location.")
                current = normalise_url(urljoin(current, location))
                continue
            if response.status == 304:
                return FetchResult(
                    304, final_url=current, hops=hops, etag=etag, last_modified=last_modified
                )
            if response.status != 200:
                raise FetchError(
                    f"The server answered {response.status} {response.reason or ''}".strip() + "."
                )
            body = _read_limited(response, policy, deadline)
            return FetchResult(
                200,
                body=body,
                etag=(response.headers.get("ETag") or "")[:300],
                last_modified=(response.headers.get("Last-Modified") or "")[:100],
                final_url=current,
                hops=hops,
            )
        finally:
            response.release_conn()
    raise FetchError(f"The address redirected more than {policy.max_redirects} times.")


def _get_once(url: str, policy: FetchPolicy, deadline: float, etag: str, last_modified: str):
    parts = urlsplit(url)
    scheme = parts.scheme
    host = parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    address = resolve_checked(host, port, policy)
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(f"The server took longer than {policy.total_timeout:g} seconds.")
    timeout = urllib3.Timeout(connect=min(policy.connect_timeout, left), read=left)
    path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host and not host.startswith("["):
        host_header = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    headers = {
        "Host": host_header,
        "User-Agent": USER_AGENT,
        "Accept": "text/calendar, */*;q=0.5",
        "Accept-Encoding": "identity",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    pool = _pool(scheme, host, address, port, timeout)
    try:
        return pool.urlopen(
            "GET",
            path,
            headers=headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.ConnectTimeoutError:
        raise FetchError(
            f"{host} did not answer within {policy.connect_timeout:g} seconds."
        ) from None
    except urllib3.exceptions.ReadTimeoutError:
        raise FetchError(f"The server took longer than {policy.total_timeout:g} seconds.") from None
    except urllib3.exceptions.SSLError:
        raise FetchError(f"The secure connection to {host} failed (certificate or TLS).") from None
    except (Urllib3Error, OSError) as error:
        raise FetchError(f"{host} could not be reached ({type(error).__name__}).") from None


def _read_limited(response, policy: FetchPolicy, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > policy.max_bytes:
        raise FetchError(too_large_message(policy.max_bytes))
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.stream(64 * 1024):
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchError(too_large_message(policy.max_bytes))
            if time.monotonic() > deadline:
                raise FetchError(f"The server took longer than {policy.total_timeout:g} seconds.")
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError:
        raise FetchError(f"The server took longer than {policy.total_timeout:g} seconds.") from None
    except (Urllib3Error, OSError) as error:
        raise FetchError(f"The download broke off ({type(error).__name__}).") from None
    return b"".join(chunks)


def too_large_message(limit: int) -> str:
    return f"The calendar is larger than {limit / 1024 / 1024:g} MB, the limit for imports."
