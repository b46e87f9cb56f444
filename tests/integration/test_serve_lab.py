"""``mailcheck serve`` against the real lab, scraped as Prometheus scrapes it.

The exporter runs as its own process (``python -m mailcheck serve``), as a
Deployment or a systemd unit would run it; the answers are read with
prometheus_client's parser, and one test starts Debian's real ``prometheus``
against it and asks Prometheus's HTTP API what it stored.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import LAB_PASSWORD, LAB_USER, LabHandle, free_port, lab_profile, write_config

TOKEN_HEADER = b"X-Mailcheck-Token"


class Exporter:
    """A running ``mailcheck serve`` process and how to ask it."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, stderr: Path) -> None:
        self.proc = proc
        self.base = base
        self.stderr = stderr

    def get(
        self, path: str, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=60, **kwargs) as response:  # noqa: S310
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)


@contextlib.contextmanager
def exporter(
    tmp_path: Path, config: Path, lab: LabHandle, *args: str, scheme: str = "http"
) -> Iterator[Exporter]:
    port = free_port()
    stderr = tmp_path / f"serve-{port}.err"
    argv = [
        sys.executable, "-m", "mailcheck", "serve", "--config", str(config),
        "--listen", f"127.0.0.1:{port}", "--dns-server", lab.dns, *args,
    ]  # fmt: skip
    env = {**os.environ, "MAILCHECK_DNS_SERVER": lab.dns}
    with stderr.open("wb") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, env=env)
    handle = Exporter(proc, f"{scheme}://127.0.0.1:{port}", stderr)
    try:
        deadline = time.monotonic() + 20
        while b"listening on" not in stderr.read_bytes():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not start: {stderr.read_text()}")
            time.sleep(0.05)
        yield handle
    finally:
        handle.stop()


def _families(text: str) -> dict[str, list[Any]]:
    from prometheus_client.parser import text_string_to_metric_families

    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def _value(text: str, name: str, **labels: str) -> float | None:
    for family in _families(text).values():
        for sample in family:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def _test_messages(lab: LabHandle, user: str) -> list[bytes]:
    return [
        m
        for folder in ("INBOX", "Junk")
        for m in lab.lab.list_messages(user, folder)
        if TOKEN_HEADER in m
    ]


def test_probe_of_a_healthy_profile_answers_its_check(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"billing": lab_profile(lab, tmp_path, LAB_USER)})
    with exporter(tmp_path, config, lab) as serve:
        status, text = serve.get(
            "/probe?profile=billing", {"X-Prometheus-Scrape-Timeout-Seconds": "15"}
        )
        assert status == 200, text
        assert _value(text, "mailcheck_success", profile="billing") == 1
        assert _value(text, "mailcheck_status", profile="billing") == 0
        assert _value(text, "mailcheck_placement", placement="inbox") == 1
        assert _value(text, "mailcheck_placement", placement="junk") == 0
        for stage in ("connect", "tls", "auth", "delivery", "detection"):
            seconds = _value(text, "mailcheck_stage_duration_seconds", stage=stage)
            assert seconds is not None, stage
            assert 0 <= seconds < 15
        assert _value(text, "mailcheck_cause_info", cause="delivered-to-inbox") == 1
        assert "mailcheck_probe_reason_info" not in text
        # The exporter counted it.
        status, own = serve.get("/metrics")
        assert status == 200
        probes = "mailcheck_exporter_probes_total"
        assert _value(own, probes, profile="billing", result="ok") == 1
        assert _value(own, "mailcheck_exporter_probes_in_flight") == 0
        assert _value(own, "process_resident_memory_bytes") is not None
    assert _test_messages(lab, LAB_USER) == []


def test_a_changed_password_file_is_read_by_the_next_probe(lab: LabHandle, tmp_path: Path) -> None:
    profile = lab_profile(lab, tmp_path, LAB_USER, checks=["credentials"])
    config = write_config(tmp_path, {"creds": profile})
    with exporter(tmp_path, config, lab) as serve:
        _, text = serve.get("/probe?profile=creds")
        assert _value(text, "mailcheck_success", profile="creds") == 1
        # The exporter keeps each profile's plan between scrapes, but not past an edit.
        Path(profile["password_file"]).write_text("not-the-password\n", encoding="utf-8")
        _, text = serve.get("/probe?profile=creds")
        assert _value(text, "mailcheck_success", profile="creds") == 0
        assert _value(text, "mailcheck_cause_info", cause="password-changed") == 1


def test_junk_placement_is_the_folder_label(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"junk": lab_profile(lab, tmp_path, "junked@lab.test")})
    with exporter(tmp_path, config, lab) as serve:
        status, text = serve.get("/probe?profile=junk")
    assert status == 200
    assert _value(text, "mailcheck_success", profile="junk") == 0
    assert _value(text, "mailcheck_status", profile="junk") == 1
    assert _value(text, "mailcheck_placement", placement="junk") == 1
    assert _value(text, "mailcheck_cause_info", cause="spam-folder") == 1
    assert _test_messages(lab, "junked@lab.test") == []


