"""IMAP without I/O (RFC 3501 §7, §9): quoting, and FETCH, LIST, SEARCH, codes and replies parsed.

aioimaplib splits the stream into lines and literals but parses nothing. This
module reads what it collected as the server sent it (lines and literals put
back together) and turns it into values, so that:

- a literal is data, never syntax: ``UID 7`` or ``)`` or a CRLF inside a
  header literal is not read as a response item;
- items come in any order (``UID`` after the body literal is legal);
- a response that does not parse is skipped whole, never attributed to a
  neighbouring message, and parsing resumes after it;
- every UID and message number is checked against 1..2^32-1.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mailcheck.evidence import Reply

__all__ = [
    "MAX_UID",
    "FetchData",
    "Mailbox",
    "ParseError",
    "decode_mailbox_name",
    "imap_reply",
    "parse_expunged",
    "parse_fetch_responses",
    "parse_list_responses",
    "parse_search_responses",
    "quote",
    "reassemble",
    "response_code",
    "responses",
    "select_codes",
    "uid_set",
    "valid_uid",
]

#: The largest UID or message number (nz-number is a 32-bit unsigned integer).
MAX_UID = 2**32 - 1
#: A FETCH/LIST response with more nesting than this is not from a sane server.
_MAX_DEPTH = 16

CRLF = b"\r\n"

# Tokens: atoms are ``str``, quoted strings and literals ``bytes``, NIL ``None``, lists ``list``.


class ParseError(ValueError):
    """A response that does not follow the grammar."""


@dataclass(frozen=True, slots=True)
class Mailbox:
    """A folder as LIST describes it."""

    name: str
    """As the server spells it (modified UTF-7): what commands must use."""
    display: str
    """Decoded, for people and for name matching."""
    attributes: frozenset[str]
    """Lower-cased, e.g. ``\\junk``, ``\\noselect``."""


@dataclass(frozen=True, slots=True)
class FetchData:
    """One ``* n FETCH (...)`` response."""

    seq: int
    uid: int | None
    items: dict[str, object]
    """Item names upper-cased (``BODY[HEADER]``, ``FLAGS``) -> values."""

    def body(self) -> bytes | None:
        """The (single) ``BODY[...]`` section's data, or ``None``."""
        for key, value in self.items.items():
            if key.startswith(("BODY[", "BINARY[", "RFC822")) and isinstance(value, bytes):
                return value
        return None

    def flags(self) -> frozenset[str] | None:
        """The flags, lower-cased, when the response carries FLAGS."""
        value = self.items.get("FLAGS")
        if not isinstance(value, list):
            return None
        return frozenset(str(f).lower() for f in value if isinstance(f, str))


