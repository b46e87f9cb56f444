"""The report for people at a terminal, in Vietnamese or English.

A pure function of the diagnosis: colour is passed in (the CLI decides it from
the terminal), so the same text can be tested without one.
"""

from __future__ import annotations

import textwrap
from typing import Any

from mailcheck.evidence import Outcome, ProbeResult, Step
from mailcheck.rules import Severity
from mailcheck.runner import Diagnosis, evidence_steps
from mailcheck.terminal import printable

__all__ = ["STATUS_WORDS", "quote_lines", "render_human"]

#: The status words of every report for people, by language.
STATUS_WORDS = {
    "en": {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL", "unknown": "UNKNOWN"},
    "vi": {"ok": "ỔN", "warning": "CẢNH BÁO", "critical": "NGHIÊM TRỌNG", "unknown": "CHƯA RÕ"},
}

_LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "via": "via",
        "as": "user",
        "password": "password from",
        "not_checked": "Not checked",
        "later": {
            "roundtrip": "a test invoice to your own mailbox (inbox or spam folder)",
            "dns": "the recipient's domain and the sender's SPF, DKIM, DMARC",
            "sender-dns": "the sender's SPF, DKIM, DMARC and blocklists",
            "bounce": "the customer's server's answer (add --send-to-recipient or --probe-rcpt)",
        },
        "server_said": "Server said",
        "error": "Error",
        "fix": "Fix",
        "steps": "Steps",
        "transcript": "Transcript (passwords redacted)",
        "result": "Result",
        "exit": "exit",
        "faq": "FAQ",
        "none": "No cause found: mailcheck could not conclude anything.",
        "crash": "mailcheck crashed; please report this traceback",
        "found_in": "Found in",
        "test_invoice": "Test invoice",
        "after_submit": "after the server accepted it",
        "spam_filter": "Spam filter",
        "did_you_mean": "Did you mean",
        "timings": "Timings",
        "timings_names": {
            "submit_ms": "submit",
            "delivery_s": "delivery (Received headers)",
            "seen_after_submit_ms": "seen after acceptance",
            "detection_ms": "detection",
        },
    },
    "vi": {
        "via": "qua",
        "as": "tài khoản",
        "password": "mật khẩu từ",
        "not_checked": "Chưa kiểm tra",
        "later": {
            "roundtrip": "gửi hóa đơn thử vào hộp thư của chính bạn (Hộp thư đến hay Spam)",
            "dns": "tên miền người nhận và SPF, DKIM, DMARC của người gửi",
            "sender-dns": "SPF, DKIM, DMARC và danh sách chặn của người gửi",
            "bounce": "phản hồi của máy chủ khách hàng (thêm --send-to-recipient, --probe-rcpt)",
        },
        "server_said": "Máy chủ trả lời",
        "error": "Lỗi",
        "fix": "Cách khắc phục",
        "steps": "Các bước",
        "transcript": "Hội thoại (đã che mật khẩu)",
        "result": "Kết quả",
        "exit": "mã thoát",
        "faq": "FAQ",
        "none": "Không tìm ra nguyên nhân: mailcheck chưa kết luận được.",
        "crash": "mailcheck gặp lỗi nội bộ; vui lòng báo lỗi kèm đoạn sau",
        "found_in": "Tìm thấy trong",
        "test_invoice": "Hoá đơn thử",
        "after_submit": "sau khi máy chủ nhận thư",
        "spam_filter": "Bộ lọc spam",
        "did_you_mean": "Có phải ý bạn là",
        "timings": "Thời gian",
        "timings_names": {
            "submit_ms": "gửi",
            "delivery_s": "chuyển thư (theo Received)",
            "seen_after_submit_ms": "thấy thư sau khi máy chủ nhận",
            "detection_ms": "phát hiện",
        },
    },
}

_COLOURS = {
    Severity.OK: "green",
    Severity.WARNING: "yellow",
    Severity.CRITICAL: "red",
    Severity.UNKNOWN: "magenta",
}


def _style(text: str, colour: str | None, *, bold: bool = False, enabled: bool) -> str:
    if not enabled:
        return text
    import click

    return click.style(text, fg=colour, bold=bold)


def _quote(step: Step, labels: dict[str, Any]) -> list[str]:
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
    if step.name == "sniff" and step.get("greeting"):
        lines.append(f"{labels['server_said']} ({step.name}): {step.get('greeting')}")
    if step.name == "placement" and step.get("folder"):
        after = step.get("after_submit_ms")
        timing = f", {float(after):.0f} ms {labels['after_submit']}" if after else ""
        lines.append(f"{labels['found_in']}: {step.get('folder')} ({step.get('via')}{timing})")
    if step.name == "cleanup" and step.get("result"):
        # What became of the test message, in the words the cleanup recorded (what was left where).
        where = f" ({step.get('folder')})" if step.get("folder") else ""
        why = f": {step.get('why')}" if step.get("why") else ""
        lines.append(f"{labels['test_invoice']}{where}: {step.get('result')}{why}")
    if step.name == "bounced-recipient":
        words = step.get("diagnostic") or ""
        who = step.get("recipient") or "?"
        lines.append(
            f"{who}: {step.get('action')} {step.get('status') or ''} {words}".strip()[:400]
        )
    if step.name == "recipient" and step.get("verdict"):
        lines.append(
            f"DNS: {step.get('domain')}: {step.get('verdict')}"
            + (f" (MX {step.get('mx')})" if step.get("mx") else "")
        )
        if step.get("suggestion"):
            lines.append(f"{labels['did_you_mean']} {step.get('suggestion')}?")
    if step.name == "headers" and step.get("header"):
        lines.extend(_header_lines(step.get("header") or "", labels))
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
    return _quote(step, _LABELS[lang])


