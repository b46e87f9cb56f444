"""Tests of the mail lab itself (fixtures/lab/lab.py): standard library + pytest only.

Skipped when Postfix, Dovecot or Knot are missing (or not root), except under
CI=true where a missing lab is a failure.
"""

from __future__ import annotations

import email.policy
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
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LAB_SCRIPT as LAB_PY
from tests.conftest import load_lab_module

pytestmark = pytest.mark.lab

EHLO = "client.lab.test"
SENDER = "sender@lab.test"
ROUND_TRIP_USERS = {
    "junked@lab.test": "secret4",
    "lost@lab.test": "secret5",
    "noidle@lab.test": "secret6",
    "nospecial@lab.test": "secret7",
    "bulk@lab.test": "secret8",
    "nojunk@lab.test": "secret9",
}


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


def message(subject: str, token: str, to: str = SENDER, sender: str = SENDER) -> str:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{token}@client.lab.test>\r\nX-Lab-Token: {token}\r\n\r\n"
        f"lab test {token}\r\n"
    )


def submit(smtp: smtplib.SMTP, sender: str, rcpt: str, text: str) -> str:
    """MAIL, RCPT, DATA on an authenticated session; return Postfix's queue id."""
    assert smtp.mail(sender)[0] == 250
    assert smtp.rcpt(rcpt)[0] == 250
    code, reply = smtp.data(text.encode())
    assert code == 250, reply
    return reply.decode().rsplit(" ", 1)[-1]  # "2.0.0 Ok: queued as 4Xy7Zq1AbC"


def send_to_self(info: Any, user: str, token: str, subject: str = "invoice") -> str:
    """What mailcheck's round trip does: AUTH as user, send to the same address."""
    with smtp_starttls(info) as smtp:
        assert auth_plain(smtp, user, info.users[user])[0] == 235
        return submit(smtp, user, user, message(f"{subject} {token}", token, user, user))


def imap_login(info: Any, user: str, port_name: str = "imaps") -> imaplib.IMAP4_SSL:
    imap = imaplib.IMAP4_SSL(
        info.host, info.ports[port_name], ssl_context=tls_context(info), timeout=10
    )
    imap.login(user, info.users[user])
    return imap


def search(imap: imaplib.IMAP4, mailbox: str, *criteria: str) -> list[bytes]:
    typ, _ = imap.select(mailbox, readonly=True)
    assert typ == "OK", f"cannot examine {mailbox}"
    typ, data = imap.search(None, *criteria)
    assert typ == "OK"
    return data[0].split() if data and data[0] else []


def listing(imap: imaplib.IMAP4) -> list[bytes]:
    typ, boxes = imap.list()
    assert typ == "OK"
    return [b for b in boxes if isinstance(b, bytes)]


def fetch_one(imap: imaplib.IMAP4, mailbox: str, token: str) -> bytes:
    """BODY[] of the one message in mailbox whose X-Lab-Token is token."""
    found = search(imap, mailbox, "HEADER", "X-Lab-Token", token)
    assert len(found) == 1, f"{len(found)} messages with token {token} in {mailbox}"
    typ, data = imap.fetch(found[0].decode(), "(BODY.PEEK[])")
    assert typ == "OK"
    bodies = [item[1] for item in data if isinstance(item, tuple)]
    assert len(bodies) == 1
    return bytes(bodies[0])


def capabilities(imap: imaplib.IMAP4) -> list[set[str]]:
    """Every CAPABILITY list the session has seen (greeting, login code, command)."""
    typ, data = imap.capability()
    assert typ == "OK"
    lists = [imap.welcome, *(d for d in data if isinstance(d, bytes))]
    return [set(text.decode().replace("]", " ").split()) for text in lists]


def wait_for_mail(
    info: Any,
    mailbox: str,
    criteria: tuple[str, ...],
    user: str = SENDER,
    timeout: float = 10,
    port_name: str = "imaps",
) -> int:
    """Poll a mailbox over IMAPS until a SEARCH matches; return the match count."""
    with imaplib.IMAP4_SSL(
        info.host, info.ports[port_name], ssl_context=tls_context(info), timeout=10
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
        "submission_expired", "submission_wrongname", "mx", "imap", "imaps",
        "imap_noidle", "imaps_noidle", "dns",
    }  # fmt: skip
    assert info.ca_file == os.path.join(info.state, "tls", "ca.pem")
    assert info.users["sender@lab.test"] == "secret1"
    assert {u: info.users[u] for u in ROUND_TRIP_USERS} == ROUND_TRIP_USERS
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


