"""Read a message's headers (``mailcheck headers FILE|-``): the route, who authenticated what,
the receiving filter's verdict, and the documented cause it points to.

The customer forwards the invoice that went to spam, or pastes its header block (Gmail's
"Show original", Outlook's "View message source"). This reads it with the same header
reader the round trip uses and records what it says as steps of the ``headers`` probe;
the facts and rules then name the cause as they do for every other command. Nothing is
sent anywhere: the input is only read.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from mailcheck.diagnosis import Diagnosis, diagnose
from mailcheck.evidence import Outcome, ProbeId, ProbeResult, ProbeStatus, Step
from mailcheck.facts.headers import HeaderStep, sender_auth
from mailcheck.headers import HeaderReport, ReceivedHop, read_headers
from mailcheck.headers.tokens import MAX_BLOCK_BYTES

__all__ = ["MAX_INPUT", "MAX_SHOWN_CHARS", "MAX_SHOWN_HOPS", "headers_diagnosis"]

#: Bytes read of the input: the header block is within the first few hundred KB of any
#: real message; the rest (the body, attachments) is never needed.
MAX_INPUT = MAX_BLOCK_BYTES
#: Hops recorded one by one (a real trace has under 15; Postfix refuses past 50).
MAX_SHOWN_HOPS = 30
#: Characters kept of one quoted header value in the steps.
MAX_SHOWN_CHARS = 600


def _cut(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _hop_line(hop: ReceivedHop, delay: float | None) -> str:
    parts = [f"from {hop.from_host or '?'}"]
    if hop.from_ip and hop.from_ip != hop.from_host:
        parts.append(f"[{hop.from_ip}]")
    parts.append(f"by {hop.by_host or '?'}")
    if hop.with_protocol:
        parts.append(f"with {hop.with_protocol}")
    if hop.timestamp is not None:
        parts.append(hop.timestamp.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
    if delay is not None:
        parts.append(f"+{delay:.0f} s")
    return _cut(" ".join(parts), 300)


def _hops(report: HeaderReport) -> Step:
    """Oldest first, each with the delay since the hop before it (clock skew: shown as 0)."""
    hops = list(reversed(report.received))
    data: list[tuple[str, str]] = [("count", str(len(hops)))]
    before: datetime | None = None
    for number, hop in enumerate(hops[:MAX_SHOWN_HOPS], 1):
        delay: float | None = None
        if hop.timestamp is not None and before is not None:
            delay = max((hop.timestamp - before).total_seconds(), 0.0)
        if hop.timestamp is not None:
            before = hop.timestamp
        data.append((f"hop {number}", _hop_line(hop, delay)))
    if len(hops) > MAX_SHOWN_HOPS:
        data.append(("hops not shown", str(len(hops) - MAX_SHOWN_HOPS)))
    if report.transit_seconds is not None:
        data.append(("transit_s", f"{report.transit_seconds:.0f}"))
    if report.sending_ip:
        data.append(("sending_ip", report.sending_ip))
    return Step(name=HeaderStep.HOPS, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data))


def _clause_text(report: HeaderReport, method: str) -> str | None:
    """``pass (d=company.vn)``, ``fail (smtp.mailfrom=company.vn)``: the first result and
    the domain it is for; further DKIM signatures after it."""
    clauses = report.clauses(method)
    if not clauses:
        return None
    texts = []
    for clause in clauses[:5]:
        props = dict(clause.properties)
        about = next(
            (
                f"{key}={props[key]}"
                for key in ("header.d", "header.i", "smtp.mailfrom", "header.from")
                if props.get(key)
            ),
            None,
        )
        texts.append(f"{clause.result} ({about})" if about else clause.result)
    return _cut(", ".join(texts), 300)


def _authentication(report: HeaderReport) -> Step:
    data: list[tuple[str, str]] = []
    if report.from_address:
        data.append(("from", report.from_address))
    for method in ("spf", "dkim", "dmarc", "arc", "compauth"):
        text = _clause_text(report, method)
        if text:
            data.append((method, text))
    verdict = sender_auth(report)
    if verdict is not None:
        data.append(("verdict", verdict))
    own = [h for h in report.auth_results if h.source == "Authentication-Results"]
    if own:
        data.append(("header", _cut(f"Authentication-Results: {own[0].raw}")))
    arc = [h for h in report.auth_results if h.source == "ARC-Authentication-Results"]
    for header in arc[:3]:
        data.append((f"arc i={header.arc_instance or '?'}", _cut(header.raw, 300)))
    outcome = Outcome.OK if verdict is not None else Outcome.SKIPPED
    return Step(name=HeaderStep.AUTHENTICATION, outcome=outcome, elapsed_ms=0.0, data=tuple(data))


#: What a Microsoft header's number is: the spam confidence level (SCL, 5-9 junk) or the bulk
#: complaint level (BCL, 0-9), not a spam score.
_SCORE_NAMES = {
    "X-MS-Exchange-Organization-SCL": "SCL",
    "X-Forefront-Antispam-Report": "SCL",
    "X-Microsoft-Antispam": "BCL",
}
#: Microsoft's verdict fields worth showing: the filtering verdict, its category, where it went.
_MS_DETAILS = frozenset({"SFV", "CAT", "DEST", "RF", "OFR"})


def _spam(report: HeaderReport) -> Step:
    data: list[tuple[str, str]] = []
    flagged = report.spam_flagged
    if flagged is not None:
        data.append(("flagged", "yes" if flagged else "no"))
    for verdict in report.spam[:10]:
        words = []
        if verdict.flagged is not None:
            words.append("spam" if verdict.flagged else "not spam")
        if verdict.score is not None:
            # SCL's 5 is where Junk starts, not a scale's top: "SCL 5", never "5/5".
            known = verdict.threshold is not None and verdict.source not in _SCORE_NAMES
            limit = f"/{verdict.threshold:g}" if known else ""
            words.append(f"{_SCORE_NAMES.get(verdict.source, 'score')} {verdict.score:g}{limit}")
        shown = [f"{k}:{v}" for k, v in verdict.details if k.upper() in _MS_DETAILS and v]
        if shown:
            words.append(" ".join(shown[:6]))
        if verdict.tests:
            words.append("rules " + ", ".join(verdict.tests[:12]))
        summary = "; ".join(words) or _cut(verdict.raw, 200)
        data.append((verdict.source, _cut(summary, 400)))
    outcome = Outcome.OK if flagged is not None else Outcome.SKIPPED
    return Step(name=HeaderStep.SPAM, outcome=outcome, elapsed_ms=0.0, data=tuple(data))


def _read_step(raw: bytes, source: str, report: HeaderReport) -> Step:
    found = bool(report.received or report.auth_results or report.spam or report.from_address)
    data = [("source", source), ("bytes", str(len(raw)))]
    if report.truncated:
        data.append(("truncated", "yes"))
    if found:
        return Step(name=HeaderStep.READ, outcome=Outcome.OK, elapsed_ms=0.0, data=tuple(data))
    return Step(
        name=HeaderStep.READ, outcome=Outcome.ERROR, elapsed_ms=0.0, data=(*data, ("headers", "0"))
    )


def header_steps(raw: bytes, source: str) -> tuple[Step, ...]:
    """What the message's headers say, as the ``headers`` probe's steps (pure: no I/O)."""
    report = read_headers(raw[:MAX_INPUT])
    read = _read_step(raw, source, report)
    if read.outcome is not Outcome.OK:
        return (read,)
    return (read, _hops(report), _authentication(report), _spam(report))


def headers_diagnosis(raw: bytes, source: str) -> Diagnosis:
    """Diagnose one message (a whole .eml or just its header block) read from ``source``."""
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    result = ProbeResult(
        probe=ProbeId.HEADERS.value,
        status=ProbeStatus.COMPLETED,
        target=source,
        steps=header_steps(raw, source),
    )
    summary: dict[str, str | int | None] = {"target": source}
    return diagnose("headers", summary, [result], started, started_at)
