"""Threshold ranges in the monitoring-plugin syntax (``--warning 10``, ``--critical @5:8``).

The syntax is the one of the Monitoring Plugins development guidelines
("Threshold and ranges"): ``[@]start:end``, where

- ``start`` and the ``:`` may be left out when start is 0 (``10`` means 0..10);
- an empty ``end`` means positive infinity (``10:`` means 10..∞);
- ``~`` as ``start`` means negative infinity (``~:10`` means -∞..10);
- both ends are inclusive, and start must not be greater than end;
- the value alerts when it is *outside* the range, or *inside* it with a leading ``@``.

Nagios, Icinga and the plugins' own C library read ranges this way, so a
threshold a monitoring admin already uses elsewhere means the same here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from mailcheck.errors import ConfigError

__all__ = ["PluginRange", "parse_range"]

# Plain decimals only: the guidelines' values are in the class [-0-9.], so no
# exponents, "inf" or "nan" (float() would accept those and hide a typo).
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginRange:
    """A parsed threshold range; ``text`` is what the user wrote (for perfdata and messages)."""

    text: str
    start: float
    """Inclusive lower end; ``-inf`` for ``~``."""
    end: float
    """Inclusive upper end; ``inf`` when left empty."""
    inside: bool
    """True for ``@`` ranges: alert when the value is inside, not outside."""

    def alerts(self, value: float) -> bool:
        """Whether ``value`` raises the alert this range stands for."""
        within = self.start <= value <= self.end
        return within if self.inside else not within

    def __str__(self) -> str:
        return self.text


def _number(part: str, text: str, which: str) -> float:
    if not _NUMBER.match(part):
        raise ConfigError(
            f"threshold range {text!r}: {which} {part!r} is not a number "
            "(use e.g. 10, 10:, ~:10, 10:20 or @10:20)"
        )
    return float(part)


def parse_range(text: str) -> PluginRange:
    """Parse ``text``; raises :class:`ConfigError` naming the range and what is wrong."""
    if not text or text != text.strip() or any(c.isspace() for c in text):
        raise ConfigError(
            f"threshold range {text!r}: empty or contains spaces "
            "(use e.g. 10, 10:, ~:10, 10:20 or @10:20)"
        )
    body = text[1:] if text.startswith("@") else text
    if not body:
        raise ConfigError(f"threshold range {text!r}: '@' needs a range after it, e.g. @10:20")
    if body.count(":") > 1:
        raise ConfigError(f"threshold range {text!r}: more than one ':'")
    if ":" in body:
        low, _, high = body.partition(":")
        if low == "~":
            start = -math.inf
        elif low == "":
            start = 0.0  # the plugins' C library reads ":10" as 0..10
        else:
            start = _number(low, text, "start")
        end = math.inf if high == "" else _number(high, text, "end")
    else:
        # "~" is only meaningful as a start; alone it would silently mean 0..0.
        start, end = 0.0, _number(body, text, "end")
    if start > end:
        hint = " (a bare number N means 0:N, so it cannot be negative)" if ":" not in body else ""
        raise ConfigError(
            f"threshold range {text!r}: start {_end_text(start)} is greater than end "
            f"{_end_text(end)}{hint}"
        )
    return PluginRange(text=text, start=start, end=end, inside=text.startswith("@"))


def _end_text(value: float) -> str:
    """A range end as people write it (``10``, ``2.5``, ``~``, ``inf``): for messages."""
    if value == -math.inf:
        return "~"
    if value == math.inf:
        return "inf"
    return f"{value:g}"
