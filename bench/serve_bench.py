"""Benchmark of ``mailcheck serve`` (issue 15): many concurrent probes, against the lab.

    .venv/bin/python bench/serve_bench.py          # prints the Markdown section
    .venv/bin/python bench/run.py --only serve     # the same, as a section of BENCHMARKS.md

What it measures, with the exporter as its own process on 127.0.0.1:

- 50 profiles, each a credential check (``checks = ["credentials"]``: connect,
  STARTTLS, EHLO, AUTH) of the lab's submission port. The lab has nine users and no
  way to add fifty mailboxes, so the profiles share ``sender@lab.test``; each has its
  own name, hence its own lock, so none is ever busy;
- bursts of 50 concurrent ``/probe`` requests, one per profile: the median overhead
  of a probe over the check itself (the request's wall time on the client less the
  ``mailcheck_check_duration_seconds`` the answer reports), and the same one probe at
  a time;
- credential checks per second: 50 clients scraping in a loop, against
  ``swaks --quit-after AUTH`` as one process per check (as a cron job or a Nagios
  check runs it), as many at a time as the machine has cores;
- the exporter's memory: resident set while bursts of 50 probes are in flight
  (``VmHWM``, the peak, from ``/proc``), and the most probes ``/metrics`` saw in flight.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROFILES = 50
BURSTS = 10
LOOP_ROUNDS = 10
SEQUENTIAL = 50
SWAKS_CHECKS = 60


def _lab_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mailcheck_lab", ROOT / "fixtures/lab/lab.py")
    if spec is None or spec.loader is None:
        raise SystemExit("bench: cannot load fixtures/lab/lab.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mailcheck_lab"] = module
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(tmp: Path, info: Any) -> Path:
    password = tmp / "password"
    password.write_text(info.users["sender@lab.test"] + "\n", encoding="utf-8")
    password.chmod(0o600)
    lines = []
    for i in range(PROFILES):
        lines += [
            f"[profiles.p{i:02d}]",
            'sender = "sender@lab.test"',
            'checks = ["credentials"]',
            f'smtp_host = "{info.host}"',
            f"smtp_port = {info.ports['submission']}",
            'smtp_tls = "starttls"',
            f'ca_file = "{info.ca_file}"',
            f'dns_server = "{info.host}:{info.ports["dns"]}"',
            f'password_file = "{password}"',
            "",
        ]
    path = tmp / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _check_seconds(text: str) -> float:
    for line in text.splitlines():
        if line.startswith("mailcheck_check_duration_seconds{"):
            return float(line.rsplit(" ", 1)[1])
    raise SystemExit(f"bench: a probe answered without its check duration:\n{text}")


def _ok(text: str) -> bool:
    return any(
        line.startswith("mailcheck_success{") and line.endswith(" 1") for line in text.splitlines()
    )


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def _probe(session: Any, base: str, profile: str) -> tuple[float, float, bool]:
    """One scrape: (wall ms, overhead ms over the check, whether the check was OK)."""
    started = time.perf_counter()
    async with session.get(
        f"{base}/probe",
        params={"profile": profile},
        headers={"X-Prometheus-Scrape-Timeout-Seconds": "30"},
    ) as response:
        text = await response.text()
    wall = (time.perf_counter() - started) * 1000
    return wall, wall - _check_seconds(text) * 1000, _ok(text)


async def _max_in_flight(session: Any, base: str, stop: asyncio.Event) -> float:
    seen = 0.0
    while not stop.is_set():
        async with session.get(f"{base}/metrics") as response:
            for line in (await response.text()).splitlines():
                if line.startswith("mailcheck_exporter_probes_in_flight "):
                    seen = max(seen, float(line.split()[1]))
        await asyncio.sleep(0.002)
    return seen


async def _exporter_figures(base: str, pid: int) -> dict[str, Any]:
    import aiohttp

    names = [f"p{i:02d}" for i in range(PROFILES)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Warm-up, one probe per profile: imports, the TLS context, and each profile's plan,
        # which the exporter keeps until the config changes (as between two scrapes).
        for name in names:
            await _probe(session, base, name)
        sequential = [await _probe(session, base, names[i % PROFILES]) for i in range(SEQUENTIAL)]
        burst: list[tuple[float, float, bool]] = []
        for _ in range(BURSTS):
            burst += await asyncio.gather(*(_probe(session, base, n) for n in names))
        # Apart from the timed bursts: polling /metrics costs the exporter CPU too.
        stop = asyncio.Event()
        watcher = asyncio.ensure_future(_max_in_flight(session, base, stop))
        for _ in range(3):
            await asyncio.gather(*(_probe(session, base, n) for n in names))
        stop.set()
        in_flight = await watcher
        peak_kib = _rss_kib(pid, "VmHWM")

        async def loop(name: str) -> int:
            for _ in range(LOOP_ROUNDS):
                await _probe(session, base, name)
            return LOOP_ROUNDS

        started = time.perf_counter()
        done = sum(await asyncio.gather(*(loop(n) for n in names)))
        rate = done / (time.perf_counter() - started)
    return {
        "sequential": sequential,
        "burst": burst,
        "in_flight": in_flight,
        "peak_mib": peak_kib / 1024,
        "rss_mib": _rss_kib(pid, "VmRSS") / 1024,
        "rate": rate,
        "checks": done,
    }


def _swaks_rate(info: Any) -> tuple[float, float, int]:
    """Checks per second and median ms of swaks, one process per check, cores at a time."""
    argv = [
        "swaks", "--server", info.host, "--port", str(info.ports["submission"]), "--tls",
        "--tls-verify", "--tls-ca-path", info.ca_file, "--auth", "PLAIN", "--auth-user",
        "sender@lab.test", "--auth-password", info.users["sender@lab.test"], "--quit-after",
        "AUTH", "--silent", "3",
    ]  # fmt: skip

    def one(_: int) -> tuple[float, int]:
        started = time.perf_counter()
        code = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        return (time.perf_counter() - started) * 1000, code.returncode

    one(0)
    workers = os.cpu_count() or 1
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(one, range(SWAKS_CHECKS)))
    rate = SWAKS_CHECKS / (time.perf_counter() - started)
    failed = sum(1 for _, code in results if code != 0)
    if failed:
        raise SystemExit(f"bench: swaks failed {failed} of {SWAKS_CHECKS} checks")
    return rate, statistics.median(ms for ms, _ in results), workers


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _p90(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def _section(figures: dict[str, Any], swaks: tuple[float, float, int]) -> str:
    burst, sequential = figures["burst"], figures["sequential"]
    failed = sum(1 for _, _, ok in burst + sequential if not ok)
    if failed:
        raise SystemExit(f"bench: {failed} probes were not OK")
    swaks_rate, swaks_ms, workers = swaks
    overhead = _median([o for _, o, _ in burst])
    ratio = figures["rate"] / swaks_rate
    rows = [
        "| measure | value |",
        "|---|---:|",
        f"| /probe one at a time: median wall | {_median([w for w, _, _ in sequential]):.1f} ms |",
        f"| /probe one at a time: median overhead over the check | "
        f"{_median([o for _, o, _ in sequential]):.1f} ms |",
        f"| {PROFILES} concurrent /probe ({BURSTS} bursts): median wall | "
        f"{_median([w for w, _, _ in burst]):.1f} ms (p90 {_p90([w for w, _, _ in burst]):.1f}) |",
        f"| {PROFILES} concurrent /probe: median overhead over the check | {overhead:.1f} ms |",
        f"| {PROFILES} concurrent /probe: p90 overhead | {_p90([o for _, o, _ in burst]):.1f} ms |",
        f"| credential checks per second, exporter ({PROFILES} clients, "
        f"{figures['checks']} probes) | {figures['rate']:.0f}/s |",
        f"| credential checks per second, `swaks --quit-after AUTH` ({workers} processes at a "
        f"time, {SWAKS_CHECKS} checks; median {swaks_ms:.0f} ms each) | {swaks_rate:.1f}/s |",
        f"| exporter peak RSS (VmHWM) after the bursts | {figures['peak_mib']:.1f} MiB |",
        f"| most probes in flight seen on /metrics during the bursts | "
        f"{figures['in_flight']:.0f} |",
    ]
    when = (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node() or 'this host'} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), the exporter and "
        f"the lab on one machine, by `bench/serve_bench.py`. {PROFILES} credentials-only "
        "profiles of one lab user (the lab cannot make 50 mailboxes), one lock each."
    )
    summary = (
        f"Targets (issue 15): median overhead of a /probe over the check under {PROFILES} "
        f"concurrent requests under 20 ms: **{overhead:.1f} ms**; at least 5x the credential "
        f"checks per second of swaks as one process per check: **{ratio:.1f}x** "
        f"({figures['rate']:.0f}/s vs {swaks_rate:.1f}/s); RSS under 150 MiB with "
        f"{PROFILES} probes in flight: **{figures['peak_mib']:.0f} MiB** peak."
    )
    return f"{when}\n\n" + "\n".join(rows) + f"\n\n{summary}"


def run(info: Any = None) -> str:
    """The ``serve`` section (Markdown); starts a lab of its own unless ``info`` is given."""
    lab_module = lab = None
    if info is None:
        lab_module = _lab_module()
        lab = lab_module.Lab()
        info = lab.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = _config(Path(tmp), info)
            port = _free_port()
            env = {
                "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                "LANG": "C.UTF-8",
                "XDG_STATE_HOME": str(Path(tmp) / "state"),
            }
            argv = [
                str(BIN / "mailcheck"), "serve", "--config", str(config), "--listen",
                f"127.0.0.1:{port}", "--max-concurrent", str(PROFILES),
            ]  # fmt: skip
            err = Path(tmp) / "serve.err"
            with err.open("wb") as out:
                proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=out)
            try:
                deadline = time.monotonic() + 20
                while b"listening on" not in err.read_bytes():
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit(f"bench: serve did not start: {err.read_text()}")
                    time.sleep(0.05)
                figures = asyncio.run(_exporter_figures(f"http://127.0.0.1:{port}", proc.pid))
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        swaks = _swaks_rate(info)
    finally:
        if lab is not None:
            lab.destroy()
    return _section(figures, swaks)


if __name__ == "__main__":
    print(run())
