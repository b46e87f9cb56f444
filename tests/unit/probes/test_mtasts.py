"""MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) readers: records, policy files, MX patterns,
and the HTTP answer of a policy fetch. Each text is written for its test."""

from __future__ import annotations

import pytest

from mailcheck.probes.mtasts import (
    POLICY_MAX_BYTES,
    StsPolicy,
    _read_answer,
    mx_matches,
    parse_policy,
    parse_sts_record,
    parse_tlsrpt_record,
)


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (["v=STSv1; id=20261204T1;"], ("20261204T1", "")),
        (["v=STSv1;id=abc"], ("abc", "")),
        # Someone else's records beside it are not ours.
        (["v=spf1 mx -all", "v=STSv1; id=7"], ("7", "")),
        ([], (None, "none")),
        (["v=spf1 -all"], (None, "none")),
        # Not v=STSv1 first: not an MTA-STS record at all.
        (["id=1; v=STSv1"], (None, "none")),
    ],
)
def test_sts_record(records: list[str], expected: tuple[str | None, str]) -> None:
    assert parse_sts_record(records) == expected


@pytest.mark.parametrize(
    "records",
    [
        ["v=STSv1; id=1", "v=STSv1; id=2"],  # two: the intent is unclear, neither counts
        ["v=STSv1;"],  # no id
        ["v=STSv1; id=2026-12-04"],  # the id is letters and digits only
        ["v=STSv1; id=" + "a" * 33],
    ],
)
def test_sts_record_that_is_not_usable_says_why(records: list[str]) -> None:
    policy_id, why = parse_sts_record(records)
    assert policy_id is None
    assert why
    assert why != "none"


def test_policy_file_with_crlf_several_mx_and_unknown_keys() -> None:
    text = (
        "version: STSv1\r\nmode: enforce\r\nmx: mx1.congty.vn\r\nmx: *.backup.congty.vn.\r\n"
        "max_age: 604800\r\nextension: ignored\r\n"
    )
    assert parse_policy(text) == (
        StsPolicy(mode="enforce", mx=("mx1.congty.vn", "*.backup.congty.vn"), max_age=604800),
        "",
    )


def test_policy_in_mode_none_needs_no_mx() -> None:
    assert parse_policy("version: STSv1\nmode: none\nmax_age: 86400\n")[0] == StsPolicy(
        "none", (), 86400
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("version: STSv2\nmode: enforce\nmx: a.vn\nmax_age: 1\n", "version"),
        ("version: STSv1\nmode: strict\nmx: a.vn\nmax_age: 1\n", "mode"),
        ("version: STSv1\nmode: enforce\nmx: a.vn\nmax_age: forever\n", "max_age"),
        ("version: STSv1\nmode: enforce\nmx: a.vn\nmax_age: 99999999\n", "max_age"),
        ("version: STSv1\nmode: testing\nmax_age: 600\n", "mx"),
        ("<html><body>Welcome to nginx!</body></html>\n", "key: value"),
    ],
)
def test_policy_file_that_is_not_usable_says_why(text: str, words: str) -> None:
    policy, why = parse_policy(text)
    assert policy is None
    assert words in why


@pytest.mark.parametrize(
    ("host", "patterns", "expected"),
    [
        ("mx1.congty.vn", ("mx1.congty.vn",), True),
        ("MX1.CongTy.VN.", ("mx1.congty.vn",), True),
        ("mx2.congty.vn", ("*.congty.vn",), True),
        # A wildcard stands for one label: not the domain itself, not two labels.
        ("congty.vn", ("*.congty.vn",), False),
        ("a.mx2.congty.vn", ("*.congty.vn",), False),
        ("mx1.khac.vn", ("mx1.congty.vn", "*.congty.vn"), False),
    ],
)
def test_mx_patterns(host: str, patterns: tuple[str, ...], expected: bool) -> None:
    assert mx_matches(host, patterns) is expected


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (["v=TLSRPTv1; rua=mailto:tls@congty.vn"], (("mailto:tls@congty.vn",), "")),
        (
            ["v=TLSRPTv1;rua=mailto:a@congty.vn,https://bao-cao.congty.vn/tls"],
            (("mailto:a@congty.vn", "https://bao-cao.congty.vn/tls"), ""),
        ),
        ([], ((), "none")),
    ],
)
def test_tlsrpt_record(records: list[str], expected: tuple[tuple[str, ...], str]) -> None:
    assert parse_tlsrpt_record(records) == expected


@pytest.mark.parametrize(
    "records",
    [["v=TLSRPTv1;"], ["v=TLSRPTv1; rua=ftp://congty.vn/x"], ["v=TLSRPTv1", "v=TLSRPTv1"]],
)
def test_tlsrpt_record_that_is_not_usable(records: list[str]) -> None:
    rua, why = parse_tlsrpt_record(records)
    assert rua == ()
    assert why not in ("", "none")


def test_answer_200_text_plain_is_the_policy() -> None:
    raw = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nversion: STSv1\n"
    fetched = _read_answer(raw, "TLSv1.3")
    assert (fetched.status, fetched.body, fetched.error) == (200, "version: STSv1\n", "")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        # RFC 8461 3.3: no redirects.
        (b"HTTP/1.1 301 Moved\r\nLocation: https://www.congty.vn/\r\n\r\n", "301 to https://"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>", "text/html"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"x" * (POLICY_MAX_BYTES + 1),
            "64 KiB",
        ),
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP answer"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", "no complete"),
    ],
)
def test_answers_that_are_no_policy(raw: bytes, words: str) -> None:
    fetched = _read_answer(raw, "")
    assert words in fetched.error
    assert fetched.body == ""
