"""The quoted lines of ``mailcheck headers``' steps and of ``watch``'s filter and timing.

Called by :mod:`mailcheck.report.quote` for every renderer; the labels are the language's
``HUMAN`` table (its D16 part: ``report.i18n.HEADER_LABELS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from mailcheck.evidence import Step
from mailcheck.facts.headers import HeaderStep
from mailcheck.facts.imap import ImapStep
from mailcheck.terminal import printable

__all__ = ["header_step_lines", "message_block", "watch_lines"]

#: Data keys of a header step that are shown by their own label, not as ``key: value``.
_OWN = frozenset({"count", "transit_s", "sending_ip", "flagged", "verdict", "from", "header"})
_METHODS = ("spf", "dkim", "dmarc", "arc", "compauth")


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{value / 60:.0f} min"


def watch_lines(step: Step, labels: dict[str, Any]) -> list[str]:
    """``watch``'s own lines: what it waited for (the filter), and when the message was seen."""
    if step.name == ImapStep.CRITERIA and step.get("mode") == "watch":
        words = labels["watch_filter_words"]
        given = [
            f"{words[k]} '{step.get(k)}'" for k in ("from", "subject", "number") if step.get(k)
        ]
        return [f"{labels['watch_filter']}: {', '.join(given)}"] if given else []
    if step.name == ImapStep.PLACEMENT and step.get("after_start_ms"):
        seen = float(step.get("after_start_ms") or 0) / 1000
        line = (
            f"{labels['found_in']}: {step.get('folder')} "
            f"({step.get('via')}, {_seconds(seen)} {labels['after_watch_start']})"
        )
        accepted, transit = step.get("accepted_at"), step.get("transit_s")
        if accepted:
            # Received times have whole seconds: so does the time in transit.
            line += "; " + labels["accepted"].format(at=accepted, transit=f"{transit or 0} s")
        return [line]
    return []


def _auth_line(step: Step, labels: dict[str, Any]) -> str:
    results = " · ".join(
        f"{key.upper()} {_results(value, labels)}"
        for key, value in step.data
        if key in _METHODS and value
    )
    verdict = step.get("verdict")
    words = labels["verdicts"].get(verdict, verdict) if verdict else "?"
    return f"{labels['authentication']}: {results or '-'} → {words}"


def _spam_line(step: Step, labels: dict[str, Any]) -> str:
    flagged = step.get("flagged") or "none"
    return f"{labels['spam']}: {labels['spam_flagged'].get(flagged, flagged)}"


def _hops_line(step: Step, labels: dict[str, Any]) -> str:
    transit = step.get("transit_s")
    head = labels["hop_count"].format(
        count=step.get("count"), transit=_seconds(float(transit)) if transit else "?"
    )
    if step.get("sending_ip"):
        head += f", {labels['sending_ip']} {step.get('sending_ip')}"
    return f"{labels['hops']}: {head}"


_RESULT_TOKEN = re.compile(r"(^|, )(pass|fail|none)\b")


def _results(value: str, labels: dict[str, Any]) -> str:
    """``pass (header.d=x), fail (...)`` with the result words in the report's language."""
    words = labels.get("result_words", {})
    return _RESULT_TOKEN.sub(lambda m: m.group(1) + words.get(m.group(2), m.group(2)), value)


def _hop_value(value: str, labels: dict[str, Any]) -> str:
    """``from A [ip] by B with ESMTPS ...``: the clause words in the report's language (the
    host names, addresses and protocol between them are the header's own)."""
    words = labels.get("hop_words", {})
    tokens = value.split(" ")
    return " ".join(
        words.get(t, t) if (i == 0 and t == "from") or t in ("by", "with") else t
        for i, t in enumerate(tokens)
    )


def _hop_key(key: str, labels: dict[str, Any]) -> str:
    """``hop 3`` in the report's language (the clause words after it are the header's own)."""
    word, _, number = key.partition(" ")
    if word == "hop" and number.isdigit():
        return f"{labels.get('hop', 'hop')} {number}"
    if key == "hops not shown":
        return str(labels.get("hops_not_shown", key))
    return key


def header_step_lines(step: Step, labels: dict[str, Any]) -> list[str]:
    """What one step of ``mailcheck headers`` quotes as a finding's evidence: one line of
    results and the receiver's own header (several findings may quote the same step)."""
    if step.name == HeaderStep.READ:
        words = labels["read_words"].format(bytes=step.get("bytes"), source=step.get("source"))
        cut = f" ({labels['truncated']})" if step.get("truncated") else ""
        return [f"{labels['read']}: {words}{cut}"]
    if step.name == HeaderStep.HOPS:
        return [_hops_line(step, labels)]
    if step.name == HeaderStep.AUTHENTICATION:
        header = step.get("header")
        return [_auth_line(step, labels), *([header] if header else [])]
    if step.name == HeaderStep.SPAM:
        return [
            _spam_line(step, labels),
            *(f"{key}: {value}" for key, value in step.data if key not in _OWN),
        ]
    return []


def message_block(steps: Iterable[Step], labels: dict[str, Any]) -> list[str]:
    """The whole picture once, before the findings: the route hop by hop, every result, every
    filter's verdict (``mailcheck headers``' human report)."""
    lines: list[str] = []
    for step in steps:
        if step.name == HeaderStep.HOPS:
            lines.append(_hops_line(step, labels))
            lines.extend(
                f"  {_hop_key(key, labels)}: {_hop_value(value, labels)}"
                for key, value in step.data
                if key not in _OWN
            )
        elif step.name == HeaderStep.AUTHENTICATION:
            lines.append(f"{labels['authentication']}:")
            if step.get("from"):
                lines.append(f"  {labels['from']}: {step.get('from')}")
            lines.extend(
                f"  {key.upper()}: {_results(value, labels)}"
                if key in _METHODS
                else f"  {key}: {value}"
                for key, value in step.data
                if key not in _OWN
            )
            verdict = step.get("verdict")
            if verdict:
                lines.append(f"  {labels['verdict']}: {labels['verdicts'].get(verdict, verdict)}")
        elif step.name == HeaderStep.SPAM:
            lines.append(_spam_line(step, labels))
            lines.extend(f"  {key}: {value}" for key, value in step.data if key not in _OWN)
    return [printable(line) for line in lines]
