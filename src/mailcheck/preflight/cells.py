"""Reading one cell of a customer list: the addresses it holds, and a carried cell kept small.

Invoice software keeps "the e-mail that receives the invoice" as a list in one cell
(``ketoan@a.vn; giamdoc@a.vn``), and lists copied from a mail program hold
``Nguyễn Văn A <a@a.vn>``. Each address becomes a row of its own; the text around it
(a display name, the separators) is not an address and is not checked.
"""

from __future__ import annotations

import re

__all__ = ["CARRIED_MAX", "cap", "split_addresses"]

#: A carried cell (customer code, name, ...) longer than this is cut: it is repeated on the
#: row of every address of its cell, and the csv module lets one cell be 131,072 characters.
CARRIED_MAX = 1000

#: What separates addresses in a cell: the separators mail programs and invoice software
#: write (``;`` Outlook and most Vietnamese invoice software, ``,`` RFC 5322, a line break
#: in a cell typed with Alt+Enter).
_SEPARATORS = frozenset(";,\n\r")

#: What makes a cell more than one bare address.
_SPECIAL = re.compile(r"[;,\s\"<>]")

#: ``Display Name <address>`` (the name may be quoted).
_NAMED = re.compile(r"(?s)(.*?)<([^<>]*)>")


def split_addresses(cell: str) -> list[str]:
    """The addresses of one cell, in order; a cell with one address gives it alone.

    Split at ``;``, ``,`` and line breaks outside quotes and angle brackets; then
    ``Name <a@x>`` gives ``a@x``; a piece whose words all hold an ``@`` is split at
    whitespace (``a@x b@y``), while ``ke toan@x`` stays one (invalid) address, so that
    a space typed by mistake is reported, not silently turned into another address.
    Empty pieces (``a@x;``) are dropped.
    """
    cell = cell.strip()
    if not _SPECIAL.search(cell):  # the usual cell, one address: no parsing (long lists)
        return [cell] if cell else []
    pieces = _pieces(cell, nested=True)
    if pieces is None:  # a quote or < never closed: it encloses nothing, split at every separator
        pieces = _pieces(cell, nested=False) or []
    addresses: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        named = _NAMED.fullmatch(piece)
        if named is not None and named.group(2).strip():
            addresses.append(named.group(2).strip())
            continue
        words = piece.split()
        if len(words) > 1 and all("@" in word for word in words):
            addresses.extend(words)
        else:
            addresses.append(piece)
    return addresses


def _pieces(cell: str, *, nested: bool) -> list[str] | None:
    """The cell cut at the separators (``nested``: outside quotes and ``<...>``).

    None when ``nested`` and a quote or a ``<`` is never closed.
    """
    pieces: list[str] = []
    start = 0
    quoted = angled = False
    for i, char in enumerate(cell):
        if nested and char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif nested and char == "<":
            angled = True
        elif nested and char == ">":
            angled = False
        elif char in _SEPARATORS and not angled:
            pieces.append(cell[start:i])
            start = i + 1
    if quoted or angled:
        return None
    pieces.append(cell[start:])
    return pieces


def cap(cell: str) -> str:
    """A carried cell as written: at most :data:`CARRIED_MAX` characters, and ``…`` if cut."""
    if len(cell) <= CARRIED_MAX:
        return cell
    return cell[: CARRIED_MAX - 1] + "\u2026"
