"""Tests of the mail lab itself (fixtures/lab/lab.py): standard library + pytest only.

Skipped when Postfix, Dovecot or Knot are missing (or not root), except under
CI=true where a missing lab is a failure.
"""

from __future__ import annotations

import base64
import collections
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

from tests.helpers import LAB_SCRIPT as LAB_PY
from tests.helpers import load_lab_module

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
    with imap_login(info, SENDER) as imap:
        raw = fetch_one(imap, "Junk", token)
    # header_checks run once (on the lab MX), though the message passed two smtpds.
    assert spam_headers(raw) == [("X-Spam-Flag", "YES")]


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


def dsn_fields(raw: bytes) -> dict[str, str]:
    """Subject and the per-recipient fields of a DSN (message/delivery-status), unfolded."""
    msg = BytesParser(policy=email.policy.default).parsebytes(raw)
    fields = {"Subject": str(msg["Subject"])}
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            blocks = part.get_payload()
            assert isinstance(blocks, list)
            assert len(blocks) == 2, blocks  # the per-message fields, then one recipient
            recipient_block = blocks[1]
            assert not isinstance(recipient_block, str)
            for name in ("Final-Recipient", "Action", "Status", "Diagnostic-Code"):
                fields[name] = " ".join(str(recipient_block[name]).split())
    return fields


def fetch_dsn(info: Any, token: str) -> bytes:
    with imap_login(info, SENDER) as imap:
        found = search(imap, "INBOX", "FROM", "MAILER-DAEMON", "TEXT", token)
        assert len(found) == 1, f"{len(found)} DSNs for {token}"
        typ, data = imap.fetch(found[0].decode(), "(BODY.PEEK[])")
        assert typ == "OK"
        return bytes(next(item[1] for item in data if isinstance(item, tuple)))


def test_bounce_cases_cover_the_mx_tables() -> None:
    """Every address the lab MX's access tables name is a BOUNCE_CASES key, and back."""
    named = set()
    for table in ("mx_access", "mx_data_access"):
        for line in (labmod.TEMPLATES / "postfix" / table).read_text().splitlines():
            key = line.split("\t", 1)[0]
            if line and not line.startswith("#") and "@" in key:
                named.add(key)
    assert named == set(labmod.BOUNCE_CASES)
    for address, diagnostic in labmod.BOUNCE_CASES.items():
        code, status, rest = diagnostic.split(" ", 2)
        assert code[0] == status[0], diagnostic
        assert code[0] in "45", diagnostic
        assert rest.startswith(f"<{address}>: Recipient address rejected: "), diagnostic


@pytest.mark.parametrize("rcpt", list(labmod.BOUNCE_CASES))
def test_bounce_case_dsn_reaches_sender_inbox(lab: Any, info: Any, rcpt: str) -> None:
    """What mailcheck does: submit a labelled message, wait for the DSN, classify it."""
    token = uuid.uuid4().hex
    diagnostic = labmod.BOUNCE_CASES[rcpt]
    delayed = diagnostic.startswith("4")
    try:
        with smtp_starttls(info) as smtp:
            assert auth_plain(smtp, SENDER, "secret1")[0] == 235
            began = time.monotonic()
            submit(smtp, SENDER, rcpt, message(f"mailcheck test {token}", token, rcpt))
        wait_for_mail(info, "INBOX", ("FROM", "MAILER-DAEMON", "TEXT", token), timeout=5)
        took = time.monotonic() - began
        print(f"\n{rcpt}: {'delay notice' if delayed else 'DSN'} in INBOX after {took:.3f} s")
        assert took < 3.0
        fields = dsn_fields(fetch_dsn(info, token))
        assert fields["Final-Recipient"] == f"rfc822; {rcpt}"
        assert fields["Status"] == diagnostic.split()[1]
        assert fields["Diagnostic-Code"] == f"smtp; {diagnostic}"
        if delayed:
            assert fields["Subject"] == "Delayed Mail (still being retried)"
            assert fields["Action"] == "delayed"
            # Still queued, for retry; one notice only. purge_queue() drops it.
            assert lab.purge_queue() == 1
        else:
            assert fields["Subject"] == "Undelivered Mail Returned to Sender"
            assert fields["Action"] == "failed"
            assert lab.purge_queue() == 0
    finally:
        lab.purge_queue()
        lab.reset_mailboxes()


def test_delay_notice_says_seconds_and_submission_defer_is_unchanged(lab: Any, info: Any) -> None:
    token = uuid.uuid4().hex
    try:
        with smtp_starttls(info) as smtp:
            assert auth_plain(smtp, SENDER, "secret1")[0] == 235
            assert smtp.mail(SENDER)[0] == 250
            code, text = smtp.rcpt("defer@blocked.test")  # greylisted at submission
            assert (code, text.split()[0]) == (450, b"4.7.1")
            smtp.rset()
            submit(smtp, SENDER, "slow@blocked.test", message(f"slow {token}", token))
        wait_for_mail(info, "INBOX", ("FROM", "MAILER-DAEMON", "TEXT", token), timeout=5)
        raw = fetch_dsn(info, token)
        assert b"could not be delivered for more than 1 second(s)." in raw
        assert b"0 hour(s)" not in raw
    finally:
        lab.purge_queue()
        lab.reset_mailboxes()


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
    rcode, _, _ = dns_query(info.ports["dns"], "example.org", 1)
    assert rcode == 5  # REFUSED: no recursion
    rcode, _, _ = dns_query(info.ports["dns"], "example.com", 1)
    assert rcode == 3  # NXDOMAIN: the lab serves a (tiny) com. zone


