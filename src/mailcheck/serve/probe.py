"""One ``/probe``: a profile's check run once, under the scrape's deadline, as metrics.

The same steps as ``mailcheck check --profile NAME`` (the profile's lock, then its
plan, then its run) and the same metric names (:mod:`mailcheck.report.prometheus`):
a dashboard or alert written for the textfile works on the exporter unchanged. What
only a probe has is its *reason* when it could not run the check: another run held
the profile (``busy``), the profile could not be planned (``config-error``) or no
probe slot came free before the deadline (``no-slot``).
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mailcheck.errors import ConfigError

if TYPE_CHECKING:
    from mailcheck.check.plan import CheckPlan
    from mailcheck.check.result import ProfileResult

__all__ = [
    "DEADLINE_MARGIN_S",
    "DEFAULT_DEADLINE_S",
    "MAX_DEADLINE_S",
    "ProbeAnswer",
    "Prober",
    "probe_deadline",
    "probe_text",
]

#: Taken off Prometheus's scrape time-out, so the answer is written before Prometheus gives
#: up on it (blackbox_exporter's default --timeout-offset is 0.5 s too).
DEADLINE_MARGIN_S = 0.5
#: The deadline of a probe asked without the header (curl, a browser): check's own default.
DEFAULT_DEADLINE_S = 60.0
#: No scrape may hold a probe slot longer than this, whatever its header says.
MAX_DEADLINE_S = 300.0
#: Shorter than this, not even a login could finish: the probe would only ever say UNKNOWN.
MIN_DEADLINE_S = 1.0
#: Seconds per stage of the SMTP connection that :func:`stage_seconds` does not time.
_CONNECTION_STAGES = {"connect": ("connect",), "tls": ("tls", "starttls")}


def probe_deadline(header: str | None, default: float, maximum: float) -> float:
    """Seconds a probe may take: the scrape's time-out less the margin, else ``default``.

    Raises :class:`ConfigError` for a header that is not a number of seconds.
    """
    if header is None:
        return max(MIN_DEADLINE_S, min(default, maximum))
    try:
        value = float(header)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise ConfigError(
            f"X-Prometheus-Scrape-Timeout-Seconds must be a number of seconds, not {header!r}"
        )
    return max(MIN_DEADLINE_S, min(value - DEADLINE_MARGIN_S, maximum))


@dataclass(frozen=True, slots=True)
class ProbeAnswer:
    """What one probe found, and why it did not run the check when it did not."""

    result: ProfileResult
    reason: str | None = None
    """``busy``, ``config-error`` or ``no-slot``; None when the check ran."""

    @property
    def outcome(self) -> str:
        """The probe's result label for the exporter's own counter."""
        return self.reason or self.result.status.value


def _connection_stages(result: ProfileResult) -> dict[str, float]:
    """Connect and TLS seconds of the SMTP probe (the steps' own timings)."""
    from mailcheck.evidence import ProbeId

    stages: dict[str, float] = {}
    main = result.diagnoses[0] if result.diagnoses else None
    if main is None or main.command != "check":
        return stages
    for probe in main.probes:
        if probe.kind is not ProbeId.SMTP:
            continue
        for stage, steps in _CONNECTION_STAGES.items():
            for name in steps:
                step = probe.step(name)
                if step is not None and step.elapsed_ms:
                    stages[stage] = round(step.elapsed_ms / 1000, 4)
                    break
    return stages


def _stamp(path: str | None) -> tuple[int, int, int] | None:
    """What changes when a file is edited or replaced: its mtime, size and inode."""
    if path is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _password_file(plan: CheckPlan) -> str | None:
    source = plan.settings.secret_source if plan.settings is not None else None
    return (source.file or source.profile_file) if source is not None else None


def _reusable(plan: CheckPlan) -> bool:
    """Whether a plan may serve the next probes of its profile until a file changes.

    Not when a program gives the password or token (it may hand out a new one each
    time), nor with an OAuth grant (its refresh token rotates): those are planned anew.
    """
    if plan.settings is None:
        return True
    source = plan.settings.secret_source
    return not (
        source.command
        or source.profile_command
        or source.token_command
        or source.profile_token_command
        or source.oauth_provider
    )


class Prober:
    """Runs probes of one config file's profiles, at most ``max_concurrent`` at a time.

    Reading the config (TOML) and planning a profile cost a few milliseconds of CPU
    each; with fifty probes at once that queue was most of a probe's overhead. So the
    profile names and each profile's plan are kept until the config file (or the
    profile's password file) changes; the deadline is set afresh for every run.
    """

    def __init__(
        self,
        config: str | None,
        *,
        lock_dir: Path,
        max_concurrent: int,
        dns_server: str | None = None,
    ) -> None:
        self.config = config
        self.lock_dir = lock_dir
        self.dns_server = dns_server
        self.slots = asyncio.Semaphore(max_concurrent)
        self._names: tuple[tuple[int, int, int] | None, frozenset[str]] | None = None
        self._plans: dict[str, tuple[tuple[object, ...], CheckPlan]] = {}

    def known(self, profile: str) -> bool:
        """Whether the config file has this profile (edits apply without a restart)."""
        from mailcheck.profiles import profile_names

        stamp = _stamp(self.config)
        if self._names is None or self._names[0] != stamp or stamp is None:
            self._names = (stamp, frozenset(profile_names(self.config)))
        return profile in self._names[1]

    async def _plan(self, profile: str, deadline_s: float) -> CheckPlan:
        from mailcheck.check.plan import plan_profile

        config = _stamp(self.config)
        cached = self._plans.get(profile)
        if cached is not None and config is not None:
            stamp, plan = cached
            if stamp == (config, _stamp(_password_file(plan))):
                return _fresh_deadline(plan, deadline_s)
        options = {"config": self.config, "dns_server": self.dns_server, "deadline": deadline_s}
        # A password_command runs a program: not on the event loop's thread.
        plan = await asyncio.to_thread(plan_profile, profile, options, (None, None))
        if _reusable(plan) and config is not None:
            self._plans[profile] = ((config, _stamp(_password_file(plan))), plan)
        else:
            self._plans.pop(profile, None)
        return plan

    async def probe(self, profile: str, deadline_s: float) -> ProbeAnswer:
        """Run ``profile``'s check once within ``deadline_s`` seconds."""
        from mailcheck.check.plan import error_result
        from mailcheck.errors import MailcheckError
        from mailcheck.history import LockHeld, profile_lock

        try:
            # The lock first, as check takes it: a busy profile answers at once, without
            # waiting for a slot and without reading its password.
            with profile_lock(self.lock_dir, profile):
                return await self._locked(profile, deadline_s)
        except LockHeld as exc:
            skipped = replace(error_result(profile, str(exc)), error=None, skipped=str(exc))
            return ProbeAnswer(skipped, "busy")
        except MailcheckError as exc:  # e.g. the lock directory cannot be created
            return ProbeAnswer(error_result(profile, str(exc)), "config-error")

    async def _locked(self, profile: str, deadline_s: float) -> ProbeAnswer:
        from mailcheck.check.plan import error_result, run_plan
        from mailcheck.errors import MailcheckError

        loop = asyncio.get_running_loop()
        ends = loop.time() + deadline_s
        try:
            async with asyncio.timeout_at(ends - MIN_DEADLINE_S):
                await self.slots.acquire()
        except TimeoutError:
            message = (
                f"no probe slot came free within the deadline ({deadline_s:.1f} s): "
                "more probes asked at once than --max-concurrent allows"
            )
            return ProbeAnswer(error_result(profile, message), "no-slot")
        try:
            try:
                plan = await self._plan(profile, max(ends - loop.time(), MIN_DEADLINE_S))
            except MailcheckError as exc:
                return ProbeAnswer(error_result(profile, str(exc)), "config-error")
            result = await run_plan(plan, max(ends - loop.time(), MIN_DEADLINE_S))
        finally:
            self.slots.release()
        stages = {**result.stages, **_connection_stages(result)}
        return ProbeAnswer(replace(result, stages=stages))


def _fresh_deadline(plan: CheckPlan, deadline_s: float) -> CheckPlan:
    """A kept plan with the deadline of this probe (a run's clock starts at planning)."""
    if plan.settings is None:
        return plan
    source = replace(plan.settings.secret_source, deadline_at=time.monotonic() + deadline_s)
    return replace(plan, settings=replace(plan.settings, secret_source=source))


def probe_text(answer: ProbeAnswer) -> str:
    """The probe's answer in the text exposition format.

    The check's metrics are :func:`~mailcheck.report.prometheus.render_prometheus`'s, so
    they cannot drift from ``check --format prometheus``; only the probe's reason is added.
    """
    from mailcheck.check.result import CheckRun
    from mailcheck.report.prometheus import render_prometheus

    text = render_prometheus(CheckRun(results=(answer.result,)))
    if answer.reason is not None:
        text += _reason_text(answer.result.profile, answer.reason)
    return text


def _reason_text(profile: str, reason: str) -> str:
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily
    from prometheus_client.registry import Collector

    family = GaugeMetricFamily(
        "mailcheck_probe_reason_info",
        "Why the probe did not run the check: busy (another run held the profile's lock), "
        "config-error, no-slot (value always 1).",
        labels=["profile", "reason"],
    )
    family.add_metric([profile, reason], 1)

    class _Reason(Collector):
        def collect(self) -> list[GaugeMetricFamily]:
            return [family]

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Reason())
    return generate_latest(registry).decode()
