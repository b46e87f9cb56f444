"""Plan and run ``mailcheck check``'s profiles, non-interactively, for cron, CI and monitoring.

Each profile of the config file says what to check (``checks``: credentials,
roundtrip, sender-dns, customers) and which customer domains matter
(``customer_domains``). Profiles run side by side under one overall deadline;
a profile that cannot even start (bad config, no password) becomes an UNKNOWN
result with the reason, so the other profiles still run and every output format
still reports it. Nothing here prompts: a missing password is a config error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailcheck.check.result import ProfileResult, stage_seconds, worst
from mailcheck.config import DEFAULT_TIMEOUT, resolve_settings
from mailcheck.diagnosis import Diagnosis
from mailcheck.errors import ConfigError, MailcheckError
from mailcheck.profiles import CHECKS, load_profile
from mailcheck.rules import Severity
from mailcheck.secret import Secret, read_secret
from mailcheck.settings import Settings
from mailcheck.values import Address, parse_dns_server, parse_seconds

if TYPE_CHECKING:
    from mailcheck.check.ranges import PluginRange

__all__ = [
    "DEFAULT_CHECKS",
    "CheckPlan",
    "Thresholds",
    "error_result",
    "plan_profile",
    "run_plan",
    "run_plans",
]

#: What a profile checks when its ``checks`` key is not set.
DEFAULT_CHECKS = ("credentials", "roundtrip", "sender-dns")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """``--warning`` / ``--critical`` ranges on the delivery time, in seconds."""

    warning: PluginRange | None = None
    critical: PluginRange | None = None
    warning_from: str = "--warning"
    """Where the warning range came from: the flag, or the profile's ``delivery_warning``."""
    critical_from: str = "--critical"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckPlan:
    """One profile, resolved and ready to run."""

    profile: str
    checks: tuple[str, ...]
    settings: Settings | None
    """None for a profile that only checks DNS (no server, no password)."""
    secret: Secret | None
    sender: str | None
    customer_domains: tuple[str, ...]
    dns_server: tuple[str, int] | None
    timeout: float
    thresholds: Thresholds


def error_result(profile: str, message: str) -> ProfileResult:
    """A profile that could not run: UNKNOWN, with the reason (exit 3)."""
    return ProfileResult(
        profile=profile,
        started_at=datetime.now(UTC),
        elapsed_s=0.0,
        status=Severity.UNKNOWN,
        summary=message,
        error=message,
    )


def _checks(raw: Any, profile: str, has_customers: bool) -> tuple[str, ...]:
    if raw is None:
        return DEFAULT_CHECKS + (("customers",) if has_customers else ())
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"profile {profile!r}: 'checks' must be a list of {', '.join(CHECKS)}")
    for item in raw:
        if item not in CHECKS:
            raise ConfigError(
                f"profile {profile!r}: unknown check {item!r} (known: {', '.join(CHECKS)})"
            )
    if "customers" in raw and not has_customers:
        raise ConfigError(
            f"profile {profile!r}: 'customers' is checked but customer_domains is empty"
        )
    return tuple(c for c in CHECKS if c in raw)


def _domains(raw: Any, profile: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, list):
        raise ConfigError(f"profile {profile!r}: 'customer_domains' must be a list of domains")
    out = []
    for item in raw:
        # An address is accepted too: its domain is what gets checked.
        domain = Address.domain_of(str(item).strip()).rstrip(".")
        Address.parse(f"postmaster@{domain}", f"profile {profile!r}: customer_domains")
        out.append(domain)
    return tuple(dict.fromkeys(out))


