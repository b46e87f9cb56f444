"""The scenarios: what each command does, as async functions with typed inputs.

Each one runs its probes under one deadline and returns a
:class:`~mailcheck.diagnosis.Diagnosis`. They print nothing, ask nothing and
know nothing of click: the command line (:mod:`mailcheck.cli.commands`) and the
library (:mod:`mailcheck.api`) both stand on them.
"""
