"""The one registry of probes (each probe's id, steps and the facts it yields) and the
facts about the run as a whole.

Adding a probe: its I/O under :mod:`mailcheck.probes`, its declaration (a
:class:`~mailcheck.facts.spec.ProbeSpec`) in a module of this package, one line in
:data:`PROBES`, and its causes in ``data/*.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from mailcheck.evidence import ProbeId, ProbeResult
from mailcheck.facts import auth, bounce, dns, headers, imap, mxtls, rcpt, smtp
from mailcheck.facts.auth import AuthStep
from mailcheck.facts.bounce import BounceStep
from mailcheck.facts.dns import DnsStep
from mailcheck.facts.imap import ImapStep
from mailcheck.facts.mxtls import MxTlsStep
from mailcheck.facts.rcpt import RcptStep
from mailcheck.facts.smtp import SmtpStep
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote, catalogue

__all__ = ["FACTS", "PROBES", "extract_facts"]

PROBES: Mapping[ProbeId, ProbeSpec] = {
    spec.id: spec
    for spec in (
        smtp.SPEC,
        imap.SPEC,
        dns.SPEC,
        auth.SPEC,
        rcpt.SPEC,
        bounce.SPEC,
        mxtls.SPEC,
        headers.SPEC,
    )
}

# --- Facts about the run as a whole: parts left unchecked (verdict.py), why it ended early,
# and what the --probe-mailbox mailboxes saw together (imap.probe_mailbox_facts).
#: Each part of the walk verdict.py may find without a verdict: what it is, in words,
#: and the steps a report quotes for it.
_UNCHECKED: dict[str, tuple[str, Quote | None]] = {
    "login": (
        "the SMTP login",
        Quote(
            ProbeId.SMTP,
            (
                SmtpStep.AUTH,
                SmtpStep.GREETING,
                SmtpStep.CONNECT,
            ),
        ),
    ),
    "mailbox": (
        "opening the mailbox to watch for the test invoice",
        Quote(
            ProbeId.IMAP,
            (
                ImapStep.LOGIN,
                ImapStep.LIST,
                f"{ImapStep.SELECT} INBOX",
            ),
        ),
    ),
    # A send-only run (--no-imap, a relay): no mailbox, so none of the mailbox's parts.
    "imap": ("what needs the mailbox (IMAP): the round trip, placement, headers, cleanup", None),
    "send": (
        "sending the test invoice",
        Quote(
            ProbeId.SMTP,
            (
                SmtpStep.MAIL,
                SmtpStep.RCPT,
                SmtpStep.DATA,
            ),
        ),
    ),
    "delivery": (
        "where the test invoice landed",
        Quote(
            ProbeId.IMAP,
            (
                ImapStep.PLACEMENT,
                ImapStep.LOGIN,
                f"{ImapStep.SELECT} INBOX",
                ImapStep.LIST,
            ),
        ),
    ),
    "headers": (
        "the receiving side's verdict in the message's headers",
        Quote(ProbeId.IMAP, (ImapStep.FETCH_HEADERS,)),
    ),
    "cleanup": (
        "removing the test invoice",
        Quote(
            ProbeId.IMAP,
            (
                ImapStep.CLEANUP,
                ImapStep.PLACEMENT,
            ),
        ),
    ),
    "probe_mailboxes": ("delivery to the --probe-mailbox mailboxes", None),
    "recipient_domain": ("the recipient's domain", Quote(ProbeId.DNS, (DnsStep.RECIPIENT,))),
    "sender_auth": (
        "the sender's SPF and DMARC records",
        Quote(
            ProbeId.AUTH,
            (
                AuthStep.SPF,
                AuthStep.DMARC,
            ),
        ),
    ),
    "recipient_tls": (
        "the recipient's MTA-STS, TLS-RPT and, when asked, its MX's TLS",
        Quote(ProbeId.MXTLS, (MxTlsStep.MTA_STS, MxTlsStep.TLS_RPT, MxTlsStep.MX_TLS)),
    ),
    "rcpt": ("the customer's server (RCPT check)", Quote(ProbeId.RCPT, (RcptStep.RCPT_PROBE,))),
    "bounce": (
        "bounces about the test sent to the customer",
        Quote(ProbeId.BOUNCE, (BounceStep.BOUNCE,)),
    ),
}

RUN_FACTS = (
    FactSpec(
        "probes.placement",
        str,
        "The worst placement over the --probe-mailbox mailboxes: junk, not-arrived, other, inbox.",
        Quote(ProbeId.PROBE_MAILBOX),  # their findings are theirs; no one step says it
    ),
    *(
        FactSpec(f"unchecked.{part}", bool, f"Could not check {what}.", evidence)
        for part, (what, evidence) in _UNCHECKED.items()
    ),
    FactSpec("run.deadline", str, "Probes the overall deadline ended, e.g. 'imap, auth'."),
    FactSpec("run.crashed", str, "Probes that ended with a bug of mailcheck."),
    FactSpec(
        "run.interrupted",
        str,
        "Probes a signal (SIGINT, SIGTERM, SIGHUP) stopped.",
        Quote(
            ProbeId.IMAP, (ImapStep.CLEANUP,)
        ),  # what became of the test message is the evidence that matters then
    ),
    FactSpec("run.signal", str, "The signal that stopped the run, e.g. SIGTERM."),
)

#: Every fact the rules may use, declared once (a fact two probes yield is declared by one).
FACTS: Mapping[str, FactSpec] = catalogue(
    *(fact for spec in PROBES.values() for fact in spec.facts), *RUN_FACTS
)

#: ``ErrorInfo.exception`` of a step mailcheck itself cut short (probes/recorder.py).
_CUT = ("DeadlineExceeded", "Interrupted")


def _without_cut_steps(result: ProbeResult) -> ProbeResult:
    """The probe's steps less the one the deadline or a signal cut short.

    Such a step says nothing about the server (a greeting cut off by --deadline
    is not a server that never greets); the run.* facts say the run ended early,
    and the verdict names the part left without a verdict.
    """
    if not any(s.error is not None and s.error.exception in _CUT for s in result.steps):
        return result
    kept = tuple(s for s in result.steps if s.error is None or s.error.exception not in _CUT)
    return replace(result, steps=kept)


def extract_facts(results: Iterable[ProbeResult]) -> dict[str, FactValue]:
    """Turn probe results into facts: each probe's own, then the cross-probe ones."""
    results = [_without_cut_steps(result) for result in results]
    facts: dict[str, FactValue] = {}
    for result in results:
        spec = PROBES.get(result.kind)
        if spec is not None:  # probe mailboxes count together, below
            facts.update(spec.extract(result))
    facts.update(imap.probe_mailbox_facts(results))
    return facts
