"""Name resolution and TCP connect, as steps, shared by the mail protocols.

mailcheck does these two itself (instead of letting the protocol library do
them) so that "the name does not resolve", "nothing listens", "a firewall
drops the packets" and "the server accepted but says nothing" are four
different steps with four different outcomes.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import time

from mailcheck.evidence import ErrorInfo, Outcome, Step

__all__ = ["connect_tcp", "elapsed_ms", "error_info", "resolve_host"]


def elapsed_ms(start: float) -> float:
    """Milliseconds since ``start`` (a ``time.perf_counter()`` value), rounded."""
    return round((time.perf_counter() - start) * 1000, 1)


def error_info(exc: BaseException, detail: str | None = None) -> ErrorInfo:
    """Describe an exception, keeping its cause's type so failures stay distinct."""
    cause = exc.__cause__ or exc.__context__
    # A server's words inside the message may carry bytes that were not UTF-8.
    message = (str(exc) or type(exc).__name__).encode("utf-8", "surrogateescape")
    return ErrorInfo(
        exception=type(exc).__name__,
        message=message.decode("utf-8", "replace"),
        cause=type(cause).__name__ if cause is not None else None,
        detail=detail,
    )


_GAI_OUTCOMES = {
    socket.EAI_NONAME: Outcome.NAME_ERROR,
    getattr(socket, "EAI_NODATA", -5): Outcome.NO_ADDRESS,
    socket.EAI_AGAIN: Outcome.TIMEOUT,
}


async def _resolve_system(host: str, port: int, timeout: float) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=timeout
    )
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


async def _resolve_dns(host: str, server: tuple[str, int], timeout: float) -> list[str]:
    """Resolve with mailcheck's resolver pointed at ``server`` (never a library default)."""
    from mailcheck.dnsresolver import DnsOutcome, Resolver

    async with Resolver(server, timeout=max(timeout / 3, 0.5), lifetime=timeout) as resolver:
        a, aaaa = await asyncio.gather(resolver.lookup(host, "A"), resolver.lookup(host, "AAAA"))
    addresses = [*a.records, *aaaa.records]
    if addresses:
        return addresses
    if a.outcome is DnsOutcome.NXDOMAIN:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (NXDOMAIN)")
    if a.outcome.conclusive and aaaa.outcome.conclusive:
        raise socket.gaierror(
            getattr(socket, "EAI_NODATA", -5), "No address associated with hostname"
        )
    if a.outcome is DnsOutcome.TIMEOUT:
        raise TimeoutError(f"the DNS server {server[0]}:{server[1]} did not answer")
    raise OSError(f"the DNS server could not tell: {a.error or a.outcome.value}")


async def resolve_host(
    host: str, port: int, *, timeout: float, dns_server: tuple[str, int] | None
) -> Step:
    """Resolve ``host``; the step's ``addresses`` datum lists what was found."""
    start = time.perf_counter()
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return Step(
            name="resolve",
            outcome=Outcome.OK,
            elapsed_ms=0.0,
            data=(("host", host), ("addresses", host)),
        )
    via = f"{dns_server[0]}:{dns_server[1]}" if dns_server else "system resolver"
    try:
        if dns_server is None:
            addresses = await _resolve_system(host, port, timeout)
        else:
            addresses = await _resolve_dns(host, dns_server, timeout)
    except socket.gaierror as exc:
        outcome = _GAI_OUTCOMES.get(exc.errno, Outcome.ERROR)
        return Step(
            name="resolve",
            outcome=outcome,
            elapsed_ms=elapsed_ms(start),
            error=error_info(exc),
            data=(("via", via),),
        )
    except TimeoutError as exc:
        return Step(
            name="resolve",
            outcome=Outcome.TIMEOUT,
            elapsed_ms=elapsed_ms(start),
            error=error_info(exc),
            data=(("via", via),),
        )
    except Exception as exc:  # noqa: BLE001 - dnspython's SERVFAIL/REFUSED and bad names
        return Step(
            name="resolve",
            outcome=Outcome.ERROR,
            elapsed_ms=elapsed_ms(start),
            error=error_info(exc),
            data=(("via", via),),
        )
    return Step(
        name="resolve",
        outcome=Outcome.OK,
        elapsed_ms=elapsed_ms(start),
        # The name as asked: which provider's server this is can matter to a cause.
        data=(("host", host), ("addresses", " ".join(addresses)), ("via", via)),
    )


def _connect_outcome(exc: BaseException) -> Outcome:
    if isinstance(exc, ConnectionRefusedError):
        return Outcome.REFUSED
    if isinstance(exc, TimeoutError):
        return Outcome.TIMEOUT
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Outcome.UNREACHABLE
    return Outcome.ERROR


async def connect_tcp(
    addresses: list[str], port: int, *, timeout: float
) -> tuple[Step, socket.socket | None]:
    """Connect to the first address that answers; return the step and the socket."""
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    tried: list[str] = []
    last: BaseException | None = None
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (address, port)), timeout=timeout)
        except (OSError, TimeoutError) as exc:
            sock.close()
            tried.append(f"{address}: {_connect_outcome(exc).value}")
            last = exc
            continue
        return (
            Step(
                name="connect",
                outcome=Outcome.OK,
                elapsed_ms=elapsed_ms(start),
                data=(
                    ("peer", f"{address}:{port}"),
                    *((("tried", "; ".join(tried)),) if tried else ()),
                ),
            ),
            sock,
        )
    if last is None:  # resolve succeeded, so there was at least one address
        raise ValueError("connect_tcp needs at least one address")
    return (
        Step(
            name="connect",
            outcome=_connect_outcome(last),
            elapsed_ms=elapsed_ms(start),
            error=error_info(last),
            data=(("tried", "; ".join(tried)),),
        ),
        None,
    )
