"""Moved: :mod:`mailcheck.diagnosis` (the diagnosis) and :mod:`mailcheck.probes.run` (the runner).

Only re-exports remain, for the modules not yet moved to the new places.
"""

# shim: remove after issue 12 integration
from mailcheck.diagnosis import Diagnosis as Diagnosis
from mailcheck.diagnosis import diagnose as diagnose
from mailcheck.diagnosis import evidence_steps as evidence_steps
from mailcheck.diagnosis import probe_of_fact as probe_of_fact
from mailcheck.probes.run import ProbeFn as ProbeFn
from mailcheck.probes.run import run_probe as run_probe

__all__ = ["Diagnosis", "ProbeFn", "diagnose", "evidence_steps", "probe_of_fact", "run_probe"]
