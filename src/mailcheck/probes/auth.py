"""The sender's authentication in the DNS: SPF for the IP that sent, DKIM, DMARC, blocklists.

Each check's verdict becomes a step (with the DNS queries it made), so a
report can say not just "SPF fails" but for which IP, against which record.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from mailcheck.auth.dkim import DkimResult, check_dkim, check_dkim_key
from mailcheck.auth.dmarc import check_dmarc
from mailcheck.auth.dnsbl import check_dnsbls
from mailcheck.auth.spf import check_spf
from mailcheck.dnsresolver import Resolver
from mailcheck.evidence import Outcome, Step
from mailcheck.facts.auth import AuthStep
from mailcheck.probes.recorder import Recorder

__all__ = ["SenderCheck", "probe_sender"]

_NO_IP = "192.0.2.1"


def _yes(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _dkim_state(result: DkimResult, with_message: bool) -> str:
    """Signature: pass, fail, missing, unknown. Key alone: ok, missing, bad, unknown."""
    if with_message:
        if not result.present:
            return "missing"
        return {True: "pass", False: "fail", None: "unknown"}[result.verified]
    if result.key is None or not result.key.outcome.conclusive:
        return "unknown"
    if result.error:
        return "missing" if "no key record" in result.error else "bad"
    return "ok"


class SenderCheck:
    """What to check for one sending domain."""

    def __init__(
        self,
        *,
        domain: str,
        ip: str | None,
        sender: str | None = None,
        message: bytes | None = None,
        dkim_selector: str | None = None,
        dnsbls: Sequence[str] = (),
    ) -> None:
        self.domain = domain
        self.ip = ip
        self.sender = sender
        self.message = message
        self.dkim_selector = dkim_selector
        self.dnsbls = tuple(dnsbls)


async def probe_sender(check: SenderCheck, resolver: Resolver, rec: Recorder) -> None:
    """Run the sender checks, recording a step for each verdict."""
    # DMARC's record does not depend on SPF's answer: ask for it now, beside SPF's lookups
    # (the resolver shares one lookup between askers), so a slow DNS costs one wait, not two.
    early = asyncio.ensure_future(
        resolver.lookup(f"_dmarc.{check.domain.lower().rstrip('.')}", "TXT")
    )
    try:
        await _probe_sender(check, resolver, rec)
    finally:
        early.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await early


async def _probe_sender(check: SenderCheck, resolver: Resolver, rec: Recorder) -> None:
    spf_result = await _spf(check, resolver, rec)
    dkim = await _dkim(check, resolver, rec)
    await _dmarc(check, resolver, rec, spf_result, dkim)
    if check.ip and check.dnsbls:
        await _dnsbls(check.ip, check.dnsbls, resolver, rec)


async def _spf(check: SenderCheck, resolver: Resolver, rec: Recorder) -> str | None:
    """The ``spf`` step; the result DMARC may use (``None`` without the sending IP)."""
    spf_result: str | None = None
    rec.begin(AuthStep.SPF)
    # Without the sending IP, the record is still evaluated (for a documentation address,
    # RFC 5737) so that a missing or broken record shows; pass/fail then mean nothing.
    spf = await check_spf(check.domain, check.ip or _NO_IP, resolver, sender=check.sender)
    if check.ip:
        spf_result = spf.result
    # The record's state is a verdict even without an IP (a check of the domain alone).
    record_state = {"none": "missing", "permerror": "invalid", "temperror": "unknown"}.get(
        spf.result, "present"
    )
    data = [("domain", spf.domain), ("record_state", record_state)]
    if check.ip or spf.result in ("none", "permerror", "temperror"):
        data += [("ip", spf.ip), ("result", spf.result)]
    data += [("lookups", str(spf.lookups)), ("void_lookups", str(spf.void_lookups))]
    if spf.record:
        data.append(("record", spf.record))
    if spf.explanation:
        data.append(("explanation", spf.explanation))
    rec.add(Step(name=AuthStep.SPF, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data)))
    return spf_result


async def _dkim(check: SenderCheck, resolver: Resolver, rec: Recorder) -> DkimResult | None:
    """The ``dkim`` step: the message's signature, or the key alone (a selector given)."""
    dkim: DkimResult | None = None
    if check.message is not None:
        rec.begin(AuthStep.DKIM)
        dkim = await check_dkim(check.message, resolver)
        state = _dkim_state(dkim, with_message=True)
    elif check.dkim_selector:
        rec.begin(AuthStep.DKIM)
        dkim = await check_dkim_key(check.domain, check.dkim_selector, resolver)
        state = _dkim_state(dkim, with_message=False)
    if dkim is not None:
        data = [("state", state), ("mode", "signature" if check.message is not None else "key")]
        for name, value in (
            ("domain", dkim.domain),
            ("selector", dkim.selector),
            ("error", dkim.error),
        ):
            if value:
                data.append((name, value))
        if dkim.key_bits:
            data.append(("key_bits", str(dkim.key_bits)))
        rec.add(Step(name=AuthStep.DKIM, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data)))
    return dkim


async def _dmarc(
    check: SenderCheck,
    resolver: Resolver,
    rec: Recorder,
    spf_result: str | None,
    dkim: DkimResult | None,
) -> None:
    """The ``dmarc`` step, judged with what SPF and DKIM found."""
    rec.begin(AuthStep.DMARC)
    dmarc = await check_dmarc(
        check.domain,
        resolver,
        spf_domain=check.domain if check.ip else None,
        spf_result=spf_result,
        dkim_domain=dkim.domain if dkim is not None and check.message is not None else None,
        dkim_verified=dkim.verified if dkim is not None and check.message is not None else None,
    )
    record_state = "unknown"
    if dmarc.record is not None:
        record_state = "invalid" if dmarc.record.errors and dmarc.policy is None else "present"
    elif dmarc.lookup_outcome in ("nxdomain", "nodata", "answer"):
        record_state = "missing"
    data = [("from_domain", dmarc.from_domain), ("record_state", record_state)]
    if dmarc.record is not None:
        data.append(("record", dmarc.record.raw))
    for name, value in (
        ("policy", dmarc.policy),
        ("disposition", dmarc.disposition),
        # Without a record there is no DMARC to pass or fail.
        (
            "passes",
            _yes(dmarc.passes)
            if record_state == "present" and (check.ip or check.message)
            else None,
        ),
        ("spf_aligned", _yes(dmarc.spf_aligned) if check.ip else None),
        ("dkim_aligned", _yes(dmarc.dkim_aligned) if check.message is not None else None),
    ):
        if value:
            data.append((name, value))
    rec.add(Step(name=AuthStep.DMARC, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data)))


async def _dnsbls(ip: str, zones: tuple[str, ...], resolver: Resolver, rec: Recorder) -> None:
    """One ``dnsbl`` step per blocklist zone."""
    for result in await check_dnsbls(ip, zones, resolver):
        listed = _yes(result.listed)
        data = [("zone", result.zone), ("ip", result.ip), ("listed", listed)]
        data += [("code", c) for c in result.codes]
        if result.meaning:
            data.append(("meaning", result.meaning))
        if result.reason:
            data.append(("reason", result.reason))
        if result.inconclusive:
            data.append(("inconclusive", result.inconclusive))
        rec.add(Step(name=AuthStep.DNSBL, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data)))
