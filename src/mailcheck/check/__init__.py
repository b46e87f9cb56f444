"""``mailcheck check``: run configured profiles non-interactively, for cron, CI and monitoring.

- :mod:`~mailcheck.check.plan`: a profile of the config file becomes a :class:`CheckPlan`
  (:func:`plan_profile`), and :func:`run_plan` / :func:`run_plans` run it;
- :mod:`~mailcheck.check.result`: what a run found, per profile (:class:`ProfileResult`,
  :class:`CheckRun`): the one shape every check output and the history read;
- :mod:`~mailcheck.check.ranges`: ``--warning`` / ``--critical`` ranges in the
  monitoring-plugin syntax (:func:`parse_range`).

Import from the module that holds a name: this package loads nothing by itself, so
that a renderer reading a result does not load the planner. The click command is
:mod:`mailcheck.cli.commands.check`; the outputs are in :mod:`mailcheck.report`.
"""
