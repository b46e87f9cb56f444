"""Tests of the mail lab itself (fixtures/lab/lab.py): standard library + pytest only.

Skipped when Postfix, Dovecot or Knot are missing (or not root), except under
CI=true where a missing lab is a failure.
"""

from __future__ import annotations

import imaplib
import json
import os
import smtplib
import socket
import ssl
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LAB_SCRIPT as LAB_PY
from tests.conftest import load_lab_module

pytestmark = pytest.mark.lab

EHLO = "client.lab.test"
SENDER = "sender@lab.test"


labmod = load_lab_module()


def _unavailable() -> str | None:
    missing: list[str] = labmod.missing_packages()
    if missing:
        return "mail lab packages missing: " + " ".join(missing)
    if os.geteuid() != 0:
        return "the mail lab must run as root"
    return None


@pytest.fixture(scope="module")
def lab() -> Iterator[Any]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the lab is required)")
        pytest.skip(reason)
    the_lab = labmod.Lab()
    began = time.monotonic()
    try:
        the_lab.start()
        print(f"\nlab cold start: {time.monotonic() - began:.3f} s (base {the_lab.base})")
        yield the_lab
    finally:
        began = time.monotonic()
        the_lab.destroy()
        print(f"\nlab stop + remove: {time.monotonic() - began:.3f} s")


@pytest.fixture(scope="module")
def info(lab: Any) -> Any:
    return lab.info()


def tls_context(info: Any) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=info.ca_file)


def smtp_starttls(info: Any, port_name: str = "submission") -> smtplib.SMTP:
    smtp = smtplib.SMTP(info.host, info.ports[port_name], local_hostname=EHLO, timeout=10)
    try:
        smtp.starttls(context=tls_context(info))
        smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def auth_plain(smtp: smtplib.SMTP, user: str, password: str) -> tuple[int, bytes | str]:
    """One AUTH PLAIN attempt (smtplib.login would also try LOGIN: 0.5 s per failure)."""
    smtp.user, smtp.password = user, password
    try:
        return smtp.auth("PLAIN", smtp.auth_plain)
    except smtplib.SMTPAuthenticationError as exc:
        return exc.smtp_code, exc.smtp_error


def message(subject: str, token: str, to: str = SENDER) -> str:
    return (
        f"From: {SENDER}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{token}@client.lab.test>\r\nX-Lab-Token: {token}\r\n\r\n"
        f"lab test {token}\r\n"
    )


def wait_for_mail(
    info: Any, mailbox: str, criteria: tuple[str, ...], user: str = SENDER, timeout: float = 10
) -> int:
    """Poll a mailbox over IMAPS until a SEARCH matches; return the match count."""
    with imaplib.IMAP4_SSL(
        info.host, info.ports["imaps"], ssl_context=tls_context(info), timeout=10
    ) as imap:
        imap.login(user, info.users[user])
        typ, _ = imap.select(mailbox)
        assert typ == "OK", f"cannot select {mailbox}"
        deadline = time.monotonic() + timeout
        while True:
            imap.noop()  # let Dovecot sync the selected mailbox
            typ, data = imap.search(None, *criteria)
            assert typ == "OK"
            found = data[0].split() if data and data[0] else []
            if found:
                return len(found)
            if time.monotonic() > deadline:
                raise AssertionError(f"no message matching {criteria} in {mailbox}")
            time.sleep(0.02)


def dns_query(port: int, name: str, qtype: int, tcp: bool = False) -> tuple[int, int, bytes]:
    """A raw DNS query; returns (rcode, answer count, reply)."""
    qid = int.from_bytes(os.urandom(2), "big")
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    packet = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", qtype, 1)
    if tcp:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(struct.pack("!H", len(packet)) + packet)
            size = struct.unpack("!H", sock.recv(2))[0]
            reply = b""
            while len(reply) < size:
                chunk = sock.recv(size - len(reply))
                assert chunk
                reply += chunk
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2)
            sock.sendto(packet, ("127.0.0.1", port))
            reply = sock.recv(65535)
    reply_id, flags, _qd, ancount = struct.unpack("!HHHH", reply[:8])
    assert reply_id == qid
    assert flags & 0x8000, "not a response"
    return flags & 0x000F, ancount, reply


def port_refuses(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) != 0


# --------------------------------------------------------------------------


def test_info_and_lab_json(lab: Any, info: Any) -> None:
    assert info.host == "127.0.0.1"
    assert info.ports == {name: info.base + off for name, off in labmod.OFFSETS.items()}
    assert set(info.ports) == {
        "submission", "submission_tls", "submission_plain", "submission_untrusted",
        "submission_expired", "submission_wrongname", "mx", "imap", "imaps", "dns",
    }  # fmt: skip
    assert info.ca_file == os.path.join(info.state, "tls", "ca.pem")
    assert info.users["sender@lab.test"] == "secret1"
    assert len(info.state) <= 64
    saved = labmod.LabInfo.from_json(Path(info.state, "lab.json").read_text())
    assert saved.ports == info.ports
    assert json.loads(info.to_json())["base"] == info.base
    assert all(lab.status().values())