# --------------------------------------------------------------------------
# DNS cases for mailcheck's DNS checks (mailcheck issue 4): labmod.DNS_CASES

A, NS, SOA, MX, TXT, AAAA = 1, 2, 6, 15, 16, 28
NOERROR, SERVFAIL, NXDOMAIN, REFUSED = 0, 2, 3, 5
LAB_MX = ["10 mail.lab.test"]
LOCALHOST = ["127.0.0.1"]
SPF_PASS = ["v=spf1 ip4:127.0.0.1 -all"]
REJECT = ["v=DMARC1; p=reject"]
# Real keys, made at cold start: only the SubjectPublicKeyInfo prefix is fixed.
DKIM_2048 = ["v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA..."]
DKIM_1024 = ["v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ..."]

Query = tuple[str, int, int, list[str]]  # name, type, rcode, records ("..." = prefix)


def sender_domain(
    domain: str, spf: list[str], dkim: list[str] | None, dmarc: list[str] | None
) -> list[Query]:
    """What a sender test domain answers: MX, SPF, DKIM selector lab, DMARC."""
    return [
        (domain, MX, NOERROR, LAB_MX),
        (domain, TXT, NOERROR, spf),
        (f"lab._domainkey.{domain}", TXT, *((NOERROR, dkim) if dkim else (NXDOMAIN, []))),
        (f"_dmarc.{domain}", TXT, *((NOERROR, dmarc) if dmarc else (NXDOMAIN, []))),
    ]