def test_unknown_profile_and_extra_parameters_are_refused(lab: LabHandle, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"billing": lab_profile(lab, tmp_path, LAB_USER)})
    with exporter(tmp_path, config, lab) as serve:
        status, text = serve.get("/probe?profile=nobody")
        assert status == 400
        assert text.strip() == "unknown profile 'nobody': not in the config file"
        # A server, user or password from the URL is never used: the request is refused.
        query = urllib.parse.urlencode(
            {"profile": "billing", "smtp_host": "203.0.113.9", "password": "x"}
        )
        status, text = serve.get(f"/probe?{query}")
        assert status == 400
        assert "refused: 'password', 'smtp_host'" in text
        assert "Traceback" not in text
        for path in ("/probe", "/probe?profile=billing&profile=billing", "/probe?profile="):
            assert serve.get(path)[0] == 400, path
        status, text = serve.get(
            "/probe?profile=billing", {"X-Prometheus-Scrape-Timeout-Seconds": "soon"}
        )
        assert status == 400
        assert "X-Prometheus-Scrape-Timeout-Seconds" in text
        assert serve.get("/nothing/here")[0] == 404
        status, page = serve.get("/")
        assert status == 200
        assert 'href="metrics"' in page
        status, own = serve.get("/metrics")
        refused = "mailcheck_exporter_probe_requests_refused_total"
        assert _value(own, refused, reason="unknown-profile") == 1
        assert _value(own, refused, reason="bad-parameter") == 5
    assert b"Traceback" not in serve.stderr.read_bytes()


def test_an_overlapping_probe_is_busy_at_once_and_leaves_nothing(
    lab: LabHandle, tmp_path: Path
) -> None:
    # lost@: the message is accepted and dropped, so the first probe waits for it.
    profile = lab_profile(lab, tmp_path, "lost@lab.test", wait=4)
    config = write_config(tmp_path, {"lost": profile})
    with exporter(tmp_path, config, lab) as serve:
        first: dict[str, Any] = {}

        def scrape() -> None:
            first["answer"] = serve.get("/probe?profile=lost")

        thread = threading.Thread(target=scrape)
        thread.start()
        time.sleep(1.0)
        started = time.monotonic()
        status, text = serve.get("/probe?profile=lost")
        took = time.monotonic() - started
        thread.join(30)
        assert status == 200
        assert took < 1.0
        assert _value(text, "mailcheck_success", profile="lost") == 0
        assert _value(text, "mailcheck_skipped", profile="lost") == 1
        assert _value(text, "mailcheck_probe_reason_info", reason="busy") == 1
        # The first probe ran its check to the end (not arrived within wait).
        assert _value(first["answer"][1], "mailcheck_placement", placement="not-arrived") == 1
        # The lock is free again: the next probe runs the check.
        status, text = serve.get("/probe?profile=lost")
        assert _value(text, "mailcheck_skipped", profile="lost") == 0
        assert _value(text, "mailcheck_probe_reason_info", reason="busy") is None
    assert _test_messages(lab, "lost@lab.test") == []


def test_a_probe_while_check_holds_the_profile_is_busy(lab: LabHandle, tmp_path: Path) -> None:
    from mailcheck.history import default_lock_dir, profile_lock

    config = write_config(tmp_path, {"billing": lab_profile(lab, tmp_path, LAB_USER)})
    with exporter(tmp_path, config, lab) as serve:
        # The same lock files as mailcheck check (XDG_STATE_HOME is the test's).
        with profile_lock(default_lock_dir(), "billing"):
            status, text = serve.get("/probe?profile=billing")
        assert status == 200
        assert _value(text, "mailcheck_probe_reason_info", reason="busy") == 1
        status, text = serve.get("/probe?profile=billing")
        assert _value(text, "mailcheck_success", profile="billing") == 1