def plan_profile(
    name: str,
    options: Mapping[str, Any],
    thresholds: tuple[str | None, str | None],
) -> CheckPlan:
    """Resolve one profile for ``check``; a :class:`MailcheckError` says why it cannot run."""
    from mailcheck.check.ranges import parse_range

    profile, _ = load_profile(options.get("config"), name)
    domains = _domains(profile.get("customer_domains"), name)
    checks = _checks(profile.get("checks"), name, bool(domains))
    warning = thresholds[0] or profile.get("delivery_warning")
    critical = thresholds[1] or profile.get("delivery_critical")
    limits = Thresholds(
        warning=parse_range(str(warning)) if warning is not None else None,
        critical=parse_range(str(critical)) if critical is not None else None,
        warning_from="--warning" if thresholds[0] else "delivery_warning",
        critical_from="--critical" if thresholds[1] else "delivery_critical",
    )
    settings = secret = None
    if "credentials" in checks or "roundtrip" in checks:
        values = {
            "config": options.get("config"),
            "profile": name,
            "dns_server": options.get("dns_server"),
            "deadline": options.get("deadline"),
            "no_prompt": True,
        }
        settings = resolve_settings(values, need_sender="roundtrip" in checks)
        source = settings.secret_source
        if (
            source.env_name
            or source.profile_file
            or source.profile_command
            or source.oauth_provider
        ):
            # A profile that names its own password source uses it: with several profiles
            # in one run, one MAILCHECK_PASSWORD cannot be every mailbox's password.
            source = replace(source, env_var=None)
        # Customer domains are checked on their own; the profile's recipient is diagnose's.
        settings = replace(settings, recipient=None, secret_source=source)
        secret = read_secret(settings.secret_source, prompt_label="")
        sender, dns_server, timeout = settings.sender, settings.dns_server, settings.smtp.timeout
    else:
        sender = profile.get("sender")
        if sender is not None:
            sender = str(Address.parse(str(sender), f"profile {name!r}: sender"))
        server = options.get("dns_server") or profile.get("dns_server")
        dns_server = parse_dns_server(str(server)) if server else None
        timeout = parse_seconds(profile.get("timeout") or DEFAULT_TIMEOUT, "timeout")
    if "sender-dns" in checks and not sender:
        raise ConfigError(f"profile {name!r}: 'sender-dns' needs the profile's sender address")
    return CheckPlan(
        profile=name,
        checks=checks,
        settings=settings,
        secret=secret,
        sender=sender,
        customer_domains=domains,
        dns_server=dns_server,
        timeout=timeout,
        thresholds=limits,
    )


async def _customer_diagnosis(domain: str, plan: CheckPlan, deadline: float) -> Diagnosis:
    from mailcheck.diagnosis import diagnose
    from mailcheck.scenarios.common import recipient_domain_probe

    started = time.perf_counter()
    result = await recipient_domain_probe(domain, plan.dns_server, plan.timeout, deadline)
    target: dict[str, str | int | None] = {"profile": plan.profile, "domain": domain}
    return diagnose("check-customer", target, [result], started)


async def _sender_dns_diagnosis(plan: CheckPlan, deadline: float) -> Diagnosis:
    """The sender domain's SPF, DKIM policy, DMARC without a round trip (no IP, no message)."""
    from mailcheck.diagnosis import diagnose
    from mailcheck.probes.auth import SenderCheck
    from mailcheck.scenarios.common import sender_domain_probe

    started = time.perf_counter()
    domain = Address.domain_of(plan.sender or "")
    check = SenderCheck(domain=domain, ip=None, sender=plan.sender)
    result = await sender_domain_probe(check, plan.dns_server, plan.timeout, deadline)
    return diagnose("check", {"profile": plan.profile, "sender": plan.sender}, [result], started)


