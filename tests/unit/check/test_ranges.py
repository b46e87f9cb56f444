"""Threshold ranges read the way Nagios and the monitoring plugins read them."""

from __future__ import annotations

import math

import pytest

from mailcheck.check.ranges import parse_range
from mailcheck.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "quiet", "loud"),
    [
        # The guidelines' table of example ranges; endpoints are inclusive.
        ("10", [0, 5, 10], [-0.001, 10.001, 11]),
        ("10:", [10, 11, 1e9], [9.999, 0, -1]),
        ("~:10", [-1e9, 0, 10], [10.001, 11]),
        ("10:20", [10, 15, 20], [9.99, 20.01]),
        ("@10:20", [9.99, 20.01, 0], [10, 15, 20]),
        # Decimals, negatives, and the shorthands the plugins' C library accepts.
        ("1.5:2.5", [1.5, 2, 2.5], [1.49, 2.51]),
        ("-5:-1", [-5, -3, -1], [-5.5, -0.5, 0]),
        (":10", [0, 10], [-1, 10.5]),
        ("@~:0", [0.5, 100], [0, -100]),
        ("10:10", [10], [9.9, 10.1]),
    ],
)
def test_range_alerts_outside_or_with_at_inside(
    text: str, quiet: list[float], loud: list[float]
) -> None:
    limit = parse_range(text)
    assert [limit.alerts(v) for v in quiet] == [False] * len(quiet)
    assert [limit.alerts(v) for v in loud] == [True] * len(loud)


def test_range_keeps_what_the_user_wrote() -> None:
    limit = parse_range("@~:2.50")
    assert limit.text == "@~:2.50"
    assert str(limit) == "@~:2.50"
    assert limit.start == -math.inf
    assert limit.end == 2.5
    assert limit.inside


def test_range_is_frozen() -> None:
    limit = parse_range("10")
    with pytest.raises(AttributeError):
        limit.text = "20"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("20:10", "start 20 is greater than end 10"),
        ("-10", "bare number N means 0:N"),
        ("", "empty"),
        (" 10", "spaces"),
        ("1 0", "spaces"),
        ("@", "'@' needs a range"),
        ("1:2:3", "more than one ':'"),
        ("ten", "end 'ten' is not a number"),
        ("x:10", "start 'x' is not a number"),
        ("10:~", "end '~' is not a number"),
        ("~", "end '~' is not a number"),
        ("1e3", "not a number"),
        ("nan", "not a number"),
        ("inf:", "not a number"),
        ("10s", "not a number"),
    ],
)
def test_bad_ranges_are_config_errors_that_name_the_range(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse_range(text)
    assert repr(text) in str(info.value)