EXPECTED_DNS: dict[str, list[Query]] = {
    "customer.test": [
        ("customer.test", MX, NOERROR, ["10 mx1.customer.test", "20 mx2.customer.test"]),
        ("mx1.customer.test", A, NOERROR, LOCALHOST),
        ("mx2.customer.test", A, NOERROR, LOCALHOST),
    ],
    "nosuch-customer.test": [
        ("nosuch-customer.test", MX, NXDOMAIN, []),
        ("nosuch-customer.test", A, NXDOMAIN, []),
    ],
    "nullmx.test": [("nullmx.test", MX, NOERROR, ["0 ."])],
    "mxgone.test": [
        ("mxgone.test", MX, NOERROR, ["10 gone.mxgone.test"]),
        ("gone.mxgone.test", A, NXDOMAIN, []),
        ("gone.mxgone.test", AAAA, NXDOMAIN, []),
        ("mxgone.test", A, NOERROR, LOCALHOST),  # the trap: must not be used
    ],
    "nomx.test": [("nomx.test", MX, NOERROR, []), ("nomx.test", A, NOERROR, LOCALHOST)],
    "nomail.test": [
        ("nomail.test", MX, NOERROR, []),
        ("nomail.test", A, NOERROR, []),
        ("nomail.test", AAAA, NOERROR, []),
    ],
    "servfail.test": [
        ("servfail.test", MX, SERVFAIL, []),
        ("servfail.test", A, SERVFAIL, []),
        ("www.servfail.test", TXT, SERVFAIL, []),
    ],
    "example.org": [
        ("example.org", MX, REFUSED, []),
        ("example.org", A, REFUSED, []),
        ("example.net", MX, REFUSED, []),
    ],
    **{
        domain: [(domain, MX, NOERROR, LAB_MX), ("mail.lab.test", A, NOERROR, LOCALHOST)]
        for domain in (
            "gmail.com",
            "yahoo.com",
            "outlook.com",
            "hotmail.com",
            "vnn.vn",
            "fpt.vn",
            "viettel.com.vn",
        )
    },
    **{
        typo: [(typo, MX, NXDOMAIN, []), (typo, A, NXDOMAIN, [])]
        for typo in ("gmial.com", "gmai.com", "yahooo.com")
    },
    "lab.test": sender_domain(
        "lab.test", SPF_PASS, DKIM_2048, ["v=DMARC1; p=reject; rua=mailto:postmaster@lab.test"]
    ),
    "spffail.test": sender_domain("spffail.test", ["v=spf1 ip4:192.0.2.1 -all"], DKIM_2048, REJECT),
    "spfperm.test": [
        *sender_domain(
            "spfperm.test",
            ["v=spf1 include:_spf1.spfperm.test ip4:127.0.0.1 -all"],
            DKIM_2048,
            REJECT,
        ),
        *(
            (
                f"_spf{i}.spfperm.test",
                TXT,
                NOERROR,
                [f"v=spf1 include:_spf{i + 1}.spfperm.test -all"],
            )
            for i in range(1, 11)
        ),
        ("_spf11.spfperm.test", TXT, NOERROR, ["v=spf1 ip4:192.0.2.11 -all"]),
    ],
    "spfvoid.test": [
        *sender_domain(
            "spfvoid.test",
            [
                "v=spf1 a:void1.spfvoid.test a:void2.spfvoid.test exists:void3.spfvoid.test"
                " ip4:127.0.0.1 -all"
            ],
            DKIM_2048,
            REJECT,
        ),
        *((f"void{i}.spfvoid.test", A, NXDOMAIN, []) for i in (1, 2, 3)),
    ],
    "dkimbad.test": [
        *sender_domain(
            "dkimbad.test", SPF_PASS, ["v=DKIM1; k=rsa; p=bm90IGEga2V5IGF0IGFsbA=="], REJECT
        ),
        ("bad64._domainkey.dkimbad.test", TXT, NOERROR, ["v=DKIM1; k=rsa; p=@@not*base64@@"]),
    ],
    "dkimnone.test": [
        *sender_domain("dkimnone.test", SPF_PASS, None, REJECT),
        ("_domainkey.dkimnone.test", TXT, NXDOMAIN, []),
    ],
    "dkimweak.test": sender_domain("dkimweak.test", SPF_PASS, DKIM_1024, REJECT),
    "dmarcnone.test": sender_domain("dmarcnone.test", SPF_PASS, DKIM_2048, ["v=DMARC1; p=none"]),
    "nodmarc.test": sender_domain("nodmarc.test", SPF_PASS, DKIM_2048, None),
    "dmarcquar.test": sender_domain(
        "dmarcquar.test", SPF_PASS, DKIM_2048, ["v=DMARC1; p=quarantine"]
    ),
    "blocked.test": [
        ("blocked.test", MX, NOERROR, ["10 mx.blocked.test"]),
        ("_dmarc.blocked.test", TXT, NOERROR, ["v=DMARC1; p=quarantine"]),
        ("sel._domainkey.blocked.test", TXT, NOERROR, ["v=DKIM1; k=rsa; p="]),
    ],
    "1.0.0.127.bl.test": [
        ("1.0.0.127.bl.test", A, NOERROR, ["127.0.0.2"]),
        ("1.0.0.127.bl.test", TXT, NOERROR, ["listed: lab test"]),
    ],
    "2.0.0.127.bl.test": [
        ("2.0.0.127.bl.test", A, NXDOMAIN, []),
        ("2.0.0.127.bl.test", TXT, NXDOMAIN, []),
    ],
    "1.0.0.127.refuse-bl.test": [
        ("1.0.0.127.refuse-bl.test", A, NOERROR, ["127.255.255.254"]),
        ("2.0.0.127.refuse-bl.test", A, NOERROR, ["127.255.255.254"]),
        ("1.0.0.127.refuse-bl.test", TXT, NOERROR, ["query refused: ..."]),
    ],
    "1.0.0.127.rl.bl.test": [
        ("1.0.0.127.rl.bl.test", A, NOERROR, ["127.255.255.255"]),
        ("2.0.0.127.rl.bl.test", A, NOERROR, ["127.255.255.255"]),
        ("1.0.0.127.bl.test", A, NOERROR, ["127.0.0.2"]),  # the wildcard leaves bl.test alone
    ],
    "enforce.sts.test": [
        ("enforce.sts.test", MX, NOERROR, LAB_MX),
        ("_mta-sts.enforce.sts.test", TXT, NOERROR, ["v=STSv1; id=20261204T1"]),
        ("mta-sts.enforce.sts.test", A, NOERROR, LOCALHOST),
        ("_smtp._tls.enforce.sts.test", TXT, NOERROR, ["v=TLSRPTv1; rua=mailto:..."]),
    ],
    "mismatch.sts.test": [
        ("mismatch.sts.test", MX, NOERROR, LAB_MX),
        ("_mta-sts.mismatch.sts.test", TXT, NOERROR, ["v=STSv1; id=1"]),
        ("mta-sts.mismatch.sts.test", A, NOERROR, LOCALHOST),
        ("_smtp._tls.mismatch.sts.test", TXT, NXDOMAIN, []),
    ],
    "nopolicy.sts.test": [
        ("_mta-sts.nopolicy.sts.test", TXT, NOERROR, ["v=STSv1; id=1"]),
        ("mta-sts.nopolicy.sts.test", A, NOERROR, LOCALHOST),
    ],
    "nohost.sts.test": [
        ("_mta-sts.nohost.sts.test", TXT, NOERROR, ["v=STSv1; id=1"]),
        ("mta-sts.nohost.sts.test", A, NXDOMAIN, []),
    ],
    "bulk.test": [
        ("bulk.test", SOA, NOERROR, ["ns.lab.test hostmaster.lab.test ..."]),
        ("mx0.bulk.test", A, NOERROR, LOCALHOST),
    ],
}


