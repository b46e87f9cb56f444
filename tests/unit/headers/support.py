"""Helpers shared by the header tests: the fixtures of fixtures/headers/ and their views."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from mailcheck.headers import HeaderReport, SpamVerdict, read_headers

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "headers"
ALL_FIXTURES = sorted(FIXTURES.glob("*.eml"))


def load(name: str) -> HeaderReport:
    return read_headers((FIXTURES / name).read_bytes())


def verdict(report: HeaderReport, source: str) -> SpamVerdict:
    (found,) = [v for v in report.spam if v.source == source]
    return found


def hop(
    from_host: str | None,
    from_ip: str | None,
    by_host: str | None,
    with_protocol: str | None,
    timestamp: datetime | None,
) -> tuple[str | None, str | None, str | None, str | None, datetime | None]:
    return (from_host, from_ip, by_host, with_protocol, timestamp)


def hops(report: HeaderReport) -> list[tuple[object, ...]]:
    return [
        (h.from_host, h.from_ip, h.by_host, h.with_protocol, h.timestamp) for h in report.received
    ]


PST = timezone(timedelta(hours=-8))
ICT = timezone(timedelta(hours=7))
