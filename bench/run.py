"""Benchmarks: mailcheck side by side with its peer tools, against one mail lab, in one run.

    make bench                       # or: .venv/bin/python bench/run.py --write BENCHMARKS.md
    .venv/bin/python bench/run.py --only roundtrip

Section ``smtp`` (issue 2):
Measures wall time (median and 90th percentile over N runs, after warm-up) and
peak memory (max RSS of the process, from GNU time) of:

- ``mailcheck --version``: start-up cost;
- ``mailcheck smtp``: a full credential check (connect, STARTTLS, EHLO, one AUTH)
  against the lab's submission port, certificate verified;
- ``swaks --quit-after AUTH``: the same work by the peer tool (swaks verifies the
  certificate too, with ``--tls-verify --tls-ca-path``).

Section ``check`` (issue 6): ``mailcheck check`` of a healthy profile as cron runs it
(default checks, and round trip only), against ``check_email_delivery``.

Section ``big-mailbox`` (issue 11): the same round trip on an empty mailbox and on one
whose INBOX and Junk hold 10,000 messages each (time ratio and peak memory).

Section ``roundtrip`` (issue 3):

- ``mailcheck roundtrip``: log in, send the test invoice to the sender's own
  mailbox, find it by IMAP (IDLE plus an early burst), read its headers, delete it;
- ``check_email_delivery`` (Debian ``nagios-plugins-contrib``): the same round
  trip by the peer tool, with its defaults (it waits 5 s before the first look);
- detection delay: from the moment the lab delivered the message (the
  microsecond timestamp Dovecot writes into the Maildir file name) to the moment
  mailcheck saw it (``detected_at`` in its JSON report).

All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Measure:
    """One command's figures."""

    name: str
    command: str
    wall_ms: list[float]
    rss_kib: list[int]
    exit_codes: set[int]

    @property
    def median(self) -> float:
        return statistics.median(self.wall_ms)

    @property
    def p90(self) -> float:
        if len(self.wall_ms) < 2:
            return self.wall_ms[0]
        return statistics.quantiles(self.wall_ms, n=10)[-1]

    @property
    def rss_mib(self) -> float:
        return max(self.rss_kib) / 1024


def _lab_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mailcheck_lab", ROOT / "fixtures/lab/lab.py")
    if spec is None or spec.loader is None:
        raise SystemExit("bench: cannot load fixtures/lab/lab.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mailcheck_lab"] = module
    spec.loader.exec_module(module)
    return module


def _run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    # Peak memory comes from GNU time: a child forked from this Python process would
    # report this process's own size as its peak (Linux counts the pre-exec copy).
    with tempfile.NamedTemporaryFile("r") as rss_file:
        start = time.perf_counter()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", rss_file.name, *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        wall = (time.perf_counter() - start) * 1000
        rss_kib = int(rss_file.read().split()[-1])
    return wall, rss_kib, done.returncode


def measure(name: str, argv: list[str], env: dict[str, str], runs: int, warmup: int) -> Measure:
    for _ in range(warmup):
        _run_once(argv, env)
    result = Measure(name, " ".join(argv), [], [], set())
    for _ in range(runs):
        wall, rss, code = _run_once(argv, env)
        result.wall_ms.append(wall)
        result.rss_kib.append(rss)
        result.exit_codes.add(code)
    return result


def _table(measures: list[Measure]) -> str:
    lines = [
        "| command | median wall | p90 wall | max RSS | exit codes |",
        "|---|---:|---:|---:|---|",
    ]
    for m in measures:
        codes = ",".join(str(c) for c in sorted(m.exit_codes))
        lines.append(
            f"| {m.name} | {m.median:.1f} ms | {m.p90:.1f} ms | {m.rss_mib:.1f} MiB | {codes} |"
        )
    return "\n".join(lines)


_PEER_PACKAGES = (
    "swaks",
    "libnet-ssleay-perl",
    "libio-socket-ssl-perl",
    "time",
    "libsisimai-perl",  # the bounce classifier's peer (bench/bounce_corpora.py)
    "monitoring-plugins-contrib",
    "libmail-imapclient-perl",
    "libnet-smtp-tls-perl",
    "libnet-smtps-perl",
)