def _name(reply: bytes, offset: int) -> tuple[str, int]:
    """A (possibly compressed) domain name at offset; returns it and the offset after it."""
    labels: list[str] = []
    end = -1
    while True:
        size = reply[offset]
        if size >= 0xC0:  # a pointer
            if end < 0:
                end = offset + 2
            offset = ((size & 0x3F) << 8) | reply[offset + 1]
            continue
        offset += 1
        if size == 0:
            break
        labels.append(reply[offset : offset + size].decode("ascii"))
        offset += size
    return ".".join(labels) or ".", end if end >= 0 else offset


def _rdata_text(reply: bytes, rtype: int, start: int, size: int) -> str:
    rdata = reply[start : start + size]
    if rtype == A:
        return socket.inet_ntoa(rdata)
    if rtype == AAAA:
        return socket.inet_ntop(socket.AF_INET6, rdata)
    if rtype == MX:
        return f"{struct.unpack('!H', rdata[:2])[0]} {_name(reply, start + 2)[0]}"
    if rtype == NS:
        return _name(reply, start)[0]
    if rtype == SOA:
        mname, offset = _name(reply, start)
        rname, offset = _name(reply, offset)
        numbers = struct.unpack("!IIIII", reply[offset : offset + 20])
        return " ".join([mname, rname, *(str(n) for n in numbers)])
    if rtype == TXT:  # character-strings, joined (a DKIM key is split into several)
        strings, index = [], 0
        while index < len(rdata):
            strings.append(rdata[index + 1 : index + 1 + rdata[index]])
            index += 1 + rdata[index]
        return b"".join(strings).decode()
    return rdata.hex()


def dns_records(port: int, name: str, qtype: int) -> tuple[int, bool, list[str]]:
    """(rcode, authoritative answer flag, records of qtype in the answer as text)."""
    rcode, _answers, reply = dns_query(port, name, qtype)
    aa = bool(struct.unpack("!H", reply[2:4])[0] & 0x0400)
    qdcount, ancount = struct.unpack("!HH", reply[4:8])
    offset = 12
    for _ in range(qdcount):
        offset = _name(reply, offset)[1] + 4
    records = []
    for _ in range(ancount):
        offset = _name(reply, offset)[1]
        rtype, _cls, _ttl, size = struct.unpack("!HHIH", reply[offset : offset + 10])
        offset += 10
        if rtype == qtype:
            records.append(_rdata_text(reply, rtype, offset, size))
        offset += size
    return rcode, aa, sorted(records)


def test_dns_cases_are_all_tested_and_documented() -> None:
    assert set(EXPECTED_DNS) == set(labmod.DNS_CASES)
    assert all(purpose.strip() for purpose in labmod.DNS_CASES.values())
    readme = (Path(LAB_PY).parent / "templates" / "knot" / "README.md").read_text()
    for name in labmod.DNS_CASES:
        assert f"`{name}`" in readme, f"{name} is not in templates/knot/README.md"
    for zone in labmod.ZONES:
        assert (Path(LAB_PY).parent / "templates" / "knot" / f"{zone}.zone").is_file()
        assert f"{zone}.zone" in readme, f"{zone}.zone is not in templates/knot/README.md"


@pytest.mark.parametrize("case", sorted(EXPECTED_DNS))
def test_dns_case(info: Any, case: str) -> None:
    for name, qtype, rcode, expected in EXPECTED_DNS[case]:
        got_rcode, aa, records = dns_records(info.ports["dns"], name, qtype)
        what = f"{case}: {name} type {qtype}"
        assert got_rcode == rcode, f"{what}: rcode {got_rcode}, expected {rcode}"
        if rcode in (NOERROR, NXDOMAIN):
            assert aa, f"{what}: not an authoritative answer"
        assert len(records) == len(expected), f"{what}: {records} != {expected}"
        for want, got in zip(sorted(expected), records, strict=True):
            if want.endswith("..."):
                assert got.startswith(want[:-3]), f"{what}: {got!r} != {want!r}"
            else:
                assert got == want, f"{what}: {got!r} != {want!r}"


def test_dkim_key_records_are_real_keys_of_the_right_size(info: Any) -> None:
    """dkimweak.test has a 1024-bit key; lab.test's 2048-bit one is split into strings."""
    sizes = {}
    for name in ("lab._domainkey.lab.test", "lab._domainkey.dkimweak.test"):
        record = dns_records(info.ports["dns"], name, TXT)[2][0]
        sizes[name] = len(base64.b64decode(record.split("p=", 1)[1], validate=True))
    assert sizes["lab._domainkey.lab.test"] == 294  # SubjectPublicKeyInfo of RSA-2048
    assert sizes["lab._domainkey.dkimweak.test"] == 162  # RSA-1024
    # One TXT character-string holds at most 255 bytes: the 2048-bit key needs several.
    assert len(dns_records(info.ports["dns"], "lab._domainkey.lab.test", TXT)[2][0]) > 255


