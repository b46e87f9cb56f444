"""The exporter's HTTP side: routes, its own metrics, basic auth, and its life cycle.

``/probe?profile=NAME`` runs a probe (:mod:`mailcheck.serve.probe`), ``/metrics`` is
the exporter's own registry (probes by profile and result, probe durations, probes in
flight, the process), ``/`` a page of links; anything else is 404. The only URL
parameter is ``profile``, and it names a profile of the config file: a host, user
name or password never comes from a URL, so whoever can reach the port can make
mailcheck check only what its owner configured.

Shutdown (SIGTERM, SIGINT, SIGHUP) uses :mod:`mailcheck.interrupt`, as every other
command does: the listening socket closes, running probes are cancelled and get the
cleanup grace to remove their test messages, their scrapes get an UNKNOWN answer,
then the server ends.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from mailcheck.serve.probe import DEFAULT_DEADLINE_S, MAX_DEADLINE_S, Prober

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from mailcheck.serve.webconfig import BasicAuth, WebConfig

__all__ = ["DEFAULT_LISTEN", "ServeOptions", "make_app", "parse_listen", "serve"]

#: 127.0.0.1 so that nothing is reachable from the network unless asked for. The port
#: is in the range Prometheus's wiki allocates to exporters (9100-9999).
DEFAULT_LISTEN = "127.0.0.1:9786"
_TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
#: Probe durations: from a refused login (tens of ms) to a slow round trip (a minute).
_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0)
_SCRAPE_TIMEOUT = "X-Prometheus-Scrape-Timeout-Seconds"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServeOptions:
    """What ``mailcheck serve`` was started with."""

    config: str | None
    host: str
    port: int
    lock_dir: Path
    max_concurrent: int = 64
    default_deadline: float = DEFAULT_DEADLINE_S
    max_deadline: float = MAX_DEADLINE_S
    dns_server: str | None = None
    web_config: WebConfig | None = None
    log: Callable[[str], None] | None = None
    """Where a probe that could not run says why (its metrics carry only the reason)."""


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9786`` for IPv6) as a host and a port number."""
    from mailcheck.errors import ConfigError

    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--listen must be HOST:PORT (e.g. {DEFAULT_LISTEN}), not {text!r}")
    return host, int(port)


