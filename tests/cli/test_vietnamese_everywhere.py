"""Under --lang vi every human-facing word is Vietnamese: help, errors, prompts, reports.

Each command's ``--help`` and a representative run of each command are read line by
line against the message catalogue (``mailcheck.report.i18n`` and the cause catalogue):
every word must be a word of the Vietnamese catalogue, a technical token (an option, a
host or address, a code, a cause id, a metavar) or a product name; English glue words
("the", "is", "not", ...) are refused outright, so a leftover English sentence fails even
when its nouns are ones the Vietnamese texts borrow (SPF, relay, token). A server's own
words (after "trả lời:") are a quotation and are not judged.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mailcheck.cli import _COMMANDS, cli
from mailcheck.evidence import ProbeId
from mailcheck.progress import Progress
from mailcheck.report import i18n
from mailcheck.rules import load_causes
from tests.helpers import (
    LAB_PASSWORD,
    LAB_USER,
    LabHandle,
    free_port,
    lab_profile,
    run_on_terminal,
    toml_value,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

#: English words that never belong in a Vietnamese line, whatever the catalogue borrows.
#: ("in" is not here: it is Vietnamese for "print".)
ENGLISH_GLUE = frozenset(
    """
    the is are was were not to of and for with from this that these on an it its be by or
    has have does did could cannot can would will your you which when what there their they
    at as only must should but been into than then try see use
    """.split()  # noqa: SIM905 - a word list reads best as words
)

#: Names of products, protocols, formats and units, written the same in both languages.
PRODUCT_TERMS = frozenset(
    """
    mailcheck gmail google microsoft outlook office workspace yahoo zoho icloud yandex
    exchange prometheus kubernetes cron ci json csv xml pdf junit sqlite oauth spf dkim dmarc
    arc mx dns smtp imap tls ssl starttls ehlo rcpt idle inbox spam junk ip vi en utc mbox eml
    stdin stdout stderr toml markdown sigint sigterm faq gnu windows macos nagios node
    exporter blackbox metrics probe scrape busy msal xoauth oauthbearer brevo mailgun
    sendgrid ses hve postfix exim sendmail qmail courier dovecot rspamd spamassassin ms s
    human nxdomain servfail refused noerror formerr notimp drafts sent trash archive
    softfail neutral temperror permerror
    """.split()  # noqa: SIM905
)

#: The status words of the English reports: never in a Vietnamese one.
ENGLISH_STATUS = frozenset({"WARNING", "CRITICAL", "UNKNOWN"})

#: Header names, capitalised as in a message (the word "From" is not the English "from").
HEADER_NAMES = frozenset({"From", "To", "Subject", "Received", "Cc"})

_WORD = re.compile(r"[^\W\d_]+")
#: Quoted values, and a server's reply in parentheses ("(530 Must issue a STARTTLS ...)").
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`|“[^”]*”|\([^()]*@[^()]*\)|\([2-5]\d\d [^()]*\)")
#: A raw token that is technical by its shape: a path, host, address, code, key=value, an
#: option, a metavar or a choice list ([OPTIONS], TEXT, [human|json]).
_TECHNICAL = re.compile(r"[\d@./\\_=<>|$~{}#]|^-|^\[?[A-Z][A-Z0-9|\[\]\-]+[.,:;)\]]*$")
#: kebab-case identifiers: cause ids, command names (preflight-merge), step names.
_KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def _vietnamese_texts() -> Iterator[str]:
    for name, value in vars(i18n).items():
        if name.startswith("_"):
            continue
        if isinstance(value, dict) and "vi" in value:
            yield from _strings(value["vi"])
        elif name.endswith("_VI"):
            yield from _strings(value)
    for cause in load_causes().values():
        yield cause.title["vi"]
        yield cause.fix["vi"]


def _vocabulary() -> frozenset[str]:
    words = {w.lower() for text in _vietnamese_texts() for w in _WORD.findall(text)}
    # Cause ids and command names are identifiers, in both languages (some are one word:
    # interrupted, serve).
    probes = {p.value.rstrip(":") for p in ProbeId}
    return frozenset(words | PRODUCT_TERMS | set(load_causes()) | set(_COMMANDS) | probes)


VOCABULARY = _vocabulary()


def _unquoted(line: str) -> str:
    """The line without what it quotes: a server's words, a header, quoted values."""
    said = re.search(r"trả lời(?: \([^)]*\))?: ", line)
    if said:
        line = line[: said.start()]
    # The probe and its target before a Steps line: "[imap a@b.test at host:993 (tls)]:".
    line = re.sub(r"\[[a-z]+:?[a-z]* [^\]]*\]:", " ", line)
    # A header quoted whole ("Bộ lọc spam: X-Spam-Status: Yes, score=7.5 ..."): the header's.
    header = re.search(r"(?:^|\s)[A-Z][A-Za-z]*(?:-[A-Za-z]+)+: ", line)
    if header:
        line = line[: header.start()]
    return _QUOTED.sub(" ", line)


