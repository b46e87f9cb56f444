"""Spam-filter verdict headers: SpamAssassin, amavis, rspamd, Microsoft 365 / Outlook.com,
Barracuda and Gmail, each read into a :class:`SpamVerdict`."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class SpamVerdict:
    """What one spam-filter header says."""

    source: str
    """Canonical header name: ``X-Spam-Status``, ``X-Spamd-Result``,
    ``X-MS-Exchange-Organization-SCL``, ``X-Microsoft-Antispam-Mailbox-Delivery``, ..."""
    flagged: bool | None
    """The filter said spam (True), not spam (False), or this header does not say (None)."""
    score: float | None
    threshold: float | None
    tests: tuple[str, ...]
    """Rule names when the header lists them: SpamAssassin, amavis and Barracuda tests,
    rspamd symbols."""
    raw: str
    details: tuple[tuple[str, str], ...] = ()
    """Other ``key=value`` / ``KEY:value`` items the header carries, verbatim: Microsoft's
    ``SFV``, ``CAT``, ``CIP``, ``dest``, ``RF``; SpamAssassin's ``autolearn``, ``version``."""


_NUMBER = re.compile(r"[-+]?\d{1,9}(?:\.\d{1,9})?")
_YES = frozenset({"yes", "true", "1", "spam"})
_NO = frozenset({"no", "false", "0", "ham"})


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    match = _NUMBER.search(text)
    return float(match.group()) if match is not None else None


def _yes_no(text: str) -> bool | None:
    words = text.replace(",", " ").split(maxsplit=1)
    if not words:
        return None
    word = words[0].lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    return None


def _key_values(text: str) -> list[tuple[str, str]]:
    """``key=value`` words of a SpamAssassin-style line, in order; the items of an amavis
    ``tests=[A=0.1, B=-0.1]`` list are rules, not fields, and are left out."""
    pairs = []
    in_list = False
    for word in text.split():
        if in_list:
            in_list = "]" not in word
            continue
        key, sep, val = word.partition("=")
        if sep and key and key.replace("_", "").replace("-", "").isalnum():
            pairs.append((key, val.rstrip(",")))
            in_list = val.startswith("[") and "]" not in val
    return pairs


def _tests_list(text: str) -> tuple[str, ...]:
    """Rule names after ``tests=``: ``A,B,\\n\\tC`` (SpamAssassin, folded), ``A, B``
    (Barracuda) or ``[A=0.1, B=-0.1]`` (amavis), up to the next ``key=`` word."""
    start = text.lower().find("tests=")
    if start < 0:
        return ()
    tail = text[start + len("tests=") :]
    if tail.startswith("["):
        close = tail.find("]")
        items = (tail[1:close] if close >= 0 else tail[1:]).split(",")
        names = (item.split("=", 1)[0].strip() for item in items)
    else:
        words: list[str] = []
        for word in tail.split():
            if words and "=" in word:
                break
            words.append(word)
        names = (name.strip() for name in ",".join(words).split(","))
    return tuple(name for name in names if name and name != "none")


def _spamassassin_status(source: str, value: str) -> SpamVerdict:
    # "Yes, score=7.5 required=5.0 tests=... autolearn=no version=3.4.6" (SpamAssassin)
    # "No, score=-0.1 tagged_above=-999 required=5 tests=[...] autolearn=ham" (amavis)
    # "Yes, score=12.50" (rspamd milter_headers); older versions write hits= for score.
    pairs = _key_values(value)
    fields = {key.lower(): val for key, val in pairs}
    return SpamVerdict(
        source=source,
        flagged=_yes_no(value),
        score=_number(fields.get("score", fields.get("hits"))),
        threshold=_number(fields.get("required")),
        tests=_tests_list(value),
        raw=value,
        details=tuple((key, val) for key, val in pairs if key.lower() != "tests"),
    )


def _flag(source: str, value: str) -> SpamVerdict:
    # X-Spam-Flag: YES, X-Spam: yes, X-Barracuda-Spam-Flag: YES, X-Gm-Spam: 0 ...
    return SpamVerdict(
        source=source, flagged=_yes_no(value), score=None, threshold=None, tests=(), raw=value
    )


def _score(source: str, value: str) -> SpamVerdict:
    # X-Spam-Score: 7.5, X-Barracuda-Spam-Score: 7.20
    return SpamVerdict(
        source=source, flagged=None, score=_number(value), threshold=None, tests=(), raw=value
    )


def _spam_level(source: str, value: str) -> SpamVerdict:
    # One "*" per whole point; empty below 1 (SpamAssassin's X-Spam-Level).
    stars = value.strip()
    score = float(len(stars)) if stars.strip("*") == "" else None
    return SpamVerdict(
        source=source, flagged=None, score=score, threshold=None, tests=(), raw=value
    )


_RSPAMD_HEAD = re.compile(
    r"\s*[\w-]{1,64}\s*:\s*(true|false)\s*\[\s*([-+]?\d{1,9}(?:\.\d{1,9})?)\s*/"
    r"\s*([-+]?\d{1,9}(?:\.\d{1,9})?)\s*\]",
    re.IGNORECASE,
)
_RSPAMD_SYMBOL = re.compile(r";\s*([A-Za-z0-9_]{1,128})\s*\(\s*[-+]?\d")


