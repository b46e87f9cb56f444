"""SPF for the IP that actually sent: RFC 7208 ``check_host()`` with its evidence.

The evaluation is spftrace's (pinned; it passes the RFC 7208 test suite, which our
own tests run through this wrapper). spftrace never touches DNS itself here: an
adapter answers its queries from the project's resolver, so every lookup is
cached, bounded and recorded as a :class:`~mailcheck.dnsresolver.Lookup`.

How DNS outcomes map (RFC 7208 section 5 and 4.6.4):

- answer → the records; no data → an empty answer (a void lookup);
- NXDOMAIN → NXDOMAIN (a void lookup);
- timeout, SERVFAIL, REFUSED, a local error → a DNS error, which spftrace turns
  into ``temperror`` (section 2.6.6), except where the RFC says an error means
  "no match" (the ``ptr`` mechanism, section 5.5; ``%{p}``, section 7.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import spftrace
from spftrace.errors import SpfPermError, SpfTempError
from spftrace.evaluator import valid_domain
from spftrace.macros import MacroContext, expand, truncate_domain
from spftrace.parser import VERSION_RE, Term

from mailcheck.auth import DnsLookup
from mailcheck.dnsresolver import DnsOutcome, Lookup

__all__ = ["SPF_RESULTS", "SpfResult", "check_spf"]

#: The seven results of check_host() (RFC 7208 section 2.6).
SPF_RESULTS = ("pass", "fail", "softfail", "neutral", "none", "permerror", "temperror")

#: The %{r} macro: "the domain name of host performing the check" (RFC 7208 section
#: 7.3); mailcheck is not a receiving MTA, and "unknown" is the RFC's own fallback.
_RECEIVER = "unknown"

# spftrace's rcode strings (spftrace.resolver); anything else is a DNS error to it.
_NOERROR = "NOERROR"
_NXDOMAIN = "NXDOMAIN"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpfResult:
    """The SPF verdict for one (domain, IP) pair, with how it was reached."""

    domain: str
    """The <domain> check_host() started from (MAIL FROM domain, or the HELO name)."""
    ip: str
    """The connecting IP, as given."""
    result: str
    """One of :data:`SPF_RESULTS`. ``temperror`` is "could not tell" (DNS failed)."""
    record: str | None
    """The domain's own ``v=spf1`` record, verbatim; None if there is none (or several)."""
    explanation: str | None
    """Why, in a few words: ``matched -all``, ``no SPF record at x``,
    ``too many DNS lookups (11 > 10) at include:y``, ``DNS could not tell: TXT x: TIMEOUT``.
    On ``fail`` the domain's own ``exp=`` text is appended."""
    lookups: int
    """DNS-querying terms used (include, a, mx, ptr, exists, redirect); the RFC allows 10."""
    void_lookups: int
    """Lookups that returned NXDOMAIN or no records; the RFC allows 2."""
    trace: tuple[str, ...]
    """Short evaluation trace, one step a line, indented by include/redirect depth."""
    queries: tuple[Lookup, ...] = ()
    """Every lookup the evaluation asked the resolver for, in order (the DNS evidence)."""


async def check_spf(
    domain: str,
    ip: str,
    resolver: DnsLookup,
    *,
    sender: str | None = None,
    helo: str | None = None,
) -> SpfResult:
    """Evaluate check_host(ip, domain, sender) as a receiver would (RFC 7208 section 4).

    ``sender`` is the MAIL FROM address (default ``postmaster@<domain>``, which is
    also what RFC 7208 section 2.3 says for the HELO identity); ``helo`` feeds the
    ``%{h}`` macro (default: the sender's domain).

    Never raises for anything DNS or the published record can do: DNS failures are
    ``temperror``, a broken record or a limit is ``permerror``. An IP that does not
    parse is reported as ``permerror`` with the reason in ``explanation``.
    """
    adapter = _ResolverAdapter(resolver)
    evaluator = _Evaluator(adapter, domain=domain)
    outcome = await evaluator.evaluate(ip, sender or f"postmaster@{domain}", helo or "")
    events = outcome.trace.events
    return SpfResult(
        domain=domain,
        ip=ip,
        result=outcome.result,
        record=_top_record(events),
        explanation=_why(outcome),
        lookups=outcome.dns_terms_used,
        void_lookups=outcome.void_lookups_used,
        trace=tuple(line for event in events if (line := _line(event)) is not None),
        queries=tuple(adapter.asked),
    )


