"""Facts: a flat, documented view of the evidence, the rules' only input.

Every fact is declared once, by the probe that yields it (one module here per
probe, gathered by :mod:`mailcheck.facts.registry`) or, for facts about the run
as a whole, in :mod:`mailcheck.facts.registry`. Anything that needs computing (which
TLS step failed, which step failed first) is computed here, in Python, so that
the rules stay plain comparisons that IT staff can read.
"""

from __future__ import annotations

from mailcheck.facts.registry import FACTS, PROBES, extract_facts
from mailcheck.facts.spec import Facts, FactSpec, FactValue, ProbeSpec
from mailcheck.facts.timings import roundtrip_timings

__all__ = [
    "FACTS",
    "PROBES",
    "FactSpec",
    "FactValue",
    "Facts",
    "ProbeSpec",
    "extract_facts",
    "roundtrip_timings",
]
