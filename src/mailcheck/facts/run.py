"""Facts about the run as a whole: parts left unchecked (verdict.py), why it ended
early, and what the ``--probe-mailbox`` mailboxes saw together (computed by
:func:`mailcheck.facts.imap.probe_mailbox_facts`)."""

from __future__ import annotations

from mailcheck.facts.spec import FactSpec

__all__ = ["FACTS"]

#: Each part of the walk verdict.py may find without a verdict: what it is, in words,
#: and the steps a report quotes for it.
_UNCHECKED = {
    "login": ("the SMTP login", "smtp/auth,login,greeting,connect"),
    "mailbox": (
        "opening the mailbox to watch for the test invoice",
        "imap/login,list,select INBOX",
    ),
    "send": ("sending the test invoice", "smtp/mail,rcpt,data"),
    "delivery": ("where the test invoice landed", "imap/placement,login,select INBOX,list"),
    "headers": ("the receiving side's verdict in the message's headers", "imap/fetch-headers"),
    "cleanup": ("removing the test invoice", "imap/cleanup,placement"),
    "probe_mailboxes": ("delivery to the --probe-mailbox mailboxes", ""),
    "recipient_domain": ("the recipient's domain", "dns/recipient"),
    "sender_auth": ("the sender's SPF and DMARC records", "auth/spf,dmarc"),
    "rcpt": ("the customer's server (RCPT check)", "rcpt/rcpt-probe"),
    "bounce": ("bounces about the test sent to the customer", "bounce/bounce"),
}

FACTS = (
    FactSpec(
        "probes.placement",
        str,
        "The worst placement over the --probe-mailbox mailboxes: junk, not-arrived, other, inbox.",
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
        "imap/cleanup",  # what became of the test message is the evidence that matters then
    ),
    FactSpec("run.signal", str, "The signal that stopped the run, e.g. SIGTERM."),
)
