"""Provider presets: read them, find one by name, and pick one from a domain's MX.

A company's own domain (``billing@company.vn``) names no provider, but its MX
records often do: Google Workspace receives at ``smtp.google.com`` or
``aspmx.l.google.com``, Microsoft 365 at ``company-vn.mail.protection.outlook.com``.
Each preset of ``data/providers.toml`` may list such MX host suffixes (``mx``);
:func:`provider_from_mx` asks the DNS (mailcheck's own resolver, ``--dns-server``
honoured) and returns the preset of the most preferred MX host that matches one.

A preset may take a parameter, written after a colon: ``ses:eu-west-1`` fills
``{region}`` in the Amazon SES host name.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mailcheck.datafiles import read_data
from mailcheck.errors import ConfigError, did_you_mean

__all__ = [
    "MxMatch",
    "find_provider",
    "load_providers",
    "match_mx",
    "preset_for",
    "provider_from_mx",
]

#: An AWS region name: ``us-east-1``, ``ap-southeast-1``, ``us-gov-west-1``.
_REGION = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-[0-9]{1,2}")


def load_providers() -> dict[str, dict[str, Any]]:
    """Read the provider presets shipped with mailcheck, by id, in file order."""
    data = read_data("providers.toml")
    data.pop("schema", None)
    return data


def find_provider(name: str, providers: Mapping[str, Mapping[str, Any]]) -> str:
    """The id of the preset called ``name`` or one of its aliases (any case)."""
    key = name.strip().lower()
    if key in providers:
        return key
    for pid, preset in providers.items():
        if key in preset.get("aliases", ()):
            return pid
    known = sorted(providers)
    extra = did_you_mean(key, known)
    raise ConfigError(f"unknown provider {name!r}{extra}; known: {', '.join(known)}")


def preset_for(name: str, providers: Mapping[str, Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """``(id, preset)`` for ``--provider NAME`` or ``NAME:PARAMETER`` (``ses:eu-west-1``).

    The parameter fills the preset's placeholder (``{region}``) in its host names; a
    preset that needs one refuses to go without it, one that takes none refuses it.
    """
    base, _, param = name.partition(":")
    pid = find_provider(base, providers)
    preset = dict(providers[pid])
    needs = preset.get("parameter")
    param = param.strip().lower()
    if needs is None:
        if param:
            raise ConfigError(f"--provider: {pid} takes no parameter (got {name!r})")
        return pid, preset
    example = preset.get("parameter_example", "")
    if not param:
        raise ConfigError(f"--provider: {pid} needs its {needs}, e.g. {pid}:{example}")
    if needs == "region" and not _REGION.fullmatch(param):
        raise ConfigError(f"--provider: {param!r} is not an AWS region (e.g. {example})")
    for key in ("smtp_host", "imap_host"):
        if isinstance(preset.get(key), str):
            preset[key] = preset[key].replace("{" + needs + "}", param)
    return f"{pid}:{param}", preset


@dataclass(frozen=True, slots=True)
class MxMatch:
    """A preset picked from a domain's MX."""

    provider: str
    """The preset's id (``office365``)."""
    domain: str
    """The domain whose MX was read."""
    mx_host: str
    """The MX host that matched (``company-vn.mail.protection.outlook.com``)."""


def match_mx(
    records: tuple[str, ...], providers: Mapping[str, Mapping[str, Any]]
) -> tuple[str, str] | None:
    """``(provider id, MX host)`` of the most preferred MX record a preset's ``mx`` names.

    ``records`` are MX records in presentation form (``"10 aspmx.l.google.com."``).
    """
    hosts: list[tuple[int, str]] = []
    for record in records:
        pref, _, host = record.strip().partition(" ")
        try:
            hosts.append((int(pref), host.strip().rstrip(".").lower()))
        except ValueError:
            continue
    for _, host in sorted(hosts):
        for pid, preset in providers.items():
            for suffix in preset.get("mx", ()):
                if host == suffix or host.endswith("." + suffix):
                    return pid, host
    return None


async def _lookup_mx(
    domain: str, server: tuple[str, int] | None, timeout: float
) -> tuple[str, ...]:
    # Imported here: the resolver (and dnspython) is only needed when a domain is looked up.
    from mailcheck.dnsresolver import DnsOutcome, Resolver

    resolver = Resolver(server, timeout=min(2.0, timeout), lifetime=timeout)
    try:
        lookup = await resolver.lookup(domain, "MX")
    finally:
        resolver.close()
    return lookup.records if lookup.outcome is DnsOutcome.ANSWER else ()


def provider_from_mx(
    domain: str,
    *,
    server: tuple[str, int] | None,
    timeout: float,
    providers: Mapping[str, Mapping[str, Any]] | None = None,
) -> MxMatch | None:
    """The preset named by ``domain``'s MX, or None (no MX, no match, no answer in time).

    Synchronous, so the settings can be read the same way inside or outside an event
    loop: the lookup runs on its own loop in a short-lived thread, within ``timeout``.
    """
    presets = providers if providers is not None else load_providers()
    found: list[tuple[str, ...]] = []

    def run() -> None:
        # Could not tell (no answer, a broken reply): no preset; the run asks for a host.
        with contextlib.suppress(Exception):
            found.append(asyncio.run(_lookup_mx(domain, server, timeout)))

    worker = threading.Thread(target=run, name="mailcheck-mx-preset", daemon=True)
    worker.start()
    worker.join(timeout + 1.0)
    if not found:
        return None
    match = match_mx(found[0], presets)
    if match is None:
        return None
    return MxMatch(provider=match[0], domain=domain.rstrip(".").lower(), mx_host=match[1])