class _Metrics:
    """The exporter's own metrics, in a registry of its own (not the global one)."""

    def __init__(self) -> None:
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            PlatformCollector,
            ProcessCollector,
            disable_created_metrics,
        )

        # The *_created series double every counter's output for a time Prometheus does
        # not use (its own exporters do not write them); this process serves only these.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry: CollectorRegistry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.probes = Counter(
            "mailcheck_exporter_probes_total",
            "Probes answered, by profile and result "
            "(ok, warning, critical, unknown, busy, config-error, no-slot).",
            ["profile", "result"],
            registry=self.registry,
        )
        self.refused = Counter(
            "mailcheck_exporter_probe_requests_refused_total",
            "/probe requests refused with HTTP 400, by reason (unknown-profile, bad-parameter).",
            ["reason"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "mailcheck_exporter_probe_duration_seconds",
            "Seconds a /probe request took, from the request to the answer.",
            ["profile"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "mailcheck_exporter_probes_in_flight",
            "Probes running now.",
            registry=self.registry,
        )


def _bad_request(text: str) -> web.Response:
    return web.Response(status=400, text=text + "\n", content_type="text/plain")


class _Handlers:
    def __init__(self, options: ServeOptions, metrics: _Metrics) -> None:
        self.options = options
        self.metrics = metrics
        self.prober = Prober(
            options.config,
            lock_dir=options.lock_dir,
            max_concurrent=options.max_concurrent,
            dns_server=options.dns_server,
        )

    async def index(self, request: web.Request) -> web.Response:
        page = (
            "<!doctype html><html><head><title>mailcheck exporter</title></head><body>"
            "<h1>mailcheck exporter</h1>"
            '<p><a href="metrics">Metrics</a> (the exporter itself)</p>'
            "<p>Probe a profile of the config file: "
            "<code>/probe?profile=NAME</code></p></body></html>\n"
        )
        return web.Response(text=page, content_type="text/html")

    async def metrics_page(self, request: web.Request) -> web.Response:
        from prometheus_client import generate_latest

        body = generate_latest(self.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": _TEXT_FORMAT})

    async def probe(self, request: web.Request) -> web.Response:
        from mailcheck.errors import ConfigError, MailcheckError
        from mailcheck.serve.probe import probe_deadline, probe_text

        started = time.perf_counter()
        extra = sorted(set(request.query) - {"profile"})
        names = request.query.getall("profile", [])
        if extra or len(names) != 1 or not names[0]:
            self.metrics.refused.labels("bad-parameter").inc()
            if extra:
                shown = ", ".join(repr(k[:40]) for k in extra[:5])
                return _bad_request(
                    f"/probe takes one parameter, profile=NAME; refused: {shown} (servers, users "
                    "and passwords come from the config file only)"
                )
            return _bad_request("/probe needs exactly one profile=NAME (a profile of the config)")
        profile = names[0]
        try:
            known = self.prober.known(profile)
            deadline = probe_deadline(
                request.headers.get(_SCRAPE_TIMEOUT),
                self.options.default_deadline,
                self.options.max_deadline,
            )
        except ConfigError as exc:
            self.metrics.refused.labels("bad-parameter").inc()
            return _bad_request(str(exc))
        except MailcheckError as exc:
            return web.Response(status=500, text=f"{exc}\n", content_type="text/plain")
        if not known:
            self.metrics.refused.labels("unknown-profile").inc()
            return _bad_request(f"unknown profile {profile[:100]!r}: not in the config file")
        with self.metrics.in_flight.track_inprogress():
            answer = await self.prober.probe(profile, deadline)
        if answer.reason in ("config-error", "no-slot") and self.options.log is not None:
            self.options.log(f"probe of profile {profile!r}: {answer.result.summary}")
        self.metrics.probes.labels(profile, answer.outcome).inc()
        self.metrics.duration.labels(profile).observe(time.perf_counter() - started)
        return web.Response(text=probe_text(answer), headers={"Content-Type": _TEXT_FORMAT})

    async def not_found(self, request: web.Request) -> web.Response:
        return web.Response(status=404, text="404 not found: try / , /probe or /metrics\n")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _basic_auth_middleware(options: ServeOptions) -> Callable[..., Awaitable[web.StreamResponse]]:
    auth = options.web_config.basic_auth if options.web_config is not None else None

    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if auth is not None and not await _authorized(request, auth):
            return web.Response(
                status=401,
                text="401 unauthorized\n",
                headers={"WWW-Authenticate": 'Basic realm="mailcheck"'},
            )
        return await handler(request)

    return check


async def _authorized(request: web.Request, auth: BasicAuth) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return bool(sep) and await auth.accepts(user, password)


@web.middleware
async def _bug_answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A bug answers HTTP 500 with one line, as the command line's internal errors do."""
    import os

    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as exc:
        if os.environ.get("MAILCHECK_DEBUG"):
            raise
        return web.Response(
            status=500,
            text=f"internal error ({type(exc).__name__}: {exc}); this is a bug in mailcheck, "
            "run the exporter with MAILCHECK_DEBUG=1 for the traceback\n",
        )


def make_app(options: ServeOptions) -> web.Application:
    """The aiohttp application of ``mailcheck serve``."""
    metrics = _Metrics()
    handlers = _Handlers(options, metrics)
    app = web.Application(middlewares=[_bug_answer, _basic_auth_middleware(options)])
    app.router.add_get("/", handlers.index, allow_head=True)
    app.router.add_get("/probe", handlers.probe, allow_head=False)
    app.router.add_get("/metrics", handlers.metrics_page, allow_head=True)
    app.router.add_route("*", "/{tail:.*}", handlers.not_found)
    return app


async def serve(options: ServeOptions, announce: Callable[[str], None]) -> None:
    """Serve until a signal, then shut down gracefully (run under :func:`interrupt.run`)."""
    from mailcheck import interrupt
    from mailcheck.errors import ConfigError

    stop = interrupt.current()
    runner = web.AppRunner(
        make_app(options),
        access_log=None,
        # Cancelled probes get interrupt.GRACE_SECONDS to clean up; their answers follow.
        shutdown_timeout=interrupt.GRACE_SECONDS + 5.0,
    )
    await runner.setup()
    try:
        context = options.web_config.ssl_context if options.web_config is not None else None
        site = web.TCPSite(runner, options.host, options.port, ssl_context=context)
        try:
            await site.start()
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}"
            ) from None
        scheme = "https" if context is not None else "http"
        host = f"[{options.host}]" if ":" in options.host else options.host
        announce(f"listening on {scheme}://{host}:{options.port}/")
        if stop is not None:
            await stop.event.wait()
            announce(f"{stop.signal}: stopping; running probes clean up and answer first")
    finally:
        await runner.cleanup()
