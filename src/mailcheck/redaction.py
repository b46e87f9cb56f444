"""Redaction: every wire form of a secret (a password or an OAuth2 access token), and the
test whether a text holds one. Split from secret.py, which re-exports it."""

from __future__ import annotations

import base64
import json
import re

__all__ = ["WITHHELD_SERVER", "WITHHELD_TEXT", "Redactor"]

# ---------------------------------------------------------------- redaction

#: What replaces a text that contained the password. The whole text goes, so neither the
#: password's length nor its position can be read off what is left.
WITHHELD_SERVER = "[server text withheld: it contained the password]"
WITHHELD_TEXT = "[text withheld: it contained the password]"
#: Shortest base64 fragment searched for. A password of 1-3 bytes has at most 3 stable
#: inner characters in a larger base64 string: such fragments are found in most base64
#: text by chance and tell nothing, so they are not searched (the whole SASL strings are).
_MIN_BASE64 = 4
_B64_URL = str.maketrans("+/", "-_")
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "0": "\0"}


def _unescape(text: str) -> str:
    """Undo backslash escapes (IMAP quoted strings, JSON, C-like): ``\\"`` ``\\\\`` ``\\u00e4``."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if len(code) > 1:
            return chr(int(code[1:], 16))
        return _SIMPLE_ESCAPES.get(code, code)

    decoded = _ESCAPE.sub(one, text)
    # A non-BMP character comes as a JSON surrogate pair: join it.
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


#: What starts a continuation line of a reply: ``535-``, ``5.7.8``, ``*``, indentation.
_LINE_PREFIX = re.compile(r"^[ \t*]*(?:\d{3}[ -]?)?[ \t]*(?:\d\.\d{1,3}\.\d{1,3}[ \t]?)?")


def _join_lines(text: str) -> str:
    """A multi-line reply as one string, each line's codes dropped: a password split
    across lines reads whole again."""
    lines = text.replace("\r", "").split("\n")
    return lines[0] + "".join(_LINE_PREFIX.sub("", line, count=1) for line in lines[1:])


def _joins(text: str) -> set[str]:
    return {text, text.replace("\r", "").replace("\n", ""), _join_lines(text)}


def _views(text: str) -> set[str]:
    """The text as written, and as it reads once its wire encodings are undone.

    Lines are joined both before escapes are undone (a split that cuts an escape in two)
    and after (an exception's repr writes a reply's line break as ``\\n``); then
    percent-encoding is undone.
    """
    from urllib.parse import unquote, unquote_plus

    views = _joins(text)
    views |= {_unescape(view) for view in views}
    views = {joined for view in views for joined in _joins(view)}
    return views | {
        undo(view, errors="surrogateescape") for view in views for undo in (unquote, unquote_plus)
    }


def _stable_base64(raw: bytes) -> list[str]:
    """Base64 characters of ``raw`` that do not depend on its neighbours, in each alignment.

    Inside a larger base64 string ``raw`` may start at byte 0, 1 or 2 of a 3-byte group;
    a character whose six bits come only from ``raw`` is the same whatever surrounds it.
    """
    fragments = []
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        end_bit = 8 * (offset + len(raw))
        first = -(-8 * offset // 6)  # the first character wholly after the offset bytes
        last = end_bit // 6  # characters before this one end inside raw
        fragments.append(encoded[first:last])
    return fragments


def _mojibake(password: str) -> set[str]:
    """The password as a server in another charset may echo it, and as it then decodes."""
    forms = set()
    for charset in ("latin-1", "cp1252"):
        # A character the charset lacks becomes "?" on the way out.
        raw = password.encode(charset, "replace")
        forms.add(raw.decode("utf-8", "surrogateescape"))
        forms.add(raw.decode("utf-8", "replace"))
        forms.add(password.encode("utf-8", "surrogatepass").decode(charset, "replace"))
    return forms


class Redactor:
    """Every wire form of one password, and the test whether a text holds one.

    Clear forms (as typed, IMAP-quoted, JSON-escaped, percent-encoded, mis-decoded
    charsets) are searched after undoing the text's own escapes and joining its lines,
    whatever the password's length: a password of one to three characters makes more
    server texts withheld, which is the price of never showing it; ordinary text is kept
    because only text recorded after the password was used is searched at all.
    Base64 forms (the password alone, the SASL PLAIN strings, each in all three
    alignments inside a larger base64 string) are searched when at least
    :data:`_MIN_BASE64` characters long.
    """

    __slots__ = ("_base64", "_clear")

    def __init__(self, username: str, password: str) -> None:
        quoted = password.replace("\\", "\\\\").replace('"', '\\"')
        clear = {password, quoted, *_mojibake(password)}
        for ascii_only in (True, False):
            escaped = json.dumps(password, ensure_ascii=ascii_only)[1:-1]
            clear.update({escaped, escaped.replace("/", "\\/")})
        self._clear = frozenset(form for form in clear if form)
        encoded: set[str] = set()
        for text in (
            password,
            f"\0{username}\0{password}",
            f"{username}\0{username}\0{password}",
            f"user={username}\x01auth=Bearer {password}\x01\x01",  # XOAUTH2
            f"auth=Bearer {password}\x01\x01",  # the end of OAUTHBEARER's
        ):
            raw = text.encode("utf-8", "surrogatepass")
            whole = base64.b64encode(raw).decode("ascii")
            encoded.update({whole, whole.rstrip("=")})
            encoded.update(_stable_base64(raw))
        encoded |= {form.translate(_B64_URL) for form in encoded}
        self._base64 = frozenset(form for form in encoded if len(form) >= _MIN_BASE64)

    def contains(self, text: str) -> bool:
        """Whether ``text`` holds the password in any form mailcheck knows."""
        if not text:
            return False
        forms = self._clear | self._base64
        return any(form in view for view in _views(text) for form in forms)

    def withhold(self, text: str, notice: str = WITHHELD_TEXT) -> str:
        """``text`` itself, or ``notice`` when it holds the password."""
        return notice if self.contains(text) else text

    def withhold_lines(self, text: str, notice: str = WITHHELD_TEXT) -> str:
        """Withhold each line that holds the password (a traceback keeps the rest)."""
        lines = [self.withhold(line, notice) for line in text.split("\n")]
        result = "\n".join(lines)
        # A password split across lines is in no single line: then nothing is kept.
        return notice if self.contains(result) else result