def _step_summary(step: Step) -> str:
    extra = ""
    if step.get("tls_version"):
        extra = f" {step.get('tls_version')}"
    elif step.get("speaks"):
        extra = f" {step.get('speaks')}"
    elif step.get("dns") and step.get("dns") != "answer":
        extra = f" ({step.get('dns')})"
    if step.outcome is Outcome.SKIPPED:  # never asked: no time to show, only why
        why = step.get("skipped") or (step.error.message if step.error else "")
        return printable(f"{step.name} {step.outcome.value}" + (f" ({why})" if why else ""))
    return printable(f"{step.name} {step.outcome.value}{extra} ({step.elapsed_ms:.0f} ms)")


def _probe_lines(result: ProbeResult, labels: dict[str, Any], colour: bool) -> list[str]:
    parts = []
    for step in result.steps:
        text = _step_summary(step)
        if step.outcome is not Outcome.OK:
            text = _style(text, "red", enabled=colour)
        parts.append(text)
    target = printable(f"{result.probe} {result.target}")
    lines = [f"{labels['steps']} [{target}]: " + " · ".join(parts)]
    if result.crash:
        lines.append(f"{labels['crash']}:")
        # A traceback may quote server text; one cleaned line each, tabs kept.
        lines.extend(
            "    " + printable(line, layout=True) for line in result.crash.rstrip().splitlines()
        )
    return lines


def _headline(diagnosis: Diagnosis, labels: dict[str, Any]) -> str:
    """``mailcheck diagnose: a@x → b@y, via host:587 (starttls), user a@x, password from ...``"""
    t = diagnosis.target
    parts = []
    if t.get("sender") and t.get("recipient"):
        parts.append(f"{t['sender']} → {t['recipient']}")
    if t.get("target"):
        parts.append(str(t["target"]))
    if t.get("mailbox"):
        parts.append(str(t["mailbox"]))
    if t.get("smtp_host"):
        parts.append(f"{labels['via']} {t['smtp_host']}:{t.get('smtp_port')} ({t.get('smtp_tls')})")
    if t.get("imap_host") and not t.get("smtp_host"):
        parts.append(f"{labels['via']} {t['imap_host']}:{t.get('imap_port')} ({t.get('imap_tls')})")
    if t.get("dns_server"):
        parts.append(f"DNS {t['dns_server']}")
    for key in ("provider", "profile"):
        if t.get(key):
            parts.append(f"{key} {t[key]}")
    if t.get("username"):
        parts.append(f"{labels['as']} {t['username']}")
    if t.get("password_source"):
        parts.append(f"{labels['password']} {t['password_source']}")
    # Addresses, host and user names, the bounce file's name: all given by others.
    return printable(f"mailcheck {diagnosis.command}: " + ", ".join(parts))


def render_human(
    diagnosis: Diagnosis, *, lang: str, colour: bool = False, transcript: bool = False
) -> str:
    """The report as text, ending with a newline."""
    labels = _LABELS[lang]
    status_names = STATUS_WORDS[lang]
    out: list[str] = []
    out.append(_headline(diagnosis, labels))
    out.append("")
    for finding in diagnosis.findings:
        cause = finding.cause
        head = f"{status_names[cause.severity.value]:<8} {cause.id}"
        if cause.faq:
            head += f"  ({labels['faq']} {cause.faq})"
        out.append(_style(head, _COLOURS[cause.severity], bold=True, enabled=colour))
        out.append("  " + cause.title[lang])
        for step in evidence_steps(finding, diagnosis.probes):
            out.extend("  " + line for line in _quote(step, labels))
        fix = textwrap.fill(
            " ".join(cause.fix[lang].split()),
            width=96,
            initial_indent=f"  {labels['fix']}: ",
            subsequent_indent="    ",
        )
        out.append(fix)
        out.append("")
    if not diagnosis.findings:
        out.append(labels["none"])
        out.append("")
    if diagnosis.timings:
        names = labels["timings_names"]
        parts = [
            f"{names[k]} {v:g}{'s' if k.endswith('_s') else ' ms'}"
            for k, v in diagnosis.timings.items()
        ]
        out.append(f"{labels['timings']}: " + " · ".join(parts))
    if diagnosis.not_checked:
        later = ", ".join(labels["later"][name] for name in diagnosis.not_checked)
        out.append(f"{labels['not_checked']}: {later}.")
    for result in diagnosis.probes:
        out.extend(_probe_lines(result, labels, colour))
        if transcript and result.transcript:
            out.append(f"{labels['transcript']}:")
            out.extend(f"  {line.direction}: {printable(line.text)}" for line in result.transcript)
    severity = diagnosis.severity
    out.append(
        _style(
            f"{labels['result']}: {status_names[severity.value]} ({labels['exit']} "
            f"{diagnosis.exit_code}, {diagnosis.elapsed_ms:.0f} ms)",
            _COLOURS[severity],
            bold=True,
            enabled=colour,
        )
    )
    return "\n".join(out) + "\n"
