"""The mailbox probe's declaration (probes/imap, probes/roundtrip): steps and facts.

One IMAP probe watches the sender's own mailbox for the test invoice; the
``--probe-mailbox`` mailboxes are the same probe, each result named
``imap:<address>``, and only their placement counts (:func:`probe_mailbox_facts`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from mailcheck.evidence import Outcome, ProbeId, ProbeResult
from mailcheck.facts.spec import FactSpec, FactValue, ProbeSpec, Quote

__all__ = ["CONNECT_STEPS", "SPEC", "ImapStep", "placement", "probe_mailbox_facts"]


class ImapStep(enum.StrEnum):
    """The steps of the mailbox probe. ``select`` and ``cleanup`` may carry a folder
    (``select INBOX``, ``junk:cleanup``)."""

    RESOLVE = "resolve"
    CONNECT = "connect"
    TLS = "tls"
    GREETING = "greeting"
    STARTTLS = "starttls"
    LOGIN = "login"
    LIST = "list"
    JUNK_FOLDER = "junk-folder"
    SELECT = "select"
    LEFTOVERS = "leftovers"
    CRITERIA = "criteria"
    WATCH = "watch"
    PLACEMENT = "placement"
    FETCH_HEADERS = "fetch-headers"
    HEADERS = "headers"
    CLEANUP = "cleanup"


#: Opening the mailbox: the first of these that fails is ``imap.failed_step``.
CONNECT_STEPS = (
    ImapStep.RESOLVE,
    ImapStep.CONNECT,
    ImapStep.TLS,
    ImapStep.GREETING,
    ImapStep.STARTTLS,
    ImapStep.LOGIN,
)

FACTS = (
    FactSpec(
        "imap.probe",
        str,
        "Whether the IMAP probe ran: completed, deadline, crashed.",
        Quote(ProbeId.IMAP),
    ),
    FactSpec(
        "imap.login",
        str,
        "IMAP LOGIN: ok, rejected, withheld, not-offered, timeout, ...",
        Quote(ProbeId.IMAP, (ImapStep.LOGIN,)),
    ),
    FactSpec(
        "imap.login.oauth_error",
        str,
        "The OAuth2 error the server sent before refusing a token, e.g. invalid_token.",
        Quote(ProbeId.IMAP, (ImapStep.LOGIN,)),
    ),
    FactSpec(
        "imap.login.credential",
        str,
        "What the login offered: password, or oauth2-token (an access token).",
        Quote(ProbeId.IMAP, (ImapStep.LOGIN,)),
    ),
    FactSpec(
        "imap.host",
        str,
        "The IMAP server's host name as given, lower case (which provider's server it is).",
        Quote(ProbeId.IMAP, (ImapStep.RESOLVE,)),
    ),
    FactSpec(
        "imap.failed_step",
        str,
        "The first IMAP connection step that failed: resolve, connect, tls, greeting, ...",
        Quote(ProbeId.IMAP, CONNECT_STEPS, failed_only=True),
    ),
    FactSpec(
        "imap.junk_folder",
        str,
        "How the spam folder was found: special-use, name, missing.",
        Quote(ProbeId.IMAP, (ImapStep.JUNK_FOLDER,)),
    ),
    # --- Round trip: the test invoice in the sender's own mailbox
    FactSpec(
        "roundtrip.placement",
        str,
        "Where the test message landed: inbox, junk, other, not-arrived, not-sent, lost.",
        Quote(
            ProbeId.IMAP,
            (
                ImapStep.PLACEMENT,
                ImapStep.HEADERS,
            ),
        ),
    ),
    FactSpec(
        "roundtrip.folder",
        str,
        "The folder it was found in, as the server names it.",
        Quote(ProbeId.IMAP, (ImapStep.PLACEMENT,)),
    ),
    FactSpec(
        "roundtrip.spam_flagged",
        bool,
        "The receiving side's spam filter called it spam.",
        Quote(ProbeId.IMAP, (ImapStep.HEADERS,)),
    ),
    FactSpec(
        "roundtrip.spf",
        str,
        "SPF result in the receiver's Authentication-Results.",
        Quote(ProbeId.IMAP, (ImapStep.HEADERS,)),
    ),
    FactSpec(
        "roundtrip.dkim",
        str,
        "DKIM result in the receiver's Authentication-Results.",
        Quote(ProbeId.IMAP, (ImapStep.HEADERS,)),
    ),
    FactSpec(
        "roundtrip.dmarc",
        str,
        "DMARC result in the receiver's Authentication-Results.",
        Quote(ProbeId.IMAP, (ImapStep.HEADERS,)),
    ),
    FactSpec(
        "roundtrip.sender_auth",
        str,
        "Authenticated for its From domain (the receiver's results, see facts/headers.py "
        "sender_auth): pass, unaligned, fail, none; not-recorded when the receiver wrote no "
        "SPF, DKIM or DMARC result at all.",
        Quote(ProbeId.IMAP, (ImapStep.HEADERS,)),
    ),
    FactSpec(
        "roundtrip.cleanup",
        str,
        "The test message afterwards: deleted, moved, kept (no safe way), refused (the "
        "server said no), unknown, keep-asked (--keep).",
        Quote(ProbeId.IMAP, (ImapStep.CLEANUP,)),
    ),
    FactSpec(
        "roundtrip.leftovers_removed",
        int,
        "Test invoices of earlier runs this run found and removed.",
        Quote(ProbeId.IMAP, (ImapStep.LEFTOVERS,)),
    ),
    FactSpec(
        "send.via_vendor",
        bool,
        "The company sends through its software vendor's mail service (FAQ case 1).",
        Quote(ProbeId.IMAP, (ImapStep.CRITERIA,)),
    ),
)

_FOUND = ("inbox", "junk", "other")


def placement(result: ProbeResult) -> str | None:
    """Where a mailbox probe saw the test invoice, as its placement step says."""
    step = result.step(ImapStep.PLACEMENT)
    return step.get("placement") if step is not None else None


def _cleanup(outcome: Outcome, result: str | None, why: str | None) -> str:
    # Only a cleanup that ended OK removed something; one withheld kept it on purpose.
    if outcome is Outcome.OK:
        return result or "unknown"
    if outcome is Outcome.WITHHELD and why == "--keep":
        return "keep-asked"
    if outcome is Outcome.WITHHELD and result == "kept":
        return "kept"  # no safe way to remove it (no UIDPLUS, no MOVE, ...)
    if outcome is Outcome.REJECTED and result == "refused":
        return "refused"  # the server said no to STORE, EXPUNGE or MOVE
    return "unknown"


def _extract(result: ProbeResult) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {"imap.probe": result.status.value}
    for step in result.steps:
        if step.name in CONNECT_STEPS and step.outcome is not Outcome.OK:
            facts.setdefault("imap.failed_step", str(step.name))  # plain str, not the enum
        if step.name == ImapStep.RESOLVE and step.get("host"):
            facts["imap.host"] = (step.get("host") or "").lower().rstrip(".")
        if step.name == ImapStep.LOGIN:
            facts["imap.login"] = step.outcome.value
            facts["imap.login.credential"] = step.get("credential") or "password"
            oauth_error = step.get("oauth_error")
            if oauth_error is not None:
                facts["imap.login.oauth_error"] = oauth_error
        elif step.name == ImapStep.JUNK_FOLDER:
            facts["imap.junk_folder"] = step.get("found_by") or "missing"
        elif step.name == ImapStep.PLACEMENT:
            where = step.get("placement") or "not-arrived"
            if where in _FOUND and step.outcome is not Outcome.OK:
                where = "lost"  # a "found" that did not end OK is no finding
            facts["roundtrip.placement"] = where
            folder = step.get("folder")
            if folder:
                facts["roundtrip.folder"] = folder
        elif step.base == ImapStep.CLEANUP and step.get("result"):
            # "junk:cleanup" when the message was found (and removed) in the spam folder.
            facts["roundtrip.cleanup"] = _cleanup(step.outcome, step.get("result"), step.get("why"))
        elif step.name == ImapStep.LEFTOVERS and step.outcome is Outcome.OK:
            removed = step.get("removed") or "0"
            facts["roundtrip.leftovers_removed"] = int(removed) if removed.isdigit() else 0
        elif step.name == ImapStep.HEADERS and step.get("header"):
            facts.update(_header_facts(step.get("header") or ""))
        elif step.name == ImapStep.CRITERIA and step.get("mode") == "watch":
            facts["send.via_vendor"] = True
    return facts


def _header_facts(header: str) -> dict[str, FactValue]:
    from mailcheck.facts.headers import sender_auth
    from mailcheck.headers import read_headers

    report = read_headers(header.encode("utf-8", "surrogateescape"))
    facts: dict[str, FactValue] = {}
    verdict = sender_auth(report)
    # No SPF, DKIM or DMARC result at all: the receiving server did not record one, so
    # whether the message is authenticated could not be told (never read as a pass).
    facts["roundtrip.sender_auth"] = verdict if verdict is not None else "not-recorded"
    if report.spam_flagged is not None:
        facts["roundtrip.spam_flagged"] = report.spam_flagged
    for method in ("spf", "dkim", "dmarc"):
        value = report.result(method)
        if value is not None:
            facts[f"roundtrip.{method}"] = value
    return facts


_PLACEMENT_RANK = {"inbox": 0, "other": 1, "junk": 2, "not-arrived": 3}


def probe_mailbox_facts(results: Iterable[ProbeResult]) -> dict[str, FactValue]:
    """The worst placement the ``--probe-mailbox`` mailboxes saw."""
    seen = [
        where
        for result in results
        if result.kind is ProbeId.PROBE_MAILBOX and (where := placement(result)) in _PLACEMENT_RANK
    ]
    if not seen:
        return {}
    return {"probes.placement": max(seen, key=lambda p: _PLACEMENT_RANK[p])}


SPEC = ProbeSpec(ProbeId.IMAP, ImapStep, FACTS, _extract)