# --------------------------------------------------------------------------
# round-trip scenarios: each user sends to its own address (mailcheck issue 3)


def spam_headers(raw: bytes) -> list[tuple[str, str]]:
    """X-Spam-* headers of a message, in order, with folding whitespace collapsed."""
    parsed = BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    return [(k, " ".join(str(v).split())) for k, v in parsed.items() if k.startswith("X-Spam-")]


def test_round_trip_sender_lands_in_inbox(info: Any) -> None:
    token = uuid.uuid4().hex
    send_to_self(info, SENDER, token)
    assert wait_for_mail(info, "INBOX", ("HEADER", "X-Lab-Token", token)) == 1
    with imap_login(info, SENDER) as imap:
        assert spam_headers(fetch_one(imap, "INBOX", token)) == []
        assert search(imap, "Junk", "HEADER", "X-Lab-Token", token) == []


def test_round_trip_junked_gets_spam_headers_and_lands_in_junk(info: Any) -> None:
    user = "junked@lab.test"
    token = uuid.uuid4().hex
    began = time.monotonic()
    send_to_self(info, user, token, subject="invoice (no spam words)")
    assert wait_for_mail(info, "Junk", ("HEADER", "X-Lab-Token", token), user=user) == 1
    print(f"\njunked@: in Junk after {time.monotonic() - began:.3f} s")
    with imap_login(info, user) as imap:
        raw = fetch_one(imap, "Junk", token)
        assert spam_headers(raw) == list(labmod.SPAM_HEADERS)
        assert raw.startswith(b"X-Spam-Flag: YES\r\nX-Spam-Score: 7.5\r\n")
        assert search(imap, "Junk", "HEADER", "X-Spam-Flag", "YES", "HEADER", "X-Lab-Token", token)
        assert search(imap, "INBOX", "HEADER", "X-Lab-Token", token) == []
        assert b'(\\HasNoChildren \\Junk) "/" Junk' in listing(imap)


def test_round_trip_lost_is_accepted_then_vanishes_without_dsn(info: Any) -> None:
    user = "lost@lab.test"
    token = uuid.uuid4().hex
    queue_ids = [send_to_self(info, user, token)]
    # Also from another sender: a bounce or DSN would have somewhere to arrive.
    with smtp_starttls(info) as smtp:
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235
        queue_ids.append(submit(smtp, SENDER, user, message(f"lost {token}", token, user)))
    deadline = time.monotonic() + 3.0
    with imap_login(info, user) as lost, imap_login(info, SENDER) as sender:
        while True:
            for box in ("INBOX", "Junk"):
                assert search(lost, box, "TEXT", token) == [], f"lost@ got mail in {box}"
            assert search(sender, "INBOX", "TEXT", token) == [], "sender got a DSN"
            if time.monotonic() > deadline:
                break
            time.sleep(0.25)
    log = Path(info.state, "log", "postfix.log").read_text()
    for queue_id in queue_ids:
        assert f"{queue_id}: to=<{user}>, relay=none" in log
        line = next(row for row in log.splitlines() if f"{queue_id}: to=<{user}>" in row)
        assert "status=sent (silently lost by the mail lab)" in line
        assert f"{queue_id}: sender non-delivery notification" not in log
        assert f"{queue_id}: sender delivery status notification" not in log