def test_bulk_domains(lab: Any, info: Any) -> None:
    began = time.monotonic()
    cases = lab.bulk_cases(200)
    print(f"\nbulk_cases(200): {time.monotonic() - began:.3f} s")
    assert list(cases)[:2] == ["d0001.bulk.test", "d0002.bulk.test"]
    assert collections.Counter(cases.values()) == {
        "mx": 160, "nomx": 20, "nullmx": 10, "nxdomain": 10
    }  # fmt: skip
    assert set(cases.values()) == set(labmod.BULK_KINDS)
    assert lab.bulk_domains(200) == list(cases)  # unchanged: no rewrite, no reload
    port = info.ports["dns"]
    began = time.monotonic()
    for name, kind in cases.items():
        rcode, _aa, mx = dns_records(port, name, MX)
        a_rcode, _aa, addresses = dns_records(port, name, A)
        if kind == "nxdomain":
            assert (rcode, a_rcode) == (NXDOMAIN, NXDOMAIN), name
            continue
        assert (rcode, a_rcode, addresses) == (NOERROR, NOERROR, LOCALHOST), name
        if kind == "mx":
            assert len(mx) == 1, name
            assert mx[0].startswith("10 mx"), name
            assert mx[0].endswith(".bulk.test"), name
            assert dns_records(port, mx[0].split()[1], A)[2] == LOCALHOST
        else:
            assert mx == {"nomx": [], "nullmx": ["0 ."]}[kind], name
    print(f"{len(cases) * 2} queries: {time.monotonic() - began:.3f} s (no rate limiting)")
    began = time.monotonic()
    names = lab.bulk_domains()
    print(f"bulk_domains() = {len(names)} (rewrite + reload): {time.monotonic() - began:.3f} s")
    assert len(names) == labmod.BULK_DOMAINS == 2500
    assert names[-1] == "d2500.bulk.test"
    assert dns_records(port, names[-1], MX)[0] == NXDOMAIN  # number 2500 is an NXDOMAIN one
    assert dns_records(port, names[-2], MX)[2] == ["10 mx9.bulk.test"]
    knot_conf = Path(info.state, "etc", "knot", "knot.conf").read_text().splitlines()
    assert not [row for row in knot_conf if "rrl" in row.partition("#")[0]]  # no rate limiting
    run = subprocess.run(
        [sys.executable, str(LAB_PY), "bulk", "--count", "20", "--kinds", "--state", info.state],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.splitlines()[-2:] == ["d0019.bulk.test mx", "d0020.bulk.test nxdomain"]
    assert dns_records(port, "d0021.bulk.test", MX)[0] == NXDOMAIN  # the zone has 20 now


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


def auth_results(raw: bytes) -> list[str]:
    """Every Authentication-Results header of a message, unfolded."""
    parsed = BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    return [" ".join(str(v).split()) for v in parsed.get_all("Authentication-Results") or []]


@pytest.mark.parametrize(
    ("user", "domain", "selector", "policy"),
    [
        ("sender@lab.test", "lab.test", "lab", "reject"),
        ("rcpt@customer.test", "customer.test", "s1", "none"),
    ],
)
def test_round_trip_is_dkim_signed_and_gets_authentication_results(
    info: Any, user: str, domain: str, selector: str, policy: str
) -> None:
    """Submission DKIM-signs; the lab MX (rspamd) checks against the lab DNS and stamps."""
    token = uuid.uuid4().hex
    began = time.monotonic()
    send_to_self(info, user, token)
    assert wait_for_mail(info, "INBOX", ("HEADER", "X-Lab-Token", token), user=user) == 1
    print(f"\n{user}: signed, checked and in INBOX after {time.monotonic() - began:.3f} s")
    with imap_login(info, user) as imap:
        raw = fetch_one(imap, "INBOX", token)
    parsed = BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
    signatures = [" ".join(str(v).split()) for v in parsed.get_all("DKIM-Signature") or []]
    assert len(signatures) == 1, signatures
    tags = dict(tag.strip().split("=", 1) for tag in signatures[0].split(";") if tag.strip())
    assert (tags["v"], tags["a"], tags["d"], tags["s"]) == ("1", "rsa-sha256", domain, selector)
    assert "from" in tags["h"].replace(" ", "").split(":")
    results = auth_results(raw)
    assert len(results) == 1, results
    print(f"Authentication-Results: {results[0]}")
    authserv_id, *clauses = (part.strip() for part in results[0].split(";"))
    assert authserv_id == labmod.AUTHSERV_ID
    verdicts = {clause.split("=", 1)[0]: clause.split("=", 1)[1].split()[0] for clause in clauses}
    assert verdicts == {"spf": "pass", "dkim": "pass", "dmarc": "pass"}
    text = results[0]
    assert f"dkim=pass header.d={domain} header.s={selector} header.b=" in text
    assert f"smtp.mailfrom={user}" in text
    assert f"dmarc=pass (policy={policy}) header.from={domain}" in text
    # The A-R header is the MX's: above the submission's Received header, below the MX's.
    names = [k.lower() for k in parsed]
    received = [i for i, k in enumerate(names) if k == "received"]
    assert received[-2] < names.index("authentication-results") < received[-1]


def test_message_size_limit_is_exact_and_nothing_bounces_on_the_way(info: Any) -> None:
    """DATA of MESSAGE_SIZE_LIMIT bytes is delivered (via the MX, headers added on the way)."""
    token = uuid.uuid4().hex
    head = message(f"big {token}", token).split("\r\n\r\n", 1)[0] + "\r\n\r\n"
    limit = labmod.MESSAGE_SIZE_LIMIT
    lines = ("x" * 998 + "\r\n") * ((limit - len(head)) // 1000)
    text = head + lines + "y" * (limit - len(head) - len(lines) - 2) + "\r\n"
    assert len(text) == limit
    with smtp_starttls(info) as smtp:
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235
        submit(smtp, SENDER, SENDER, text)
        assert smtp.mail(SENDER)[0] == 250
        assert smtp.rcpt(SENDER)[0] == 250
        code, reply = smtp.data((text + "z\r\n").encode())
        assert (code, reply.split()[0]) == (552, b"5.3.4"), reply
    assert wait_for_mail(info, "INBOX", ("HEADER", "X-Lab-Token", token)) == 1
    with imap_login(info, SENDER) as imap:
        assert search(imap, "INBOX", "FROM", "MAILER-DAEMON", "TEXT", token) == []


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("spffail.test", {"spf": "fail", "dkim": "none", "dmarc": "fail"}),
        ("nodmarc.test", {"spf": "pass", "dkim": "none", "dmarc": "none"}),
        ("nosuch-customer.test", {"spf": "none", "dkim": "none", "dmarc": "none"}),
        ("servfail.test", {"spf": "temperror", "dkim": "none", "dmarc": "temperror"}),
    ],
)
def test_lab_mx_stamps_its_verdict_on_mail_from_any_sender_domain(
    info: Any, domain: str, expected: dict[str, str]
) -> None:
    """Mail handed straight to the lab MX (no AUTH) with a DNS-case sender domain."""
    token = uuid.uuid4().hex
    sender = f"billing@{domain}"
    with smtplib.SMTP(info.host, info.ports["mx"], local_hostname="mta.example.test") as smtp:
        smtp.sendmail(sender, [SENDER], message(f"invoice {token}", token, SENDER, sender))
    assert wait_for_mail(info, "INBOX", ("HEADER", "X-Lab-Token", token)) == 1
    with imap_login(info, SENDER) as imap:
        results = auth_results(fetch_one(imap, "INBOX", token))
    assert len(results) == 1, results
    print(f"\n{domain}: Authentication-Results: {results[0]}")
    authserv_id, *clauses = (part.strip() for part in results[0].split(";"))
    assert authserv_id == labmod.AUTHSERV_ID
    verdicts = {clause.split("=", 1)[0]: clause.split("=", 1)[1].split()[0] for clause in clauses}
    assert verdicts == expected


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