def _web_config(tmp_path: Path) -> tuple[Path, str]:
    """A self-signed certificate and a bcrypt-hashed user; the web config and the CA file."""
    import bcrypt
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_pem.write_to_path(str(tmp_path / "server.key"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "server.crt"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    hashed = bcrypt.hashpw(b"scrape-pw", bcrypt.gensalt(rounds=4)).decode()
    web = tmp_path / "web.yml"
    web.write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        f"basic_auth_users:\n  prometheus: '{hashed}'\n",
        encoding="utf-8",
    )
    return web, str(tmp_path / "ca.pem")


def _basic(user: str, password: str) -> dict[str, str]:
    import base64

    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_web_config_tls_and_basic_auth(lab: LabHandle, tmp_path: Path) -> None:
    web, ca_file = _web_config(tmp_path)
    config = write_config(
        tmp_path, {"creds": lab_profile(lab, tmp_path, LAB_USER, checks=["credentials"])}
    )
    context = ssl.create_default_context(cafile=ca_file)
    with exporter(tmp_path, config, lab, "--web-config", str(web), scheme="https") as serve:
        assert b"https://127.0.0.1:" in serve.stderr.read_bytes()
        status, _ = serve.get("/probe?profile=creds", context=context)
        assert status == 401
        status, _ = serve.get("/metrics", _basic("prometheus", "wrong"), context=context)
        assert status == 401
        status, _ = serve.get("/metrics", _basic("nobody", "scrape-pw"), context=context)
        assert status == 401
        status, text = serve.get(
            "/probe?profile=creds", _basic("prometheus", "scrape-pw"), context=context
        )
        assert status == 200
        assert _value(text, "mailcheck_success", profile="creds") == 1
        assert _value(text, "mailcheck_cause_info", cause="smtp-login-ok") == 1
        # Plain HTTP on the TLS port gets no answer.
        plain = Exporter(serve.proc, serve.base.replace("https", "http"), serve.stderr)
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            plain.get("/metrics")


def test_sigterm_cancels_running_probes_cleans_up_and_exits_0(
    lab: LabHandle, tmp_path: Path
) -> None:
    profile = lab_profile(lab, tmp_path, "lost@lab.test", wait=60)
    config = write_config(tmp_path, {"lost": profile})
    with exporter(tmp_path, config, lab) as serve:
        answer: dict[str, Any] = {}

        def scrape() -> None:
            answer["probe"] = serve.get("/probe?profile=lost")

        thread = threading.Thread(target=scrape)
        thread.start()
        time.sleep(2.0)
        sent = time.monotonic()
        code = serve.stop(signal.SIGTERM)
        took = time.monotonic() - sent
        thread.join(30)
    assert code == 0, serve.stderr.read_text()
    assert took < 15
    err = serve.stderr.read_text()
    assert "Traceback" not in err
    assert "SIGTERM: stopping" in err
    # The running probe was cancelled, cleaned up, and still answered its scrape.
    status, text = answer["probe"]
    assert status == 200
    assert _value(text, "mailcheck_status", profile="lost") == 3
    assert _value(text, "mailcheck_cause_info", cause="interrupted") == 1
    assert _test_messages(lab, "lost@lab.test") == []
    # The profile's lock went with the process: check can take it at once.
    from mailcheck.history import default_lock_dir, profile_lock

    with profile_lock(default_lock_dir(), "lost"):
        pass


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        body = json.load(response)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _wait_for(base: str, promql: str, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            found = _query(base, promql)
            if found:
                return found
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never answered {promql!r}")


def test_a_real_prometheus_sees_success_then_the_changed_password(
    lab: LabHandle, tmp_path: Path
) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("Debian's prometheus is missing (make lab-install installs it)")
    # A round trip reserves time for its cleanup: 5 s scrapes leave it 4.5 s.
    profile = lab_profile(lab, tmp_path, LAB_USER)
    config = write_config(tmp_path, {"billing": profile})
    with exporter(tmp_path, config, lab) as serve:
        # blackbox_exporter's relabeling: the target is the profile, the address the exporter.
        scrape = tmp_path / "prometheus.yml"
        scrape.write_text(
            "global:\n  scrape_interval: 5s\n  scrape_timeout: 5s\n"
            "scrape_configs:\n"
            "  - job_name: mailcheck\n"
            "    metrics_path: /probe\n"
            "    static_configs:\n      - targets: [billing]\n"
            "    relabel_configs:\n"
            "      - source_labels: [__address__]\n        target_label: __param_profile\n"
            "      - source_labels: [__param_profile]\n        target_label: instance\n"
            "      - target_label: __address__\n"
            f"        replacement: {serve.base.removeprefix('http://')}\n",
            encoding="utf-8",
        )
        web = f"127.0.0.1:{free_port()}"
        log = tmp_path / "prometheus.log"
        with log.open("wb") as out:
            prometheus = subprocess.Popen(
                [binary, f"--config.file={scrape}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                 f"--web.listen-address={web}"],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            base = f"http://{web}"
            try:
                found = _wait_for(base, 'mailcheck_success{instance="billing"} == 1')
                assert found[0]["metric"]["profile"] == "billing"
                _wait_for(base, 'mailcheck_placement{placement="inbox"} == 1', timeout=10)
                lab.lab.passwd(LAB_USER, "Ch4nged-by-admin")
                try:
                    _wait_for(base, 'mailcheck_success{instance="billing"} == 0')
                    causes = _wait_for(base, 'mailcheck_cause_info{cause="password-changed"}')
                    assert causes[0]["metric"]["severity"] == "critical"
                    assert _query(base, "mailcheck_status")[0]["value"][1] == "2"
                finally:
                    lab.lab.passwd(LAB_USER, LAB_PASSWORD)
            except AssertionError:
                raise AssertionError(
                    log.read_text()[-3000:] + serve.stderr.read_text()[-2000:]
                ) from None
        finally:
            prometheus.terminate()
            prometheus.wait(timeout=30)