def valid_uid(value: object) -> int | None:
    """``value`` as an nz-number (1..2^32-1), or ``None``."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return None
    if len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_UID else None


def uid_set(text: str) -> list[int] | None:
    """A sequence set of plain numbers (``5:7,9``) as UIDs; ``None`` if any part is bad."""
    out: list[int] = []
    for part in text.split(","):
        low, sep, high = part.partition(":")
        first = valid_uid(low)
        last = valid_uid(high) if sep else first
        if first is None or last is None:
            return None
        if first > last:
            first, last = last, first
        if last - first > 100_000:  # a COPYUID this wide is not about one test message
            return None
        out.extend(range(first, last + 1))
    return out


# ---------------------------------------------------------------- the stream


def reassemble(lines: Sequence[bytes | bytearray]) -> bytes:
    """The untagged responses as the server sent them, from aioimaplib's lines.

    aioimaplib keeps lines (``bytes``, without CRLF) and literals (``bytearray``)
    apart; the line before a literal ends with ``{n}`` and the text after it
    continues on the next line element.
    """
    out = bytearray()
    for item in lines:
        if isinstance(item, bytearray):
            out += item
        else:
            out += item
            out += CRLF
    return bytes(out)


_STATUS = re.compile(rb"(?:\* )?(?:OK|NO|BAD|BYE|PREAUTH)(?: |\r\n)", re.I)
_LITERAL = re.compile(rb"~?\{(\d{1,10})\+?\}\r\n")
_ATOM_END = frozenset(b' ()"\r\n{')


class _Reader:
    """One pass over the stream; ``read()`` returns the next response's tokens."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self.pos = 0
        self.safe = 0
        """Just after the last literal read: a skip never resumes inside a literal."""

    def quoted(self) -> bytes:
        raw = self.raw
        pos = self.pos + 1
        out = bytearray()
        while pos < len(raw):
            c = raw[pos]
            if c == 0x22:  # closing quote
                self.pos = pos + 1
                return bytes(out)
            if c in (0x0D, 0x0A):
                break
            if c == 0x5C:  # backslash: the next character is taken as is
                pos += 1
                if pos >= len(raw) or raw[pos] in (0x0D, 0x0A):
                    break
                c = raw[pos]
            out.append(c)
            pos += 1
        raise ParseError("unterminated quoted string")

    def literal(self) -> bytes:
        match = _LITERAL.match(self.raw, self.pos)
        if match is None:
            raise ParseError("bad literal")
        size = int(match.group(1))
        end = match.end() + size
        if end > len(self.raw):
            raise ParseError("literal longer than the data")
        self.pos = self.safe = end
        return self.raw[match.end() : end]

    def atom(self) -> str | None:
        raw = self.raw
        start = pos = self.pos
        while pos < len(raw) and raw[pos] not in _ATOM_END:
            if raw[pos] == 0x5B:  # '[': a section spec, spaces and parentheses allowed
                close = raw.find(b"]", pos)
                stop = raw.find(b"\r\n", pos)
                if close < 0 or 0 <= stop < close:
                    raise ParseError("unterminated [")
                pos = close
            pos += 1
        if pos == start:
            raise ParseError(f"unexpected byte {raw[pos : pos + 1]!r}")
        self.pos = pos
        text = raw[start:pos].decode("utf-8", "replace")
        return None if text.upper() == "NIL" else text

    def tokens(self) -> list[object]:
        """Tokens up to the CRLF that ends the response (at nesting depth 0)."""
        raw = self.raw
        stack: list[list[object]] = [[]]
        while True:
            if self.pos >= len(raw):
                raise ParseError("response without CRLF")
            c = raw[self.pos]
            if c == 0x20:
                self.pos += 1
            elif raw.startswith(CRLF, self.pos):
                if len(stack) != 1:
                    raise ParseError("unbalanced parentheses")
                self.pos += 2
                return stack[0]
            elif c == 0x28:  # (
                if len(stack) > _MAX_DEPTH:
                    raise ParseError("nested too deep")
                inner: list[object] = []
                stack[-1].append(inner)
                stack.append(inner)
                self.pos += 1
            elif c == 0x29:  # )
                if len(stack) == 1:
                    raise ParseError("unbalanced parentheses")
                stack.pop()
                self.pos += 1
            elif c == 0x22:
                stack[-1].append(self.quoted())
            elif c == 0x7B or (c == 0x7E and raw.startswith(b"{", self.pos + 1)):
                stack[-1].append(self.literal())
            else:
                stack[-1].append(self.atom())

    def skip(self, start: int) -> None:
        """Resume after the CRLF that follows ``start`` (never inside a literal read)."""
        end = self.raw.find(CRLF, max(start, self.safe))
        self.pos = len(self.raw) if end < 0 else end + 2


def responses(raw: bytes) -> Iterator[list[object]]:
    """Each parseable untagged response's tokens (the leading ``*`` dropped).

    Status responses (``OK [UIDNEXT 5] ...``) are free text: they are yielded
    as ``["OK", b"rest of line"]``. A malformed response is skipped whole.
    """
    reader = _Reader(raw)
    while reader.pos < len(raw):
        start = reader.pos
        if raw.startswith(b"* ", start):
            reader.pos += 2
        status = _STATUS.match(raw, start)
        if status is not None:
            end = raw.find(CRLF, start)
            end = len(raw) if end < 0 else end
            line = raw[reader.pos : end]
            word, _, rest = line.partition(b" ")
            reader.pos = len(raw) if end >= len(raw) else end + 2
            yield [word.decode("ascii", "replace").upper(), rest]
            continue
        try:
            tokens = reader.tokens()
        except ParseError:
            reader.skip(start)
            continue
        if tokens:
            yield tokens


# ---------------------------------------------------------------- FETCH


def _fetch(tokens: list[object]) -> FetchData | None:
    if len(tokens) != 3 or not isinstance(tokens[1], str) or tokens[1].upper() != "FETCH":
        return None
    seq = valid_uid(tokens[0])
    pairs = tokens[2]
    if seq is None or not isinstance(pairs, list) or len(pairs) % 2:
        return None
    items: dict[str, object] = {}
    for key, value in zip(pairs[::2], pairs[1::2], strict=True):
        if not isinstance(key, str):
            return None
        name = key.upper()
        if name in items:  # the same item twice: which one is true? neither
            return None
        items[name] = value
    uid = None
    if "UID" in items:
        uid = valid_uid(items["UID"])
        if uid is None:
            return None
    return FetchData(seq=seq, uid=uid, items=items)


def parse_fetch_responses(raw: bytes) -> list[FetchData]:
    """Every well-formed FETCH response in ``raw``; anything else is skipped."""
    return [f for f in (_fetch(t) for t in responses(raw)) if f is not None]


