"""Benchmarks: mailcheck side by side with swaks, against one mail lab, in one run.

    make bench                       # or: .venv/bin/python bench/run.py --write BENCHMARKS.md

Measures wall time (median and 90th percentile over N runs, after warm-up) and
peak memory (max RSS of the process, from GNU time) of:

- ``mailcheck --version``: start-up cost;
- ``mailcheck smtp``: a full credential check (connect, STARTTLS, EHLO, one AUTH)
  against the lab's submission port, certificate verified;
- ``swaks --quit-after AUTH``: the same work by the peer tool (swaks verifies the
  certificate too, with ``--tls-verify --tls-ca-path``).

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
MARK_BEGIN = "<!-- bench:smtp begin -->"
MARK_END = "<!-- bench:smtp end -->"


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


def _install_swaks() -> None:
    """swaks, with the Perl TLS modules it only recommends (without them it cannot STARTTLS)."""
    probe = subprocess.run(
        ["perl", "-MNet::SSLeay", "-MIO::Socket::SSL", "-e", "1"], capture_output=True, check=False
    )
    if shutil.which("swaks") and probe.returncode == 0 and Path("/usr/bin/time").exists():
        return
    if os.geteuid() != 0:
        raise SystemExit("bench: needs swaks libnet-ssleay-perl libio-socket-ssl-perl (apt-get)")
    subprocess.run(
        [
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "swaks",
            "libnet-ssleay-perl",
            "libio-socket-ssl-perl",
        ],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--write", metavar="FILE", help="update this Markdown file")
    args = parser.parse_args()

    _install_swaks()

    lab_module = _lab_module()
    lab = lab_module.Lab()
    info = lab.start()
    try:
        port = str(info.ports["submission"])
        env = {
            "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": "C.UTF-8",
            "HOME": os.environ.get("HOME", "/root"),
            "MAILCHECK_PASSWORD": "secret1",
        }
        mailcheck = str(BIN / "mailcheck")
        measures = [
            measure("`mailcheck --version`", [mailcheck, "--version"], env, args.runs, args.warmup),
            measure(
                "`mailcheck smtp` (STARTTLS + AUTH)",
                [
                    mailcheck,
                    "smtp",
                    "--smtp-host",
                    info.host,
                    "--smtp-port",
                    port,
                    "--ca-file",
                    info.ca_file,
                    "--username",
                    "sender@lab.test",
                ],
                env,
                args.runs,
                args.warmup,
            ),
            measure(
                "`swaks --quit-after AUTH` (STARTTLS + AUTH)",
                [
                    "swaks",
                    "--server",
                    info.host,
                    "--port",
                    port,
                    "--tls",
                    "--tls-verify",
                    "--tls-ca-path",
                    info.ca_file,
                    "--auth",
                    "PLAIN",
                    "--auth-user",
                    "sender@lab.test",
                    "--auth-password",
                    "secret1",
                    "--quit-after",
                    "AUTH",
                    "--silent",
                    "3",
                ],
                env,
                args.runs,
                args.warmup,
            ),
            *(
                measure(
                    f"baseline: `python -c '{code}'`",
                    [sys.executable, "-c", code],
                    env,
                    args.runs,
                    args.warmup,
                )
                for code in ("pass", "import click", "import click, aiosmtplib")
            ),
        ]
    finally:
        lab.stop()

    failed = [m.name for m in measures if m.exit_codes != {0}]
    if failed:
        raise SystemExit(f"bench: these did not succeed every time: {', '.join(failed)}")
    mc, swaks = measures[1], measures[2]
    ratio = mc.median / swaks.median
    summary = (
        f"Targets (issue 2): `mailcheck --version` under 100 ms median: "
        f"**{measures[0].median:.0f} ms**; `mailcheck smtp` within 2x of swaks: "
        f"**{ratio:.2f}x** ({mc.median:.0f} ms vs {swaks.median:.0f} ms)."
    )
    body = "\n".join(
        [
            MARK_BEGIN,
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this host'}"
            f" ({os.cpu_count()} cores, Python {platform.python_version()}), "
            f"{args.runs} runs after {args.warmup} warm-up runs, one lab for all commands, "
            f"by `make bench` (`bench/run.py`).",
            "",
            _table(measures),
            "",
            summary,
            MARK_END,
        ]
    )
    print(body)
    if args.write:
        path = Path(args.write)
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
        if MARK_BEGIN in text:
            head, _, rest = text.partition(MARK_BEGIN)
            _, _, tail = rest.partition(MARK_END)
            text = head + body + tail
        else:
            text = text.rstrip("\n") + "\n\n## SMTP credential check\n\n" + body + "\n"
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