def _install_peers() -> None:
    """swaks (with the Perl TLS modules it only recommends), check_email_delivery, Sisimai."""
    probe = subprocess.run(
        ["perl", "-MNet::SSLeay", "-MIO::Socket::SSL", "-MSisimai", "-e", "1"],
        capture_output=True,
        check=False,
    )
    ced = Path("/usr/lib/nagios/plugins/check_email_delivery")
    if (
        shutil.which("swaks")
        and probe.returncode == 0
        and Path("/usr/bin/time").exists()
        and ced.exists()
    ):
        return
    if os.geteuid() != 0:
        raise SystemExit(f"bench: needs (apt-get) {' '.join(_PEER_PACKAGES)}")
    subprocess.run(
        [
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            *_PEER_PACKAGES,
        ],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def _oauth_measures(
    info: object, lab: object, env: dict[str, str], runs: int, warmup: int
) -> list[Measure]:
    """The same check on the implicit-TLS port, once with the password, once with XOAUTH2.

    The lab offers XOAUTH2 (and no OAUTHBEARER) there, so this is the mechanism measured.
    """
    host, ports, ca_file = info.host, info.ports, info.ca_file  # type: ignore[attr-defined]
    argv = [
        str(BIN / "mailcheck"), "smtp", "--smtp-host", host, "--smtp-port",
        str(ports["submission_tls"]), "--smtp-tls", "tls", "--ca-file", ca_file,
        "--username", "sender@lab.test",
    ]  # fmt: skip
    token = lab.mint_token("sender@lab.test", expires_in=24 * 3600)  # type: ignore[attr-defined]
    with_token = {k: v for k, v in env.items() if k != "MAILCHECK_PASSWORD"}
    with_token["MAILCHECK_ACCESS_TOKEN"] = token
    return [
        measure("`mailcheck smtp` (implicit TLS + AUTH PLAIN)", argv, env, runs, warmup),
        measure("`mailcheck smtp` (implicit TLS + AUTH XOAUTH2)", argv, with_token, runs, warmup),
    ]


def _smtp_section(info: object, lab: object, env: dict[str, str], runs: int, warmup: int) -> str:
    host, ports, ca_file = info.host, info.ports, info.ca_file  # type: ignore[attr-defined]
    port = str(ports["submission"])
    mailcheck = str(BIN / "mailcheck")
    smtp = [mailcheck, "smtp", "--smtp-host", host, "--smtp-port", port, "--ca-file", ca_file]
    swaks = [
        "swaks", "--server", host, "--port", port, "--tls", "--tls-verify",
        "--tls-ca-path", ca_file, "--auth", "PLAIN", "--auth-user", "sender@lab.test",
        "--auth-password", "secret1", "--quit-after", "AUTH", "--silent", "3",
    ]  # fmt: skip
    measures = [
        measure("`mailcheck --version`", [mailcheck, "--version"], env, runs, warmup),
        measure(
            "`mailcheck smtp` (STARTTLS + AUTH)",
            [*smtp, "--username", "sender@lab.test"],
            env,
            runs,
            warmup,
        ),
        measure("`swaks --quit-after AUTH` (STARTTLS + AUTH)", swaks, env, runs, warmup),
        *(
            measure(
                f"baseline: `python -c '{code}'`", [sys.executable, "-c", code], env, runs, warmup
            )
            for code in ("pass", "import click", "import click, aiosmtplib")
        ),
    ]
    oauth = _oauth_measures(info, lab, env, runs, warmup)
    measures.extend(oauth)
    _check(measures)
    mc, peer = measures[1], measures[2]
    password, token = oauth
    summary = (
        f"Targets (issue 2): `mailcheck --version` under 100 ms median: "
        f"**{measures[0].median:.0f} ms**; `mailcheck smtp` within 2x of swaks: "
        f"**{mc.median / peer.median:.2f}x** ({mc.median:.0f} ms vs {peer.median:.0f} ms). "
        f"Target (issue 13): `mailcheck smtp` with an OAuth2 token (XOAUTH2) within 1.1x of "
        f"the same check with a password: **{token.median / password.median:.2f}x** "
        f"({token.median:.0f} ms vs {password.median:.0f} ms)."
    )
    return f"{_when(runs, warmup)}\n\n{_table(measures)}\n\n{summary}"


def _roundtrip_args(info: object) -> list[str]:
    host, ports, ca_file = info.host, info.ports, info.ca_file  # type: ignore[attr-defined]
    return [
        str(BIN / "mailcheck"), "roundtrip", "--sender", "sender@lab.test",
        "--smtp-host", host, "--smtp-port", str(ports["submission"]), "--ca-file", ca_file,
        "--imap-host", host, "--imap-port", str(ports["imaps"]), "--imap-tls", "tls",
    ]  # fmt: skip


def _delivered_at(maildir: Path, token: str) -> float | None:
    """Dovecot names a Maildir file ``<secs>.M<usecs>P<pid>...``: the delivery moment."""
    for sub in ("new", "cur"):
        for path in (maildir / sub).iterdir():
            if token.encode() in path.read_bytes():
                secs, _, rest = path.name.partition(".M")
                return int(secs) + int(rest.split("P", 1)[0]) / 1e6
    return None


def _detection_delays(info: object, env: dict[str, str], runs: int) -> list[float]:
    """Run ``roundtrip --keep`` and compare mailcheck's detected_at with the delivery moment."""
    import json

    state = info.state  # type: ignore[attr-defined]
    maildir = Path(state) / "maildir" / "lab.test" / "sender" / "Maildir"
    delays = []
    for _ in range(runs):
        done = subprocess.run(
            [*_roundtrip_args(info), "--keep", "--format", "json"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        report = json.loads(done.stdout)
        placement = next(
            s for p in report["probes"] if p["probe"] == "imap" for s in p["steps"]
            if s["name"] == "placement"
        )  # fmt: skip
        delivered = _delivered_at(maildir, report["target"]["token"])
        if delivered is None or "detected_at" not in placement.get("data", {}):
            raise SystemExit("bench: a round trip did not find its message")
        delays.append((float(placement["data"]["detected_at"]) - delivered) * 1000)
    return delays


def _roundtrip_section(info: object, env: dict[str, str], runs: int, lab: object) -> str:
    ced, extra = _ced_args(info)
    ced_env = {**env, **extra}
    mc = measure(
        "`mailcheck roundtrip` (send, find, read, delete)", _roundtrip_args(info), env, runs, 1
    )
    peer = measure("`check_email_delivery` (defaults)", ced, ced_env, max(3, runs // 4), 0)
    _check([mc, peer])
    delays = _detection_delays(info, env, runs)
    lab.reset_mailboxes()  # type: ignore[attr-defined]
    delay_med = statistics.median(delays)
    delay_p90 = statistics.quantiles(delays, n=10)[-1] if len(delays) > 1 else delays[0]
    summary = (
        f"Detection delay (lab delivered → mailcheck saw it), {len(delays)} runs: median "
        f"**{delay_med:.1f} ms**, p90 {delay_p90:.1f} ms, max {max(delays):.1f} ms "
        f"(target: median under 100 ms).\n\n"
        f"Targets (issue 3): `mailcheck roundtrip` at least 10x faster than "
        f"check_email_delivery: **{peer.median / mc.median:.1f}x** "
        f"({mc.median:.0f} ms vs {peer.median:.0f} ms)."
    )
    return f"{_when(runs, 1)}\n\n{_table([mc, peer])}\n\n{summary}"


#: Messages per folder for the large-mailbox round trip (issue 11).
BIG_FOLDER = 10_000


def _fill_junk(state: str, user: str, count: int) -> None:
    """``count`` small read messages in a user's Junk, written into the Maildir like fill_inbox."""
    local, _, domain = user.partition("@")
    junk = Path(state) / "maildir" / domain / local / "Maildir" / ".Junk"
    cur = junk / "cur"
    for sub in ("cur", "new", "tmp"):
        (junk / sub).mkdir(parents=True, exist_ok=True)
    owner = (Path(state) / "maildir" / domain / local / "Maildir").stat()
    now = time.time()
    for n in range(1, count + 1):
        body = (
            f"From: Offers <offers@spam.test>\nTo: {user}\nSubject: Offer {n:06d}\n"
            f"Message-ID: <junk-{int(now)}-{n}@spam.test>\n\nBuy now.\n"
        ).encode()
        path = cur / f"{int(now)}.M{n}P{os.getpid()}.mclab,S={len(body)}:2,S"
        path.write_bytes(body)
        os.chown(path, owner.st_uid, owner.st_gid)
    for path in (junk, cur, junk / "new", junk / "tmp"):
        os.chown(path, owner.st_uid, owner.st_gid)


def _server_floor_ms(info: object, user: str, password: str, runs: int) -> float:
    """Median time the IMAP server itself takes for the round trip's IMAP work, by imaplib.

    SELECT INBOX, a message arriving, finding it by a search of the new UIDs, fetching its
    header, STORE \\Deleted and UID EXPUNGE: what any client pays on this server, so the
    part of a slower round trip that is the server's, not mailcheck's, can be told.
    """
    import imaplib
    import ssl

    host, ports, ca_file = info.host, info.ports, info.ca_file  # type: ignore[attr-defined]
    context = ssl.create_default_context(cafile=ca_file)
    times = []
    for n in range(runs):
        imap = imaplib.IMAP4_SSL(host, ports["imaps"], ssl_context=context)
        imap.login(user, password)
        start = time.perf_counter()
        imap.select("INBOX")
        _, (uidnext,) = imap.response("UIDNEXT")
        token = f"mc-floor-{os.getpid()}-{n}"
        message = f"From: <{user}>\r\nX-Mailcheck-Token: {token}\r\n\r\nfloor\r\n"
        imap.append("INBOX", None, None, message.encode())
        new = f"{int(uidnext)}:*"  # only mail that came after the SELECT, as mailcheck asks
        _, found = imap.uid("SEARCH", "UID", new, "HEADER", "X-Mailcheck-Token", token)
        uid = found[0].split()[-1].decode()
        imap.uid("FETCH", uid, "(BODY.PEEK[HEADER])")
        imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        imap.uid("EXPUNGE", uid)
        times.append((time.perf_counter() - start) * 1000)
        imap.logout()
    return statistics.median(times)


def _big_mailbox_section(info: object, env: dict[str, str], runs: int, lab: object) -> str:
    """The same round trip on an empty mailbox and on one with 10,000 messages per folder."""
    state = info.state  # type: ignore[attr-defined]
    lab.reset_mailboxes()  # type: ignore[attr-defined]
    lab.fill_inbox("bulk@lab.test", BIG_FOLDER)  # type: ignore[attr-defined]
    _fill_junk(state, "bulk@lab.test", BIG_FOLDER)

    def argv(user: str) -> list[str]:
        args = _roundtrip_args(info)
        args[args.index("sender@lab.test")] = user
        return [*args, "--username", user]

    users = info.users  # type: ignore[attr-defined]
    empty = measure(
        "`mailcheck roundtrip`, empty mailbox",
        argv("sender@lab.test"),
        {**env, "MAILCHECK_PASSWORD": users["sender@lab.test"]},
        runs,
        2,
    )
    full = measure(
        f"`mailcheck roundtrip`, {BIG_FOLDER:,} messages in INBOX and {BIG_FOLDER:,} in Junk",
        argv("bulk@lab.test"),
        {**env, "MAILCHECK_PASSWORD": users["bulk@lab.test"]},
        runs,
        2,  # the first look builds Dovecot's index of the new Maildir: not mailcheck's cost
    )
    _check([empty, full])
    floor_empty = _server_floor_ms(info, "sender@lab.test", users["sender@lab.test"], runs)
    floor_full = _server_floor_ms(info, "bulk@lab.test", users["bulk@lab.test"], runs)
    lab.reset_mailboxes()  # type: ignore[attr-defined]
    ratio = full.median / empty.median
    server = floor_full - floor_empty
    net = (full.median - server) / empty.median
    summary = (
        f"Targets (issue 11): a round trip on a mailbox whose folders hold {BIG_FOLDER:,} "
        f"messages each takes at most 1.2x the time on an empty one: **{ratio:.2f}x** "
        f"({full.median:.0f} ms vs {empty.median:.0f} ms, medians); peak RSS under 60 MiB: "
        f"**{full.rss_mib:.1f} MiB**. The message is found by `UID SEARCH HEADER` on its "
        f"token, so the folder's size costs the server's search, not a fetch of every header.\n\n"
        f"Where the difference goes: the same IMAP work done by Python's imaplib (SELECT, a "
        f"message arriving, a search, its header, STORE and UID EXPUNGE) takes the lab's "
        f"Dovecot {floor_empty:.1f} ms on the empty mailbox and {floor_full:.1f} ms on the full "
        f"one (Maildir: SELECT and the first look at a new message read the folder's 10,000 "
        f"files, EXPUNGE rewrites its UID list). Less that server time, the round trip on the "
        f"full mailbox takes **{net:.2f}x** the empty one's."
    )
    return f"{_when(runs, 2)}\n\n{_table([empty, full])}\n\n{summary}"


def _ced_args(info: object) -> tuple[list[str], dict[str, str]]:
    """check_email_delivery against the lab, and the environment that trusts the lab CA."""
    host, ports = info.host, info.ports  # type: ignore[attr-defined]
    argv = [
        "/usr/lib/nagios/plugins/check_email_delivery", "-H", host,
        "--smtp-port", str(ports["submission"]), "--smtptls",
        "--mailto", "sender@lab.test", "--mailfrom", "sender@lab.test",
        "--username", "sender@lab.test", "--password", "secret1",
        "--imap-port", str(ports["imaps"]), "--imapssl", "--libexec", "/usr/lib/nagios/plugins",
    ]  # fmt: skip
    # check_email_delivery (Perl IO::Socket::SSL) verifies certificates with OpenSSL's
    # default paths: SSL_CERT_FILE points them at the lab CA, as --ca-file does for mailcheck.
    return argv, {"SSL_CERT_FILE": info.ca_file}  # type: ignore[attr-defined]


def _check_section(info: object, env: dict[str, str], runs: int, tmp: Path) -> str:
    """`mailcheck check` of one healthy profile (as cron runs it) vs check_email_delivery."""
    host, ports = info.host, info.ports  # type: ignore[attr-defined]
    ca_file = info.ca_file  # type: ignore[attr-defined]
    profile = (
        'sender = "sender@lab.test"\n'
        f'smtp_host = "{host}"\nsmtp_port = {ports["submission"]}\n'
        f'imap_host = "{host}"\nimap_port = {ports["imaps"]}\n'
        f'ca_file = "{ca_file}"\ndns_server = "{host}:{ports["dns"]}"\n'
        'password_env = "MAILCHECK_PASSWORD"\n'
    )
    config = tmp / "config.toml"
    config.write_text(
        f"[profiles.billing]\n{profile}\n"
        # The same work as check_email_delivery: send, find, delete (no sender DNS).
        f'[profiles.roundtrip]\n{profile}checks = ["roundtrip"]\n',
        encoding="utf-8",
    )
    check_env = {**env, "XDG_STATE_HOME": str(tmp / "state")}

    def argv(name: str) -> list[str]:
        return [str(BIN / "mailcheck"), "check", "--config", str(config), "--profile", name,
                "--format", "nagios"]  # fmt: skip

    full = measure(
        "`mailcheck check`, default profile (credentials, round trip, sender DNS, history)",
        argv("billing"), check_env, runs, 1,
    )  # fmt: skip
    same = measure(
        "`mailcheck check`, `checks = [\"roundtrip\"]` (the peer's work, plus history)",
        argv("roundtrip"), check_env, runs, 1,
    )  # fmt: skip
    ced, ced_env = _ced_args(info)
    peer = measure("`check_email_delivery` (defaults)", ced, {**env, **ced_env}, 3, 0)
    _check([full, same, peer])
    summary = (
        f"Target (issue 6): `mailcheck check` of one healthy profile at least 10x faster than "
        f"check_email_delivery on the same lab: default profile "
        f"**{peer.median / full.median:.1f}x** ({full.median:.0f} ms vs {peer.median:.0f} ms); "
        f"the same work as the peer (round trip "
        f"only) **{peer.median / same.median:.1f}x** ({same.median:.0f} ms). The default profile "
        f"does more than the peer: it reads the received message's authentication headers, "
        f"checks the sender domain's SPF, DKIM and DMARC for the IP that sent, deletes only its "
        f"own message and appends the result to its SQLite history."
    )
    return f"{_when(runs, 1)}\n\n{_table([full, same, peer])}\n\n{summary}"


PEERS = ROOT / "bench" / ".peers"


def _peers_python() -> str:
    """A virtualenv of its own for checkdmarc and email-validator (made once)."""
    python = PEERS / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "checkdmarc==6.0.4", "email-validator"],
            check=True,
        )
    return str(python)


def _preflight_section(info: object, env: dict[str, str], lab: object, tmp: Path) -> str:
    host, ports = info.host, info.ports  # type: ignore[attr-defined]
    domains = lab.bulk_domains(2500)  # type: ignore[attr-defined]
    server = f"{host}:{ports['dns']}"
    small, large = tmp / "10k.csv", tmp / "100k.csv"
    for path, count in ((small, 10_000), (large, 100_000)):
        with path.open("w", encoding="utf-8") as out:
            out.write("customer,email\n")
            out.writelines(f"KH {i},kh{i}@{domains[i % len(domains)]}\n" for i in range(count))
    (tmp / "domains.txt").write_text("\n".join(domains) + "\n", encoding="utf-8")
    (tmp / "addresses.txt").write_text(
        "".join(f"kh{i}@{domains[i % len(domains)]}\n" for i in range(10_000)), encoding="utf-8"
    )
    preflight = [str(BIN / "mailcheck"), "preflight", "--dns-server", server, "-o", "/dev/null"]
    peers = _peers_python()
    driver = str(ROOT / "bench" / "peer_drivers.py")
    measures = [
        measure("`mailcheck preflight` 10,000 addresses", [*preflight, str(small)], env, 5, 1),
        measure(
            "`checkdmarc` (library, DNS checks only) on the 2,500 domains",
            [peers, driver, "checkdmarc", host, str(ports["dns"]), str(tmp / "domains.txt")],
            env,
            1,
            0,
        ),
        measure(
            "`email_validator.validate_email(check_deliverability=True)` loop, 10,000 addresses",
            [peers, driver, "email-validator", host, str(ports["dns"]), str(tmp / "addresses.txt")],
            env,
            1,
            0,
        ),
        measure("`mailcheck preflight` 100,000 addresses", [*preflight, str(large)], env, 1, 0),
    ]
    # Exit codes: preflight exits 2 here (5 % NXDOMAIN and 5 % null MX are in the list).
    failed = [m.name for m in measures if m.exit_codes - {0, 2}]
    if failed:
        raise SystemExit(f"bench: these failed: {', '.join(failed)}")
    mc, cd, ev, big = measures
    rate = len(domains) / (mc.median / 1000)
    summary = (
        f"{len(domains)} domains (80 % MX, 10 % implicit MX, 5 % null MX, 5 % NXDOMAIN; "
        f"10 shared MX hosts), served by the lab's Knot.\n\n"
        f"Targets (issue 4): at least 1,000 domains/s: **{rate:,.0f} domains/s**; at least 10x "
        f"checkdmarc: **{cd.median / mc.median:.1f}x**; peak memory under 150 MB for 100,000 "
        f"addresses: **{big.rss_mib:.0f} MiB**. email-validator's loop: "
        f"{ev.median / mc.median:.1f}x mailcheck's time."
    )
    return f"{_when(5, 1)}\n\n{_table(measures)}\n\n{summary}"


def _when(runs: int, warmup: int) -> str:
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this host'}"
        f" ({os.cpu_count()} cores, Python {platform.python_version()}), {runs} runs after "
        f"{warmup} warm-up runs (the peer tool's slow round trip: fewer), one lab for all "
        f"commands, by `make bench` (`bench/run.py`)."
    )


def _check(measures: list[Measure]) -> None:
    failed = [m.name for m in measures if m.exit_codes != {0}]
    if failed:
        raise SystemExit(f"bench: these did not succeed every time: {', '.join(failed)}")


def _write(path: Path, section: str, body: str, title: str) -> None:
    begin, end = f"<!-- bench:{section} begin -->", f"<!-- bench:{section} end -->"
    block = f"{begin}\n{body}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text:
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        text = head + block + tail
    else:
        text = text.rstrip("\n") + f"\n\n## {title}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=[
            "smtp",
            "roundtrip",
            "big-mailbox",
            "preflight",
            "check",
            "serve",
            "preflight-latency",
            "bounce",
        ],
    )
    parser.add_argument("--write", metavar="FILE", help="update this Markdown file")
    args = parser.parse_args()
    _install_peers()
    if args.only == "bounce":  # no lab: local files only
        return _report([_bounce_section()], args.write)
    lab_module = _lab_module()
    lab = lab_module.Lab()
    info = lab.start()
    env = {
        "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LANG": "C.UTF-8",
        "HOME": os.environ.get("HOME", "/root"),
        "MAILCHECK_PASSWORD": "secret1",
    }
    sections = []
    try:
        if args.only in (None, "smtp"):
            sections.append(
                (
                    "smtp",
                    "SMTP credential check (issue 2)",
                    _smtp_section(info, lab, env, args.runs, args.warmup),
                )
            )
        if args.only in (None, "roundtrip"):
            runs = max(5, args.runs // 2)
            sections.append(
                ("roundtrip", "Round trip (issue 3)", _roundtrip_section(info, env, runs, lab))
            )
        if args.only in (None, "big-mailbox"):
            body = _big_mailbox_section(info, env, max(5, args.runs // 3), lab)
            sections.append(("big-mailbox", "Round trip on a large mailbox (issue 11)", body))
        if args.only in (None, "check"):
            with tempfile.TemporaryDirectory() as tmp:
                body = _check_section(info, env, max(5, args.runs // 2), Path(tmp))
            sections.append(("check", "Health check for cron and monitoring (issue 6)", body))
        if args.only in (None, "preflight"):
            with tempfile.TemporaryDirectory() as tmp:
                body = _preflight_section(info, env, lab, Path(tmp))
            sections.append(("preflight", "Preflight of a customer list (issue 4)", body))
        if args.only in (None, "serve"):
            from serve_bench import run as serve_bench  # bench/ is this script's sys.path[0]

            sections.append(("serve", "Prometheus exporter (issue 15)", serve_bench(info)))
        if args.only in (None, "preflight-latency"):
            from preflight_latency import run as latency_bench  # needs no lab

            title = "Preflight behind a slow resolver, and sharded (issue 15)"
            sections.append(("preflight-latency", title, latency_bench()))
        if args.only is None:
            sections.append(_bounce_section())
    finally:
        try:
            lab.destroy()
        except lab_module.LabError as exc:  # the figures are still good; say so and go on
            print(f"bench: warning: the lab did not stop cleanly: {exc}", file=sys.stderr)
    return _report(sections, args.write)


def _bounce_section() -> tuple[str, str, str]:
    from bounce_corpora import LOADERS, measure  # bench/ is this script's sys.path[0]

    title = "Bounce reasons on real bounces, beside Sisimai (issue 14)"
    return ("bounce-corpora", title, measure(LOADERS, speed=3000))


def _report(sections: list[tuple[str, str, str]], write: str | None) -> int:
    for section, title, body in sections:
        print(f"## {title}\n\n{body}\n")
        if write:
            _write(Path(write), section, body, title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
