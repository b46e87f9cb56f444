"""Provider-specific and hostile replies, from a scripted server on 127.0.0.1.

The real lab cannot say what Gmail or Microsoft 365 say, nor send garbage or
stall; these recorded dialogues can.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
from pathlib import Path

import pytest

from tests.helpers import LAB_PASSWORD, LAB_USER, LabHandle, cause_ids, run_cli, run_json
from tests.servers.scripted_smtp import Script, ScriptedSmtp, scripted_smtp

PASSWORD = "s3cret-Pass!"
ENV = {"MAILCHECK_PASSWORD": PASSWORD}
LAB_ENV = {"MAILCHECK_PASSWORD": LAB_PASSWORD}


def _args(server: ScriptedSmtp, ca_file: str, *extra: str) -> list[str]:
    return [
        "smtp",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(server.port),
        "--ca-file",
        ca_file,
        "--username",
        "sender@lab.test",
        *extra,
    ]


@pytest.mark.parametrize(
    ("script", "cause", "code", "enhanced"),
    [
        ("gmail-app-password", "app-password-required", 534, "5.7.9"),
        ("gmail-web-login", "web-login-required", 534, "5.7.14"),
        ("gmail-bad-password", "password-changed", 535, "5.7.8"),
        ("ms365-auth-disabled", "smtp-auth-disabled", 535, "5.7.139"),
        ("ms365-basic-auth-disabled", "basic-auth-blocked", 535, "5.7.139"),
        ("ms365-bad-password", "password-changed", 535, "5.7.139"),
        ("ms365-basic-auth-retired", "basic-auth-retired", 550, "5.7.30"),
    ],
)
def test_provider_login_replies_name_their_cause(
    tls_server_context: tuple[ssl.SSLContext, str],
    script: str,
    cause: str,
    code: int,
    enhanced: str,
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load(script), tls=context) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert server.errors == []
    assert exit_code == 2
    assert cause_ids(report) == [cause]
    (evidence,) = report["causes"][0]["evidence"]
    assert evidence["name"] == "auth"
    assert evidence["reply"]["code"] == code
    assert evidence["reply"]["enhanced"] == enhanced
    # The server's own words travel to the report verbatim.
    assert evidence["reply"]["text"]


def test_exactly_one_auth_attempt_even_when_several_mechanisms_are_offered(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load("gmail-bad-password"), tls=context) as server:
        run_json(_args(server, ca_file), env=ENV)
    auth_lines = [line for line in server.received if line.upper().startswith("AUTH")]
    assert len(auth_lines) == 1
    assert server.connections == 1


def test_temporary_auth_failure_is_unknown_not_a_wrong_password(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load("auth-temporary"), tls=context) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert cause_ids(report) == ["smtp-auth-temporary"]
    assert exit_code == 3


def test_no_auth_after_tls_means_not_a_submission_port(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load("no-auth-after-tls"), tls=context) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert cause_ids(report) == ["smtp-auth-not-offered"]
    assert exit_code == 2


def test_no_auth_is_sent_on_a_port_without_tls(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("plaintext-auth")) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert not any(line.upper().startswith("AUTH") for line in server.received)
    assert PASSWORD not in " ".join(server.received)
    assert cause_ids(report) == ["starttls-not-offered"]
    assert exit_code == 2


def test_no_auth_is_sent_in_tls_mode_none_without_allow_plaintext(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("plaintext-auth")) as server:
        exit_code, report = run_json(_args(server, ca_file, "--smtp-tls", "none"), env=ENV)
    assert not any(line.upper().startswith("AUTH") for line in server.received)
    assert cause_ids(report) == ["plaintext-not-checked"]
    assert exit_code == 3


def test_garbage_greeting_is_a_protocol_error_with_the_servers_words(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("garbage-greeting")) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert cause_ids(report) == ["smtp-protocol-error"]
    assert exit_code == 2
    evidence = report["causes"][0]["evidence"][0]
    assert "HTTP/1.1 400 Bad Request" in evidence["reply"]["text"]


def test_greeting_554_is_a_refused_session(tls_server_context: tuple[ssl.SSLContext, str]) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("greeting-554")) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert cause_ids(report) == ["smtp-greeting-rejected"]
    evidence = report["causes"][0]["evidence"][0]
    assert evidence["reply"]["code"] == 554
    assert "blocked using" in evidence["reply"]["text"]
    assert exit_code == 2


def test_silent_server_is_a_greeting_timeout_within_the_timeout(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("stall-greeting")) as server:
        start = time.monotonic()
        exit_code, report = run_json(_args(server, ca_file, "--timeout", "1"), env=ENV)
        took = time.monotonic() - start
    assert cause_ids(report) == ["smtp-greeting-timeout"]
    assert exit_code == 2
    # The connect step succeeded: a stalled server is not a firewall.
    steps = {s["name"]: s["outcome"] for s in report["probes"][0]["steps"]}
    assert steps["connect"] == "ok"
    assert steps["greeting"] == "timeout"
    assert took < 5  # timeout 1 s plus one short look at whether the port speaks TLS


def test_the_deadline_ends_a_stalled_session(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load("stall-auth"), tls=context) as server:
        start = time.monotonic()
        exit_code, report = run_json(
            _args(server, ca_file, "--timeout", "20", "--deadline", "1.5"), env=ENV
        )
        took = time.monotonic() - start
    assert took < 4
    assert "deadline-exceeded" in cause_ids(report)
    assert report["probes"][0]["status"] == "deadline"
    auth = [s for s in report["probes"][0]["steps"] if s["name"] == "auth"]
    assert auth[0]["outcome"] == "timeout"
    # The deadline, not the server's own time-out, ended AUTH: mailcheck cannot tell (issue 11).
    assert "not-checked-login" in cause_ids(report)
    assert "smtp-stalled" not in cause_ids(report)
    assert exit_code == 3


def test_connection_closed_mid_reply(tls_server_context: tuple[ssl.SSLContext, str]) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("close-mid-reply")) as server:
        exit_code, report = run_json(_args(server, ca_file), env=ENV)
    assert cause_ids(report) == ["smtp-connection-closed"]
    assert exit_code == 2


def test_oversized_reply_is_a_protocol_error(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("oversized-line")) as server:
        result = run_cli(_args(server, ca_file, "--timeout", "2", "--format", "json"), env=ENV)
    report = json.loads(result.stdout)
    assert cause_ids(report) == ["smtp-protocol-error"]
    assert result.exit_code == 2
    # What is quoted of a hostile reply is bounded.
    assert len(result.stdout) < 20_000


def test_a_hostile_server_cannot_make_the_password_appear(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load("echo-secret"), tls=context) as server:
        outputs = [
            run_cli(_args(server, ca_file, "--transcript", *fmt), env=ENV)
            for fmt in (["--format", "json"], ["--format", "human"], ["--lang", "vi"])
        ]
    for result in outputs:
        text = result.stdout + result.stderr
        assert PASSWORD not in text
        assert "AHNlbmRlckBsYWIudGVzdABzM2NyZXQtUGFzcyE=" not in text
        assert "***" in text


def test_a_port_that_drops_connections_is_a_connect_timeout() -> None:
    # A listener whose accept queue is full drops new SYNs, like a firewall would.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.1)
        args = ["smtp", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
        exit_code, report = run_json([*args, "--username", "a@b.test", "--timeout", "1"], env=ENV)
        for filler in fillers:
            filler.close()
    assert cause_ids(report) == ["smtp-connect-timeout"]
    assert [s["name"] for s in report["probes"][0]["steps"]] == ["resolve", "connect"]
    assert exit_code == 2


# ---------------------------------------------------------------- the wrong TLS mode, known early
# Against the lab's real Postfix: "submission" speaks STARTTLS, "submission_tls" implicit TLS.


def test_starttls_on_an_implicit_tls_port_is_known_within_two_seconds(lab: LabHandle) -> None:
    # The server waits silently for a ClientHello; --timeout 10 must not be waited out.
    for mode in ("starttls", "none"):
        start = time.monotonic()
        exit_code, report = run_json(
            ["smtp", *lab.smtp_args("submission_tls", mode), "--timeout", "10"],
            env=LAB_ENV,
        )
        took = time.monotonic() - start
        assert cause_ids(report) == ["starttls-on-implicit-tls-port"], mode
        assert exit_code == 2
        assert took < 2.5, f"{mode}: {took:.2f} s"  # ~1.3 s measured; bound generous for CI
        steps = {s["name"]: s for s in report["probes"][0]["steps"]}
        assert steps["sniff"]["data"]["speaks"] == "implicit-tls"
        assert "auth" not in steps  # nothing was said on the silent connection


def test_implicit_tls_on_a_starttls_port_is_known_within_two_seconds(lab: LabHandle) -> None:
    start = time.monotonic()
    exit_code, report = run_json(
        ["smtp", *lab.smtp_args("submission", "tls"), "--timeout", "10"], env=LAB_ENV
    )
    took = time.monotonic() - start
    assert cause_ids(report) == ["implicit-tls-on-starttls-port"]
    assert exit_code == 2
    assert took < 2.5, f"{took:.2f} s"


def test_a_slow_plain_greeting_is_waited_for_not_taken_for_tls(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    context, ca_file = tls_server_context
    with scripted_smtp(Script.load("slow-greeting"), tls=context) as server:
        exit_code, report = run_json(_args(server, ca_file, "--timeout", "5"), env=ENV)
    assert cause_ids(report) == ["smtp-login-ok"]
    assert exit_code == 0
    steps = {s["name"]: s for s in report["probes"][0]["steps"]}
    assert steps["greeting"]["outcome"] == "ok"
    assert steps["greeting"]["elapsed_ms"] > 1500
    # The early look ran on a second connection; the greeting came first and won.
    assert server.connections == 2
    assert "sniff" not in steps


def test_a_silent_port_that_is_not_tls_is_a_greeting_timeout_at_the_timeout(
    tls_server_context: tuple[ssl.SSLContext, str],
) -> None:
    _, ca_file = tls_server_context
    with scripted_smtp(Script.load("stall-greeting")) as server:
        start = time.monotonic()
        exit_code, report = run_json(_args(server, ca_file, "--timeout", "2"), env=ENV)
        took = time.monotonic() - start
    assert cause_ids(report) == ["smtp-greeting-timeout"]
    assert exit_code == 2
    assert 1.9 < took < 4
    steps = [s["name"] for s in report["probes"][0]["steps"]]
    assert steps == ["resolve", "connect", "greeting", "sniff"]  # one look, not two


# ---------------------------------------------------------------- relaying refused after login
# A scripted submission server (its refusal texts are the point) and the lab's real Dovecot
# as the sender's mailbox: the CA file given trusts both.

_RELAY_SESSION = """
S: 220 mail.company.test ESMTP
C: EHLO \\S+
S: 250-mail.company.test
S: 250-STARTTLS
S: 250 8BITMIME
C: STARTTLS
S: 220 2.0.0 Ready to start TLS
!tls
C: EHLO \\S+
S: 250-mail.company.test
S: 250-AUTH PLAIN LOGIN
S: 250 8BITMIME
C: AUTH PLAIN \\S+
S: 235 2.7.0 Authentication successful
C: MAIL FROM:<\\S+>.*
S: 250 2.1.0 Ok
"""


@pytest.fixture
def both_cas(lab: LabHandle, tls_server_context: tuple[ssl.SSLContext, str], tmp_path: Path) -> str:
    """One CA file trusting the scripted server and the lab (SMTP and IMAP share --ca-file)."""
    bundle = tmp_path / "both.pem"
    bundle.write_bytes(Path(tls_server_context[1]).read_bytes() + Path(lab.ca_file).read_bytes())
    return str(bundle)


def _roundtrip_args(server: ScriptedSmtp, lab: LabHandle, ca_file: str) -> list[str]:
    imap = lab.imap_args()
    return [
        "--sender",
        LAB_USER,
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        str(server.port),
        *imap,
        "--ca-file",
        ca_file,
        "--dns-server",
        lab.dns,
    ]


@pytest.mark.parametrize(
    "refusal",
    [
        "554 5.7.1 <{rcpt}>: Relay access denied",  # Postfix
        "550 5.7.1 <{rcpt}>... Relaying denied",  # Sendmail
        "550 relay not permitted",  # Exim
        "550 5.4.4 <{rcpt}>... does not relay",  # 5.4.4 alone would read "domain not found"
        "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain",  # Microsoft 365
        "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",  # qmail
    ],
)
def test_a_relay_refusal_after_login_is_its_own_cause_decided_at_once(
    lab: LabHandle,
    tls_server_context: tuple[ssl.SSLContext, str],
    both_cas: str,
    refusal: str,
) -> None:
    script = _RELAY_SESSION + "C: RCPT TO:<\\S+>\nS: " + refusal.format(rcpt=LAB_USER) + "\n"
    with scripted_smtp(Script.parse(script), tls=tls_server_context[0]) as server:
        start = time.monotonic()
        exit_code, report = run_json(
            ["roundtrip", *_roundtrip_args(server, lab, both_cas), "--wait", "30"], env=LAB_ENV
        )
        took = time.monotonic() - start
    assert cause_ids(report)[0] == "submission-relay-denied"
    assert "recipient-domain-not-found" not in cause_ids(report)
    assert "send-rejected" not in cause_ids(report)
    assert exit_code == 2
    assert took < 10  # not the 30 s wait for a message that was never sent
    assert not any(line.startswith("DATA") for line in server.received)
    (evidence,) = report["causes"][0]["evidence"]
    assert evidence["name"] == "rcpt"
    assert evidence["outcome"] == "rejected"


def test_diagnose_with_the_customer_refused_for_relaying_names_no_recipient_cause(
    lab: LabHandle,
    tls_server_context: tuple[ssl.SSLContext, str],
    both_cas: str,
) -> None:
    script = (
        _RELAY_SESSION
        + "C: RCPT TO:<\\S+>\nS: 550 5.4.4 <x>... does not relay\n"
        + "C: RCPT TO:<\\S+>\nS: 550 5.4.4 <x>... does not relay\n"
    )
    with scripted_smtp(Script.parse(script), tls=tls_server_context[0]) as server:
        start = time.monotonic()
        args = [
            "diagnose",
            *_roundtrip_args(server, lab, both_cas),
            "--recipient",
            "customer@customer.test",
            "--send-to-recipient",
        ]
        exit_code, report = run_json(args, env=LAB_ENV)
        took = time.monotonic() - start
    ids = cause_ids(report)
    assert ids[0] == "submission-relay-denied"
    assert "recipient-domain-not-found" not in ids
    assert "relaying-denied" not in ids
    assert exit_code == 2
    assert took < 10
    assert server.received.count("QUIT") == 1
