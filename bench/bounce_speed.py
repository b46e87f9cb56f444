"""How fast ``mailcheck bounce`` reads an mbox, beside Sisimai on the same file.

    .venv/bin/python bench/bounce_speed.py [-n 3000] [FILE.eml ...]

The mbox is built from the given messages (default: every ``fixtures/bounces/*.eml``; each file
is one message), repeated in order until it holds N messages, each behind an mboxrd ``From ``
line. Timed, median of 3
runs: ``mailcheck bounce MBOX --format json`` and the Sisimai driver (Debian's
``libsisimai-perl``) on the same file. Then the peak RSS (``/usr/bin/time -f %M``) of
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


def _time(command: list[str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


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
        seconds = _time(ours)
        row: dict[str, Any] = {"what": f"mailcheck bounce, {n} messages ({size_mb:.1f} MB)"}
        row["seconds"] = seconds
        row["rss_kib"] = _rss_kib(ours)
        rows.append(row)
        if sisimai:
            theirs = [*SISIMAI, str(mbox)]
            peer: dict[str, Any] = {"what": f"Sisimai, {n} messages", "seconds": _time(theirs)}
            peer["rss_kib"] = _rss_kib(theirs)
            rows.append(peer)
            row["vs_sisimai"] = peer["seconds"] / seconds if seconds else None
        for size in RSS_SIZES:
            path = build_mbox(files, size, Path(tmp) / f"bounces-{size}.mbox")
            command = [*MAILCHECK, "bounce", str(path), "--format", "json"]
            rows.append(
                {"what": f"mailcheck bounce RSS, {size} messages", "rss_kib": _rss_kib(command)}
            )
            path.unlink()
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
    args = parser.parse_args(argv)
    files = args.files or sorted((ROOT / "fixtures" / "bounces").glob("*.eml"))
    if not files:
        print("no messages to build the mbox from", file=sys.stderr)
        return 2
    sys.stdout.write(table(run(files, args.n)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
