"""The shape of a fact and of a probe's declaration; no fact lives here."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mailcheck.evidence import ProbeId, ProbeResult

__all__ = ["FactSpec", "FactValue", "Facts", "ProbeSpec", "catalogue"]

FactValue = str | int | bool
Facts = Mapping[str, FactValue]


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact: its name, value type and meaning."""

    name: str
    type: type
    doc: str
    evidence: str = ""
    """``probe/step[,step...]`` whose reply a report quotes for this fact, when the fact's
    own name does not say it (``smtp.auth`` quotes the SMTP probe's ``auth`` step)."""


def catalogue(*specs: FactSpec) -> dict[str, FactSpec]:
    """Facts by name, in the order given."""
    return {spec.name: spec for spec in specs}


@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """What one probe declares: the steps it records and the facts it yields.

    The probe's I/O lives under :mod:`mailcheck.probes`; its declaration lives here,
    apart, so that the facts, the rules and every renderer can read a probe's
    evidence without loading sockets, TLS or protocol libraries.
    """

    id: ProbeId
    steps: type[enum.StrEnum]
    """The names of the steps it records (a folder may prefix one: ``junk:cleanup``)."""
    facts: tuple[FactSpec, ...]
    extract: Callable[[ProbeResult], dict[str, FactValue]]
    """Its facts from one of its results (a step the run cut short already dropped)."""
