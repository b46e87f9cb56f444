"""Facts about the run as a whole: parts left unchecked (verdict.py), why it ended
early, and what the ``--probe-mailbox`` mailboxes saw together (computed by
:func:`mailcheck.facts.imap.probe_mailbox_facts`)."""

from __future__ import annotations

from mailcheck.evidence import ProbeId
from mailcheck.facts.auth import AuthStep
from mailcheck.facts.bounce import BounceStep
from mailcheck.facts.dns import DnsStep
from mailcheck.facts.imap import ImapStep
from mailcheck.facts.rcpt import RcptStep
from mailcheck.facts.smtp import SmtpStep
from mailcheck.facts.spec import FactSpec, Quote

__all__ = ["FACTS"]

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
    "rcpt": ("the customer's server (RCPT check)", Quote(ProbeId.RCPT, (RcptStep.RCPT_PROBE,))),
    "bounce": (
        "bounces about the test sent to the customer",
        Quote(ProbeId.BOUNCE, (BounceStep.BOUNCE,)),
    ),
}

FACTS = (
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