def _idle_push_seconds(info: Any) -> float:
    """Seconds from submitting a message to self until an IDLE-ing IMAP client hears EXISTS."""
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
        took = time.monotonic() - began
        tls.sendall(b"DONE\r\n")
        while not (line := reader.readline()).startswith(b"c "):
            assert line, "connection closed"
        assert line.startswith(b"c OK")
    return took


def test_idle_pushes_new_mail_on_the_normal_port(info: Any) -> None:
    print(f"\nIDLE push (* N EXISTS) {_idle_push_seconds(info):.3f} s after submission")


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


# --------------------------------------------------------------------------
# the second server family: Exim 4 + Courier IMAP (lab.py up --family exim-courier)


@pytest.fixture(scope="module")
def ec_lab() -> Iterator[Any]:
    reason = _unavailable()
    missing: list[str] = labmod.missing_vendor()
    if reason is None and missing:
        reason = "the exim-courier family cannot run: " + "; ".join(missing)
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the lab is required)")
        pytest.skip(reason)
    the_lab = labmod.EximCourierLab()
    began = time.monotonic()
    try:
        the_lab.start()
        print(f"\nexim-courier cold start: {time.monotonic() - began:.3f} s (base {the_lab.base})")
        yield the_lab
    finally:
        began = time.monotonic()
        the_lab.destroy()
        print(f"\nexim-courier stop + remove: {time.monotonic() - began:.3f} s")


@pytest.fixture(scope="module")
def ec_info(ec_lab: Any) -> Any:
    return ec_lab.info()


def namespace_processes(lab: Any) -> list[int]:
    """Live processes in the lab's private mount namespace (Exim, Courier, gam_server)."""
    return list(lab._ns_members())


def test_ec_info_ports_and_lab_json(ec_lab: Any, ec_info: Any) -> None:
    assert ec_info.family == "exim-courier"
    offsets = labmod.EXIM_COURIER_OFFSETS
    assert ec_info.ports == {name: ec_info.base + off for name, off in offsets.items()}
    # The same names and offsets as the Postfix/Dovecot family, for the names it has.
    assert all(labmod.OFFSETS[name] == off for name, off in offsets.items())
    assert ec_info.users == labmod.EXIM_COURIER_USERS
    saved = labmod.load_info(ec_info.state)
    assert saved == ec_info
    assert all(ec_lab.status().values())
    assert len(namespace_processes(ec_lab)) >= 4  # sh, authdaemond, 2 couriertcpd, exim