def test_auth_over_starttls(info: Any) -> None:
    with smtp_starttls(info) as smtp:
        assert smtp.has_extn("auth")
        assert auth_plain(smtp, SENDER, "wrong-password")[0] == 535
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235


def test_submission_requires_tls_before_auth(info: Any) -> None:
    with smtplib.SMTP(info.host, info.ports["submission"], local_hostname=EHLO) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")


def test_passwd_changes_password(lab: Any, info: Any) -> None:
    user = "postmaster@lab.test"
    began = time.monotonic()
    lab.passwd(user, "changed-pw")
    print(f"\npasswd: {time.monotonic() - began:.3f} s")
    try:
        with smtp_starttls(info) as smtp:
            assert auth_plain(smtp, user, "secret3")[0] == 535
            assert auth_plain(smtp, user, "changed-pw")[0] == 235
        assert lab.info().users[user] == "changed-pw"
    finally:
        lab.passwd(user, "secret3")
    with smtp_starttls(info) as smtp:
        assert auth_plain(smtp, user, "secret3")[0] == 235


def test_plaintext_port_offers_auth_without_starttls(info: Any) -> None:
    with smtplib.SMTP(info.host, info.ports["submission_plain"], local_hostname=EHLO) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("auth")
        assert "PLAIN" in smtp.esmtp_features["auth"].upper().split()
        assert not smtp.has_extn("starttls")
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235


def test_implicit_tls_from_first_byte(info: Any) -> None:
    raw = socket.create_connection((info.host, info.ports["submission_tls"]), timeout=5)
    with tls_context(info).wrap_socket(raw, server_hostname=info.host) as tls:
        assert tls.recv(512).startswith(b"220 ")
        cert = tls.getpeercert()
        assert cert is not None
        assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]
    with smtplib.SMTP_SSL(
        info.host, info.ports["submission_tls"], context=tls_context(info), local_hostname=EHLO
    ) as smtp:
        smtp.ehlo()
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235


@pytest.mark.parametrize(
    ("port_name", "expected"),
    [
        ("submission_untrusted", "unable to get local issuer certificate"),
        ("submission_expired", "certificate has expired"),
        ("submission_wrongname", "mismatch"),
    ],
)
def test_bad_certificates_fail_verification(info: Any, port_name: str, expected: str) -> None:
    smtp = smtplib.SMTP(info.host, info.ports[port_name], local_hostname=EHLO, timeout=10)
    try:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        with pytest.raises(ssl.SSLCertVerificationError) as excinfo:
            smtp.starttls(context=tls_context(info))
    finally:
        smtp.close()
    assert expected in str(excinfo.value.verify_message)


def test_imap_starttls_verifies(info: Any) -> None:
    with imaplib.IMAP4(info.host, info.ports["imap"], timeout=10) as imap:
        imap.starttls(ssl_context=tls_context(info))
        imap.login("rcpt@customer.test", info.users["rcpt@customer.test"])
        typ, boxes = imap.list()
        assert typ == "OK"
        listing = b"\n".join(b for b in boxes if isinstance(b, bytes))
        assert b"\\Junk" in listing
        assert b"\\Sent" in listing


def test_message_to_self_arrives_in_inbox(info: Any) -> None:
    token = uuid.uuid4().hex
    with smtp_starttls(info) as smtp:
        auth_plain(smtp, SENDER, "secret1")
        smtp.sendmail(SENDER, [SENDER], message(f"invoice {token}", token))
    began = time.monotonic()
    assert wait_for_mail(info, "INBOX", ("HEADER", "X-Lab-Token", token)) == 1
    print(f"\ndelivery to INBOX seen after {time.monotonic() - began:.3f} s")


def test_spam_marked_message_lands_in_junk(info: Any) -> None:
    token = uuid.uuid4().hex
    with smtp_starttls(info) as smtp:
        auth_plain(smtp, SENDER, "secret1")
        smtp.sendmail(SENDER, [SENDER], message(f"[LAB-SPAM] offer {token}", token))
    assert wait_for_mail(info, "Junk", ("HEADER", "X-Lab-Token", token)) == 1


def test_refused_and_bounced_recipients(info: Any) -> None:
    token = uuid.uuid4().hex
    with smtp_starttls(info) as smtp:
        auth_plain(smtp, SENDER, "secret1")
        smtp.mail(SENDER)
        code, text = smtp.rcpt("refuse@blocked.test")
        assert (code, text.split()[0]) == (550, b"5.7.1")
        code, text = smtp.rcpt("someone@example.com")
        assert (code, text.split()[0]) == (550, b"5.4.4")
        smtp.rset()
        smtp.sendmail(SENDER, ["gone@blocked.test"], message(f"bounce {token}", token))
    assert wait_for_mail(info, "INBOX", ("FROM", "MAILER-DAEMON", "TEXT", token)) == 1


