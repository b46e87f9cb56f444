"""The recipient-TLS probe's declaration (probes/mxtls.py): MX STARTTLS, MTA-STS, TLS-RPT."""

from __future__ import annotations

import enum

from mailcheck.evidence import Outcome, ProbeId, ProbeResult
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["SPEC", "MxTlsStep"]


class MxTlsStep(enum.StrEnum):
    """A verdict step per part, and the steps behind it (``mx-tls:greeting``, ``mta-sts TXT``)."""

    MX_TLS = "mx-tls"
    MTA_STS = "mta-sts"
    TLS_RPT = "tls-rpt"
    #: The MX dialogue: resolve, connect, greeting, EHLO, STARTTLS (the reasons a report quotes).
    MX_CONNECT = "mx-tls:connect"
    MX_EHLO = "mx-tls:ehlo"
    MX_STARTTLS = "mx-tls:starttls"
    #: The policy fetch over HTTPS.
    MTA_STS_POLICY = "mta-sts:policy"


FACTS = (
    FactSpec(
        "mx_tls.result",
        str,
        "The recipient's most preferred MX on port 25: ok, no-starttls, cert-expired, "
        "cert-not-yet-valid, cert-hostname, cert-untrusted, handshake, could-not-connect, "
        "could-not-check, no-mx.",
        Quote(
            ProbeId.MXTLS,
            (MxTlsStep.MX_TLS, MxTlsStep.MX_STARTTLS, MxTlsStep.MX_EHLO, MxTlsStep.MX_CONNECT),
        ),
    ),
    FactSpec(
        "mta_sts.state",
        str,
        "The recipient domain's MTA-STS (RFC 8461): none, ok (a policy was read), "
        "policy-unavailable (the TXT record promises one that cannot be fetched), invalid, "
        "unknown.",
        Quote(ProbeId.MXTLS, (MxTlsStep.MTA_STS, MxTlsStep.MTA_STS_POLICY)),
    ),
    FactSpec(
        "mta_sts.mode",
        str,
        "The MTA-STS policy's mode: enforce, testing, none.",
        Quote(ProbeId.MXTLS, (MxTlsStep.MTA_STS,)),
    ),
    FactSpec(
        "mta_sts.mx_match",
        str,
        "The domain's MX hosts against the policy's mx patterns: all, some, none.",
        Quote(ProbeId.MXTLS, (MxTlsStep.MTA_STS,)),
    ),
    FactSpec(
        "tls_rpt.state",
        str,
        "The recipient domain's TLS-RPT record (RFC 8460): present, none, invalid, unknown.",
        Quote(ProbeId.MXTLS, (MxTlsStep.TLS_RPT,)),
    ),
)

_MX_RESULTS = frozenset(
    {
        "ok",
        "no-starttls",
        "cert-expired",
        "cert-not-yet-valid",
        "cert-hostname",
        "cert-untrusted",
        "handshake",
        "not-tls",
        "could-not-connect",
        "could-not-check",
        "no-mx",
    }
)


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    mx = result.step(MxTlsStep.MX_TLS)
    if mx is not None and mx.get("result") in _MX_RESULTS:
        answer = mx.get("result") or ""
        if mx.outcome is not Outcome.OK and answer not in ("no-mx", "could-not-connect"):
            answer = "could-not-check"  # a verdict that did not end OK decided nothing
        facts["mx_tls.result"] = answer
    sts = result.step(MxTlsStep.MTA_STS)
    if sts is not None and sts.get("state"):
        facts["mta_sts.state"] = (
            (sts.get("state") or "") if sts.outcome is Outcome.OK else "unknown"
        )
        if sts.outcome is Outcome.OK and sts.get("state") == "ok":
            for key in ("mode", "mx_match"):
                if sts.get(key):
                    facts[f"mta_sts.{key}"] = sts.get(key) or ""
    rpt = result.step(MxTlsStep.TLS_RPT)
    if rpt is not None and rpt.get("state"):
        facts["tls_rpt.state"] = (
            (rpt.get("state") or "") if rpt.outcome is Outcome.OK else "unknown"
        )
    return facts


SPEC = ProbeSpec(ProbeId.MXTLS, MxTlsStep, FACTS, _extract)