async def run_plan(plan: CheckPlan, deadline_s: float) -> ProfileResult:
    """Run one planned profile within ``deadline_s`` seconds: its probes side by side."""
    from mailcheck.scenarios.roundtrip import RoundtripSteps, roundtrip_diagnosis
    from mailcheck.scenarios.smtp import smtp_diagnosis

    started = time.perf_counter()
    started_at = datetime.now(UTC)
    deadline = asyncio.get_running_loop().time() + deadline_s
    sender_dns = "sender-dns" in plan.checks
    jobs = []
    if plan.settings is not None and plan.secret is not None:
        settings = replace(plan.settings, deadline=deadline_s)
        if "roundtrip" in plan.checks:
            steps = RoundtripSteps(sender_dns=sender_dns)
            jobs.append(roundtrip_diagnosis("check", settings, plan.secret, steps))
        else:
            jobs.append(smtp_diagnosis("check", settings, plan.secret, sender_dns=sender_dns))
    elif sender_dns:
        jobs.append(_sender_dns_diagnosis(plan, deadline))
    if "customers" in plan.checks:
        jobs.extend(_customer_diagnosis(d, plan, deadline) for d in plan.customer_domains)
    diagnoses = tuple(await asyncio.gather(*jobs))
    elapsed = round(time.perf_counter() - started, 3)
    return _result(plan, diagnoses, started_at, elapsed)


def _result(
    plan: CheckPlan, diagnoses: tuple[Diagnosis, ...], started_at: datetime, elapsed: float
) -> ProfileResult:
    main = diagnoses[0] if diagnoses and diagnoses[0].command == "check" else None
    stages = stage_seconds(main) if main is not None else {}
    stages["total"] = elapsed
    placement = None
    if main is not None and "roundtrip" in plan.checks:
        value = main.facts.get("roundtrip.placement")
        placement = str(value) if value is not None else None
    status = worst([d.severity for d in diagnoses])
    findings = sorted(
        (f for d in diagnoses for f in d.findings), key=lambda f: -f.cause.severity.rank
    )
    summary = _summary(status, placement, stages, findings)
    threshold = None
    delivery = stages.get("delivery")
    if delivery is not None:
        limits = plan.thresholds
        for limit, level, flag in (
            (limits.critical, Severity.CRITICAL, limits.critical_from),
            (limits.warning, Severity.WARNING, limits.warning_from),
        ):
            if limit is not None and limit.alerts(delivery):
                threshold = f"delivery time {delivery:.2f} s is outside {flag} {limit.text}"
                summary = threshold if status is Severity.OK else f"{summary}; {threshold}"
                status = worst([status, level])
                break
    return ProfileResult(
        profile=plan.profile,
        started_at=started_at,
        elapsed_s=elapsed,
        status=status,
        summary=summary,
        diagnoses=diagnoses,
        stages=stages,
        placement=placement,
        causes=tuple(dict.fromkeys(f.cause.id for f in findings)),
        threshold=threshold,
        warning=plan.thresholds.warning.text if plan.thresholds.warning else None,
        critical=plan.thresholds.critical.text if plan.thresholds.critical else None,
    )


def _summary(
    status: Severity, placement: str | None, stages: Mapping[str, float], findings: Sequence[Any]
) -> str:
    delivery = stages.get("delivery")
    if status is Severity.OK:
        if placement == "inbox" and delivery is not None:
            return f"delivered to INBOX in {delivery:.2f} s"
        return "all checks passed"
    bad = [f for f in findings if f.cause.severity is not Severity.OK]
    if not bad:
        return "could not tell: a probe did not finish (see the details)"
    text = str(bad[0].cause.title["en"])
    if len(bad) > 1:
        text += f" (+{len(bad) - 1} more)"
    return text


def run_plans(plans: Sequence[CheckPlan], deadline_s: float) -> list[ProfileResult]:
    """Run the profiles side by side under one overall deadline."""

    async def run() -> list[ProfileResult]:
        results = []
        outcomes = await asyncio.gather(
            *(run_plan(p, deadline_s) for p in plans), return_exceptions=True
        )
        for plan, outcome in zip(plans, outcomes, strict=True):
            if isinstance(outcome, MailcheckError):
                results.append(error_result(plan.profile, str(outcome)))
            elif isinstance(outcome, BaseException):
                raise outcome
            else:
                results.append(outcome)
        return results

    from mailcheck import interrupt

    return interrupt.run(run())
