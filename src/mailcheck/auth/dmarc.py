"""DMARC: our own record parser and evaluator (RFC 7489, aware of RFC 9989).

The grammar is small and the libraries around it are not a fit, so this module
parses the record itself and evaluates a concrete message's identifiers against it:

- policy discovery as RFC 7489 section 6.6.3: ``_dmarc.<From domain>``, and when
  that holds no DMARC record, ``_dmarc.<organizational domain>``; the
  organizational domain comes from the Public Suffix List (section 3.2);
- identifier alignment, relaxed or strict (section 3.1);
- DMARC passes when SPF passed for an aligned domain, or DKIM verified for an
  aligned ``d=`` (section 4.2).

Not covered: RFC 9989's DNS tree walk and ``psd=`` (the organizational domain
here is the PSL's), ``np=`` for non-existent subdomains, ``t=y`` testing mode,
and pct sampling (``pct`` is parsed and reported; a failing message gets the
full policy as its disposition). RFC 9989's tags (np, psd, t) are known and
checked, so a record written for it is not reported as broken.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace

import dns.exception
import dns.name

from mailcheck.auth import DnsLookup
from mailcheck.auth.psl import registrable_domain
from mailcheck.dnsresolver import DnsOutcome, Lookup

__all__ = [
    "DmarcRecord",
    "DmarcResult",
    "check_dmarc",
    "organizational_domain",
    "parse_dmarc",
]

_POLICIES = ("none", "quarantine", "reject")
_ALIGNMENT = ("r", "s")
# A DMARC record starts with the v tag, exactly "DMARC1" (RFC 7489 section 6.3 "v").
_DMARC_START = re.compile(r"v[ \t]*=[ \t]*DMARC1[ \t]*(;|$)")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_FAILURE_OPTIONS = re.compile(r"[01ds]([ \t]*:[ \t]*[01ds])*")


@dataclass(frozen=True, slots=True, kw_only=True)
class DmarcRecord:
    """One DMARC policy record, parsed; what could not be read is in ``errors``."""

    raw: str
    """The record as published (TXT strings joined)."""
    policy: str | None
    """``p=``: none, quarantine or reject; None if missing or invalid (an error)."""
    subdomain_policy: str | None
    """``sp=``; None if absent (subdomains then get ``p``) or invalid (an error)."""
    pct: int | None
    """``pct=`` (0-100); None if absent. RFC 9989 removed the tag."""
    adkim: str
    """DKIM alignment mode, ``r`` (relaxed, the default) or ``s`` (strict)."""
    aspf: str
    """SPF alignment mode, ``r`` or ``s``."""
    rua: tuple[str, ...]
    """Aggregate report URIs that are URIs (``mailto:dmarc@example.com``), in order."""
    errors: tuple[str, ...]
    """What is wrong with the record, one phrase each; empty when it is well formed.
    Unknown tags are not errors (RFC 7489 section 6.3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DmarcResult:
    """DMARC for one From domain and one message's SPF/DKIM outcome."""

    from_domain: str
    """The RFC 5322 From domain, lower case, without a trailing dot."""
    org_domain: str
    """Its organizational domain (:func:`organizational_domain`)."""
    record_domain: str | None
    """Where the record was found: ``_dmarc.<from>`` or ``_dmarc.<org>``; None if nowhere."""
    record: DmarcRecord | None
    """The record that applies; None when there is none or the DNS could not tell.
    Several records at one name are an error (RFC 7489 section 6.6.3 step 5): the
    first is shown, with the error added, and no policy applies."""
    lookup_outcome: str
    """The :class:`~mailcheck.dnsresolver.DnsOutcome` value of the lookup that decided:
    ``answer``, ``nxdomain``, ``nodata``, or ``timeout``/``servfail``/``refused``/``error``
    when the DNS could not tell."""
    policy: str | None
    """What the domain asks receivers to do with failing mail: ``p`` (for a subdomain
    whose record came from the organizational domain, ``sp`` if given). When ``p`` is
    missing or invalid but a report address is given, ``none`` (RFC 7489 6.6.3 step 6).
    None when no policy applies (no record, several, unusable) or the DNS could not tell."""
    spf_aligned: bool | None
    """The SPF domain (MAIL FROM) aligns with From; None if unknown (no SPF domain given,
    or the alignment mode is unknown because the record could not be looked up)."""
    dkim_aligned: bool | None
    """The DKIM ``d=`` aligns with From; None if unknown (no d= given, or mode unknown)."""
    passes: bool | None
    """DMARC pass: SPF pass with an aligned domain, or DKIM verified with an aligned d=.
    None when it could not tell (the DMARC lookup failed, or an aligned SPF/DKIM result
    is itself unknown). Computed even when no record applies, to show what would happen."""
    disposition: str | None
    """``none``/``quarantine``/``reject`` when DMARC fails and a policy applies; else None."""
    queries: tuple[Lookup, ...] = ()
    """The DMARC record lookups made, in order (the DNS evidence)."""


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse one DMARC TXT record (RFC 7489 section 6.4). Never raises."""
    errors: list[str] = []
    tags: dict[str, str] = {}
    order: list[str] = []
    for part in text.split(";"):
        part = part.strip(" \t\r\n")
        if not part:
            continue
        name, equals, value = part.partition("=")
        name = name.strip(" \t").lower()
        if not equals or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            errors.append(f"not a tag=value pair: {part!r}")
            continue
        if name in tags:
            errors.append(f"duplicate tag {name}= (the first one counts)")
            continue
        tags[name] = value.strip(" \t")
        order.append(name)

    if not order or order[0] != "v" or tags["v"] != "DMARC1":
        errors.append("not a DMARC record: it must start with v=DMARC1")

    policy = _keyword(tags, "p", _POLICIES, errors)
    if "p" not in tags:
        errors.append("missing p= (required)")
    subdomain_policy = _keyword(tags, "sp", _POLICIES, errors)
    _keyword(tags, "np", _POLICIES, errors)
    _keyword(tags, "psd", ("y", "n", "u"), errors)
    _keyword(tags, "t", ("y", "n"), errors)
    adkim = _keyword(tags, "adkim", _ALIGNMENT, errors) or "r"
    aspf = _keyword(tags, "aspf", _ALIGNMENT, errors) or "r"

    pct: int | None = None
    if "pct" in tags:
        if tags["pct"].isdigit() and int(tags["pct"]) <= 100:
            pct = int(tags["pct"])
        else:
            errors.append(f"invalid pct={tags['pct']} (0-100)")
    if "ri" in tags and not tags["ri"].isdigit():
        errors.append(f"invalid ri={tags['ri']} (seconds)")
    if "fo" in tags and not _FAILURE_OPTIONS.fullmatch(tags["fo"]):
        errors.append(f"invalid fo={tags['fo']}")

    rua = _uris(tags, "rua", errors)
    _uris(tags, "ruf", errors)
    return DmarcRecord(
        raw=text,
        policy=policy,
        subdomain_policy=subdomain_policy,
        pct=pct,
        adkim=adkim,
        aspf=aspf,
        rua=rua,
        errors=tuple(errors),
    )


def _keyword(
    tags: dict[str, str], name: str, allowed: tuple[str, ...], errors: list[str]
) -> str | None:
    if name not in tags:
        return None
    value = tags[name].lower()
    if value in allowed:
        return value
    errors.append(f"invalid {name}={tags[name]} (one of {', '.join(allowed)})")
    return None


def _uris(tags: dict[str, str], name: str, errors: list[str]) -> tuple[str, ...]:
    if name not in tags:
        return ()
    found = []
    for uri in (u.strip(" \t") for u in tags[name].split(",")):
        if _URI.fullmatch(uri):
            found.append(uri)
        else:
            errors.append(f"invalid {name} URI {uri!r}")
    return tuple(found)


def organizational_domain(domain: str) -> str:
    """Return the organizational domain (RFC 7489 section 3.2), from the Public Suffix List.

    The registrable part: one label more than the longest public suffix
    (``a.b.example.co.uk`` -> ``example.co.uk``). A TLD the list does not know
    counts as a public suffix (``a.lab.test`` -> ``lab.test``). A name that is
    itself a public suffix (``co.uk``) is its own organizational domain.
    """
    name = _normalise(domain)
    # A TLD the list does not know (.test, a new gTLD) is a public suffix: RFC 7489
    # section 3.2 step 3 treats "no match" as the last label.
    return registrable_domain(name) or name


def _normalise(domain: str) -> str:
    name = domain.strip().rstrip(".").lower()
    if not name.isascii():
        # An IDN From domain: its A-label, as the lookup will ask for it; a name that
        # does not encode is left alone, and the lookup will say it is bad.
        with contextlib.suppress(dns.exception.DNSException, UnicodeError):
            name = dns.name.from_text(name).to_text(omit_final_dot=True).lower()
    return name


def _aligned(identifier: str | None, from_domain: str, mode: str | None) -> bool | None:
    """RFC 7489 section 3.1: strict = identical; relaxed = same organizational domain."""
    other = _normalise(identifier) if identifier is not None else ""
    if not other or not from_domain:
        return None
    if other == from_domain:
        return True
    if organizational_domain(other) != organizational_domain(from_domain):
        return False
    if mode is None:  # same organization, different names: depends on the mode
        return None
    return mode == "r"


def _dmarc_records(lookup: Lookup) -> list[str]:
    """The DMARC records at a name (RFC 7489 section 6.6.3 step 2: others are discarded)."""
    if lookup.outcome is not DnsOutcome.ANSWER:
        return []
    return [r for r in lookup.records if _DMARC_START.match(r)]


async def check_dmarc(
    from_domain: str,
    resolver: DnsLookup,
    *,
    spf_domain: str | None,
    spf_result: str | None,
    dkim_domain: str | None,
    dkim_verified: bool | None,
) -> DmarcResult:
    """Find the DMARC policy for ``from_domain`` and evaluate one message against it.

    ``spf_domain``/``spf_result``: the MAIL FROM domain and its SPF result (None if
    unknown). ``dkim_domain``/``dkim_verified``: a DKIM signature's ``d=`` and whether
    it verified (None: not checked or could not tell; no signature: both None).

    Never raises; a DNS lookup that could not tell makes ``passes`` None.
    """
    domain = _normalise(from_domain)
    org = organizational_domain(domain)
    queries: list[Lookup] = []
    if not domain:  # no From domain to look up: nothing can be told
        return DmarcResult(
            from_domain=domain,
            org_domain=org,
            record_domain=None,
            record=None,
            lookup_outcome=DnsOutcome.ERROR.value,
            policy=None,
            spf_aligned=None,
            dkim_aligned=None,
            passes=None,
            disposition=None,
        )

    record_domain, decisive, found = await _discover(domain, org, resolver, queries)
    known = decisive.outcome.conclusive
    record, policy = _chosen(found, record_domain, subdomain=record_domain != f"_dmarc.{domain}")

    adkim = record.adkim if record is not None else ("r" if known else None)
    aspf = record.aspf if record is not None else ("r" if known else None)
    spf_aligned = _aligned(spf_domain, domain, aspf)
    dkim_aligned = _aligned(dkim_domain, domain, adkim)
    passes = None
    if known:
        passes = _passes(
            spf_aligned, spf_result, dkim_aligned, dkim_verified, signed=bool(dkim_domain)
        )
    return DmarcResult(
        from_domain=domain,
        org_domain=org,
        record_domain=record_domain if record is not None else None,
        record=record,
        lookup_outcome=decisive.outcome.value,
        policy=policy,
        spf_aligned=spf_aligned,
        dkim_aligned=dkim_aligned,
        passes=passes,
        disposition=policy if passes is False else None,
        queries=tuple(queries),
    )


async def _discover(
    domain: str, org: str, resolver: DnsLookup, queries: list[Lookup]
) -> tuple[str, Lookup, list[str]]:
    """Policy discovery (RFC 7489 section 6.6.3): the From domain, then its organizational one.

    Returns the name looked up last, its lookup and the DMARC records there; every
    lookup made is appended to ``queries``.
    """
    record_domain = f"_dmarc.{domain}"
    decisive = await resolver.lookup(record_domain, "TXT")
    queries.append(decisive)
    found = _dmarc_records(decisive)
    if decisive.outcome.conclusive and not found and org != domain:
        record_domain = f"_dmarc.{org}"
        decisive = await resolver.lookup(record_domain, "TXT")
        queries.append(decisive)
        found = _dmarc_records(decisive)
    return record_domain, decisive, found


def _chosen(
    found: list[str], record_domain: str, *, subdomain: bool
) -> tuple[DmarcRecord | None, str | None]:
    """The record that applies and its policy; several records at one name apply none."""
    if not found:
        return None, None
    record = parse_dmarc(found[0])
    if len(found) > 1:
        problem = f"{len(found)} DMARC records at {record_domain}: receivers apply none"
        return replace(record, errors=(*record.errors, problem)), None
    return record, _policy(record, subdomain=subdomain)


def _policy(record: DmarcRecord, *, subdomain: bool) -> str | None:
    if record.policy is None:
        # RFC 7489 section 6.6.3 step 6: no valid p=, but a report address: act as p=none.
        return "none" if record.rua else None
    if subdomain and record.subdomain_policy is not None:
        return record.subdomain_policy
    return record.policy


# SPF results that are certainly not "pass" (RFC 7489 section 4.2 needs a pass).
_SPF_NOT_PASS = frozenset(("fail", "softfail", "neutral", "none", "permerror"))


def _passes(
    spf_aligned: bool | None,
    spf_result: str | None,
    dkim_aligned: bool | None,
    dkim_verified: bool | None,
    *,
    signed: bool,
) -> bool | None:
    """True if either path passes; False if both certainly do not; else None."""
    spf: bool | None
    if spf_aligned is False or (spf_result is not None and spf_result.lower() in _SPF_NOT_PASS):
        spf = False
    elif spf_aligned is True and spf_result is not None and spf_result.lower() == "pass":
        spf = True
    else:
        spf = None  # no SPF domain or result given, temperror, or alignment unknown
    dkim: bool | None
    if not signed or dkim_aligned is False or dkim_verified is False:
        dkim = False  # no signature (no d=) cannot pass
    elif dkim_aligned is True and dkim_verified is True:
        dkim = True
    else:
        dkim = None
    if spf is True or dkim is True:
        return True
    if spf is False and dkim is False:
        return False
    return None
