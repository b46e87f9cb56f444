"""Bounce parsing: DSNs, MTA text bounces, auto-replies and feedback reports.

The modules, in the order a message goes through them: ``parser`` (the entry points and the
decision), ``mime`` (which part is which), ``decode`` (charsets and headers), ``dsn`` (RFC 3464
fields), ``detect`` (producer, text bounce or auto-reply, final reason), ``text`` (the
per-style extractor registry over ``mta``, ``generic`` and ``hits``), ``reasons`` (status and
words to a :class:`Reason`) and ``model`` (the records).
"""

from __future__ import annotations

from mailcheck.bounce.model import Action, Bounce, BouncedRecipient, Kind, Style
from mailcheck.bounce.parser import parse_bounce, read_messages, refers_to
from mailcheck.bounce.reasons import Reason, classify

__all__ = [
    "Action",
    "Bounce",
    "BouncedRecipient",
    "Kind",
    "Reason",
    "Style",
    "classify",
    "parse_bounce",
    "read_messages",
    "refers_to",
]