def foreign_words(line: str) -> list[str]:
    """The words of ``line`` that are neither Vietnamese of the catalogue nor technical."""
    found = []
    for raw in _unquoted(line).split():
        token = raw.strip("()[],.:;?!")
        if token in ENGLISH_STATUS:
            found.append(token)
            continue
        if not token or _TECHNICAL.search(token) or _KEBAB.match(token):
            continue
        for word in _WORD.findall(token):
            if word in HEADER_NAMES:
                continue
            low = word.lower()
            if low in ENGLISH_GLUE or low not in VOCABULARY:
                found.append(word)
    return found


def run_cli(args: list[str], env: dict[str, str] | None = None) -> Result:
    """mailcheck in-process, named as a user types it (``Cách dùng: mailcheck ...``)."""
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False, prog_name="mailcheck")


def assert_vietnamese(text: str, what: str) -> None:
    bad = [(line, words) for line in text.splitlines() if (words := foreign_words(line))]
    assert bad == [], f"{what}: English (or unknown) words under --lang vi: {bad}"


# ------------------------------------------------------------------------ the check itself


def test_the_check_finds_an_english_sentence() -> None:
    # The same line before and after translation: the check must tell them apart.
    assert foreign_words("missing --sender (the address the invoices are sent from)")
    assert not foreign_words("thiếu --sender (địa chỉ dùng để gửi hóa đơn)")
    assert foreign_words("  Fix: Check the SMTP host name in the software for typos")
    # Technical tokens and quotations pass in any language.
    assert not foreign_words(
        "  mx.customer.test trả lời: 550 5.7.1 Our system has detected unsolicited mail"
    )
    assert not foreign_words("  --smtp-tls [starttls|tls|ssl|none]  recipient-domain-not-found")


def test_the_check_would_fail_on_a_reverted_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof of strictness: with one translation taken out, the run's output is caught."""
    monkeypatch.delitem(i18n.ERRORS_VI, "missing --recipient (the customer's address)")
    monkeypatch.setattr(i18n, "_error_patterns", i18n._error_patterns.__wrapped__)
    result = run_cli(["diagnose", "--lang", "vi", "--sender", "a@b.test", "--smtp-host", "h"])
    assert result.exit_code == 3
    with pytest.raises(AssertionError, match="the customer"):
        assert_vietnamese(result.stderr, "diagnose")


# ------------------------------------------------------------------------ help


