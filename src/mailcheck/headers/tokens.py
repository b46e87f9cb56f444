"""The header block and its words: cutting the block, unfolding fields, tokenising values.

The lowest layer of :mod:`mailcheck.headers`: it knows nothing of what a header means.
The readers of Authentication-Results, spam verdicts and Received build on it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

# Limits against hostile input; what goes past one is dropped and ``truncated`` is set.
# A real header block is under 100 KB.
#: Bytes of the input looked at.
MAX_BLOCK_BYTES = 4 * 1024 * 1024
#: Characters kept of one header value (unfolded).
MAX_VALUE_CHARS = 16 * 1024

# --- the header block -------------------------------------------------------------------

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def header_block(raw: bytes | bytearray) -> tuple[bytes, bool]:
    """The bytes before the first empty line, and whether they were cut."""
    head = bytes(raw[:MAX_BLOCK_BYTES])
    if head.startswith((b"\n", b"\r\n")):
        return b"", False
    end = _BLANK_LINE.search(head)
    if end is not None:
        return head[: end.start()], False
    return head, len(raw) > MAX_BLOCK_BYTES


def fields(text: str, wanted: Collection[str]) -> Iterator[tuple[str, str, bool]]:
    """Yield ``(name, unfolded value, cut)`` for the header fields named in ``wanted``
    (lower case).

    Unfolding removes the line breaks before continuation lines and keeps their
    whitespace (RFC 5322 section 2.2.3). Lines without a colon, and continuation lines
    that belong to no field, are skipped.
    """
    name: str | None = None
    parts: list[str] = []
    size = 0
    for line in text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        if line[:1] in (" ", "\t"):
            if name is not None and size <= MAX_VALUE_CHARS:
                parts.append(line)
                size += len(line)
            continue
        if name is not None:
            yield name, _join_value(parts), size > MAX_VALUE_CHARS
        name, parts, size = None, [], 0
        colon = line.find(":")
        if colon <= 0:
            continue
        field = line[:colon].rstrip(" \t")
        if field.lower() not in wanted:
            continue
        name = field
        parts = [line[colon + 1 : colon + 2 + MAX_VALUE_CHARS]]
        size = len(line) - colon - 1
    if name is not None:
        yield name, _join_value(parts), size > MAX_VALUE_CHARS


def _join_value(parts: list[str]) -> str:
    return "".join(parts)[:MAX_VALUE_CHARS].strip(" \t")


# --- tokens: words, comments, quoted strings --------------------------------------------

_WHITESPACE = frozenset(" \t\r\n")
_WHITESPACE_RUN = re.compile(r"[ \t\r\n]+")
_CTEXT_RUN = re.compile(r"[^()\\]+")
_QTEXT_RUN = re.compile(r'[^"\\]+')

Token = tuple[str, str]
"""``(kind, text)``: kinds ``word``, ``comment``, ``quoted``, ``;`` and ``=``."""


def tokens(
    text: str,
    word: re.Pattern[str],
    *,
    structured: bool,
    value: re.Pattern[str] | None = None,
) -> list[Token]:
    """Split ``text`` into ``(kind, text)``: kinds ``word``, ``comment``, and with
    ``structured`` also ``quoted``, ``;`` and ``=``.

    Comments nest (RFC 5322 section 3.2.2). An unterminated comment or quoted string
    runs to the end of the text. A quoted string keeps its quoted pairs (``\\"``) as
    written. With ``value``, the word after a ``=`` (past whitespace and comments) is
    matched by ``value`` instead of ``word``. Linear in the length; no recursion.
    """
    found: list[Token] = []
    after_equals = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE:
            space = _WHITESPACE_RUN.match(text, i)
            i = space.end() if space is not None else i + 1
        elif char == "(":
            i, body = _scan_comment(text, i)
            found.append(("comment", " ".join(body.split())))
        elif structured and char == '"':
            i, body = _scan_quoted(text, i)
            at = word.match(text, i) if text.startswith("@", i) else None
            if at is not None:  # "local part"@domain, as authres returns it
                found.append(("word", f'"{body}"{at.group()}'))
                i = at.end()
            else:
                found.append(("quoted", body))
        elif structured and char in ";=":
            found.append((char, char))
            i += 1
        else:
            pattern = value if value is not None and after_equals else word
            match = pattern.match(text, i)
            if match is None:  # a stray ")" or quote
                i += 1
            else:
                found.append(("word", match.group()))
                i = match.end()
        if found and found[-1][0] != "comment":
            after_equals = found[-1][0] == "="
    return found


def _scan_comment(text: str, start: int) -> tuple[int, str]:
    depth = 0
    i, n = start, len(text)
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i + 1, text[start + 1 : i]
        else:
            run = _CTEXT_RUN.match(text, i)
            i = run.end() if run is not None else i + 1
            continue
        i += 1
    return n, text[start + 1 :]


def _scan_quoted(text: str, start: int) -> tuple[int, str]:
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            return i + 1, "".join(out)
        if char == "\\":
            out.append(text[i : i + 2])
            i += 2
            continue
        run = _QTEXT_RUN.match(text, i)
        if run is None:
            break
        out.append(run.group())
        i = run.end()
    return n, "".join(out)
