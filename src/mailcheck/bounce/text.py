"""Read recipients out of the human-readable text of non-DSN bounces, per MTA style.

:data:`TEXT_EXTRACTORS` is the registry: one extractor per recognised style (``mta.py``);
every other style falls back to :func:`extract_generic` (``generic.py``). Each extractor gets
the report's text (before the returned message) and the bounce's headers, and returns what it
found; patterns are bounded because the text is hostile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from mailcheck.bounce.carriers import extract_kddi, extract_mfilter
from mailcheck.bounce.generic import extract_generic
from mailcheck.bounce.hits import Hit, clean_address
from mailcheck.bounce.james import extract_james
from mailcheck.bounce.model import Style
from mailcheck.bounce.mta import (
    extract_domino,
    extract_exchange,
    extract_exim,
    extract_gmail,
    extract_qmail,
    extract_sendmail,
)

__all__ = ["TEXT_EXTRACTORS", "Hit", "clean_address", "extract_generic", "reporting_from_text"]

_I = re.IGNORECASE


def reporting_from_text(text: str) -> str | None:
    match = re.search(
        r"qmail-send program at ([\w.-]{1,253})|mail system at host ([\w.-]{1,253})"
        r"|generating server: ([\w.-]{1,253})|generierender server: ([\w.-]{1,253})"
        r"|from ([\w.-]{1,253}), running the courier|james mail server at ([\w.-]{1,253})",
        text[:16384],
        _I,
    )
    if match is None:
        return None
    found = next((g for g in match.groups() if g), None)
    return found.rstrip(".") if found else None


TEXT_EXTRACTORS: Final[dict[Style, Callable[[str, list[tuple[str, str]]], list[Hit]]]] = {
    Style.QMAIL: extract_qmail,
    Style.YAHOO: extract_qmail,
    Style.EXIM: extract_exim,
    Style.SENDMAIL: extract_sendmail,
    Style.EXCHANGE: extract_exchange,
    Style.DOMINO: extract_domino,
    Style.GMAIL: extract_gmail,
    Style.JAMES: extract_james,
    Style.KDDI: extract_kddi,
    Style.MFILTER: extract_mfilter,
}
