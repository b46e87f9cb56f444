"""Make an untrusted string safe to show on a terminal.

Server replies, bounce texts, header values, folder names, file names and
stored history rows come from people mailcheck does not trust. Printed as they
are, their escape sequences would act on the reader's terminal: retitle the
window (OSC), move the cursor and overwrite the verdict (CSI, CR, backspace),
hide text, or reorder it (bidi overrides, as in "Trojan Source"). Every human
renderer passes such text through :func:`printable` where it shows it; JSON
output keeps the raw text (its encoder escapes control characters itself).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from typing import TextIO

__all__ = ["colour_wanted", "printable", "style"]

# Whole escape sequences go, parameters and payload included, so no "0;title"
# or "31m" debris is left behind. 7-bit (ESC x) and 8-bit (C1) introducers alike.
_SEQUENCE = re.compile(
    # CSI: ESC [ or U+009B, parameter bytes, intermediate bytes, one final byte.
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"
    # OSC, DCS, SOS, PM, APC: a string up to BEL or ST (ESC \ or U+009C). Only
    # terminated ones: an unterminated one loses its introducer below and the
    # rest stays visible, rather than hiding everything after it.
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    # Any other escape: ESC, intermediate bytes, one final byte (ESC c, ESC ( B ...).
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"
)

# Bidirectional embeddings, overrides, isolates and marks: they reorder what is shown.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# Characters that break or move a line; shown as a space so words stay apart.
_AS_SPACE = frozenset("\r\x0b\x0c\x85\u2028\u2029")


def printable(text: str, *, layout: bool = False) -> str:
    """``text`` without control characters, escape sequences or bidi controls.

    With ``layout`` a multi-line text keeps its line feeds and tabs (CR LF
    becomes LF); without, they become spaces, for text shown inside one line.
    A lone CR (which would overwrite the line) becomes a space; a byte that
    was not valid UTF-8 (a surrogate escape) becomes U+FFFD.
    """
    if text.isprintable():
        return text  # the common case, and the fast one
    if layout:
        text = text.replace("\r\n", "\n")
    text = _SEQUENCE.sub("", text)
    return "".join(_character(ch, layout) for ch in text)


def _character(ch: str, layout: bool) -> str:
    if ch.isprintable() or ch == " ":
        return ch
    if ch in "\n\t":
        return ch if layout else " "
    if ch in _AS_SPACE:
        return " "
    if ch in _BIDI:
        return ""
    category = unicodedata.category(ch)
    if category == "Cs":
        return "\ufffd"  # a byte that was not UTF-8: visible, and encodable
    if category in ("Cc", "Zl", "Zp"):
        return ""  # C0, DEL, C1 (ESC, BEL, backspace ...)
    # Other non-printables (format characters, unassigned code points, odd
    # spaces) are harmless to a terminal and may be part of a real name.
    return ch


#: ANSI SGR foreground codes for the colour names the reports use (click's names).
_FG = {"black": 30, "red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}


def style(text: str, colour: str | None = None, *, bold: bool | None = None) -> str:
    """``text`` in a colour and/or bold, as ANSI escapes (the same bytes click.style writes).

    Here rather than click so that the renderers work in a library without click;
    whether to colour at all is the caller's decision (``--color``, a terminal).
    """
    codes = [f"\x1b[{_FG[colour]}m"] if colour else []
    if bold is not None:
        codes.append("\x1b[1m" if bold else "\x1b[22m")  # 22: explicitly not bold
    return "".join(codes) + text + "\x1b[0m" if codes else text


def colour_wanted(
    flag: bool | None, stream: TextIO, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether to colour what goes to ``stream``.

    ``--color``/``--no-color`` (``flag``) win; then ``NO_COLOR`` (no-color.org: any
    non-empty value turns colour off); then ``FORCE_COLOR`` (force-color.org: any
    non-empty value turns it on, on a pipe too); else colour only on a terminal.
    """
    if flag is not None:
        return flag
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream: no terminal
        return False
