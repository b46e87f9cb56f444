"""MTA-STS policy hosts that misbehave: a body without end, a server that says nothing, a
redirect, plain HTTP on the HTTPS port. The fetch keeps to its caps and says why."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from mailcheck.probes.mtasts import POLICY_MAX_BYTES, fetch_policy

DOMAIN = "congty.test"
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _tls(tmp_path: Path) -> tuple[ssl.SSLContext, str]:
    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(f"mta-sts.{DOMAIN}").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, str(ca_file)


async def _serve(handler: Handler, context: ssl.SSLContext | None) -> asyncio.Server:
    return await asyncio.start_server(handler, "127.0.0.1", 0, ssl=context)


async def _request(reader: asyncio.StreamReader) -> None:
    await reader.readuntil(b"\r\n\r\n")


def _port(server: asyncio.Server) -> int:
    return int(server.sockets[0].getsockname()[1])


async def test_a_body_without_end_stops_at_the_cap(tmp_path: Path) -> None:
    context, ca_file = _tls(tmp_path)

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        try:
            while True:
                writer.write(b"mx: mx.congty.test\n" * 1000)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass

    async with await _serve(endless, context) as server:
        fetched = await fetch_policy(
            DOMAIN, "127.0.0.1", port=_port(server), ca_file=ca_file, timeout=5
        )
    assert "larger than 64 KiB" in fetched.error
    assert len(fetched.body) <= POLICY_MAX_BYTES


async def test_a_server_that_says_nothing_ends_at_the_timeout(tmp_path: Path) -> None:
    context, ca_file = _tls(tmp_path)

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async with await _serve(silent, context) as server:
        start = time.monotonic()
        fetched = await fetch_policy(
            DOMAIN, "127.0.0.1", port=_port(server), ca_file=ca_file, timeout=0.5
        )
    assert time.monotonic() - start < 2
    assert "within 0.5 s" in fetched.error


async def test_a_redirect_is_not_followed(tmp_path: Path) -> None:
    context, ca_file = _tls(tmp_path)

    async def moved(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: https://www.congty.test/sts\r\n\r\n")
        await writer.drain()
        writer.close()

    async with await _serve(moved, context) as server:
        fetched = await fetch_policy(
            DOMAIN, "127.0.0.1", port=_port(server), ca_file=ca_file, timeout=5
        )
    assert (fetched.status, fetched.body) == (302, "")
    assert "302 to https://www.congty.test/sts" in fetched.error


@pytest.mark.parametrize("answer", [b"HTTP/1.1 200 OK\r\n\r\nversion: STSv1\n", b""])
async def test_plain_http_on_the_https_port_is_a_tls_failure(tmp_path: Path, answer: bytes) -> None:
    _, ca_file = _tls(tmp_path)

    async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(100)
        writer.write(answer)
        await writer.drain()
        writer.close()

    async with await _serve(plain, None) as server:
        fetched = await fetch_policy(
            DOMAIN, "127.0.0.1", port=_port(server), ca_file=ca_file, timeout=5
        )
    assert fetched.error
    assert fetched.body == ""
