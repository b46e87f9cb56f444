"""The redactor: every wire form of the password, withheld whole, never measured.

Property tests put passwords with quotes, backslashes, non-ASCII and of one to three
characters into random server text, in each form a server may echo them, and check that
what is recorded is the fixed notice: neither the password nor its length shows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcheck.evidence import ErrorInfo, Outcome, Reply, Step
from mailcheck.probes.recorder import Recorder
from mailcheck.secret import WITHHELD_SERVER, WITHHELD_TEXT, Redactor

USER = "billing@company.test"

# Passwords: ordinary, with the characters escaping is about, non-ASCII, very short.
passwords = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=24),
    st.text(st.sampled_from('"\\aZ9 %+/=&ä€😀'), min_size=1, max_size=12),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=3),
)
# Server text around the echo: printable, as a reply would carry.
noise = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


def _imap_quoted(p: str) -> str:
    return '"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_literal(p: str) -> str:
    return f"{{{len(p.encode())}}}\r\n{p}"


def _b64(raw: str) -> Callable[[str], str]:
    def encode(p: str) -> str:
        return base64.b64encode(raw.format(p=p, u=USER).encode()).decode()

    return encode


def _b64_aligned(offset: int, raw: str) -> Callable[[str], str]:
    """The form inside a larger base64 string, ``offset`` bytes into a 3-byte group."""

    def encode(p: str) -> str:
        data = b"x" * offset + raw.format(p=p, u=USER).encode() + b"tail"
        return base64.b64encode(b"lead" * 3 + data).decode()

    return encode


def _non_utf8(charset: str, errors: str) -> Callable[[str], str]:
    """A server that echoes the password in ``charset``; the client decodes it as UTF-8."""

    def encode(p: str) -> str:
        raw = p.encode(charset, "ignore") if charset != "utf-8" else p.encode()
        return raw.decode("utf-8", errors) if charset != "utf-8" else raw.decode("latin-1")

    return encode


FORMS: dict[str, Callable[[str], str]] = {
    "clear": lambda p: p,
    "imap-quoted": _imap_quoted,
    "imap-literal": _imap_literal,
    "json-ascii": lambda p: json.dumps(p),
    "json-utf8": lambda p: json.dumps(p, ensure_ascii=False),
    "json-upper-hex": lambda p: (
        json.dumps(p).upper().replace("\\U", "\\u") if p.upper() == p else json.dumps(p)
    ),
    "percent": lambda p: quote(p, safe=""),
    "percent-plus": quote_plus,
    "percent-lower": lambda p: quote(p, safe="").lower() if p.lower() == p else quote(p, safe=""),
    "base64": _b64("{p}"),
    "sasl-plain": _b64("\0{u}\0{p}"),
    "sasl-plain-authz": _b64("{u}\0{u}\0{p}"),
    **{f"sasl-plain-at-{k}": _b64_aligned(k, "\0{u}\0{p}") for k in range(3)},
    "utf8-read-as-latin1": _non_utf8("utf-8", "strict"),
}
# Forms only searched when the password's stable base64 fragment is long enough (4 bytes).
LONG_FORMS: dict[str, Callable[[str], str]] = {
    **{f"base64-at-{k}": _b64_aligned(k, "{p}") for k in range(3)},
}
# Forms of a server that speaks a one-byte charset: for passwords that charset can carry.
CHARSET_FORMS: dict[str, dict[str, Callable[[str], str]]] = {
    "latin-1": {
        "latin1-surrogateescape": _non_utf8("latin-1", "surrogateescape"),
        "latin1-replace": _non_utf8("latin-1", "replace"),
    },
    "cp1252": {
        "cp1252-surrogateescape": _non_utf8("cp1252", "surrogateescape"),
        "cp1252-replace": _non_utf8("cp1252", "replace"),
    },
}


def _forms_for(password: str) -> dict[str, Callable[[str], str]]:
    forms = dict(FORMS)
    if len(password.encode()) >= 4:
        forms.update(LONG_FORMS)
    for charset, charset_forms in CHARSET_FORMS.items():
        try:
            password.encode(charset)
        except UnicodeEncodeError:
            continue
        forms.update(charset_forms)
    return forms


def _recorded(password: str, text: str) -> tuple[Step, list[str]]:
    rec = Recorder("smtp", "t")
    rec.add_secret(USER, password)
    reply = Reply(code=535, enhanced="5.7.8", text=text)
    rec.server(reply)
    step = rec.add(Step(name="auth", outcome=Outcome.REJECTED, elapsed_ms=1.0, reply=reply))
    return step, [line.text for line in rec.transcript]


@settings(max_examples=300, deadline=None)
@given(password=passwords, before=noise, after=noise, data=st.data())
def test_every_echo_form_is_withheld_whole(
    password: str, before: str, after: str, data: st.DataObject
) -> None:
    forms = _forms_for(password)
    name = data.draw(st.sampled_from(sorted(forms)), label="form")
    echoed = forms[name](password)
    step, transcript = _recorded(password, f"{before}{echoed}{after}")
    assert step.reply is not None
    assert step.reply.text == WITHHELD_SERVER, name
    # The fixed notice: nothing of the server's text, so neither length nor position.
    assert transcript == [f"535 5.7.8 {WITHHELD_SERVER}"], name


@settings(max_examples=200, deadline=None)
@given(password=passwords, before=noise, after=noise, data=st.data())
def test_an_echo_split_across_reply_lines_is_withheld(
    password: str, before: str, after: str, data: st.DataObject
) -> None:
    forms = _forms_for(password)
    echoed = forms[data.draw(st.sampled_from(sorted(forms)), label="form")](password)
    cut = data.draw(st.integers(0, len(echoed)), label="cut")
    text = f"{before}{echoed[:cut]}\n{echoed[cut:]}{after}"
    step, transcript = _recorded(password, text)
    assert step.reply is not None
    assert step.reply.text == WITHHELD_SERVER
    assert transcript == [f"535 5.7.8 {WITHHELD_SERVER}"]


@settings(max_examples=100, deadline=None)
@given(short=passwords, long=passwords, before=noise, after=noise)
def test_what_is_shown_does_not_depend_on_the_password(
    short: str, long: str, before: str, after: str
) -> None:
    # Two passwords of different lengths, each echoed: the records are identical.
    first = _recorded(short, f"{before}{short}{after}")
    second = _recorded(long, f"{before}{long}{after}")
    assert first == second


ORDINARY_REPLIES = [
    "2.7.0 Authentication successful",
    "2.1.0 Ok",
    "2.0.0 Ok: queued as 4Yk3b21Qz9z9sT",
    "5.7.8 Error: authentication failed: UGFzc3dvcmQ6",
    "mx.google.com at your service, [203.0.113.9]",
    "DKIM-Signature: v=1; a=rsa-sha256; b=dGhpcyBpcyBub3QgYSBwYXNzd29yZA==",
]


def test_ordinary_replies_are_kept_for_ordinary_and_short_passwords() -> None:
    for password in ("hunter2", "S3cr3t!pass", 'q"\\x', "zq", "Ж", "7#"):
        for text in ORDINARY_REPLIES:
            step, _ = _recorded(password, text)
            assert step.reply is not None
            assert step.reply.text == text, (password, text)


def test_a_short_password_in_a_base64_string_is_not_searched_by_fragment() -> None:
    # "ab" at an odd offset leaves fewer than 4 stable base64 characters: a fragment that
    # short is found in most base64 text by chance, so it is not used; the SASL strings are.
    text = base64.b64encode(b"xab-and-more-bytes").decode()
    assert not Redactor(USER, "ab").contains(text)
    assert Redactor(USER, "ab").contains(base64.b64encode(f"\0{USER}\0ab".encode()).decode())


def test_errors_and_observations_are_withheld_and_codec_errors_become_a_sentence() -> None:
    rec = Recorder("imap", "t")
    rec.add_secret(USER, "pässwörd")
    bad = ErrorInfo(
        exception="UnicodeEncodeError",
        message="'ascii' codec can't encode character '\\xe4' in position 1",
    )
    echoed = ErrorInfo(exception="SMTPAuthenticationError", message='(535, "bad pässwörd")')
    step = rec.add(
        Step(
            name="login",
            outcome=Outcome.ERROR,
            elapsed_ms=1.0,
            error=bad,
            data=(("x", "pässwörd"),),
        )
    )
    assert step.error is not None
    assert "xe4" not in step.error.message
    assert "position" not in step.error.message
    assert step.data == (("x", WITHHELD_TEXT),)
    step = rec.add(Step(name="auth", outcome=Outcome.ERROR, elapsed_ms=1.0, error=echoed))
    assert step.error is not None
    assert step.error.message == WITHHELD_TEXT


def test_a_traceback_keeps_its_other_lines() -> None:
    rec = Recorder("smtp", "t")
    rec.add_secret(USER, "hunter2-long")
    trace = (
        "Traceback (most recent call last):\n"
        '  File "x.py", line 1, in f\n'
        "ValueError: bad value 'hunter2-long'\n"
    )
    out = rec.scrub(trace)
    assert "hunter2" not in out
    assert 'File "x.py", line 1, in f' in out
    assert WITHHELD_TEXT in out
    codec = "UnicodeEncodeError: 'utf-8' codec can't encode character '\\udce4' in position 3"
    assert "udce4" not in rec.scrub(codec)


def test_client_lines_and_notes_that_hold_it_are_withheld() -> None:
    rec = Recorder("smtp", "t")
    rec.add_secret(USER, "hunter2")
    rec.client(f"AUTH PLAIN {base64.b64encode(f'{chr(0)}{USER}{chr(0)}hunter2'.encode()).decode()}")
    rec.note("the password hunter2")
    rec.client("MAIL FROM:<billing@company.test>")
    assert [line.text for line in rec.transcript] == [
        WITHHELD_TEXT,
        WITHHELD_TEXT,
        "MAIL FROM:<billing@company.test>",
    ]