class _ResolverAdapter(spftrace.BaseResolver):
    """spftrace's transport, answered by the project's resolver; keeps each Lookup."""

    def __init__(self, resolver: DnsLookup) -> None:
        self._resolver = resolver
        self.asked: list[Lookup] = []

    async def _lookup(self, name: str, rtype: str) -> tuple[str, list[str]]:
        found = await self._resolver.lookup(name, rtype)
        self.asked.append(found)
        if found.outcome is DnsOutcome.ANSWER:
            return _NOERROR, [_spftrace_form(record, rtype) for record in found.records]
        if found.outcome is DnsOutcome.NODATA:
            return _NOERROR, []
        if found.outcome is DnsOutcome.NXDOMAIN:
            return _NXDOMAIN, []
        # TIMEOUT / SERVFAIL / REFUSED / ERROR: spftrace raises DnsError for any rcode
        # other than NOERROR and NXDOMAIN, which is temperror where the RFC wants it.
        return found.outcome.value.upper(), []


def _spftrace_form(record: str, rtype: str) -> str:
    """Our presentation form (``10 mx.example.``) to spftrace's (``mx.example``)."""
    if rtype == "MX":
        _, _, exchange = record.partition(" ")
        # A null MX ("0 .", RFC 7505) keeps its root name: its lookup is then void.
        return exchange.rstrip(".") or "."
    if rtype == "PTR":
        return record.rstrip(".") or "."
    return record


class _Evaluator(spftrace.Evaluator):
    """spftrace's evaluator, started at our <domain> rather than the sender's domain.

    spftrace derives <domain> from the sender; check_host() takes both (RFC 7208
    section 4.1), and a caller checking the HELO identity or a sender whose
    envelope domain differs passes them apart. Only the top-level call is
    redirected; include and redirect recursion is spftrace's own.
    """

    def __init__(self, resolver: spftrace.BaseResolver, *, domain: str) -> None:
        super().__init__(resolver, spftrace.Limits(), receiver=_RECEIVER)
        self._top_domain = domain
        self._top_pending = True

    async def evaluate(self, ip: str, sender: str, helo: str = "") -> spftrace.Result:
        self._top_pending = True
        return await super().evaluate(ip, sender, helo)

    async def check_host(
        self,
        ip: Any,
        domain: str,
        sender: str,
        helo: str,
        use_exp: bool = False,
    ) -> tuple[str, Term | None, str]:
        if self._top_pending:
            self._top_pending = False
            domain = self._top_domain.rstrip(".")
        return await super().check_host(ip, domain, sender, helo, use_exp)

    async def _explanation(
        self, ip: Any, domain: str, sender: str, helo: str, exp_term: Term
    ) -> str | None:
        """The ``exp=`` text, as spftrace fetches it but with spaces allowed.

        spftrace 0.3.0 expands the TXT as one macro-string, which has no space, so
        every real explanation ("Not authorized to send as %{d}") is dropped. RFC 7208
        section 6.2: explain-string = *( macro-string / SP ), so each space-separated
        piece is expanded on its own. As there, any DNS error, not exactly one record,
        or bad syntax means "no explanation", and the lookup is not void (section 4.6.4).
        """
        ctx = MacroContext(
            ip=ip,
            sender=sender,
            helo=helo,
            domain=domain,
            receiver=self.receiver,
            session=self.session,
        )
        try:
            with self.session.void_exempt():
                target = truncate_domain(await expand(exp_term.arg or "", ctx))
                if not valid_domain(target):
                    return None
                _, answers = await self.session.query(target, "TXT")
                if len(answers) != 1:
                    return None
                pieces = [
                    await expand(piece, ctx, exp=True) if piece else ""
                    for piece in answers[0].split(" ")
                ]
                text = " ".join(pieces)
        except (SpfPermError, SpfTempError, spftrace.DnsError, ValueError):
            return None
        self.trace.add("exp", domain=target, text=text)
        return text


def _top_record(events: list[spftrace.Event]) -> str | None:
    """The record of the top-level domain (depth 0), parsed or not."""
    for event in events:
        if event.depth == 0 and event.kind in ("policy_parsed", "parse_error"):
            policy = event.data.get("policy")
            return str(policy) if policy is not None else None
        if event.depth == 0 and event.kind == "txt_lookup":
            found = [str(r) for r in event.data.get("records", []) if VERSION_RE.match(str(r))]
            if len(found) != 1:
                return None
    return None


_TERM_LIMIT = re.compile(r"DNS lookup limit exceeded \((\d+)\) at '(.*)'")
_VOID_LIMIT = re.compile(r"void DNS lookup limit exceeded \((\d+)\) at '(.*)'")
_NO_RECORD = re.compile(r"no v=spf1 record for (.*)")


