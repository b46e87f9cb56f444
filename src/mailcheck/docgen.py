"""The parts of ``docs/`` that are written from the code (``make docs``).

Two references are lists that already exist in code, so they are generated rather
than kept by hand, where they would drift:

- ``docs/configuration.md``: the prose is hand-written; the tables between
  ``<!-- generated: NAME -->`` and ``<!-- end generated -->`` are written from
  :data:`mailcheck.profiles.TOP_KEYS` and :data:`mailcheck.profiles.PROFILE_KEYS`,
  with each key's type as the config loader checks it;
- ``docs/causes.md``: written whole from the cause catalogue
  (:func:`mailcheck.rules.load_causes`).

``python -m mailcheck.docgen [DOCS_DIR]`` rewrites both; ``--check`` only says which
are stale (exit 1). ``tests/docs/test_generated.py`` regenerates them in memory and
compares them with the files. This module lives in the package (not in ``docs/``) so
that ``make lint`` types and lints it and the test imports it like any other module;
it reads only mailcheck's own data and does no I/O but in :func:`main`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from mailcheck.config import DEFAULT_DEADLINE, DEFAULT_EHLO, DEFAULT_TIMEOUT, DEFAULT_WAIT
from mailcheck.profiles import CHECKS, PROFILE_KEYS, PROFILE_TYPES, TOP_KEYS, TOP_TYPES
from mailcheck.rules import Cause, Severity, load_causes

__all__ = ["GENERATED", "causes_page", "configuration_page", "main", "stale"]

#: What a type name of the config loader accepts, in the words of its error messages.
TYPE_WORDS = {
    "str": "string",
    "bool": "`true` or `false`",
    "port": "port number (1-65535)",
    "seconds": "seconds (more than 0, at most 3600)",
    "size": 'bytes, or a string like `"5M"`',
    "range": "number or plugin range string",
    "list": "list of strings",
    "str or list": "string or list of strings",
    "table": "table",
}

#: The top-level keys of the config file, besides ``[profiles.NAME]`` tables.
TOP_MEANINGS = {
    "profiles": "one table per profile: `[profiles.billing]`; the keys below",
    "default_profile": "the profile used when no `--profile` is given",
    "history": "the SQLite file of `mailcheck check` runs (after `--history` and "
    "`MAILCHECK_HISTORY`; default `$XDG_STATE_HOME/mailcheck/history.sqlite3`)",
}

#: What each profile key means. Every key of ``PROFILE_KEYS`` needs one: a new key
#: without a meaning stops ``make docs`` (and the docs test), so it cannot go unwritten.
PROFILE_MEANINGS = {
    "provider": "preset host, port and TLS: gmail, outlook (hotmail), office365, yahoo, "
    "zoho, icloud, yandex; relays google-relay, office365-hve, `ses:REGION`, sendgrid, brevo, "
    "mailgun, mailgun-eu; picked from the sender's domain, or from its MX (Google Workspace, "
    "Microsoft 365), when no host is given",
    "smtp_host": "the submission server",
    "smtp_port": "its port (default 587, or 465 for `tls`); 465 without `smtp_tls` means `tls`",
    "smtp_tls": "`starttls` (587), `tls` or `ssl` (implicit TLS/SSL, 465) or `none`",
    "username": "SMTP login name (default: the sender address)",
    "sender": "the address invoices are sent from (syntax checked; CR/LF refused)",
    "recipient": "the customer's address (`diagnose`)",
    "ca_file": "trust this CA file instead of the system's (a private or lab CA)",
    "timeout": f"per network step (default {DEFAULT_TIMEOUT:g} s)",
    "deadline": f"the whole command (default {DEFAULT_DEADLINE:g} s)",
    "ehlo_name": f"the name sent in EHLO (default `{DEFAULT_EHLO}`)",
    "allow_plaintext": "allow sending the password without TLS (default false; the "
    'string `"false"` is an error, not a truthy value)',
    "dns_server": "resolve names with this server, `IP[:PORT]`, instead of the system resolver",
    "lang": "report language, `vi` or `en` (default from the locale)",
    "password_file": "the password is the first line of this file",
    "password_command": "the password is the first line this command prints "
    "(`pass show mail/billing`)",
    "password_env": "the password is in this environment variable (it beats "
    "`MAILCHECK_PASSWORD`, as every password source of the profile does; a profile that names "
    "no source uses `MAILCHECK_PASSWORD`)",
    "token_command": "sign in with OAuth2 (XOAUTH2/OAUTHBEARER) instead of a password: the "
    "access token is the first line this command prints (an existing token helper)",
    "oauth_provider": "sign in with OAuth2 using the refresh grant `mailcheck login` stored: "
    "`gmail` or `office365`",
    "oauth_grant_file": "where that grant is stored (default: the file `mailcheck login "
    "--profile NAME` writes, `$XDG_CONFIG_HOME/mailcheck/oauth/NAME.json`)",
    "imap_host": "the mailbox's IMAP server (default: the provider preset, else the SMTP host)",
    "imap_port": "its port (default 993 with `tls`, 143 otherwise)",
    "imap_tls": "`tls` (implicit TLS, 993, the default), `starttls` (143) or `none`",
    "imap_username": "IMAP login (default: the SMTP user name)",
    "imap_password_file": "a separate IMAP password, first line of this file "
    "(default: the SMTP password)",
    "imap_password_command": "a separate IMAP password, first line this command prints",
    "imap_password_env": "a separate IMAP password, in this environment variable",
    "imap": "`false` for a send-only account (an SMTP relay, no mailbox): `diagnose` checks "
    "the sending side and reports what needs IMAP as not checked (like `--no-imap`)",
    "wait": "how long to wait for the test message after the server accepted it "
    f"(default {DEFAULT_WAIT:g} s)",
    "subject": "subject of the test invoice; `{number}` and `{token}` are filled in",
    "sender_name": "display name in From",
    "attachment_size": "make the test invoice about this big (`5M`), like a real one",
    "dnsbls": "blocklist zones to check the sending IP on (`default` or `all`: the lists in "
    "data/blocklists.toml)",
    "checks": "what `mailcheck check` runs: " + ", ".join(f"`{c}`" for c in CHECKS) + " "
    "(default: all but `customers`, which is added when `customer_domains` is set)",
    "customer_domains": "the customers' domains that matter most, for the `customers` check "
    "(an address is taken as its domain)",
    "delivery_warning": "plugin range on the delivery time in seconds (`check --warning` "
    "overrides it)",
    "delivery_critical": "plugin range on the delivery time in seconds (`check --critical` "
    "overrides it)",
}

#: The support FAQ's cases, as the catalogue (``data/causes/``) names them in its ``faq`` field.
FAQ_CASES = {
    "1.1": "vendor's mail service: the invoice is in the customer's spam folder",
    "1.2": "vendor's mail service: a test to your own mailbox does not arrive",
    "2.1": "own mailbox: the password was changed",
    "2.2": "own mailbox: the invoice is in the customer's spam folder",
    "2.3": "own mailbox: the customer's mail server blocks it",
}

_MARKER = re.compile(r"(<!-- generated: ([a-z-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)
#: Each language's name and its word for "fix", as the cause pages show them.
_LANG_NAMES = (("en", "English", "Fix"), ("vi", "Tiếng Việt", "Cách khắc phục"))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _key_table(keys: Sequence[str], types: Mapping[str, str], meanings: Mapping[str, str]) -> str:
    missing = [k for k in keys if k not in meanings]
    extra = sorted(set(meanings) - set(keys))
    if missing or extra:
        raise ValueError(f"docgen: keys without a meaning {missing}, meanings of no key {extra}")
    rows = ["| key | type | meaning |", "|---|---|---|"]
    for key in keys:
        kind = TYPE_WORDS[types.get(key, "table")]
        rows.append(f"| `{key}` | {_cell(kind)} | {_cell(meanings[key])} |")
    return "\n".join(rows) + "\n"


def _profile_keys() -> str:
    # In the order of PROFILE_MEANINGS (grouped: SMTP, IMAP, round trip, check), which
    # _key_table checks is exactly PROFILE_KEYS.
    keys = [k for k in PROFILE_MEANINGS if k in PROFILE_KEYS]
    keys += sorted(PROFILE_KEYS - set(keys))
    return _key_table(keys, PROFILE_TYPES, PROFILE_MEANINGS)


def _top_keys() -> str:
    keys = [k for k in TOP_MEANINGS if k in TOP_KEYS] + sorted(TOP_KEYS - set(TOP_MEANINGS))
    return _key_table(keys, TOP_TYPES, TOP_MEANINGS)


#: The generated blocks of hand-written pages, by marker name.
BLOCKS: dict[str, Callable[[], str]] = {"profile-keys": _profile_keys, "top-keys": _top_keys}


def configuration_page(current: str) -> str:
    """``docs/configuration.md`` with every generated block rewritten from the code."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in BLOCKS:
            raise ValueError(f"docgen: unknown generated block {name!r}")
        return match.group(1) + BLOCKS[name]() + match.group(4)

    page, count = _MARKER.subn(fill, current)
    if count != len(BLOCKS):
        raise ValueError(f"docgen: expected {len(BLOCKS)} generated blocks, found {count}")
    return page


