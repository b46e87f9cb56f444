"""How fast ``mailcheck bounce`` reads an mbox, beside Sisimai on the same file.

    .venv/bin/python bench/bounce_speed.py [-n 3000] [FILE.eml ...]

The mbox is built from the given messages (default: every ``fixtures/bounces/*.eml``; each file
is one message), repeated in order until it holds N messages, each behind an mboxrd ``From ``
line. Timed, median of 3 runs taken in turn (so that a busy machine slows each alike):
``mailcheck bounce MBOX --format json`` with its parse workers (the default), the same with
``--jobs 1`` (one process), and the Sisimai driver (Debian's ``libsisimai-perl``) on the same
file. Then the peak RSS (``/usr/bin/time -f %M``) of
``mailcheck bounce`` on 1,000 and on 10,000 messages: streamed, it should not grow with the
number of messages. Everything runs on local files; nothing touches the network.

``run(files, n)`` returns the rows; the markdown table is printed from them.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAILCHECK = [str(ROOT / ".venv" / "bin" / "mailcheck")]
SISIMAI = [
    "perl",
    "-MSisimai",
    "-e",
    'my $v=Sisimai->make($ARGV[0],delivered=>0)||[]; print scalar(@$v),"\\n"',
]
RSS_SIZES = (1000, 10000)
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)


def build_mbox(files: list[Path], n: int, out: Path) -> Path:
    """Write an mbox of ``n`` messages taken from ``files`` in turn (mboxrd quoting)."""
    bodies = []
    for path in files:
        raw = path.read_bytes().replace(b"\r\n", b"\n")
        if raw.startswith(b"From "):  # already an mbox line: drop it, one is added below
            raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
        body = _FROM_LINE.sub(rb">\1", raw)
        bodies.append(body if body.endswith(b"\n") else body + b"\n")
    with out.open("wb") as handle:
        for index in range(n):
            handle.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
            handle.write(bodies[index % len(bodies)])
            handle.write(b"\n")
    return out


def _times(commands: list[list[str]], runs: int = 3) -> list[float]:
    """The median wall time of each command, the commands run in turn ``runs`` times."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, measured in zip(commands, times, strict=True):
            started = time.perf_counter()
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
            )
            measured.append(time.perf_counter() - started)
    return [statistics.median(measured) for measured in times]


def _rss_kib(command: list[str]) -> int | None:
    """Peak resident memory of ``command`` in KiB, or None without GNU time."""
    if not Path("/usr/bin/time").exists():
        return None
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    last = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
    return int(last[0]) if last and last[0].isdigit() else None


def _have_sisimai() -> bool:
    if shutil.which("perl") is None:
        return False
    probe = subprocess.run(["perl", "-MSisimai", "-e", "1"], capture_output=True, check=False)
    return probe.returncode == 0


def run(files: list[Path], n: int = 3000) -> list[dict[str, Any]]:
    """Rows of the table: one per tool for the timing, one per size for the memory."""
    rows: list[dict[str, Any]] = []
    sisimai = _have_sisimai()
    with tempfile.TemporaryDirectory(prefix="bounce-speed-") as tmp:
        mbox = build_mbox(files, n, Path(tmp) / f"bounces-{n}.mbox")
        size_mb = mbox.stat().st_size / 1e6
        ours = [*MAILCHECK, "bounce", str(mbox), "--format", "json"]
        alone = [*ours, "--jobs", "1"]
        theirs = [*SISIMAI, str(mbox)]
        timed = _times([ours, alone, theirs] if sisimai else [ours, alone])
        row: dict[str, Any] = {"what": f"mailcheck bounce, {n} messages ({size_mb:.1f} MB)"}
        row["seconds"] = timed[0]
        row["rss_kib"] = _rss_kib(ours)
        one: dict[str, Any] = {"what": f"mailcheck bounce --jobs 1 (one process), {n} messages"}
        one["seconds"] = timed[1]
        one["rss_kib"] = _rss_kib(alone)
        rows += [row, one]
        if sisimai:
            peer: dict[str, Any] = {"what": f"Sisimai, {n} messages", "seconds": timed[2]}
            peer["rss_kib"] = _rss_kib(theirs)
            rows.append(peer)
            for mine in (row, one):
                mine["vs_sisimai"] = peer["seconds"] / mine["seconds"] if mine["seconds"] else None
        for size in RSS_SIZES:
            path = build_mbox(files, size, Path(tmp) / f"bounces-{size}.mbox")
            command = [*MAILCHECK, "bounce", str(path), "--format", "json"]
            rows.append(
                {"what": f"mailcheck bounce RSS, {size} messages", "rss_kib": _rss_kib(command)}
            )
            path.unlink()
    return rows


def run_mbox(mbox: Path) -> list[dict[str, Any]]:
    """The timing rows only, for an mbox given as it is."""
    ours = [*MAILCHECK, "bounce", str(mbox), "--format", "json"]
    commands = [ours, [*ours, "--jobs", "1"]]
    names = [f"mailcheck bounce {mbox.name}", f"mailcheck bounce --jobs 1 {mbox.name}"]
    if _have_sisimai():
        commands.append([*SISIMAI, str(mbox)])
        names.append(f"Sisimai {mbox.name}")
    timed = _times(commands)
    rows: list[dict[str, Any]] = [
        {"what": name, "seconds": seconds} for name, seconds in zip(names, timed, strict=True)
    ]
    if len(timed) == 3:
        for row in rows[:2]:
            row["vs_sisimai"] = timed[2] / row["seconds"]
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| run | seconds | peak RSS (MiB) | throughput vs Sisimai |", "|---|---:|---:|---:|"]
    for row in rows:
        seconds = f"{row['seconds']:.2f}" if "seconds" in row else ""
        rss = f"{row['rss_kib'] / 1024:.1f}" if row.get("rss_kib") else ""
        ratio = f"{row['vs_sisimai']:.2f}x" if row.get("vs_sisimai") else ""
        lines.append(f"| {row['what']} | {seconds} | {rss} | {ratio} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=3000, help="messages in the timed mbox")
    parser.add_argument("files", nargs="*", type=Path, help="messages (default: fixtures)")
    parser.add_argument(
        "--mbox", type=Path, help="time this mbox as it is (no mbox is built; no RSS sizes)"
    )
    args = parser.parse_args(argv)
    if args.mbox is not None:
        sys.stdout.write(table(run_mbox(args.mbox)))
        return 0
    files = args.files or sorted((ROOT / "fixtures" / "bounces").glob("*.eml"))
    if not files:
        print("no messages to build the mbox from", file=sys.stderr)
        return 2
    sys.stdout.write(table(run(files, args.n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