def _why(outcome: spftrace.Result) -> str | None:
    """One phrase saying why the result is what it is."""
    events = outcome.trace.events
    reason = next((str(e.data.get("reason", "")) for e in events if e.kind == "exit"), None)
    why: str | None
    if reason is not None:
        why = _reason(reason, outcome)
    elif any(e.kind == "error" for e in events):
        why = next(str(e.data.get("message")) for e in events if e.kind == "error")
    else:
        matches = [e for e in events if e.kind == "mech_match"]
        if matches:
            why = f"matched {matches[-1].data.get('raw')}"
        elif any(e.kind == "eval_done" and e.data.get("reason") == "default" for e in events):
            why = "no mechanism matched (default neutral)"
        else:
            why = None
    if outcome.explanation and why is not None:
        why = f'{why}; the domain explains: "{outcome.explanation}"'
    return why


def _reason(reason: str, outcome: spftrace.Result) -> str:
    if match := _TERM_LIMIT.fullmatch(reason):
        limit, term = match.groups()
        return f"too many DNS lookups ({outcome.dns_terms_used} > {limit}) at {term}"
    if match := _VOID_LIMIT.fullmatch(reason):
        limit, term = match.groups()
        return f"too many void lookups ({outcome.void_lookups_used} > {limit}) at {term}"
    if match := _NO_RECORD.fullmatch(reason):
        return f"no SPF record at {match.group(1)}"
    if outcome.result == "temperror":
        failed = [q for q in outcome.queries if q.rcode not in (_NOERROR, _NXDOMAIN)]
        if failed:
            last = failed[-1]
            return f"DNS could not tell: {last.rtype} {last.name}: {last.rcode}"
    return reason


def _line(event: spftrace.Event) -> str | None:
    """One trace line, or None for events that add nothing a reader needs."""
    d = event.data
    kind = event.kind
    # spftrace does not unwind its depth when an error leaves an include: the end of
    # the evaluation is always shown at the top level.
    indent = "" if kind in ("exit", "result", "audit_override") else "  " * event.depth
    text: str | None
    if kind == "check_start":
        text = f"check_host({d.get('ip')}, {d.get('domain')})"
    elif kind == "txt_lookup":
        records = d.get("records") or []
        text = f"TXT {d.get('domain')}: {d.get('rcode')}, {len(records)} record(s)"
    elif kind == "txt_error":
        text = f"TXT lookup failed: {d.get('message')}"
    elif kind in ("policy_parsed", "policy_override"):
        text = f"record: {d.get('policy')}"
    elif kind == "parse_error":
        text = f"record does not parse: {d.get('message')}: {d.get('policy')}"
    elif kind == "domain_invalid":
        text = f"not a valid domain: {d.get('domain')}"
    elif kind == "dns_lookup":
        answers = ", ".join(str(a) for a in d.get("answers") or [])
        if d.get("rcode") == _NOERROR:
            text = f"{d.get('rtype')} {d.get('name')}: {answers or 'no records'}"
        else:
            text = f"{d.get('rtype')} {d.get('name')}: {d.get('rcode')}"
    elif kind == "void_lookup":
        text = f"void lookup {d.get('used')}/{d.get('allowed')}: {d.get('name')}"
    elif kind == "macro_expand":
        before, after = d.get("before"), d.get("after")
        text = None if before is None or before == after else f"expand {before} -> {after}"
    elif kind == "mech_match":
        text = f"match {d.get('raw')} -> {d.get('result')}"
    elif kind == "mech_nomatch":
        text = f"no match {d.get('raw')}"
    elif kind == "family_skip":
        text = f"skip {d.get('raw')} ({d.get('note')})"
    elif kind == "target_invalid":
        text = f"{d.get('mechanism')}: not a valid domain: {d.get('target')}"
    elif kind == "limit_exceeded":
        text = f"limit exceeded: {d.get('limit')} {d.get('used')} > {d.get('allowed')}"
    elif kind == "recurse_out":
        text = f"{d.get('via')} {d.get('domain')} -> {d.get('result')}"
    elif kind == "exp":
        text = f"explanation ({d.get('domain')}): {d.get('text')}"
    elif kind == "exit":
        text = f"stop: {d.get('result')}: {d.get('reason')}"
    elif kind == "error":
        text = f"error: {d.get('message')}"
    elif kind == "result":
        text = (
            f"result {d.get('result')} ({d.get('dns_terms')} DNS terms, "
            f"{d.get('void_lookups')} void lookups)"
        )
    else:
        text = None
    return None if text is None else indent + text