def _cause_section(cause: Cause) -> list[str]:
    faq = f"FAQ {cause.faq} ({FAQ_CASES[cause.faq]})" if cause.faq else "not an FAQ case"
    lines = [
        f"### `{cause.id}`",
        "",
        f"{cause.severity.value} (exit {cause.severity.exit_code}) · {faq}",
        "",
    ]
    for lang, name, fix in _LANG_NAMES:
        lines.append(f"- **{name}:** {cause.title[lang]}<br>**{fix}:** {cause.fix[lang]}")
    return [*lines, ""]


def causes_page(causes: Mapping[str, Cause] | None = None) -> str:
    """``docs/causes.md``: the whole cause catalogue, in catalogue order."""
    catalogue = load_causes() if causes is None else causes
    counts = {s: sum(c.severity is s for c in catalogue.values()) for s in Severity}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    lines = [
        "# Causes",
        "",
        "<!-- Generated by `make docs` from src/mailcheck/data/causes/: do not edit. -->",
        "",
        "Every reason mailcheck can name, with its fix, in English and Vietnamese, as",
        "`mailcheck causes` lists them (`--format json` for machines). The catalogue is data,",
        "one file per area in `src/mailcheck/data/causes/`: each cause (id, FAQ case, severity,",
        "title and fix in `vi` and `en`, and example facts that fire it), and right after it",
        "the rules that say when it applies (`when` / `unless` conditions over facts,",
        "`supersedes` for a specific cause that replaces a generic one). Both are checked when",
        "loaded, and a test proves every cause fires from its example and every rule names",
        "known causes and facts.",
        "An `id` is stable: scripts may key on it.",
        "",
        f"{len(catalogue)} causes: {summary}. The severity gives the exit code.",
        "",
        "| id | severity | FAQ | title |",
        "|---|---|---|---|",
    ]
    for cause in catalogue.values():
        lines.append(
            f"| [`{cause.id}`](#{cause.id}) | {cause.severity.value} | {cause.faq or ''} "
            f"| {_cell(cause.title['en'])} |"
        )
    lines += ["", "## The catalogue", ""]
    for cause in catalogue.values():
        lines += _cause_section(cause)
    return "\n".join(lines[:-1]) + "\n"


#: Each generated file under ``docs/``, and how to write it from its current text.
GENERATED: dict[str, Callable[[str], str]] = {
    "configuration.md": configuration_page,
    "causes.md": lambda _current: causes_page(),
}


def stale(docs: Path) -> list[str]:
    """The generated files under ``docs`` whose text is not what the code writes."""
    out = []
    for name, write in GENERATED.items():
        path = docs / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if write(current) != current:
            out.append(name)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mailcheck.docgen [--check] [DOCS_DIR]``: write (or check) the docs."""
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    rest = [a for a in args if a != "--check"]
    docs = Path(rest[0] if rest else "docs")
    if check:
        old = stale(docs)
        for name in old:
            print(f"docs/{name} is stale: run make docs", file=sys.stderr)
        return 1 if old else 0
    for name, write in GENERATED.items():
        path = docs / name
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        new = write(current)
        if new != current:
            path.write_text(new, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
