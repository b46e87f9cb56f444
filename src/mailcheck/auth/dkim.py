"""DKIM: verify the signatures on a received (or sent) message, keeping the key lookup.

dkimpy does the cryptography; it never does DNS here. The key record
(``<s>._domainkey.<d>`` TXT, RFC 6376 section 3.6.2.1) is looked up with the
project's resolver first, so "the DNS could not tell" stays apart from "there is
no key" and from "the signature is wrong"; dkimpy then gets a ``dnsfunc`` that
hands back exactly that answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

# dkimpy ships no type information; its objects stay inside this module.
import dkim  # type: ignore[import-untyped, unused-ignore]
import dkim.util  # type: ignore[import-untyped, unused-ignore]

from mailcheck.auth import DnsLookup
from mailcheck.dnsresolver import DnsOutcome, Lookup

__all__ = ["DkimResult", "check_all_dkim", "check_dkim", "check_dkim_key"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DkimResult:
    """One DKIM-Signature and whether it verifies."""

    present: bool
    """A DKIM-Signature header exists (for :func:`check_all_dkim`: this one does)."""
    domain: str | None
    """The signing domain, ``d=``; None if the signature has none or does not parse."""
    selector: str | None
    """``s=``; None as for ``domain``."""
    key: Lookup | None
    """The TXT lookup of ``<s>._domainkey.<d>``; None when no lookup was made."""
    key_bits: int | None
    """RSA modulus size (256 for an Ed25519 key); None when there is no usable key."""
    verified: bool | None
    """True: verifies. False: fails (bad signature, body changed, no key, revoked key,
    malformed signature or key). None: could not be checked (no signature, the DNS
    could not tell, or an Ed25519 key without pynacl installed)."""
    error: str | None
    """Why it failed or could not be checked, in dkimpy's words where it has some
    (``body hash mismatch ...``), else ours (``key record is revoked (p=)``)."""


async def check_dkim(message: bytes, resolver: DnsLookup) -> DkimResult:
    """Verify the first (topmost) DKIM-Signature of ``message`` (RFC 6376 section 6).

    ``message`` is the whole message, header and body, as received (or as sent); a
    header block alone fails with a body hash mismatch. Never raises for anything the
    message or the DNS can contain; the result says what went wrong. A message
    without a signature gives ``present=False``.
    """
    return await _check_one(message, 0, resolver)


async def check_all_dkim(message: bytes, resolver: DnsLookup) -> list[DkimResult]:
    """Verify every DKIM-Signature, topmost first; one result with ``present=False`` if none."""
    try:
        count = len(_signature_headers(dkim.DKIM(message)))
    except dkim.DKIMException:
        count = 1  # let _check_one report why the message does not parse
    if count == 0:
        return [_absent()]
    return list(await asyncio.gather(*(_check_one(message, i, resolver) for i in range(count))))


async def _fetch_key(
    domain: str, selector: str, resolver: DnsLookup
) -> tuple[Lookup, str, int] | DkimResult:
    """The key record at ``selector._domainkey.domain`` and its size, or why there is none."""
    name = f"{selector}._domainkey.{domain}"
    key = await resolver.lookup(name, "TXT")
    if not key.outcome.conclusive:
        return DkimResult(
            present=True,
            domain=domain,
            selector=selector,
            key=key,
            key_bits=None,
            verified=None,
            error=f"DNS could not tell: TXT {name}: {key.error or key.outcome.value}",
        )
    if key.outcome is not DnsOutcome.ANSWER:
        return _failed(domain, selector, key, None, f"no key record at {name} ({key.outcome})")
    record = _key_record(key.records)
    if record is None:
        return _failed(domain, selector, key, None, f"no DKIM key among the TXT at {name}")
    try:
        key_tags = dkim.util.parse_tag_value(record.encode())
    except (dkim.util.InvalidTagValueList, UnicodeEncodeError) as exc:
        return _failed(domain, selector, key, None, f"key record does not parse: {exc}")
    if key_tags.get(b"p", b"").strip() == b"":
        # RFC 6376 section 3.6.1: "An empty value means that this public key has been revoked."
        return _failed(domain, selector, key, None, "key record is revoked (p=)")
    try:
        _, bits, _, _ = dkim.evaluate_pk(name.encode(), record.encode())
    except dkim.NaClNotFoundError:
        return DkimResult(
            present=True,
            domain=domain,
            selector=selector,
            key=key,
            key_bits=256,
            verified=None,
            error="an Ed25519 key: verifying it needs pynacl, which is not installed",
        )
    except (dkim.DKIMException, ValueError) as exc:
        return _failed(domain, selector, key, None, f"key record is unusable: {exc}")

    return key, record, bits


async def check_dkim_key(domain: str, selector: str, resolver: DnsLookup) -> DkimResult:
    """Only the published key (no message to verify): present, usable, how big."""
    found = await _fetch_key(domain, selector, resolver)
    if isinstance(found, DkimResult):
        return found
    key, _, bits = found
    return DkimResult(
        present=False, domain=domain, selector=selector, key=key, key_bits=bits,
        verified=None, error=None,
    )  # fmt: skip


def _absent() -> DkimResult:
    return DkimResult(
        present=False,
        domain=None,
        selector=None,
        key=None,
        key_bits=None,
        verified=None,
        error=None,
    )


def _signature_headers(signer: Any) -> list[tuple[bytes, bytes]]:
    return [(n, v) for n, v in signer.headers if n.lower() == b"dkim-signature"]


async def _check_one(message: bytes, index: int, resolver: DnsLookup) -> DkimResult:
    log = _Log()
    try:
        signer = dkim.DKIM(message, logger=log)
    except dkim.DKIMException as exc:
        return _failed(None, None, None, None, f"message does not parse: {exc}")
    headers = _signature_headers(signer)
    if len(headers) <= index:
        return _absent()

    # The tags as written, for d= and s= even when the signature is malformed.
    try:
        tags = dkim.util.parse_tag_value(headers[index][1])
    except dkim.util.InvalidTagValueList:
        tags = {}
    domain, selector = _text(tags.get(b"d")), _text(tags.get(b"s"))
    try:
        signer.verify_headerprep(index)  # RFC 6376 section 6.1.1: tags, versions, x=
    except dkim.DKIMException as exc:
        return _failed(domain, selector, None, None, f"malformed signature: {exc}")
    if domain is None or selector is None:  # verify_headerprep requires both
        return _failed(domain, selector, None, None, "malformed signature: no d= or s=")

    name = f"{selector}._domainkey.{domain}"
    found = await _fetch_key(domain, selector, resolver)
    if isinstance(found, DkimResult):
        return found
    key, record, bits = found
    wanted = f"{name}.".lower()

    def dnsfunc(asked: bytes | str, timeout: int = 5) -> bytes:
        asked_text = asked.decode("ascii", "replace") if isinstance(asked, bytes) else asked
        return record.encode() if asked_text.lower() == wanted else b""

    try:
        verified = bool(signer.verify(index, dnsfunc=dnsfunc))
    except dkim.DKIMException as exc:
        return _failed(domain, selector, key, bits, str(exc))
    error = None
    if not verified:
        error = log.errors[-1] if log.errors else "signature does not match the signed headers"
    return DkimResult(
        present=True,
        domain=domain,
        selector=selector,
        key=key,
        key_bits=bits,
        verified=verified,
        error=error,
    )


def _failed(
    domain: str | None, selector: str | None, key: Lookup | None, bits: int | None, error: str
) -> DkimResult:
    return DkimResult(
        present=True,
        domain=domain,
        selector=selector,
        key=key,
        key_bits=bits,
        verified=False,
        error=error,
    )


def _key_record(records: tuple[str, ...]) -> str | None:
    """The key among the TXT records: the one with v=DKIM1, else the only one with p=.

    RFC 6376 section 3.6.2.2 leaves several TXT records undefined; a stray
    verification token next to the key must not hide it.
    """
    tagged = [r for r in records if r.replace(" ", "").lower().startswith("v=dkim1")]
    if tagged:
        return tagged[0]
    with_key = [r for r in records if "p=" in r.replace(" ", "")]
    return with_key[0] if with_key else None


def _text(value: bytes | None) -> str | None:
    if value is None:
        return None
    text = value.decode("utf-8", "replace").strip().rstrip(".")
    return text or None


class _Log:
    """A logger for dkimpy that keeps its error lines (its only reasons for a False)."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, message: object, *args: object, **_: object) -> None:
        self.errors.append(str(message) % args if args else str(message))

    def debug(self, *_: object, **__: object) -> None:
        """dkimpy's debug lines (hashes, canonicalised text) are not kept."""

    info = warning = debug

    def isEnabledFor(self, _level: int) -> bool:
        return False
