"""Reading fetched messages without I/O: a UID FETCH's sections, a header's values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailcheck.probes.imap.wire import parse_fetch_responses, reassemble

__all__ = ["header_values", "parse_fetch"]


def parse_fetch(lines: Sequence[Any]) -> list[tuple[int, bytes]]:
    """``(uid, section data)`` pairs of a UID FETCH (aioimaplib's lines, tagged text last)."""
    out: list[tuple[int, bytes]] = []
    for item in parse_fetch_responses(reassemble(list(lines))):
        body = item.body()
        if item.uid is not None and body is not None:
            out.append((item.uid, body))
    return out


def header_values(header: bytes, name: str) -> list[str]:
    """Every value of header field ``name`` (unfolded, stripped), in order."""
    wanted = name.lower().encode("ascii")
    values: list[str] = []
    current: bytearray | None = None
    for line in header.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and current is not None:
            current += b" " + line.strip()
            continue
        if current is not None:
            values.append(current.decode("utf-8", "replace").strip())
            current = None
        field, sep, value = line.partition(b":")
        if sep and field.strip().lower() == wanted:
            current = bytearray(value.strip())
    if current is not None:
        values.append(current.decode("utf-8", "replace").strip())
    return values