def test_ec_submission_offers_auth_only_after_tls(ec_info: Any) -> None:
    with smtplib.SMTP(ec_info.host, ec_info.ports["submission"], local_hostname=EHLO) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")
        code, reply = smtp.docmd("AUTH", "PLAIN")
        assert code == 503, reply  # not advertised, not accepted
    with smtp_starttls(ec_info) as smtp:
        assert set(smtp.esmtp_features["auth"].split()) == {"PLAIN", "LOGIN"}
        assert auth_plain(smtp, SENDER, "wrong") == (535, b"Incorrect authentication data")
    with smtp_starttls(ec_info) as smtp:
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235


def test_ec_auth_login_and_implicit_tls(ec_info: Any) -> None:
    context = tls_context(ec_info)
    port = ec_info.ports["submission_tls"]
    with smtplib.SMTP_SSL(ec_info.host, port, local_hostname=EHLO, context=context) as smtp:
        smtp.ehlo()
        smtp.user, smtp.password = SENDER, "secret1"
        assert smtp.auth("LOGIN", smtp.auth_login, initial_response_ok=False)[0] == 235
        assert smtp.sock is not None
        peer = smtp.sock.getpeercert()  # type: ignore[attr-defined]
        assert ("DNS", "mail.lab.test") in peer["subjectAltName"]


def test_ec_recipients_refused_at_rcpt(ec_info: Any) -> None:
    with smtplib.SMTP(ec_info.host, ec_info.ports["submission"], local_hostname=EHLO) as smtp:
        smtp.starttls(context=tls_context(ec_info))
        smtp.ehlo()
        assert smtp.mail(SENDER)[0] == 250
        code, reply = smtp.rcpt(SENDER)  # not logged in
        assert code == 550
        assert b"Relay access denied" in reply
    with smtp_starttls(ec_info) as smtp:
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235
        assert smtp.mail(SENDER)[0] == 250
        code, reply = smtp.rcpt("someone@example.com")
        assert (code, reply[:5]) == (550, b"5.4.4")
        code, reply = smtp.rcpt("nobody@lab.test")
        assert (code, reply[:5]) == (550, b"5.1.1")


def test_ec_imap_capabilities_and_folders(ec_info: Any) -> None:
    with imap_login(ec_info, SENDER) as imap:
        caps = {cap.upper() for cap in set().union(*capabilities(imap))}
        assert {"IDLE", "UIDPLUS", "IMAP4REV1"} <= caps
        boxes = listing(imap)
        assert any(box.endswith(b'"INBOX.Junk"') for box in boxes), boxes
        assert not any(b"\\Junk" in box for box in boxes)  # Courier has no SPECIAL-USE
    plain = imaplib.IMAP4(ec_info.host, ec_info.ports["imap"], timeout=10)
    try:
        assert {"STARTTLS", "LOGINDISABLED"} <= set(plain.capabilities)
        plain.starttls(tls_context(ec_info))
        assert "LOGINDISABLED" not in plain.capabilities
        assert plain.login(SENDER, "secret1")[0] == "OK"
    finally:
        plain.logout()


def test_ec_mail_to_self_in_inbox_and_junked_in_junk(ec_info: Any) -> None:
    token = uuid.uuid4().hex
    send_to_self(ec_info, SENDER, token)
    assert wait_for_mail(ec_info, "INBOX", ("HEADER", "X-Lab-Token", token)) == 1
    user = "junked@lab.test"
    send_to_self(ec_info, user, token)
    assert wait_for_mail(ec_info, labmod.COURIER_JUNK, ("HEADER", "X-Lab-Token", token), user) == 1
    with imap_login(ec_info, user) as imap:
        raw = fetch_one(imap, labmod.COURIER_JUNK, token)
        assert search(imap, "INBOX", "HEADER", "X-Lab-Token", token) == []
    headers = BytesParser(policy=email.policy.compat32).parsebytes(raw)
    spam = [(k, v) for k, v in headers.items() if k.startswith("X-Spam-")]
    assert spam == list(labmod.SPAM_HEADERS)
    send_to_self(ec_info, SENDER, token, subject="[LAB-SPAM] invoice")
    assert wait_for_mail(ec_info, labmod.COURIER_JUNK, ("HEADER", "X-Lab-Token", token)) == 1


def test_ec_lost_is_accepted_then_discarded(ec_lab: Any, ec_info: Any) -> None:
    token = uuid.uuid4().hex
    send_to_self(ec_info, "lost@lab.test", token)
    deadline = time.monotonic() + 5
    while ":blackhole:" not in ec_lab.exim_log() and time.monotonic() < deadline:
        time.sleep(0.02)
    log = ec_lab.exim_log()
    assert f"id={token}@client.lab.test" in log  # accepted (250)
    assert "=> :blackhole: <lost@lab.test> R=lost" in log
    for folder in ("INBOX", labmod.COURIER_JUNK):
        assert ec_lab.list_messages("lost@lab.test", folder) == []


def test_ec_idle_pushes_new_mail(ec_info: Any) -> None:
    print(f"\nCourier IDLE push {_idle_push_seconds(ec_info):.3f} s after submission")