@pytest.mark.parametrize("command", [None, *sorted(_COMMANDS)])
def test_every_help_is_vietnamese(command: str | None) -> None:
    # The group's --lang, which every command takes (serve and preflight-merge have none).
    result = run_cli(["--lang", "vi", *([command] if command else []), "--help"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Cách dùng: ")
    assert "Tùy chọn:" in result.stdout
    assert_vietnamese(result.stdout, f"{command} --help")


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_vietnamese_help_from_the_environment_and_english_stays_english(command: str) -> None:
    vi = run_cli([command, "--help"], env={"MAILCHECK_LANG": "vi"})
    assert vi.stdout.startswith("Cách dùng:")
    en = run_cli([command, "--help"], env={"MAILCHECK_LANG": "en"})
    assert en.stdout.startswith("Usage:")
    assert "Tùy chọn" not in en.stdout


def test_every_option_has_its_vietnamese_help() -> None:
    """A new option without a Vietnamese help fails here, not in a user's terminal."""
    import click

    ctx = click.Context(cli)
    missing = []
    for name in sorted(_COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None
        assert name in i18n.CLI_COMMANDS_VI, name
        for param in command.params:
            if not isinstance(param, click.Option) or not param.help or param.hidden:
                continue
            flag = next((o for o in param.opts if o.startswith("--")), param.opts[0])
            known = f"{name} {flag}" in i18n.CLI_OPTIONS_VI or flag in i18n.CLI_OPTIONS_VI
            if not known and flag != "--provider":
                missing.append(f"{name} {flag}")
    assert missing == []


def test_each_vietnamese_help_names_the_options_and_exit_codes_its_english_names() -> None:
    """A translation left behind when the English help changes (a new option, another exit
    code) shows here: both must name the same options and digits."""
    import click

    ctx = click.Context(cli)

    def named(text: str) -> set[str]:
        return set(re.findall(r"--[a-z][a-z-]*|\b[0-3]\b", text))

    for name in sorted(_COMMANDS):
        command = cli.get_command(ctx, name)
        assert command is not None
        english = importlib.import_module(_COMMANDS[name][0]).command.help or ""
        assert named(i18n.CLI_COMMANDS_VI[name][1]) == named(english), name


# ------------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    "args",
    [
        ["diagnose"],
        ["diagnose", "--sender", "a@b.test", "--smtp-host", "h.test"],
        ["smtp", "--sendr", "a@b.test"],
        ["smtp", "--smtp-tls", "sll"],
        ["smtp", "--provider", "gmial", "--sender", "a@b.test"],
        ["smtp", "--sender", "xgmail.com"],
        ["smtp", "--sender", "x@gmail..com"],
        ["smtp", "--sender", "a@b.test", "--smtp-host", "h.test", "--smtp-port", "99999"],
        ["smtp", "--sender", "a@b.test", "--smtp-host", "h.test", "--timeout", "x"],
        ["smtp", "--config", "/nonexistent/config.toml", "--sender", "a@b.test"],
        ["smtp", "--profile", "billing", "--sender", "a@b.test"],
        ["smtp", "--sender", "a@b.test", "--smtp-host", "h.test"],
        ["smtp", "--sender", "a@b.test", "--smtp-host", "h.test", "--password-file", "/nope"],
        ["smtp", "--sender", "a@b.test", "--smtp-host", "h.test", "--password-command", "no-x"],
        ["roundtrip", "--sender", "a@b.test", "--smtp-host", "h.test", "--subject", "{nope}"],
        ["watch", "--mailbox", "a@b.test", "--imap-host", "h.test"],
        ["check", "--all"],
        ["history", "--since", "soon"],
        ["history", "--history", "/"],
        ["causes", "pasword-changed"],
        ["nosuchcommand"],
        ["bounce"],
        ["bounce", "/nonexistent.eml"],
        ["preflight", "/nonexistent.csv"],
    ],
    ids=lambda a: " ".join(a),
)
def test_usual_mistakes_are_told_in_vietnamese(args: list[str]) -> None:
    result = run_cli(
        [*args, "--lang", "vi"] if args[0] != "nosuchcommand" else ["--lang", "vi", *args]
    )
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert result.stderr.startswith("mailcheck: lỗi: "), result.stderr
    assert "Error:" not in result.stderr
    assert_vietnamese(result.stderr, " ".join(args))


@pytest.mark.parametrize(
    ("english", "vietnamese"),
    [
        (
            "the password command 'ketoan-pass' was not found",
            "không tìm thấy lệnh lấy mật khẩu 'ketoan-pass'",
        ),
        (
            "config file /etc/mc.toml: no profile 'hoadon' (did you mean hoa-don?) "
            "(profiles: hoa-don)",
            "tệp cấu hình /etc/mc.toml: không có hồ sơ 'hoadon' (có phải ý bạn là hoa-don?) "
            "(các hồ sơ: hoa-don)",
        ),
        (
            "history not recorded: cannot create history file /srv/h.db: Permission denied; "
            "choose another file with --history or MAILCHECK_HISTORY",
            "chưa ghi được vào lịch sử: không tạo được tệp lịch sử /srv/h.db: không có quyền "
            "truy cập; hãy chọn tệp khác bằng --history hoặc MAILCHECK_HISTORY",
        ),
        (
            "--subject: 'HD {' is not a valid template (Single '{' encountered in format "
            "string); write {{ and }} for literal braces",
            "--subject: 'HD {' không phải mẫu hợp lệ (Single '{' encountered in format "
            "string); viết {{ và }} để có dấu ngoặc nhọn",
        ),
        ("a text mailcheck has no words for", "a text mailcheck has no words for"),
    ],
)
def test_error_texts_are_translated_by_their_english_template(
    english: str, vietnamese: str
) -> None:
    assert i18n.error_text(english, "vi") == vietnamese
    assert i18n.error_text(english, "en") == english


def test_a_profiles_language_is_spoken_once_the_settings_are_read(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'default_profile = "hoa-don"\n[profiles.hoa-don]\nsender = "a@b.test"\n'
        'smtp_host = "h.test"\nlang = "vi"\n',
        encoding="utf-8",
    )
    result = run_cli(["smtp", "--config", str(config)])
    assert result.stderr.startswith("mailcheck: lỗi: chưa có mật khẩu"), result.stderr


def test_every_error_translation_keeps_the_parts_of_its_english() -> None:
    """Each Vietnamese text carries exactly the parts its English has, and formats: a bad
    brace would turn an error message into a crash of the error message."""
    for english, vietnamese in i18n.ERRORS_VI.items():
        names = set(re.findall(r"\{(\w+)\}", english))
        assert set(re.findall(r"(?<!\{)\{(\w+)\}", vietnamese)) == names, english
        vietnamese.format(**dict.fromkeys(names, "x"))


def test_a_usage_error_says_where_the_help_is_in_the_same_words() -> None:
    result = run_cli(["smtp", "--recipent", "x", "--lang", "vi"])
    first, second = result.stderr.splitlines()
    assert first.startswith("mailcheck: lỗi: Không có tùy chọn '--recipent'. (Có phải ý bạn là")
    assert second == "Gõ 'mailcheck smtp -h' để xem trợ giúp."
    english = run_cli(["smtp", "--recipent", "x", "--lang", "en"])
    assert english.stderr.startswith("mailcheck: error: No such option '--recipent'.")


def test_a_bare_mailcheck_prints_the_help() -> None:
    result = run_cli([], env={"MAILCHECK_LANG": "vi"})
    assert result.exit_code == 3
    assert result.stderr.startswith("Cách dùng: mailcheck [OPTIONS] COMMAND")
    assert "\nLệnh:\n" in result.stderr


def test_the_version_line() -> None:
    assert run_cli(["--lang", "vi", "--version"]).stdout.startswith("mailcheck, phiên bản ")
    assert run_cli(["--version"]).stdout.startswith("mailcheck, version ")


def test_the_group_takes_lang_for_every_command() -> None:
    result = run_cli(["--lang", "vi", "causes"])
    assert result.exit_code == 0, result.stderr
    assert "NGHIÊM TRỌNG" in result.stdout


# ------------------------------------------------------------------------ prompt, progress


def test_the_password_prompt_is_vietnamese() -> None:
    port = free_port()
    argv = ["smtp", "--lang", "vi", "--smtp-host", "127.0.0.1", "--smtp-port", str(port)]
    argv += ["--smtp-tls", "none", "--allow-plaintext", "--username", "a@b.test"]
    argv += ["--dns-server", "127.0.0.1:9", "--timeout", "2"]
    _, output, asked = run_on_terminal(argv, prompt="Mật khẩu của a@b.test: ".encode())
    assert asked, output
    assert "Password" not in output


def test_the_progress_line_says_what_it_waits_for_and_how_long() -> None:
    progress = Progress()
    progress.update("smtp", "data")
    progress.update("imap", "watch")
    line = progress.line(i18n.PROGRESS["vi"], 300)
    assert "đang chờ thư (tối đa 300 s)" in line
    assert_vietnamese(line, "progress")
    english = progress.line(i18n.PROGRESS["en"], 300)
    assert "waiting for the message (up to 300 s)" in english
    progress.update("imap", "junk:select")
    assert "thư mục Spam:mở hộp thư" in progress.line(i18n.PROGRESS["vi"], 300)


# ------------------------------------------------------------------------ runs without the lab


def test_causes_index_and_a_cause_with_its_fix() -> None:
    index = run_cli(["causes", "--lang", "vi"])
    assert index.exit_code == 0
    assert_vietnamese(index.stdout, "causes")
    for english in ("warning", "critical"):
        assert f" {english} " not in index.stdout
    one = run_cli(["causes", "--lang", "vi", "password-changed"])
    assert "Cách khắc phục:" in one.stdout
    assert_vietnamese(one.stdout, "causes password-changed")


@pytest.mark.parametrize("fixture", ["gmail-spam-blocked.eml", "postfix-user-unknown.eml"])
def test_bounce(fixture: str) -> None:
    result = run_cli(["bounce", "--lang", "vi", str(FIXTURES / "bounces" / fixture)])
    assert result.exit_code == 2, result.stderr
    assert_vietnamese(result.stdout, fixture)


@pytest.mark.parametrize(
    "fixture", ["gmail-inbound.eml", "microsoft365-junk.eml", "yahoo-vendor-unaligned.eml"]
)
@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_headers(fixture: str, verbose: list[str]) -> None:
    result = run_cli(["headers", "--lang", "vi", *verbose, str(FIXTURES / "headers" / fixture)])
    assert result.exit_code in (0, 1, 2), result.stderr
    assert_vietnamese(result.stdout, fixture)


def test_preflight_detail_and_summary(tmp_path: Path) -> None:
    listing = tmp_path / "khach-hang.csv"
    listing.write_text(
        "Mã KH,Tên khách hàng,Địa chỉ email\nKH1,A,ke toan@x.test\nKH2,B,a@b.invalid\n"
        "KH3,C,c@mxgone.test\n",
        encoding="utf-8",
    )
    result = run_cli(
        ["preflight", "--lang", "vi", "--dns-server", "127.0.0.1:9", "--timeout", "1", str(listing)]
    )
    lines = result.stdout.splitlines()
    # The header keeps its machine keys; the detail column is Vietnamese.
    assert "detail" in lines[0]
    for line in lines[1:]:
        detail = line.rsplit(",", 1)[-1]
        assert_vietnamese(detail, "preflight detail")
    assert_vietnamese(result.stderr, "preflight summary")


def test_check_without_a_config() -> None:
    result = run_cli(["check", "--all", "--lang", "vi"])
    assert result.exit_code == 3
    assert_vietnamese(result.stdout, "check")
    assert_vietnamese(result.stderr, "check")


def test_history(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from mailcheck.check.result import ProfileResult
    from mailcheck.history import History
    from mailcheck.rules import Severity

    now = datetime.now(UTC)
    path = tmp_path / "history.sqlite3"

    def run(hours: float, status: Severity, causes: tuple[str, ...], **kw: Any) -> ProfileResult:
        return ProfileResult(
            profile="ke-toan",
            started_at=now - timedelta(hours=hours),
            elapsed_s=3.0,
            status=status,
            summary=status.value,
            stages={"delivery": 2.0, "total": 3.0},
            placement="inbox",
            causes=causes,
            **kw,
        )

    with History(path) as history:
        history.record(run(5, Severity.OK, ("smtp-login-ok", "delivered-to-inbox")))
        history.record(run(3, Severity.CRITICAL, ("password-changed", "smtp-login-ok")))
        history.record(
            run(
                2,
                Severity.UNKNOWN,
                (),
                error="there is no config file /x/config.toml (mailcheck check needs profiles)",
            )
        )
        history.record(
            run(
                1,
                Severity.UNKNOWN,
                (),
                skipped="another mailcheck run is already checking profile 'ke-toan' "
                "(pid 42, started 2026-12-04T08:00:00Z); this run skipped it",
            )
        )
    result = run_cli(["history", "--lang", "vi", "--history", str(path)])
    assert result.exit_code == 0, result.stderr
    assert_vietnamese(result.stdout, "history")
    # The causes of a run are why it failed: an OK cause is not listed.
    assert "smtp-login-ok" not in result.stdout
    assert "password-changed" in result.stdout


# ------------------------------------------------------------------------ runs against the lab


def test_dns(lab: LabHandle) -> None:
    result = run_cli(
        ["dns", "--lang", "vi", "--dns-server", lab.dns, "ketoan@gmial.com", "customer.test"]
    )
    assert result.stdout
    assert_vietnamese(result.stdout, "dns")


def test_smtp_healthy_and_wrong_password(lab: LabHandle) -> None:
    wrong = run_cli(
        ["smtp", "--lang", "vi", *lab.smtp_args()], env={"MAILCHECK_PASSWORD": "sai-mat-khau"}
    )
    assert wrong.exit_code == 2, wrong.stderr
    assert_vietnamese(wrong.stdout, "smtp wrong password")
    healthy = run_cli(
        ["smtp", "--lang", "vi", "-v", *lab.smtp_args()], env={"MAILCHECK_PASSWORD": LAB_PASSWORD}
    )
    assert healthy.exit_code == 0, healthy.stdout
    assert_vietnamese(healthy.stdout, "smtp")


def test_diagnose_and_watch(lab: LabHandle) -> None:
    env = {"MAILCHECK_PASSWORD": LAB_PASSWORD}
    args = ["--lang", "vi", "--sender", LAB_USER, *lab.smtp_args(), *lab.imap_args()]
    diagnose = run_cli(["diagnose", *args, "--recipient", "ketoan@customer.test"], env=env)
    assert diagnose.exit_code in (0, 1), diagnose.stdout + diagnose.stderr
    assert_vietnamese(diagnose.stdout, "diagnose")
    assert "mật khẩu từ biến môi trường MAILCHECK_PASSWORD" in " ".join(diagnose.stdout.split())
    watch = run_cli(
        [
            *["watch", "--lang", "vi", "--mailbox", LAB_USER, *lab.smtp_args()],
            *[*lab.imap_args(), "--subject-contains", "HD-KHONG-CO", "--wait", "2"],
        ],
        env=env,
    )
    assert watch.exit_code == 2, watch.stdout + watch.stderr
    assert_vietnamese(watch.stdout, "watch")


@pytest.mark.parametrize(
    ("user", "port", "tls"),
    [
        ("junked@lab.test", "submission", "starttls"),  # lands in the spam folder
        ("sender@lab.test", "submission_tls", "starttls"),  # STARTTLS on the implicit-TLS port
        ("sender@lab.test", "submission_untrusted", "starttls"),  # a certificate nobody trusts
    ],
)
def test_diagnose_when_something_is_wrong(lab: LabHandle, user: str, port: str, tls: str) -> None:
    if port not in lab.ports:
        pytest.skip(f"the lab has no {port} port")
    args = [*lab.smtp_args(port, tls), *lab.imap_args()]
    args[args.index("--username") + 1] = user
    env = {"MAILCHECK_PASSWORD": lab.lab.info().users[user]}
    result = run_cli(
        [
            "diagnose",
            "--lang",
            "vi",
            "-v",
            "--sender",
            user,
            "--wait",
            "5",
            "--timeout",
            "3",
            *args,
        ],
        env=env,
    )
    assert result.exit_code in (1, 2, 3), result.stdout + result.stderr
    assert_vietnamese(result.stdout, f"diagnose {user} {port}")
    assert_vietnamese(result.stderr, f"diagnose {user} {port}")


def test_check_of_lab_profiles(lab: LabHandle, tmp_path: Path) -> None:
    profiles = {
        "hoa-don": lab_profile(lab, tmp_path, LAB_USER),
        "thu-rac": lab_profile(lab, tmp_path, "junked@lab.test"),
        "sai-mat-khau": lab_profile(lab, tmp_path, LAB_USER, password="sai"),
    }
    lines = []
    for name, profile in profiles.items():
        lines.append(f"[profiles.{name}]")
        lines.extend(f"{key} = {toml_value(value)}" for key, value in profile.items())
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    history = tmp_path / "history.sqlite3"
    args = ["--config", str(config), "--history", str(history), "--lang", "vi"]
    result = run_cli(["check", "--all", *args])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert_vietnamese(result.stdout, "check")
    shown = run_cli(["history", "--history", str(history), "--lang", "vi"])
    assert_vietnamese(shown.stdout, "history after check")