def test_round_trip_noidle_inbox_on_a_port_without_idle(info: Any) -> None:
    user = "noidle@lab.test"
    token = uuid.uuid4().hex
    send_to_self(info, user, token)
    found = wait_for_mail(
        info, "INBOX", ("HEADER", "X-Lab-Token", token), user=user, port_name="imaps_noidle"
    )
    assert found == 1
    for port_name in ("imaps_noidle", "imap_noidle"):
        if port_name == "imap_noidle":
            imap: imaplib.IMAP4 = imaplib.IMAP4(info.host, info.ports[port_name], timeout=10)
            assert "IDLE" not in imap.capabilities
            imap.starttls(ssl_context=tls_context(info))
        else:
            imap = imaplib.IMAP4_SSL(
                info.host, info.ports[port_name], ssl_context=tls_context(info), timeout=10
            )
        with imap:
            before = capabilities(imap)
            assert all("IMAP4rev1" in caps and "IDLE" not in caps for caps in before)
            imap.login(user, info.users[user])
            after = capabilities(imap)
            assert len(after) >= 2  # the LOGIN OK [CAPABILITY ...] code and CAPABILITY
            for caps in after:
                assert "IDLE" not in caps, port_name
                assert {"IMAP4rev1", "SPECIAL-USE", "UIDPLUS", "MOVE"} <= caps
    # The normal ports still advertise IDLE, for this user and for others.
    for who in (user, SENDER):
        with imap_login(info, who) as imap:
            assert all("IDLE" in caps for caps in capabilities(imap))


def test_noidle_sessions_record_what_clients_sent(lab: Any, info: Any) -> None:
    user = "noidle@lab.test"
    token = uuid.uuid4().hex
    with imap_login(info, user, "imaps_noidle") as imap:
        search(imap, "INBOX", "HEADER", "X-Lab-Token", token)
    # The server still accepts IDLE there (it only does not advertise it).
    raw = socket.create_connection((info.host, info.ports["imaps_noidle"]), timeout=5)
    with tls_context(info).wrap_socket(raw, server_hostname=info.host) as tls:
        reader = tls.makefile("rb")
        reader.readline()
        tls.sendall(b'a LOGIN "noidle@lab.test" "secret6"\r\nb SELECT INBOX\r\nc IDLE\r\n')
        while not reader.readline().startswith(b"+ "):
            pass
        tls.sendall(b"DONE\r\nd LOGOUT\r\n")
        while not reader.readline().startswith(b"d OK"):
            pass
    deadline = time.monotonic() + 5
    while True:
        sessions = lab.noidle_sessions()
        polled = [s for s in sessions if any(token.encode() in line for line in s)]
        idled = [s for s in sessions if b"c IDLE" in s]
        if (polled and idled and b"d LOGOUT" in sessions[-1]) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(polled) == 1
    assert not any(line.split()[1:2] == [b"IDLE"] for line in polled[0])
    assert any(line.split()[1:2] == [b"EXAMINE"] for line in polled[0])
    assert sessions[-1] == [b"b SELECT INBOX", b"c IDLE", b"DONE", b"d LOGOUT"]


def test_round_trip_nospecial_lands_in_spam_without_junk_flag(info: Any) -> None:
    user = "nospecial@lab.test"
    token = uuid.uuid4().hex
    send_to_self(info, user, token)
    assert wait_for_mail(info, "Spam", ("HEADER", "X-Lab-Token", token), user=user) == 1
    with imap_login(info, user) as imap:
        assert spam_headers(fetch_one(imap, "Spam", token)) == list(labmod.SPAM_HEADERS)
        assert search(imap, "INBOX", "HEADER", "X-Lab-Token", token) == []
        boxes = listing(imap)
        assert b'(\\HasNoChildren) "/" Spam' in boxes
        assert not any(b"\\Junk" in box for box in boxes), boxes
        assert not any(box.endswith(b" Junk") for box in boxes), boxes
        # RFC 6154: LIST (SPECIAL-USE) returns only mailboxes with a special use.
        typ, data = imap.list('(SPECIAL-USE) ""', "*")
        assert typ == "OK"
        special = [b for b in data if isinstance(b, bytes)]
        assert special, "LIST (SPECIAL-USE) found nothing: is the test broken?"
        assert not any(b"\\Junk" in box for box in special), special


