"""Bounce parsing: DSNs, MTA text bounces, auto-replies and feedback reports (issue 5)."""

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
