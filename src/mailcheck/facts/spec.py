"""The shape of a fact and of a probe's declaration; no fact lives here."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mailcheck.evidence import Outcome, ProbeId, ProbeResult, Step

__all__ = ["FactSpec", "FactValue", "Facts", "ProbeSpec", "Quote", "catalogue"]

FactValue = str | int | bool
Facts = Mapping[str, FactValue]


@dataclass(frozen=True, slots=True)
class Quote:
    """Which steps of which probe a report quotes as the evidence for a fact."""

    probe: ProbeId
    """The probe the fact comes from (a finding decided by the fact is that probe's)."""
    steps: tuple[str, ...] = ()
    """Step names; a step's twin after STARTTLS (``ehlo-tls``) counts too."""
    failed_only: bool = False
    """Only those of the steps that did not end OK (the refused MAIL, RCPT or DATA)."""
    carrying: str | None = None
    """Instead of names: any step that recorded this observation (``tls_failure``)."""

    def matches(self, step: Step) -> bool:
        """Whether a report quotes ``step`` for the fact."""
        if self.carrying is not None:
            return step.get(self.carrying) is not None
        if self.failed_only and step.outcome is Outcome.OK:
            return False
        return step.name in self.steps or step.name.removesuffix("-tls") in self.steps


@dataclass(frozen=True, slots=True)
class FactSpec:
    """One fact: its name, value type and meaning."""

    name: str
    type: type
    doc: str
    evidence: Quote | None = None
    """The steps a report quotes for this fact; None for facts about the run itself."""


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