def _rspamd_result(source: str, value: str) -> SpamVerdict:
    # "default: False [7.40 / 15.00]; BAYES_SPAM(5.10)[99.99%]; ..." The boolean is
    # rspamd's is_spam: score at the *reject* threshold, the number after "/". A lower
    # "add header" action shows as X-Spam: Yes, a verdict of its own.
    head = _RSPAMD_HEAD.match(value)
    return SpamVerdict(
        source=source,
        flagged=None if head is None else head.group(1).lower() == "true",
        score=None if head is None else float(head.group(2)),
        threshold=None if head is None else float(head.group(3)),
        tests=tuple(match.group(1) for match in _RSPAMD_SYMBOL.finditer(value)),
        raw=value,
    )


def _ms_pairs(value: str) -> list[tuple[str, str]]:
    """Microsoft's ``KEY:value;KEY:value;`` lists."""
    pairs = []
    for item in value.split(";"):
        key, sep, val = item.partition(":")
        if sep and key.strip():
            pairs.append((key.strip(), val.strip()))
    return pairs


# Microsoft's spam filtering verdict (SFV) values, from its anti-spam message headers page.
_SFV_SPAM = frozenset({"SPM", "SKS", "SKB", "BLK"})
_SFV_NOT_SPAM = frozenset({"NSPM", "SFE", "SKA", "SKI", "SKN", "SKQ"})
_SCL_JUNK = 5.0  # SCL 5-9: spam, delivered to Junk; -1: filtering bypassed; 0-4: not spam


def _ms_scl(source: str, value: str) -> SpamVerdict:
    scl = _number(value.split(";", 1)[0])
    return SpamVerdict(
        source=source,
        flagged=None if scl is None else scl >= _SCL_JUNK,
        score=scl,
        threshold=None if scl is None else _SCL_JUNK,
        tests=(),
        raw=value,
    )


def _ms_antispam(source: str, value: str) -> SpamVerdict:
    # "BCL:0;ARA:...": the bulk complaint level (0-9), not a spam verdict.
    pairs = _ms_pairs(value)
    fields = {key.upper(): val for key, val in pairs}
    return SpamVerdict(
        source=source,
        flagged=None,
        score=_number(fields.get("BCL")),
        threshold=None,
        tests=(),
        raw=value,
        details=tuple(pairs),
    )


def _ms_forefront(source: str, value: str) -> SpamVerdict:
    # "CIP:203.0.113.7;CTRY:VN;...;SCL:5;...;SFV:SPM;...;CAT:SPM;..."
    pairs = _ms_pairs(value)
    fields = {key.upper(): val for key, val in pairs}
    sfv = fields.get("SFV", "").upper()
    scl = _number(fields.get("SCL"))
    flagged: bool | None
    if sfv in _SFV_SPAM:
        flagged = True
    elif sfv in _SFV_NOT_SPAM:
        flagged = False
    else:
        flagged = None if scl is None else scl >= _SCL_JUNK
    return SpamVerdict(
        source=source,
        flagged=flagged,
        score=scl,
        threshold=None if scl is None else _SCL_JUNK,
        tests=(),
        raw=value,
        details=tuple(pairs),
    )


def _ms_mailbox_delivery(source: str, value: str) -> SpamVerdict:
    # "ucf:0;jmr:0;auth:0;dest:J;OFR:SpamFilterAuthJ;...;RF:JunkEmail;"
    # dest:I = Inbox, dest:J = Junk Email; other folders say nothing about spam.
    pairs = _ms_pairs(value)
    fields = {key.lower(): val for key, val in pairs}
    dest = fields.get("dest", "").upper()
    flagged: bool | None = {"J": True, "I": False}.get(dest)
    if flagged is None and fields.get("rf", "").lower() == "junkemail":
        flagged = True
    return SpamVerdict(
        source=source,
        flagged=flagged,
        score=None,
        threshold=None,
        tests=(),
        raw=value,
        details=tuple(pairs),
    )


def _barracuda_status(source: str, value: str) -> SpamVerdict:
    # "Yes, SCORE=7.20 using global scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=1000.0
    #  KILL_LEVEL=9.0 tests=BSF_SC0_MISMATCH_TO, HTML_MESSAGE". Yes = at TAG_LEVEL.
    pairs = _key_values(value)
    fields = {key.upper(): val for key, val in pairs}
    return SpamVerdict(
        source=source,
        flagged=_yes_no(value),
        score=_number(fields.get("SCORE")),
        threshold=_number(fields.get("TAG_LEVEL")),
        tests=_tests_list(value),
        raw=value,
        details=tuple((key, val) for key, val in pairs if key.lower() != "tests"),
    )


#: Lower-case header name -> (canonical name, reader).
SPAM_READERS: dict[str, tuple[str, Callable[[str, str], SpamVerdict]]] = {
    name.lower(): (name, reader)
    for name, reader in (
        ("X-Spam-Flag", _flag),
        ("X-Spam-Status", _spamassassin_status),
        ("X-Spam-Score", _score),
        ("X-Spam-Level", _spam_level),
        ("X-Spam", _flag),
        ("X-Spamd-Result", _rspamd_result),
        ("X-MS-Exchange-Organization-SCL", _ms_scl),
        ("X-Microsoft-Antispam", _ms_antispam),
        ("X-Forefront-Antispam-Report", _ms_forefront),
        ("X-Microsoft-Antispam-Mailbox-Delivery", _ms_mailbox_delivery),
        ("X-Barracuda-Spam-Status", _barracuda_status),
        ("X-Barracuda-Spam-Score", _score),
        ("X-Barracuda-Spam-Flag", _flag),
        ("X-Gm-Spam", _flag),
        ("X-Gm-Phishy", _flag),
    )
}
