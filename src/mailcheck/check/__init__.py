"""``mailcheck check``: run configured profiles non-interactively, for cron, CI and monitoring.

- :mod:`~mailcheck.check.plan`: a profile of the config file becomes a :class:`CheckPlan`
  (:func:`plan_profile`), and :func:`run_plan` / :func:`run_plans` run it;
- :mod:`~mailcheck.check.result`: what a run found, per profile (:class:`ProfileResult`,
  :class:`CheckRun`): the one shape every check output and the history read;
- :mod:`~mailcheck.check.ranges`: ``--warning`` / ``--critical`` ranges in the
  monitoring-plugin syntax (:func:`parse_range`).

The click command is :mod:`mailcheck.commands.check`; the outputs are in :mod:`mailcheck.report`.
"""

from mailcheck.check.plan import (
    DEFAULT_CHECKS,
    CheckPlan,
    Thresholds,
    error_result,
    plan_profile,
    run_plan,
    run_plans,
)
from mailcheck.check.ranges import PluginRange, parse_range
from mailcheck.check.result import (
    PLACEMENT_CODES,
    STAGES,
    CheckRun,
    ProbeOutcome,
    ProfileResult,
    probe_outcomes,
    stage_seconds,
    worst,
)

__all__ = [
    "DEFAULT_CHECKS",
    "PLACEMENT_CODES",
    "STAGES",
    "CheckPlan",
    "CheckRun",
    "PluginRange",
    "ProbeOutcome",
    "ProfileResult",
    "Thresholds",
    "error_result",
    "parse_range",
    "plan_profile",
    "probe_outcomes",
    "run_plan",
    "run_plans",
    "stage_seconds",
    "worst",
]
