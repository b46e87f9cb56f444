"""Decode what a hostile message carries: charsets, RFC 2047 headers, quoted header blocks.

Every decoder falls back rather than raises, and every size is capped, because anyone can
send us a "bounce".
"""

from __future__ import annotations

import email.errors
import email.header
import email.parser
import email.policy
import re
import unicodedata
from email.message import Message
from typing import Final

__all__ = [
    "MAX_HEADERS",
    "MAX_TEXT",
    "decode_header",
    "header_list",
    "header_value",
    "headers_from_text",
    "norm_message_id",
    "part_text",
    "strip_id",
]

MAX_TEXT: Final = 64 * 1024  # characters of decoded text kept and scanned
MAX_HEADERS: Final = 200  # headers kept from the returned message


def decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate or candidate.lower() in ("unknown-8bit", "x-unknown"):
            continue
        try:
            return data.decode(candidate)
        except (LookupError, ValueError):  # ValueError: a charset name with a NUL in it
            continue
    return data.decode("cp1252", errors="replace")


def _nfc(text: str) -> str:
    # windows-1258 writes Vietnamese tones as combining marks; patterns are written composed.
    return unicodedata.normalize("NFC", text)


def part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return _nfc(payload[:MAX_TEXT]) if isinstance(payload, str) else ""
    try:
        charset = part.get_content_charset()
    except (LookupError, ValueError):
        charset = None
    return _nfc(decode_bytes(data[: MAX_TEXT * 4], charset))[:MAX_TEXT]


_SPACES: Final = re.compile(r"\s+")
_RAW_8BIT: Final = re.compile("[\udc80-\udcff]")


def decode_header(value: str) -> str:
    if value.isascii():
        if "=?" not in value:
            # Most headers: nothing encoded, nothing to compose (the decoder would find no
            # encoded word and return the value as it is). split() cuts at the blanks \s
            # matches (both ask str.isspace), so this is _SPACES.sub(" ", value).strip().
            return " ".join(value.split())
    elif _RAW_8BIT.search(value):
        # compat32 keeps raw 8-bit header bytes as surrogates; most senders meant UTF-8.
        value = decode_bytes(value.encode("ascii", "surrogateescape"), "utf-8")
    try:
        chunks = email.header.decode_header(value)
    except (ValueError, LookupError, email.errors.HeaderParseError):
        chunks = [(value, None)]
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            if charset is None:
                out.append(chunk.decode("raw-unicode-escape", errors="replace"))
            else:
                out.append(decode_bytes(chunk, charset))
        else:
            out.append(chunk)
    return _nfc(_SPACES.sub(" ", "".join(out)).strip())


def header_list(msg: Message) -> list[tuple[str, str]]:
    result = []
    for index, (name, value) in enumerate(msg.raw_items()):
        if index >= MAX_HEADERS:
            break
        if isinstance(name, str) and isinstance(value, str):
            result.append((name, decode_header(value[:MAX_TEXT])))
    return result


_HEADER_NAMES_SEEN: Final = frozenset(
    {"message-id", "from", "to", "subject", "date", "received", "x-mailcheck-token", "return-path"}
)


def headers_from_text(text: str) -> list[tuple[str, str]]:
    """Parse quoted headers; empty unless they look like a real header block."""
    block = text.lstrip()[:MAX_TEXT].replace("\r\n", "\n").split("\n\n", 1)[0]
    parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(block)
    headers = header_list(parsed)
    if not any(name.lower() in _HEADER_NAMES_SEEN for name, _ in headers):
        return []
    return headers


def header_value(headers: list[tuple[str, str]], name: str) -> str | None:
    size = len(name)
    for key, value in headers:
        # The length first: most names differ in it, and lower() makes a new string.
        if len(key) == size and key.lower() == name:
            return value
    return None


def strip_id(value: str | None) -> str | None:
    if not value:
        return None
    match = re.search(r"<[^<>\s]{1,500}>", value)
    return match.group(0) if match else value.split()[0]


def norm_message_id(value: str | None) -> str:
    return (value or "").strip().strip("<>").strip().lower()