def test_ec_deliver_list_and_flags(ec_lab: Any) -> None:
    user = "rcpt@customer.test"
    raw = b"From: a@customer.test\r\nSubject: kept\r\n\r\nHo\xc3\xa1 \xc4\x91\xc6\xa1n\r\n"
    uid = ec_lab.deliver(user, raw, folder=labmod.COURIER_JUNK, flags="\\Deleted \\Seen")
    assert uid >= 1
    assert raw in ec_lab.list_messages(user, labmod.COURIER_JUNK)
    assert {"\\Deleted", "\\Seen"} in ec_lab.message_flags(user, labmod.COURIER_JUNK)
    ec_lab.reset_mailboxes()
    assert ec_lab.list_messages(user, labmod.COURIER_JUNK) == []


def test_ec_passwd_changes_smtp_and_imap(ec_lab: Any) -> None:
    user = "postmaster@lab.test"
    ec_lab.passwd(user, "n3w-pass")
    info = ec_lab.info()
    try:
        with smtp_starttls(info) as smtp:
            assert auth_plain(smtp, user, "secret3")[0] == 535
        with smtp_starttls(info) as smtp:
            assert auth_plain(smtp, user, "n3w-pass")[0] == 235
        with (
            pytest.raises(imaplib.IMAP4.error),
            imaplib.IMAP4_SSL(
                info.host, info.ports["imaps"], ssl_context=tls_context(info)
            ) as imap,
        ):
            imap.login(user, "secret3")
        with imap_login(info, user) as imap:
            assert imap.select("INBOX")[0] == "OK"
    finally:
        ec_lab.passwd(user, "secret3")


def test_ec_cli_up_status_env_down(ec_info: Any) -> None:
    state = Path(ec_info.state).parent / f"mclab-cli-{uuid.uuid4().hex[:8]}"
    lab_py = [sys.executable, str(LAB_PY)]
    try:
        up = subprocess.run(
            [*lab_py, "up", "--family", "exim-courier", "--state", str(state)],
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        assert up.returncode == 0, up.stderr
        assert "# mail lab (exim-courier)" in up.stdout
        saved = labmod.load_info(str(state))
        assert saved.family == "exim-courier"
        assert saved.base != ec_info.base  # two labs side by side
        assert f"export MAILCHECK_SMTP_PORT={saved.ports['submission']}" in up.stdout
        status = subprocess.run(
            [*lab_py, "status", "--state", str(state)], capture_output=True, text=True, check=False
        )
        assert status.returncode == 0, status.stderr
        assert status.stdout.count(" up") == len(labmod.EXIM_COURIER_OFFSETS)
        other = subprocess.run(
            [*lab_py, "up", "--family", "postfix-dovecot", "--state", str(state)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert other.returncode == 1
        assert "holds a exim-courier lab" in other.stderr
        down = subprocess.run(
            [*lab_py, "down", "--state", str(state)], capture_output=True, text=True, check=False
        )
        assert down.returncode == 0, down.stderr
        assert all(port_refuses(port) for port in saved.ports.values())
    finally:
        subprocess.run([*lab_py, "down", "--purge", "--state", str(state)], check=False,
                       capture_output=True)  # fmt: skip
    assert not state.exists()


def test_ec_beside_the_other_family_and_a_second_of_its_own(ec_lab: Any, ec_info: Any) -> None:
    postfix = labmod.Lab()
    second = labmod.EximCourierLab()
    try:
        others = [postfix.start(), second.start()]
        bases = {ec_info.base, *(o.base for o in others)}
        assert len(bases) == 3
        for each in (ec_info, *others):
            with smtp_starttls(each) as smtp:
                assert auth_plain(smtp, SENDER, "secret1")[0] == 235
            with imap_login(each, SENDER) as imap:
                assert imap.select("INBOX")[0] == "OK"
        assert set(namespace_processes(second)).isdisjoint(namespace_processes(ec_lab))
        second.stop()
        assert namespace_processes(second) == []
        assert all(port_refuses(port) for port in others[1].ports.values())
        assert all(ec_lab.status().values()), "stopping the second lab touched the first"
        assert all(postfix.status().values())
    finally:
        second.destroy()
        postfix.destroy()


def test_ec_stop_leaves_no_process_and_warm_restart(ec_lab: Any, ec_info: Any) -> None:
    imap = imap_login(ec_info, SENDER)  # an open session (imapd, gam_server) too
    assert imap.select("INBOX")[0] == "OK"
    began = time.monotonic()
    ec_lab.stop()
    print(f"\nexim-courier stop: {time.monotonic() - began:.3f} s")
    imap.shutdown()
    try:
        assert all(port_refuses(port) for port in ec_info.ports.values())
        assert namespace_processes(ec_lab) == []
        assert not any(ec_lab.status().values())
    finally:
        began = time.monotonic()
        ec_lab.start()
        print(f"exim-courier warm start: {time.monotonic() - began:.3f} s")
    with smtp_starttls(ec_info) as smtp:
        assert auth_plain(smtp, SENDER, "secret1")[0] == 235