def test_idle_pushes_new_mail_on_the_normal_port(info: Any) -> None:
    token = uuid.uuid4().hex
    raw = socket.create_connection((info.host, info.ports["imaps"]), timeout=5)
    with tls_context(info).wrap_socket(raw, server_hostname=info.host) as tls:
        reader = tls.makefile("rb")
        assert reader.readline().startswith(b"* OK")

        def command(tag: bytes, text: bytes) -> None:
            tls.sendall(tag + b" " + text + b"\r\n")
            while not (line := reader.readline()).startswith(tag + b" "):
                assert line, "connection closed"
            assert line.startswith(tag + b" OK"), line

        command(b"a", b'LOGIN "sender@lab.test" "secret1"')
        command(b"b", b"SELECT INBOX")
        tls.sendall(b"c IDLE\r\n")
        assert reader.readline().startswith(b"+ ")
        began = time.monotonic()
        send_to_self(info, SENDER, token)
        while not (line := reader.readline()).endswith(b" EXISTS\r\n"):
            assert line, "connection closed"
        print(f"\nIDLE push (* N EXISTS) {time.monotonic() - began:.3f} s after submission")
        tls.sendall(b"DONE\r\n")
        while not (line := reader.readline()).startswith(b"c "):
            assert line, "connection closed"
        assert line.startswith(b"c OK")


def test_deliver_and_list_messages_are_byte_exact(lab: Any, info: Any) -> None:
    user = "rcpt@customer.test"
    folder = f"Safety/{uuid.uuid4().hex[:12]}"
    first = (
        b"From: Buchhaltung <rechnung@customer.test>\r\nTo: rcpt@customer.test\r\n"
        b"Subject: Rechnung M\xc3\xa4rz\r\nMessage-ID: <first@customer.test>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"Gr\xfc\xdfe \xe4\xf6\xfc \xff\x80\x7f\r\n.\r\n..two dots\r\nFrom the start\r\n"
        b"trailing spaces   \r\n\r\n"
    )
    second = b"Subject: second\r\n\r\nno final line break"
    began = time.monotonic()
    uid_first = lab.deliver(user, first, folder=folder, flags="\\Deleted")
    uid_second = lab.deliver(user, second, folder=folder)
    print(f"\ndeliver x2: {time.monotonic() - began:.3f} s")
    assert uid_second > uid_first
    began = time.monotonic()
    assert lab.list_messages(user, folder) == [first, second]
    print(f"list_messages: {time.monotonic() - began:.3f} s")
    assert lab.message_flags(user, folder) == [{"\\Deleted"}, set()]  # and not \Seen
    quoted = f'"{folder}"'
    with imap_login(info, user) as imap:
        typ, data = imap.select(quoted, readonly=True)
        assert (typ, data[0]) == ("OK", b"2")
        typ, fetched = imap.uid("FETCH", f"{uid_first}:{uid_second}", "(FLAGS BODY.PEEK[])")
        assert typ == "OK"
        parts = [(bytes(item[0]), bytes(item[1])) for item in fetched if isinstance(item, tuple)]
        assert [body for _head, body in parts] == [first, second]
        assert b"\\Deleted" in parts[0][0]
        assert b"\\Deleted" not in parts[1][0]
        typ, data = imap.uid("FETCH", str(uid_first), "(FLAGS)")
        assert typ == "OK"
        assert b"\\Deleted" in b"".join(d for d in data if isinstance(d, bytes))
    # A bare LF becomes CRLF, as with any IMAP APPEND; INBOX is the default folder.
    before = len(lab.list_messages(user, "INBOX"))
    lab.deliver(user, b"Subject: lf only\n\nbody\n")
    after = lab.list_messages(user, "INBOX")
    assert len(after) == before + 1
    assert after[-1] == b"Subject: lf only\r\n\r\nbody\r\n"
    with pytest.raises(labmod.LabError, match="EXAMINE"):
        lab.list_messages(user, "Safety/no-such-folder")


def test_fill_inbox(lab: Any, info: Any) -> None:
    user = "bulk@lab.test"
    with imap_login(info, user) as imap:
        typ, data = imap.status("INBOX", "(MESSAGES)")
        assert typ == "OK"
        before = int(data[0].split()[-1].rstrip(b")"))
    began = time.monotonic()
    lab.fill_inbox(user, 200)
    print(f"\nfill_inbox(200): {time.monotonic() - began:.3f} s")
    flags = lab.message_flags(user, "INBOX")
    assert len(flags) == before + 200
    assert all(f == {"\\Seen"} for f in flags[-200:])
    assert lab.list_messages(user, "INBOX")[-1].startswith(
        b"Return-Path: <billing@customer.test>\r\n"
    )


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
        "MAILCHECK_IMAP_HOST": "127.0.0.1",
        "MAILCHECK_IMAP_PORT": str(info.ports["imaps"]),
        "MAILCHECK_IMAP_TLS": "tls",
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
