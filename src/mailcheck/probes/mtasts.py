"""MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): what a recipient domain asks of senders' TLS.

The pure readers (the ``_mta-sts`` and ``_smtp._tls`` TXT records, the policy file,
an MX host against the policy's patterns) are apart from the one piece of I/O, the
policy fetch over HTTPS, so that they get fast unit tests.

The fetch follows the RFC where it matters to the verdict: HTTPS with a certificate
valid for ``mta-sts.<domain>``, status 200 only (no redirects), a body of at most
64 KiB, within a time limit. Anything else is "the policy could not be fetched", which
senders treat as no policy at all; the domain's TXT promised one, so that is worth
telling its admin.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass

__all__ = [
    "POLICY_MAX_BYTES",
    "Fetched",
    "StsPolicy",
    "fetch_policy",
    "mx_matches",
    "parse_policy",
    "parse_sts_record",
    "parse_tlsrpt_record",
]

#: RFC 8461 section 3.3: senders may refuse a policy larger than this.
POLICY_MAX_BYTES = 64 * 1024
#: Headers are not the policy; a server that sends this much of them is not serving one.
_HEADER_MAX_BYTES = 16 * 1024
_POLICY_PATH = "/.well-known/mta-sts.txt"
_ID = re.compile(r"[A-Za-z0-9]{1,32}")
#: RFC 8461 section 3.2: at most one year.
_MAX_AGE_LIMIT = 31_557_600


@dataclass(frozen=True, slots=True)
class StsPolicy:
    """A policy file as read (RFC 8461 section 3.2)."""

    mode: str
    """enforce, testing or none."""
    mx: tuple[str, ...]
    """The MX patterns, lower-case (``mx1.example.vn``, ``*.example.vn``)."""
    max_age: int


def _fields(record: str) -> list[tuple[str, str]]:
    """``k=v; k=v`` pairs, stripped (empty fields, as after a trailing ``;``, dropped)."""
    pairs: list[tuple[str, str]] = []
    for part in record.split(";"):
        key, sep, value = part.strip().partition("=")
        if part.strip():
            pairs.append((key.strip(), value.strip() if sep else ""))
    return pairs


def _one_record(records: tuple[str, ...] | list[str], version: str) -> tuple[str | None, str]:
    """The one TXT record that starts with ``v=<version>``: ``(record, "")`` or ``(None, why)``.

    Records that do not start with it are someone else's (SPF, a site verification) and
    ignored; two that do make the domain's intent unclear, so neither counts (RFC 8461 3.1,
    RFC 8460 3).
    """
    ours = [r for r in records if re.match(rf"v\s*=\s*{re.escape(version)}\s*(;|$)", r.strip())]
    if not ours:
        return None, "none"
    if len(ours) > 1:
        return None, f"{len(ours)} records start with v={version}"
    return ours[0], ""


def parse_sts_record(records: tuple[str, ...] | list[str]) -> tuple[str | None, str]:
    """The ``_mta-sts`` TXT records: ``(policy id, "")``, or ``(None, why)``.

    ``why`` is ``"none"`` when no record is an MTA-STS one.
    """
    record, why = _one_record(records, "STSv1")
    if record is None:
        return None, why
    fields = dict(_fields(record))
    policy_id = fields.get("id", "")
    if not _ID.fullmatch(policy_id):
        return None, f"the id field is missing or not 1-32 letters and digits: {policy_id!r}"
    return policy_id, ""


def parse_tlsrpt_record(records: tuple[str, ...] | list[str]) -> tuple[tuple[str, ...], str]:
    """The ``_smtp._tls`` TXT records: ``(report addresses, "")`` or ``((), why)``."""
    record, why = _one_record(records, "TLSRPTv1")
    if record is None:
        return (), why
    fields = dict(_fields(record))
    rua = tuple(u.strip() for u in fields.get("rua", "").split(",") if u.strip())
    if not rua:
        return (), "no rua= (where reports go)"
    bad = [u for u in rua if not u.lower().startswith(("mailto:", "https:"))]
    if bad:
        return (), f"rua is neither mailto: nor https: {bad[0]!r}"
    return rua, ""


def parse_policy(text: str) -> tuple[StsPolicy | None, str]:
    """The policy file: ``(policy, "")`` or ``(None, why)``. Unknown keys are ignored."""
    values: dict[str, list[str]] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep:
            return None, f"a line is not 'key: value': {line[:80]!r}"
        values.setdefault(key.strip().lower(), []).append(value.strip())
    if values.get("version") != ["STSv1"]:
        return None, f"version is not STSv1: {values.get('version')}"
    mode = (values.get("mode") or [""])[0].lower()
    if mode not in ("enforce", "testing", "none") or len(values.get("mode", [])) != 1:
        return None, f"mode is not one of enforce, testing, none: {values.get('mode')}"
    age = (values.get("max_age") or [""])[0]
    if not age.isdigit() or int(age) > _MAX_AGE_LIMIT:
        return None, f"max_age is not a number of seconds up to one year: {age!r}"
    mx = tuple(p.lower().rstrip(".") for p in values.get("mx", []))
    if not mx and mode != "none":
        return None, "no mx: line (the policy names no mail server)"
    return StsPolicy(mode=mode, mx=mx, max_age=int(age)), ""


def mx_matches(host: str, patterns: tuple[str, ...]) -> bool:
    """Whether MX ``host`` matches a policy pattern (RFC 8461 section 4.1).

    A leading ``*.`` stands for exactly one label: ``*.example.vn`` matches
    ``mx1.example.vn`` but neither ``example.vn`` nor ``a.mx1.example.vn``.
    """
    name = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            label, _, rest = name.partition(".")
            if label and rest == pattern[2:]:
                return True
        elif name == pattern:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Fetched:
    """What the policy fetch got."""

    status: int | None = None
    """The HTTP status; None when no answer came."""
    body: str = ""
    content_type: str = ""
    error: str = ""
    """Why there is no usable policy text ("" when there is one)."""
    tls_failure: str = ""
    """A certificate or handshake failure (probes/tls.py's names), when that was why."""
    protocol: str = ""


async def fetch_policy(
    domain: str,
    address: str,
    *,
    port: int = 443,
    ca_file: str | None = None,
    timeout: float = 10.0,
) -> Fetched:
    """GET ``https://mta-sts.<domain>/.well-known/mta-sts.txt`` from ``address``.

    The certificate must be valid for ``mta-sts.<domain>`` (``ca_file`` replaces the
    system's CAs: a lab's). Never raises for what the network or the server does.
    """
    try:
        return await asyncio.wait_for(_fetch(domain, address, port, ca_file), timeout)
    except TimeoutError:
        return Fetched(error=f"no complete answer within {timeout:g} s")


async def _fetch(domain: str, address: str, port: int, ca_file: str | None) -> Fetched:
    from mailcheck.probes.tls import classify_tls_error, find_ssl_error, make_context

    host = f"mta-sts.{domain}"
    try:
        reader, writer = await asyncio.open_connection(
            address, port, ssl=make_context(ca_file), server_hostname=host
        )
    except (OSError, ssl.SSLError) as exc:
        found = find_ssl_error(exc)
        if found is not None:
            failure, text = classify_tls_error(found)
            return Fetched(error=f"TLS: {text}", tls_failure=failure)
        return Fetched(error=f"could not connect to {address}:{port}: {exc.strerror or exc}")
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        protocol = ssl_object.version() if ssl_object is not None else ""
        # HTTP/1.0: the answer ends when the connection does, never in chunks.
        request = f"GET {_POLICY_PATH} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: mailcheck\r\n\r\n"
        writer.write(request.encode("ascii"))
        await writer.drain()
        raw = await reader.read(_HEADER_MAX_BYTES + POLICY_MAX_BYTES + 1)
        while raw and len(raw) <= _HEADER_MAX_BYTES + POLICY_MAX_BYTES:
            more = await reader.read(_HEADER_MAX_BYTES + POLICY_MAX_BYTES + 1 - len(raw))
            if not more:
                break
            raw += more
    except (OSError, ssl.SSLError) as exc:
        return Fetched(error=f"the connection failed: {exc}")
    finally:
        writer.close()
    return _read_answer(raw, protocol)


def _read_answer(raw: bytes, protocol: str) -> Fetched:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return Fetched(error="no complete HTTP answer", protocol=protocol)
    lines = head.decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[1].isdigit():
        return Fetched(error=f"not an HTTP answer: {lines[0][:80]!r}", protocol=protocol)
    status = int(status_line[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    content_type = headers.get("content-type", "")
    if status != 200:
        # RFC 8461 section 3.3: no redirects; anything but 200 is no policy.
        where = f" to {headers['location']}" if "location" in headers else ""
        return Fetched(
            status=status,
            content_type=content_type,
            error=f"HTTP {status}{where}",
            protocol=protocol,
        )
    if len(body) > POLICY_MAX_BYTES:
        return Fetched(status=status, error="larger than 64 KiB", protocol=protocol)
    if not content_type.lower().startswith("text/plain"):
        return Fetched(
            status=status,
            content_type=content_type,
            error=f"Content-Type is {content_type or 'missing'}, not text/plain",
            protocol=protocol,
        )
    return Fetched(
        status=status,
        body=body.decode("utf-8", "replace"),
        content_type=content_type,
        protocol=protocol,
    )
