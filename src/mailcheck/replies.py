"""Parse SMTP reply text into its parts (RFC 5321 section 4.2, RFC 3463)."""

from __future__ import annotations

import re

from mailcheck.evidence import Reply

__all__ = ["clean_text", "make_reply", "split_enhanced"]

# class.subject.detail: class is 2, 4 or 5; subject and detail up to 3 digits (RFC 3463 sec. 2).
_ENHANCED = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})(?:\s+|$)")

# Replies longer than this are cut: a hostile server must not fill our memory or the report.
MAX_TEXT = 4000


def split_enhanced(text: str) -> tuple[str | None, str]:
    """Split ``"5.7.8 Error: ..."`` into ``("5.7.8", "Error: ...")``.

    Multi-line replies repeat the enhanced code on every line (Gmail does); it is
    removed from each line so the text reads as the server meant it.
    """
    lines = text.split("\n")
    first = _ENHANCED.match(lines[0])
    if first is None:
        return None, text
    code = first.group(1)
    stripped = []
    for line in lines:
        if line.startswith(code):
            line = line[len(code) :].lstrip()
        stripped.append(line)
    return code, "\n".join(stripped)


def clean_text(text: str) -> str:
    """Server text made safe to keep: bytes that were not UTF-8 become U+FFFD.

    aiosmtplib decodes replies with ``surrogateescape``; a lone surrogate left in
    a string cannot be written as UTF-8 (JSON, the terminal, a file) and would
    end the run with an encoding error instead of a report.
    """
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def make_reply(code: int, message: str) -> Reply:
    """Build a :class:`Reply` from aiosmtplib's ``(code, message)``."""
    enhanced, text = split_enhanced(clean_text(message).strip())
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + " [...]"
    return Reply(code=code, enhanced=enhanced, text=text)
