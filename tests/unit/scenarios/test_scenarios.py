"""The scenarios' typed inputs: what a round trip does is said by its steps, not its command."""

from __future__ import annotations

import asyncio
import os

import pytest

from mailcheck.config import resolve_settings
from mailcheck.errors import ConfigError
from mailcheck.progress import Progress
from mailcheck.scenarios.common import showing
from mailcheck.scenarios.dns import DnsOptions, dns_diagnosis
from mailcheck.scenarios.roundtrip import RoundtripSteps
from mailcheck.settings import Settings


def _settings(**values: object) -> Settings:
    given = {
        "sender": "billing@example.com",
        "recipient": "customer@example.org",
        "smtp_host": "smtp.example.com",
        "config": os.devnull,
        "no_prompt": True,
        **values,
    }
    return resolve_settings(given, need_sender=True, need_recipient=True)


def test_a_plain_round_trip_does_nothing_beyond_the_sender_s_own_mailbox() -> None:
    assert RoundtripSteps() == RoundtripSteps(
        sender_dns=False, send_to_recipient=False, probe_rcpt=False, bounce_planned=False
    )


@pytest.mark.parametrize("send_to_recipient", [True, False])
@pytest.mark.parametrize("probe_rcpt", [True, False])
def test_the_full_walk_checks_the_sender_s_dns_and_plans_the_bounce(
    send_to_recipient: bool, probe_rcpt: bool
) -> None:
    settings = _settings(send_to_recipient=send_to_recipient, probe_rcpt=probe_rcpt)
    steps = RoundtripSteps.full_walk(settings)
    assert steps == RoundtripSteps(
        sender_dns=True,
        send_to_recipient=send_to_recipient,
        probe_rcpt=probe_rcpt,
        bounce_planned=True,
    )


def test_without_a_view_a_scenario_shows_no_progress() -> None:
    async def run() -> Progress | None:
        progress, shown = showing(None)
        async with shown:
            return progress

    assert asyncio.run(run()) is None


def test_a_view_gets_the_progress_the_probes_record_into() -> None:
    seen: list[Progress] = []

    class View:
        def __init__(self, progress: Progress) -> None:
            seen.append(progress)

        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *exc: object) -> None:
            return None

    progress, _ = showing(View)
    assert seen == [progress]


def test_a_dns_target_that_is_no_domain_is_a_config_error() -> None:
    from mailcheck.dnsresolver import Resolver

    async def run() -> None:
        async with Resolver(None, timeout=1, lifetime=1) as resolver:
            await dns_diagnosis("bad\udcffname", resolver, DnsOptions())

    with pytest.raises(ConfigError, match="not a valid domain name"):
        asyncio.run(run())
