"""docs/examples/kubernetes/, checked the way Kubernetes, Prometheus and mailcheck read it.

Every manifest is validated against the Kubernetes JSON schemas of one pinned version
(kubernetes-validate bundles them, no network), in strict mode so a misspelt field fails
like the API server's field validation would. Then what the schemas cannot know: the pods
run as the image expects (its UID, a read-only root, its volume writable), every mailcheck
command line is one mailcheck accepts, the ConfigMap holds a config mailcheck loads, the
CronJob's two scripts run (against a Pushgateway stand-in on 127.0.0.1), and a real
Prometheus scrapes with the example's relabelling.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from mailcheck.check.plan import plan_profile
from mailcheck.cli import cli
from mailcheck.profiles import CONFIG_ENV, profile_names
from tests.docs.test_container import image_env, image_volume, runtime_instructions
from tests.helpers import free_port
from tests.servers.fake_dns import fake_dns

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "docs" / "examples" / "kubernetes"
MANIFESTS = sorted(KUBERNETES.glob("*.yaml"))
SCRAPE_CONFIG = KUBERNETES / "prometheus-scrape.yml"
#: The Kubernetes version the examples are written for (batch/v1 backoffLimitPerIndex is GA
#: from 1.33). kubernetes-validate is pinned in pyproject.toml, so this cannot drift.
KUBERNETES_VERSION = "1.33"
BIN = Path(sys.executable).parent
IMAGE = "registry.company.vn/it/mailcheck:"


# ---------------------------------------------------------------- reading the manifests


def _documents(path: Path) -> list[dict[str, Any]]:
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    for document in documents:
        assert isinstance(document, dict), path
    return documents


def _all() -> list[dict[str, Any]]:
    return [d for path in MANIFESTS for d in _documents(path)]


def _one(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [
        d for d in _all() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def _pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod: dict[str, Any] = spec["template"]["spec"]
    return pod


def _workloads() -> list[dict[str, Any]]:
    return [d for d in _all() if d["kind"] in ("Deployment", "Job", "CronJob")]


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def _mailcheck_containers() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for workload in _workloads():
        pod = _pod_spec(workload)
        for container in _containers(pod):
            if container["image"].startswith(IMAGE):
                yield pod, container


def _script(container: dict[str, Any]) -> str:
    """The shell script of a ``/bin/sh -c`` container."""
    assert container.get("command") == ["/bin/sh", "-c"], container["name"]
    (script,) = container["args"]
    assert isinstance(script, str)
    return script


# ---------------------------------------------------------------- the schemas


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_is_valid_for_kubernetes(path: Path) -> None:
    documents = _documents(path)
    assert documents, f"{path.name} holds no manifest"
    for document in documents:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            where = ".".join(str(part) for part in exc.path)
            pytest.fail(f"{path.name}: {document['kind']} {where}: {exc.message}")


def test_the_validator_refuses_a_misspelt_field_and_a_wrong_type() -> None:
    """Strict mode is what makes the test above worth having: a typo is not ignored."""
    deployment = copy.deepcopy(_one("Deployment"))
    kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    container = _pod_spec(deployment)["containers"][0]
    security = container["securityContext"]
    security["readOnlyRootFileSystem"] = security.pop("readOnlyRootFilesystem")
    with pytest.raises(kubernetes_validate.ValidationError, match="readOnlyRootFileSystem"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)

    cronjob = copy.deepcopy(_one("CronJob"))
    cronjob["spec"]["jobTemplate"]["spec"]["backoffLimit"] = "0"
    with pytest.raises(kubernetes_validate.ValidationError, match="is not of type 'integer'"):
        kubernetes_validate.validate(cronjob, KUBERNETES_VERSION, strict=True)


def test_every_manifest_is_in_the_mailcheck_namespace() -> None:
    namespace = _one("Namespace")["metadata"]["name"]
    for document in _all():
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == namespace, document["metadata"]


# ---------------------------------------------------------------- pods and the image


def test_every_pod_runs_as_the_image_user_with_a_read_only_root() -> None:
    (user,) = runtime_instructions("USER")
    uid, gid = (int(part) for part in user.value[0].split(":"))
    for workload in _workloads():
        pod = _pod_spec(workload)
        name = workload["metadata"]["name"]
        assert pod["automountServiceAccountToken"] is False, name
        context = pod["securityContext"]
        assert context["runAsNonRoot"] is True, name
        assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (uid, gid, gid)
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        for container in _containers(pod):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"] == {"drop": ["ALL"]}, where
            assert container["resources"]["limits"]["memory"], where


def test_every_mailcheck_container_has_the_image_volume_writable() -> None:
    volume = str(image_volume())
    for pod, container in _mailcheck_containers():
        if "mailcheck" not in _command_line(container):
            continue  # a helper step (mkdir) writes nothing of mailcheck's
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert volume in mounts, container["name"]
        assert not mounts[volume].get("readOnly", False), container["name"]
        source = {v["name"]: v for v in pod["volumes"]}[mounts[volume]["name"]]
        assert "emptyDir" in source or "persistentVolumeClaim" in source, source


def _command_line(container: dict[str, Any]) -> str:
    if container.get("command") == ["/bin/sh", "-c"]:
        return _script(container)
    return shlex.join(["mailcheck", *container["args"]])


def _mailcheck_invocations(container: dict[str, Any]) -> list[list[str]]:
    """Each ``mailcheck ...`` of the container, as arguments (shell variables filled in)."""
    lexer = shlex.shlex(_command_line(container), posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    invocations = []
    for i, token in enumerate(tokens):
        if token == "mailcheck":
            args = []
            for arg in tokens[i + 1 :]:
                if set(arg) <= set("|&;()<>"):
                    break
                args.append(arg.replace("$SHARD", "0"))
            invocations.append(args)
    return invocations


def test_every_mailcheck_command_line_is_one_mailcheck_accepts() -> None:
    seen = set()
    for _, container in _mailcheck_containers():
        for args in _mailcheck_invocations(container):
            name, *rest = args
            seen.add(name)
            with click.Context(cli) as context:
                command = cli.get_command(context, name)
                assert command is not None, f"{container['name']}: no mailcheck {name}"
                try:
                    command.make_context(name, list(rest))
                except click.UsageError as exc:
                    pytest.fail(f"{container['name']}: mailcheck {shlex.join(args)}: {exc}")
    assert seen == {"serve", "check", "preflight", "preflight-merge"}


# ---------------------------------------------------------------- config and passwords


def test_the_config_map_holds_a_config_mailcheck_loads(tmp_path: Path) -> None:
    config_map = _one("ConfigMap", "mailcheck-config")
    secret = _one("Secret", "mailcheck-passwords")
    text = config_map["data"]["config.toml"]
    # The passwords where the Deployment mounts the Secret, moved into tmp_path here.
    mount = _mount_path("mailcheck-exporter", "passwords")
    assert f'password_file = "{mount}/' in text
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for key, value in secret["stringData"].items():
        (secrets / key).write_text(f"{value}\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(text.replace(f"{mount}/", f"{secrets}/"), encoding="utf-8")

    names = profile_names(str(config))
    assert names == ["billing", "inhouse"]
    assert sorted(secret["stringData"]) == names  # one password per profile
    for name in names:
        plan = plan_profile(name, {"config": str(config)}, (None, None))
        assert plan.secret is not None, name
        assert plan.secret.reveal() == secret["stringData"][name]
        assert plan.settings is not None
        # The round trip's wait stays inside a probe's deadline (the scrape timeout).
        assert plan.settings.roundtrip.wait < _scrape_timeout(), name


def _mount_path(workload: str, volume: str) -> str:
    pod = _pod_spec(_one("Deployment", workload))
    (container,) = pod["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == volume]
    path: str = mount["mountPath"]
    return path


def test_config_and_passwords_are_mounted_where_mailcheck_reads_them() -> None:
    for pod, container in _mailcheck_containers():
        if "mailcheck" not in _command_line(container):
            continue
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        if "config" not in mounts:
            continue  # preflight reads a list, not the config
        config = PurePosixPath(image_env()[CONFIG_ENV])
        assert mounts["config"]["mountPath"] == str(config.parent)
        assert mounts["config"]["readOnly"] is True
        assert volumes["config"]["configMap"]["name"] == "mailcheck-config"
        assert mounts["passwords"]["readOnly"] is True
        passwords = volumes["passwords"]["secret"]
        assert passwords["secretName"] == "mailcheck-passwords"
        # Readable by the pod's group (fsGroup), by no one else.
        assert passwords["defaultMode"] == 0o440


# ---------------------------------------------------------------- mailcheck serve


def test_the_exporter_runs_the_image_default_and_is_probed_on_its_root() -> None:
    deployment = _one("Deployment", "mailcheck-exporter")
    # One exporter at a time, even during a rollout (two would find each other's invoices).
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = _pod_spec(deployment)
    (container,) = pod["containers"]
    (cmd,) = runtime_instructions("CMD")
    assert tuple(container["args"]) == cmd.value
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": 9786}
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/", "port": "http"}, probe
    # Time for running probes to finish and clean up after SIGTERM (a probe lasts up to
    # the scrape timeout).
    assert pod["terminationGracePeriodSeconds"] > _scrape_timeout()

    service = _one("Service", "mailcheck-exporter")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (service_port,) = service["spec"]["ports"]
    assert (service_port["port"], service_port["targetPort"]) == (9786, "http")


# ---------------------------------------------------------------- the Prometheus scrape config


def _scrape() -> dict[str, Any]:
    data = yaml.safe_load(SCRAPE_CONFIG.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _probe_job() -> dict[str, Any]:
    (job,) = [j for j in _scrape()["scrape_configs"] if j["job_name"] == "mailcheck"]
    assert isinstance(job, dict)
    return job


def _scrape_timeout() -> float:
    timeout = str(_probe_job()["scrape_timeout"])
    assert timeout.endswith("s"), timeout
    return float(timeout.removesuffix("s"))


def _tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is missing: make lab-install (Debian's prometheus package)"
    return found


def test_promtool_accepts_the_scrape_config() -> None:
    result = subprocess.run(
        [_tool("promtool"), "check", "config", str(SCRAPE_CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scrape_config_points_at_the_exporter_service_and_the_config_profiles() -> None:
    service = _one("Service", "mailcheck-exporter")
    meta = service["metadata"]
    address = f"{meta['name']}.{meta['namespace']}.svc:{service['spec']['ports'][0]['port']}"
    job = _probe_job()
    assert job["metrics_path"] == "/probe"
    (replace_address,) = [r for r in job["relabel_configs"] if r["target_label"] == "__address__"]
    assert replace_address["replacement"] == address
    (own,) = [j for j in _scrape()["scrape_configs"] if j["job_name"] == "mailcheck-exporter"]
    assert own["static_configs"][0]["targets"] == [address]
    # The targets are the ConfigMap's profiles.
    config_map = _one("ConfigMap", "mailcheck-config")
    toml = config_map["data"]["config.toml"]
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    assert targets
    for target in targets:
        assert f"[profiles.{target}]" in toml, target


@dataclass
class _Recorder:
    """What a stand-in HTTP server (exporter or Pushgateway) was asked."""

    status: int = 200
    body: bytes = b""
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)


@contextmanager
def _http_server(recorder: _Recorder) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            recorder.requests.append((self.command, self.path, self.rfile.read(length)))
            self.send_response(recorder.status)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(recorder.body)))
            self.end_headers()
            self.wfile.write(recorder.body)

        do_GET = do_PUT = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_real_prometheus_probes_each_profile_through_the_relabelling(tmp_path: Path) -> None:
    """The example's relabel rules in a real Prometheus, the exporter a stand-in on loopback."""
    exporter = _Recorder(body=b"mailcheck_success 1\n")
    with _http_server(exporter) as address:
        config = _scrape()
        for job in config["scrape_configs"]:
            job["scrape_interval"] = job["scrape_timeout"] = "1s"
            for rule in job.get("relabel_configs", []):
                if rule["target_label"] == "__address__":
                    rule["replacement"] = address
            if job["job_name"] == "mailcheck-exporter":
                job["static_configs"] = [{"targets": [address]}]
        config_file = tmp_path / "prometheus.yml"
        config_file.write_text(yaml.safe_dump(config), encoding="utf-8")
        port = free_port()
        prometheus = subprocess.Popen(
            [_tool("prometheus"), f"--config.file={config_file}",
             f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            instances = _wait_for_instances(port, {"billing", "inhouse"})
        finally:
            prometheus.terminate()
            prometheus.wait(timeout=30)
    assert instances == {"billing", "inhouse"}
    probes = {urllib.parse.urlsplit(path).query for _, path, _ in exporter.requests
              if path.startswith("/probe")}  # fmt: skip
    assert probes == {"profile=billing", "profile=inhouse"}


def _wait_for_instances(port: int, expected: set[str]) -> set[str]:
    """The instance labels of ``mailcheck_success == 1`` once all are there (or at 30 s)."""
    query = urllib.parse.urlencode({"query": 'mailcheck_success{job="mailcheck"} == 1'})
    url = f"http://127.0.0.1:{port}/api/v1/query?{query}"
    found: set[str] = set()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and found != expected:
        time.sleep(0.5)
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                data = json.load(answer)
        except OSError:
            continue  # not listening yet
        found = {r["metric"]["instance"] for r in data["data"]["result"]}
    return found


# ---------------------------------------------------------------- the CronJob and the Pushgateway


def _cronjob_containers() -> tuple[dict[str, Any], dict[str, Any]]:
    pod = _pod_spec(_one("CronJob", "mailcheck-check"))
    (check,) = pod["initContainers"]
    (push,) = pod["containers"]
    return check, push


def test_the_cronjob_never_overlaps_itself_and_never_retries() -> None:
    cronjob = _one("CronJob", "mailcheck-check")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 0  # a retry would send another test invoice
    assert _pod_spec(cronjob)["restartPolicy"] == "Never"
    check, _ = _cronjob_containers()
    (deadline,) = [a for a in _mailcheck_invocations(check) if "--deadline" in a]
    assert float(deadline[deadline.index("--deadline") + 1]) < job["activeDeadlineSeconds"]


def _run_check_step(
    tmp_path: Path, config_text: str
) -> tuple[subprocess.CompletedProcess[str], Path]:
    check, _ = _cronjob_containers()
    metrics = tmp_path / "metrics"
    metrics.mkdir()
    config = tmp_path / "config.toml"
    config.write_text(config_text, encoding="utf-8")
    script = _script(check).replace("/etc/mailcheck/config.toml", str(config))
    script = script.replace("--textfile /metrics", f"--textfile {metrics}")
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "MAILCHECK_DNS_SERVER": "127.0.0.1:9",
        "BILLING_PASSWORD": "secret",
        "LANG": "C.UTF-8",
    }
    result = subprocess.run(
        ["/bin/sh", "-c", script], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    return result, metrics


# Port 9 on loopback: nothing listens, so the check is CRITICAL at once.
_CRITICAL_CONFIG = (
    '[profiles.billing]\nsender = "billing@company.test"\nsmtp_host = "127.0.0.1"\n'
    'smtp_port = 9\nchecks = ["credentials"]\npassword_env = "BILLING_PASSWORD"\n'
)


def _run_push_step(metrics: Path, gateway: str) -> subprocess.CompletedProcess[str]:
    _, push = _cronjob_containers()
    (env_var,) = push["env"]
    assert env_var["name"] == "PUSHGATEWAY"
    script = _script(push).replace("/metrics/mailcheck_", f"{metrics}/mailcheck_")
    env = {"PATH": "/usr/bin:/bin", "PUSHGATEWAY": f"http://{gateway}"}
    return subprocess.run(
        ["/bin/sh", "-c", script], env=env, capture_output=True, text=True, check=False, timeout=60
    )


def test_a_critical_check_is_a_finished_step_and_its_metrics_are_pushed(tmp_path: Path) -> None:
    assert shutil.which("curl"), "curl is missing: apt-get install curl"
    result, metrics = _run_check_step(tmp_path, _CRITICAL_CONFIG)
    # mailcheck said CRITICAL (2); the step itself succeeded, so the push runs.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smtp-connection-refused" in result.stdout
    assert [p.name for p in metrics.iterdir()] == ["mailcheck_billing.prom"]

    gateway = _Recorder()
    with _http_server(gateway) as address:
        pushed = _run_push_step(metrics, address)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert "pushed the metrics of 1 profile(s)" in pushed.stdout
    ((method, path, body),) = gateway.requests
    # PUT: the whole group is replaced, so a cause that went away does not linger.
    assert (method, path) == ("PUT", "/metrics/job/mailcheck-check/instance/billing")
    samples = {
        sample.name: sample
        for family in text_string_to_metric_families(body.decode("utf-8"))
        for sample in family.samples
    }
    assert samples["mailcheck_status"].value == 2
    assert samples["mailcheck_success"].value == 0
    # The Pushgateway refuses pushed metrics that carry the grouping key's labels.
    for sample in samples.values():
        assert not {"job", "instance"} & set(sample.labels), sample


def test_a_broken_config_is_still_pushed_as_unknown(tmp_path: Path) -> None:
    result, metrics = _run_check_step(tmp_path, "[profiles.billing\n")
    assert result.returncode == 0, result.stdout + result.stderr
    (written,) = metrics.iterdir()
    text = written.read_text(encoding="utf-8")
    assert 'mailcheck_status{profile="config"} 3' in text


def test_the_push_step_fails_when_nothing_was_written_or_the_gateway_refuses(
    tmp_path: Path,
) -> None:
    assert shutil.which("curl"), "curl is missing: apt-get install curl"
    empty = tmp_path / "empty"
    empty.mkdir()
    gateway = _Recorder()
    with _http_server(gateway) as address:
        nothing = _run_push_step(empty, address)
    assert nothing.returncode != 0
    assert gateway.requests == []

    _, metrics = _run_check_step(tmp_path, _CRITICAL_CONFIG)
    refusing = _Recorder(status=400, body=b"pushed metrics are invalid\n")
    with _http_server(refusing) as address:
        refused = _run_push_step(metrics, address)
    assert refused.returncode != 0
    assert "400" in refused.stderr


# ---------------------------------------------------------------- the sharded preflight


def test_the_preflight_job_gives_each_pod_its_shard() -> None:
    job = _one("Job", "mailcheck-preflight")
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    (container,) = _pod_spec(job)["containers"]
    (shard_env,) = container["env"]
    assert shard_env["name"] == "SHARD"
    annotation = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    assert shard_env["valueFrom"]["fieldRef"]["fieldPath"] == annotation
    script = _script(container)
    # --shard I/N with N the Job's completions, each shard writing its own file.
    assert f'--shard "$SHARD/{spec["completions"]}"' in script
    assert '"/data/shards/preflight-$SHARD.csv"' in script
    claim = _pod_spec(job)["volumes"][0]["persistentVolumeClaim"]["claimName"]
    assert _one("PersistentVolumeClaim", claim)["spec"]["accessModes"] == ["ReadWriteMany"]


def _run_in(data: Path, container: dict[str, Any], env: dict[str, str]) -> str:
    """A ``/bin/sh -c`` container of the preflight Jobs, its /data moved to ``data``."""
    script = _script(container).replace("/data/", f"{data}/")
    result = subprocess.run(
        ["/bin/sh", "-c", script], env=env, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_the_shards_and_the_merge_write_the_report_of_one_run(tmp_path: Path) -> None:
    """The Indexed Job's pods, then the merge Job, as scripts on a scripted DNS server."""
    job = _pod_spec(_one("Job", "mailcheck-preflight"))
    completions = _one("Job", "mailcheck-preflight")["spec"]["completions"]
    (merge,) = _pod_spec(_one("Job", "mailcheck-preflight-merge"))["containers"]
    shards = [f"/data/shards/preflight-{i}.csv" for i in range(completions)]
    assert " ".join(shards) in " ".join(_script(merge).split())  # every shard, once
    data = tmp_path / "data"
    data.mkdir()
    # Twelve domains: eight with a working MX, four that do not exist (exit 2 for the list).
    # The root's NS vouches for the resolver, so "no such domain" is believed.
    script: dict[str, Any] = {".": {"NS": ["a.root-servers.net."]}}
    rows = ["email"]
    for n in range(12):
        domain = f"customer{n}.test"
        if n % 3:
            script[domain] = {"MX": [f"10 mx.{domain}."]}
            script[f"mx.{domain}"] = {"A": ["192.0.2.25"]}
        rows += [f"ketoan@{domain}", f"hoadon{n}@{domain}"]
    (data / "customers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with fake_dns(script) as (host, port):
        env = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "MAILCHECK_DNS_SERVER": f"{host}:{port}",
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "LANG": "C.UTF-8",
        }
        for init in job["initContainers"]:
            _run_in(data, init, env)
        (shard,) = job["containers"]
        for index in range(completions):  # what the Job controller puts in SHARD
            _run_in(data, shard, env | {"SHARD": str(index)})
        _run_in(data, merge, env)  # mailcheck's exit 2 (bad addresses): a written report
        one_run = subprocess.run(
            [str(BIN / "mailcheck"), "preflight", str(data / "customers.csv"),
             "--output", str(tmp_path / "one-run.csv")],
            env=env, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
    assert one_run.returncode == 2, one_run.stderr
    merged = (data / "preflight.csv").read_bytes()
    assert merged == (tmp_path / "one-run.csv").read_bytes()
    assert merged.count(b"\n") == len(rows)  # a header and every address


# ---------------------------------------------------------------- docs/deploy.md


def test_the_scrape_job_shown_in_deploy_md_is_the_example_file() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    (shown,) = [yaml.safe_load(b) for b in blocks if "job_name: mailcheck" in b]
    assert shown == [_probe_job()]