def test_dns_answers(info: Any) -> None:
    rcode, answers, reply = dns_query(info.ports["dns"], "lab.test", 15)  # MX
    assert rcode == 0  # NOERROR
    assert answers >= 1
    assert b"\x04mail" in reply
    rcode, answers, _ = dns_query(info.ports["dns"], "mail.lab.test", 1, tcp=True)  # A over TCP
    assert (rcode, answers) == (0, 1)
    rcode, answers, _ = dns_query(info.ports["dns"], "lab._domainkey.lab.test", 16)  # TXT
    assert (rcode, answers) == (0, 1)
    rcode, _, _ = dns_query(info.ports["dns"], "missing.lab.test", 1)
    assert rcode == 3  # NXDOMAIN
    rcode, _, _ = dns_query(info.ports["dns"], "example.com", 1)
    assert rcode == 5  # REFUSED: no recursion


def test_reset_mailboxes(lab: Any, info: Any) -> None:
    token = uuid.uuid4().hex
    with smtp_starttls(info) as smtp:
        auth_plain(smtp, SENDER, "secret1")
        smtp.sendmail(SENDER, [SENDER], message(f"reset {token}", token))
    wait_for_mail(info, "INBOX", ("HEADER", "X-Lab-Token", token))
    lab.reset_mailboxes()
    with imaplib.IMAP4_SSL(info.host, info.ports["imaps"], ssl_context=tls_context(info)) as imap:
        imap.login(SENDER, "secret1")
        for mailbox in ("INBOX", "Junk"):
            typ, data = imap.select(mailbox)
            assert (typ, data[0]) == ("OK", b"0")


def test_cli_env_and_status(info: Any) -> None:
    env = dict(os.environ, MAILCHECK_LAB_STATE=info.state)
    run = subprocess.run(
        [sys.executable, str(LAB_PY), "env"], capture_output=True, text=True, env=env, check=True
    )
    lines = dict(line.removeprefix("export ").split("=", 1) for line in run.stdout.splitlines())
    assert lines == {
        "MAILCHECK_SMTP_HOST": "127.0.0.1",
        "MAILCHECK_SMTP_PORT": str(info.ports["submission"]),
        "MAILCHECK_SMTP_TLS": "starttls",
        "MAILCHECK_CA_FILE": info.ca_file,
        "MAILCHECK_USERNAME": "sender@lab.test",
        "MAILCHECK_PASSWORD": "secret1",
        "MAILCHECK_SENDER": "sender@lab.test",
        "MAILCHECK_DNS_SERVER": f"127.0.0.1:{info.ports['dns']}",
        "MAILCHECK_LAB_STATE": info.state,
    }
    run = subprocess.run(
        [sys.executable, str(LAB_PY), "env", "--json", "--state", info.state],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(run.stdout)["ports"] == info.ports
    run = subprocess.run(
        [sys.executable, str(LAB_PY), "status", "--state", info.state],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(" up") == len(info.ports)
    run = subprocess.run(
        [sys.executable, str(LAB_PY), "down", "--state", "/nonexistent/mclab"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1
    assert run.stderr.startswith("lab: error: ")
    assert "Traceback" not in run.stderr


def test_two_labs_side_by_side(lab: Any, info: Any) -> None:
    second = labmod.Lab()
    try:
        assert second.base != info.base
        assert second.state != info.state
        began = time.monotonic()
        other = second.start()
        print(f"\nsecond lab cold start: {time.monotonic() - began:.3f} s (base {other.base})")
        for each in (info, other):
            with smtp_starttls(each) as smtp:
                assert auth_plain(smtp, SENDER, "secret1")[0] == 235
            assert dns_query(each.ports["dns"], "lab.test", 15)[0] == 0
        began = time.monotonic()
        second.stop()
        print(f"second lab stop: {time.monotonic() - began:.3f} s")
        assert all(port_refuses(port) for port in other.ports.values())
        assert all(lab.status().values()), "stopping the second lab touched the first"
    finally:
        second.destroy()


def test_stop_closes_every_port_and_warm_restart(lab: Any, info: Any) -> None:
    began = time.monotonic()
    lab.stop()
    print(f"\nstop: {time.monotonic() - began:.3f} s")
    try:
        assert all(port_refuses(port) for port in info.ports.values())
        assert not any(lab.status().values())
    finally:
        began = time.monotonic()
        lab.start()
        print(f"warm start: {time.monotonic() - began:.3f} s")
    with smtp_starttls(info) as smtp:
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235
