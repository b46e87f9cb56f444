"""What a step quotes of the servers: the lines every report shows as evidence.

Shared by the human, Markdown, check, Nagios and JUnit reports; the labels
around the quoted words come from :mod:`mailcheck.report.i18n`.
"""

from __future__ import annotations

from typing import Any

from mailcheck.evidence import Step
from mailcheck.facts.auth import AuthStep
from mailcheck.facts.bounce import BounceStep
from mailcheck.facts.dns import DnsStep
from mailcheck.facts.imap import ImapStep
from mailcheck.facts.smtp import SmtpStep
from mailcheck.report.header_lines import header_step_lines, watch_lines
from mailcheck.report.i18n import AUTH_QUOTES, HUMAN
from mailcheck.terminal import printable

__all__ = ["quote_lines", "quote_with"]


def quote_with(step: Step, labels: dict[str, Any]) -> list[str]:
    """The quoted lines of ``step``, with these labels (a language's ``HUMAN`` table)."""
    # Every line carries server words, file or folder names: cleaned as a whole
    # (the labels around them are ours and have nothing to remove).
    return [printable(line) for line in _quote_raw(step, labels)]


def _quote_raw(step: Step, labels: dict[str, Any]) -> list[str]:
    lines = []
    if step.reply is not None:
        lines.append(f"{labels['server_said']} ({step.name}): {step.reply}")
    if step.error is not None and step.reply is None:
        text = step.error.detail or step.error.message
        lines.append(f"{labels['error']} ({step.name}): {text}")
    if step.name == SmtpStep.SNIFF and step.get("greeting"):
        lines.append(f"{labels['server_said']} ({step.name}): {step.get('greeting')}")
    if step.name == ImapStep.PLACEMENT and step.get("folder") and not step.get("after_start_ms"):
        after = step.get("after_submit_ms")
        timing = f", {float(after):.0f} ms {labels['after_submit']}" if after else ""
        via = str(step.get("via"))
        via = labels.get("via_words", {}).get(via, via)
        lines.append(f"{labels['found_in']}: {step.get('folder')} ({via}{timing})")
    if step.name == ImapStep.CLEANUP and step.get("result"):
        # What became of the test message, in the words the cleanup recorded (what was left where).
        where = f" ({step.get('folder')})" if step.get("folder") else ""
        why = f": {step.get('why')}" if step.get("why") else ""
        result = str(step.get("result"))
        result = labels.get("cleanup_words", {}).get(result, result)
        lines.append(f"{labels['test_invoice']}{where}: {result}{why}")
    if step.name == BounceStep.BOUNCED_RECIPIENT:
        words = step.get("diagnostic") or ""
        who = step.get("recipient") or "?"
        lines.append(
            f"{who}: {step.get('action')} {step.get('status') or ''} {words}".strip()[:400]
        )
    if step.name == DnsStep.RECIPIENT and step.get("verdict"):
        lines.append(
            f"DNS: {step.get('domain')}: {step.get('verdict')}"
            + (f" (MX {step.get('mx')})" if step.get("mx") else "")
        )
        if step.get("suggestion"):
            lines.append(f"{labels['did_you_mean']} {step.get('suggestion')}?")
    if step.name in _AUTH_STEPS:  # the records the sender-authentication fixes speak of
        lines.extend(_auth_lines(step, labels))
    if step.name == ImapStep.HEADERS and step.get("header"):
        lines.extend(_header_lines(step.get("header") or "", labels))
    # watch's filter and timing; mailcheck headers' steps (D16, issue 16)
    lines.extend(watch_lines(step, labels))
    lines.extend(header_step_lines(step, labels))
    return lines


_AUTH_STEPS = frozenset(AuthStep)


def _auth_lines(step: Step, labels: dict[str, Any]) -> list[str]:
    """SPF's record and the sending IP's result, the DKIM key's verdict, the DMARC record, a
    blocklist's listing with its reason: what the fixes of the sender's causes refer to."""
    lang = next((code for code, table in HUMAN.items() if table is labels), "en")
    words = AUTH_QUOTES[lang]
    fields = dict(step.data)
    record = fields.get("record") or words["no_record"]
    lines = []
    if step.name == AuthStep.SPF:
        lines.append(words["spf"].format(domain=fields.get("domain"), record=record))
        if fields.get("ip") and fields.get("result"):
            lines.append(words["spf_ip"].format(ip=fields["ip"], result=fields["result"]))
    elif step.name == AuthStep.DKIM:
        if fields.get("selector"):
            lines.append(
                words["dkim"].format(
                    selector=fields["selector"],
                    domain=fields.get("domain"),
                    state=fields.get("state"),
                )
            )
        if fields.get("error"):
            lines.append(words["dkim_error"].format(error=fields["error"]))
    elif step.name == AuthStep.DMARC:
        lines.append(words["dmarc"].format(domain=fields.get("from_domain"), record=record))
    elif step.name == AuthStep.DNSBL and fields.get("listed") == "yes":
        reason = f": {fields['reason']}" if fields.get("reason") else ""
        lines.append(
            words["dnsbl"].format(zone=fields.get("zone"), ip=fields.get("ip"), reason=reason)
        )
    elif step.name == AuthStep.DNSBL and fields.get("inconclusive"):
        lines.append(
            words["dnsbl_inconclusive"].format(zone=fields.get("zone"), why=fields["inconclusive"])
        )
    return lines


def _header_lines(header: str, labels: dict[str, Any]) -> list[str]:
    """What the receiving side said: its spam verdicts and authentication results."""
    from mailcheck.headers import read_headers

    report = read_headers(header.encode("utf-8", "surrogateescape"))
    lines = [
        f"{labels['spam_filter']}: {v.source}: {' '.join(v.raw.split())}"[:300] for v in report.spam
    ]
    lines.extend(f"{a.source}: {' '.join(a.raw.split())}"[:300] for a in report.auth_results[:2])
    return lines


def quote_lines(step: Step, lang: str) -> list[str]:
    """What a step quotes of the servers (for other renderers too)."""
    return quote_with(step, HUMAN[lang])
