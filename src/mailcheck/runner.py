"""Moved: :mod:`mailcheck.diagnosis` (the diagnosis) and :mod:`mailcheck.probes.run` (the runner).

Only re-exports remain, for the modules not yet moved to the new places. The
runner's names load on first use, so a renderer that still imports
``Diagnosis`` from here does not load the probes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# shim: remove after issue 12 integration
from mailcheck.diagnosis import Diagnosis as Diagnosis
from mailcheck.diagnosis import diagnose as diagnose
from mailcheck.diagnosis import evidence_steps as evidence_steps
from mailcheck.diagnosis import probe_of_fact as probe_of_fact

if TYPE_CHECKING:
    from mailcheck.probes.run import ProbeFn as ProbeFn
    from mailcheck.probes.run import run_probe as run_probe

__all__ = ["Diagnosis", "ProbeFn", "diagnose", "evidence_steps", "probe_of_fact", "run_probe"]


def __getattr__(name: str) -> object:
    if name in ("ProbeFn", "run_probe"):
        from mailcheck.probes import run

        return getattr(run, name)
    raise AttributeError(f"module 'mailcheck.runner' has no attribute {name!r}")