# ---------------------------------------------------------------- SEARCH, EXPUNGE


def parse_search_responses(raw: bytes) -> set[int]:
    """The UIDs (or numbers) of every ``SEARCH`` response; bad numbers are dropped."""
    found: set[int] = set()
    for tokens in responses(raw):
        if not tokens or not isinstance(tokens[0], str) or tokens[0].upper() != "SEARCH":
            continue
        for token in tokens[1:]:
            number = valid_uid(token)
            if number is not None:
                found.add(number)
    return found


def parse_expunged(raw: bytes) -> list[int]:
    """Message numbers of the ``* n EXPUNGE`` responses, in order."""
    out: list[int] = []
    for tokens in responses(raw):
        if len(tokens) == 2 and isinstance(tokens[1], str) and tokens[1].upper() == "EXPUNGE":
            number = valid_uid(tokens[0])
            if number is not None:
                out.append(number)
    return out


# ---------------------------------------------------------------- status codes

_CODE = re.compile(r"^\s*\[(?P<code>[A-Za-z0-9.-]+)(?: (?P<args>[^\]]*))?\]")


def response_code(text: bytes | str) -> tuple[str, str] | None:
    """The code at the start of a status text: ``[UIDNEXT 5] x`` is ``("UIDNEXT", "5")``."""
    value = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
    match = _CODE.match(value)
    if match is None:
        return None
    return match.group("code").upper(), (match.group("args") or "").strip()


def select_codes(raw: bytes) -> dict[str, str]:
    """Response codes of the untagged ``OK`` responses (SELECT's UIDNEXT, UIDVALIDITY, ...)."""
    codes: dict[str, str] = {}
    for tokens in responses(raw):
        if len(tokens) == 2 and tokens[0] == "OK" and isinstance(tokens[1], bytes):
            code = response_code(tokens[1])
            if code is not None:
                codes.setdefault(code[0], code[1])
    return codes


# ---------------------------------------------------------------- LIST


def decode_mailbox_name(name: str) -> str:
    """Decode modified UTF-7 (RFC 3501 §5.1.3): ``Th&AbA- r&AOE-c`` is ``Thư rác``."""
    out: list[str] = []
    i = 0
    while i < len(name):
        ch = name[i]
        if ch != "&":
            out.append(ch)
            i += 1
            continue
        end = name.find("-", i)
        if end < 0:
            out.append(name[i:])
            break
        chunk = name[i + 1 : end]
        if not chunk:
            out.append("&")
        else:
            data = chunk.replace(",", "/")
            data += "=" * (-len(data) % 4)
            try:
                out.append(base64.b64decode(data).decode("utf-16-be"))
            except (ValueError, UnicodeDecodeError):
                out.append(name[i : end + 1])
        i = end + 1
    return "".join(out)


def _list(tokens: list[object]) -> Mailbox | None:
    if len(tokens) != 4 or not isinstance(tokens[0], str):
        return None
    if tokens[0].upper() not in ("LIST", "LSUB"):
        return None
    attrs, delim, raw_name = tokens[1], tokens[2], tokens[3]
    if not isinstance(attrs, list) or not all(isinstance(a, str) for a in attrs):
        return None
    if delim is not None and not isinstance(delim, bytes):
        return None
    if isinstance(raw_name, bytes):
        name = raw_name.decode("utf-8", "replace")
    elif isinstance(raw_name, str):
        name = raw_name
    else:
        return None
    # A name with NUL, CR or LF cannot be sent back in a command line: not ours to use.
    if not name or any(c in name for c in "\0\r\n"):
        return None
    attributes = frozenset(str(a).lower() for a in attrs)
    return Mailbox(name=name, display=decode_mailbox_name(name), attributes=attributes)


def parse_list_responses(raw: bytes) -> list[Mailbox]:
    """Every well-formed LIST response in ``raw``, in order."""
    return [m for m in (_list(t) for t in responses(raw)) if m is not None]


def quote(text: str) -> str:
    """An IMAP quoted string (RFC 3501 §4.3)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_RESP_CODE = re.compile(r"^\[(?P<code>[^\]]*)\]\s*(?P<text>.*)$", re.S)
#: Control characters a server may put in its text (NUL, lone CR or LF, ESC ...).
_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def imap_reply(result: str, text: bytes | str) -> Reply:
    """A tagged IMAP reply as evidence: status, RFC 5530 response code, text."""
    value = text.decode("utf-8", "replace") if isinstance(text, bytes | bytearray) else text
    value = _CONTROLS.sub(" ", value.strip()[:2000]).strip()
    match = _RESP_CODE.match(value)
    code = None
    if match is not None:
        code = match.group("code").split()[0] if match.group("code") else None
        value = match.group("text")
    return Reply(code=None, enhanced=code, text=value, status=result)
