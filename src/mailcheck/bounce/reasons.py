"""Classify one failed recipient into a bounce reason (RFC 3463 status codes, then text).

The meanings follow Sisimai's public taxonomy of bounce reasons; mailcheck uses fewer,
coarser ids because each id leads to one cause and one fix. Sisimai name -> mailcheck id:

=====================================  =====================
Sisimai reason                          mailcheck reason
=====================================  =====================
userunknown, hasmoved                   recipient-unknown
mailboxfull                             mailbox-full
suspend                                 mailbox-disabled
policyviolation, rejected, norelaying*  policy  (*see below)
norelaying                              relaying-denied
securityerror ("authenticate first")    login-required
blocked, badreputation, requireptr      reputation
spamdetected                            spam
authfailure                             auth-failure
mesgtoobig, exceedlimit                 too-large
toomanyconn, speeding                   rate-limited
hostunknown, notaccept (null MX)        domain-unknown
securityerror (TLS), failedstarttls     tls
networkerror                            network
syntaxerror, notcompliantrfc            not-compliant
expired                                 expired  (only when no last error is told)
contenterror, virusdetected             content
systemerror, systemfull, mailererror,   other
onhold, undefined, delivered,
feedback, vacation
=====================================  =====================

Order of evidence: a *specific* enhanced status (5.1.1, 5.2.2, 5.3.4, 5.7.26 ...) decides on
its own; a *generic* one (x.0.0, x.7.0, x.7.1, x.5.x, x.4.1 ...) gives way to the first text
pattern that matches, because servers put everything from blocklists to relaying under 5.7.1.

The most informative error wins: "delivery expired" is what the *sender's* server concluded,
not why. When the same words carry the last real error (Postfix's "connect to ...: Connection
timed out", Exim's "<error>: retry timeout exceeded", Exchange's "LED=441 4.4.1 ... Failed to
connect"), that error's reason is given; expiry is the reason only when nothing better is told.
"""

from __future__ import annotations

import enum
import re
from typing import Final

from mailcheck.bounce.cues import may_match, required_cues

__all__ = [
    "Reason",
    "classify",
    "classify_text",
    "find_status",
    "first_classified",
    "gave_up_after",
    "says_expired",
]


class Reason(enum.StrEnum):
    """Why a recipient did not get the message."""

    RECIPIENT_UNKNOWN = "recipient-unknown"  #: the mailbox does not exist
    MAILBOX_FULL = "mailbox-full"  #: over quota
    MAILBOX_DISABLED = "mailbox-disabled"  #: exists but is suspended, disabled or inactive
    POLICY = "policy"  #: refused by a local policy of the receiving side
    REPUTATION = (
        "reputation"  #: the sending host, IP or domain is blocked or listed (or has no PTR)
    )
    SPAM = "spam"  #: the message itself was judged to be spam
    AUTH_FAILURE = "auth-failure"  #: SPF, DKIM, DMARC or ARC failed
    TOO_LARGE = "too-large"  #: message exceeds a size limit
    RATE_LIMITED = "rate-limited"  #: too many messages or connections, greylisting
    DOMAIN_UNKNOWN = "domain-unknown"  #: recipient domain does not exist or takes no mail
    TLS = "tls"  #: TLS required by one side and missing or failed
    RELAYING_DENIED = "relaying-denied"  #: the server is not a destination for that domain
    LOGIN_REQUIRED = "login-required"  #: the relay wants the sender to log in (SMTP AUTH) first
    NOT_COMPLIANT = "not-compliant"  #: the message breaks RFC 5322/5321 (headers, bare LF, ...)
    NETWORK = "network"  #: the sending side could not reach the recipient's server (TCP, DNS)
    EXPIRED = "expired"  #: the sending side gave up retrying and told no more specific error
    CONTENT = "content"  #: virus, forbidden attachment, content rejected (not spam)
    OTHER = "other"  #: none of the above could be told


_R = Reason

# Enhanced status -> reason, keyed on "subject.detail" (RFC 3463 section 3 and the IANA
# "SMTP Enhanced Status Codes" registry); the class (4 or 5) only says temporary or permanent.
# True = specific: decides alone. False = generic: a matching text pattern wins.
_STATUS: Final[dict[str, tuple[Reason, bool]]] = {
    "1.0": (_R.OTHER, False),
    "1.1": (_R.RECIPIENT_UNKNOWN, True),  # bad destination mailbox address
    "1.2": (_R.DOMAIN_UNKNOWN, True),  # bad destination system address
    "1.3": (_R.RECIPIENT_UNKNOWN, False),  # bad destination mailbox address syntax
    "1.4": (_R.RECIPIENT_UNKNOWN, False),  # destination mailbox address ambiguous
    "1.6": (_R.RECIPIENT_UNKNOWN, True),  # destination mailbox has moved
    "1.7": (_R.POLICY, False),  # bad sender's mailbox address syntax
    "1.8": (_R.POLICY, False),  # bad sender's system address
    "1.10": (_R.RECIPIENT_UNKNOWN, True),  # RFC 7505 null MX on a mailbox; M365 RecipientNotFound
    "2.0": (_R.OTHER, False),
    "2.1": (_R.MAILBOX_DISABLED, False),  # mailbox disabled (Gmail's 4.2.1 is a rate limit)
    "2.2": (_R.MAILBOX_FULL, True),
    "2.3": (_R.TOO_LARGE, True),  # message length exceeds administrative limit
    "2.4": (_R.OTHER, False),  # mailing list expansion problem
    "3.0": (_R.OTHER, False),
    "3.1": (_R.OTHER, False),  # mail system full: Sisimai's systemfull
    "3.4": (_R.TOO_LARGE, True),  # message too big for system
    "4.0": (_R.OTHER, False),
    "4.1": (_R.NETWORK, False),  # no answer from host
    "4.2": (_R.NETWORK, False),  # bad connection
    "4.3": (_R.NETWORK, False),  # directory server failure: a DNS lookup that failed for now
    "4.4": (_R.DOMAIN_UNKNOWN, True),  # unable to route
    "4.6": (_R.OTHER, False),  # routing loop
    # Delivery time expired: generic, because the words often carry the last real error.
    "4.7": (_R.EXPIRED, False),
    "4.300": (_R.EXPIRED, False),  # M365: message expired
    "4.310": (_R.DOMAIN_UNKNOWN, True),  # M365: DNS domain does not exist
    # M365 "DNS query failed" (a lookup that failed, not NXDOMAIN: that is 4.4.310) and
    # "550 5.4.316 Message expired, connection refused(Socket error code 10061)": the
    # sending side could not reach the server (learn.microsoft.com, NDR 4.4.316).
    "4.312": (_R.NETWORK, False),
    "4.316": (_R.NETWORK, True),
    "5.3": (_R.POLICY, False),  # too many recipients
    "6.0": (_R.CONTENT, False),  # other media error: not-compliant when the words say so
    "6.1": (_R.CONTENT, False),
    "7.0": (_R.POLICY, False),
    "7.1": (_R.POLICY, False),  # delivery not authorized: the catch-all of policy refusals
    "7.2": (_R.POLICY, False),
    "7.4": (_R.TLS, False),  # security features not supported
    "7.5": (_R.TLS, True),  # cryptographic failure
    "7.6": (_R.TLS, False),
    "7.7": (_R.AUTH_FAILURE, False),  # message integrity failure
    "7.8": (_R.AUTH_FAILURE, False),
    "7.9": (_R.AUTH_FAILURE, False),
    "7.10": (_R.TLS, True),  # encryption needed
    "7.11": (_R.TLS, True),  # encryption required for requested authentication mechanism
    "7.13": (_R.MAILBOX_DISABLED, True),  # user account disabled
    "7.15": (_R.POLICY, False),
    "7.16": (_R.TOO_LARGE, True),
    "7.17": (_R.RECIPIENT_UNKNOWN, True),  # mailbox owner has changed
    "7.18": (_R.RECIPIENT_UNKNOWN, True),  # domain owner has changed
    "7.20": (_R.AUTH_FAILURE, True),  # RFC 7372: no passing DKIM signature
    "7.21": (_R.AUTH_FAILURE, True),
    "7.22": (_R.AUTH_FAILURE, True),
    "7.23": (_R.AUTH_FAILURE, True),  # SPF validation failed
    "7.24": (_R.AUTH_FAILURE, True),  # SPF validation error
    "7.25": (_R.REPUTATION, True),  # reverse DNS validation failed (Sisimai: requireptr)
    "7.26": (_R.AUTH_FAILURE, True),  # multiple authentication checks failed (DMARC)
    "7.27": (_R.AUTH_FAILURE, True),  # sender address has null MX (RFC 7505)
    "7.28": (_R.RATE_LIMITED, True),  # mail flood detected
    "7.29": (_R.AUTH_FAILURE, True),  # ARC validation failure
    "7.30": (_R.TLS, True),  # REQUIRETLS support required (RFC 8689)
    # M365 "5.7.57 Client not authenticated to send mail" (learn.microsoft.com, "Fix NDR error
    # 5.7.57 in Exchange Online"): the SMTP AUTH login is missing.
    "7.57": (_R.LOGIN_REQUIRED, True),
    "7.509": (_R.AUTH_FAILURE, True),  # M365: DMARC reject
    "7.606": (_R.REPUTATION, True),  # M365: banned sending IP
    "7.607": (_R.REPUTATION, True),
    "7.608": (_R.REPUTATION, True),
    "7.609": (_R.REPUTATION, True),
    "7.708": (_R.REPUTATION, True),  # M365: traffic not accepted from this IP
}

_I = re.IGNORECASE

# A branch that starts with "\b" gives the engine no first character to skip ahead to, so the
# whole row is tried at every position: "\bspf" is compiled as "s(?<!\ws)pf", which matches
# the same text and starts with its letter (the row runs about twice as fast).
_WORD_START: Final = re.compile(r"(?:^|(?<=\|))\\b([a-z])")


def _fast(pattern: str) -> re.Pattern[str]:
    return re.compile(_WORD_START.sub(lambda m: f"{m[1]}(?<!\\w{m[1]})", pattern))


# Text evidence, most specific first. Data, not code: add a row to teach mailcheck a new text.
# Keep patterns free of nested quantifiers and unbounded ".*": they run on hostile input.
# Expiry comes last of all: "retry timeout exceeded" beside a real error gives that error.
# Written in lower case and run on lower-cased text: re.IGNORECASE makes every pattern about
# twice as slow (it defeats the engine's first-character skip), and they run on every notice.
TEXT_PATTERNS: Final[tuple[tuple[re.Pattern[str], Reason], ...]] = tuple(
    (_fast(pattern), reason)
    for pattern, reason in (
        # Domino's "not listed in Domino Directory" must not read as a blocklist listing.
        (r"not listed in (?:the )?(?:domino|public|address book|directory)", _R.RECIPIENT_UNKNOWN),
        (r"recipient address rejected: access denied", _R.RECIPIENT_UNKNOWN),  # M365 DBEB
        (
            r"tls (?:is )?required|must issue a starttls|requiretls|encryption required"
            r"|tls negotiation failed|tls handshake|starttls (?:failed|is required)"
            r"|certificate (?:verification failed|has expired|not trusted)",
            _R.TLS,
        ),
        # The relay wants a login: before relaying, whose words ("relay not permitted,
        # authenticate first") say both. Postfix "530 5.7.0 Authentication required"; Exim
        # "550 relay not permitted, authentication required"; M365 5.7.57 "Client was not
        # authenticated to send anonymous mail"; Sendmail "530 5.7.0 Authentication required".
        (
            r"authentication (?:is )?required|(?:must|please|need to) (?:log ?in|authenticate)"
            r"|authenticate first|smtp auth(?:entication)? (?:is )?required"
            r"|not authenticated to send|unauthenticated senders not allowed"
            r"|(?:relay|relaying) (?:not permitted|denied|not allowed) without authentication"
            r"|sender must be authenticated|authentication is needed"
            # "This mail server requires authentication when attempting to send to a non-local
            # e-mail address" (MDaemon, hMailServer and others).
            r"|requires? (?:smtp )?authentication",
            _R.LOGIN_REQUIRED,
        ),
        # RFC 5322 breaches. Gmail: "This message is not RFC 5322 compliant. There are multiple
        # Subject headers." (support.google.com/mail/?p=RfcMessageNonCompliant); Exchange and
        # Postfix (smtpd_forbid_bare_newline): "bare LF"/"Bare <LF> received".
        (
            r"not (?:rfc ?(?:5322|5321|2822|822) )?(?:compliant|conformant) with (?:the )?rfc"
            r"|not rfc ?(?:5322|5321|2822|822)? ?compliant|rfcmessagenoncompliant"
            r"|rfc ?(?:5322|2822|822) (?:violation|non-?complian)"
            r"|bare (?:<?lf>?|linefeeds?|line ?feeds?|newlines?)|line (?:is )?too long"
            r"|line length exceeded|(?:duplicate|multiple) [\w-]{1,30} headers?"
            r"|header (?:syntax|is malformed|line too long)|malformed (?:header|message|mime)"
            r"|invalid (?:message-id|date header|header)|8-?bit (?:data|characters) not allowed"
            # "Improper use of 8-bit data in message header", "This message contain invalid
            # MIME headers" (Exchange and Yahoo; Sisimai's contenterror list).
            r"|improper use of 8-?bit|invalid mime|improperly[ -]formatted"
            # Gmail "550-5.7.1 Messages missing a valid Message-ID header are not accepted.
            # ... Review RFC 5322 specifications" (under 5.7.1, which alone reads as policy).
            r"|missing a valid message-?id|review rfc ?5322",
            _R.NOT_COMPLIANT,
        ),
        (
            r"\bspf\b|\bdkim\b|\bdmarc\b|authentication failed for|sender policy framework"
            r"|sender is unauthenticated|not authorized to send on behalf|anti-?spoofing"
            # The SPF ACL that Exim configurations share (control panels, SPF tools' samples):
            # "deny message = $sender_host_address is not allowed to send mail from
            # $sender_address_domain" with "spf = fail". A domain must follow: "... from this
            # IP" is reputation.
            r"|is not allowed to send (?:e-?)?mail from (?!\d{1,3}\.)[\w-]{1,63}\.[a-z]",
            _R.AUTH_FAILURE,
        ),
        (
            r"relay(?:ing)? (?:access )?(?:denied|not permitted|not allowed|prohibited)"
            r"|unable to relay|not (?:permitted|allowed) to relay|we do not relay|no relaying"
            r"|(?:does|do|will|can) not relay|(?:doesn't|don't|won't|cannot) relay"
            r"|relaying (?:mail )?to [^\s]{1,255} (?:is )?(?:denied|not (?:permitted|allowed))"
            r"|allowed rcpthosts?"  # qmail: "that domain isn't in my list of allowed rcpthosts"
            # "550 not local host example.com, not a gateway" (old Sendmail/Exchange); "This
            # system is not configured to relay mail"; "we don't handle mail for ..."; "not an
            # open relay" (Sisimai's norelaying list).
            r"|not (?:a gateway|local host)|not configured to relay|not an open relay"
            r"|(?:do not|don't) handle mail for",
            _R.RELAYING_DENIED,
        ),
        # A link in the message listed by URIBL/SURBL (or Spamhaus DBL) judges the message,
        # not the sender's IP: before the blocklist words of reputation.
        (
            r"\buribl\b|\bsurbl\b|(?:url|uri|link)s? (?:in (?:the )?(?:message )?(?:body )?)?"
            r"(?:is |are |was )?(?:listed|blacklisted|blocklisted)|(?:blacklisted|blocklisted)"
            r" (?:url|uri|link)|contains? (?:a )?(?:blocked|listed|forbidden) (?:url|uri|link)",
            _R.SPAM,
        ),
        # The sending host: blocklists, no reverse DNS (Sisimai's requireptr; Gmail "The IP
        # address sending this message does not have a PTR record setup"), Postfix "Client host
        # rejected: cannot find your hostname", "not allowed to send from this IP".
        (
            r"spamhaus|spamcop|barracuda|\bsorbs\b|uceprotect|block ?list|black ?list|\bdnsbl\b"
            r"|\brbl\b|listed (?:at|by|in|on)\b|reputation|banned sending ip"
            r"|client host \[?[\d.:a-f]+\]? blocked|client host rejected(?!: greylist)"
            r"|reverse dns|\bptr\b|\brdns\b|cannot find your (?:reverse )?hostname"
            # Postfix "Client host [192.0.2.1] blocked using bl.example.net" (a list's domain,
            # not "blocked using a spam pattern", which judges the message), qmail's
            # "refused to talk to me" (a greeting refused), Postfix HELO restrictions ("Helo
            # command rejected: need fully-qualified hostname"), open proxies, dial-up ranges
            # ("please use the SMTP server of your ISP"), "listed as abusive", "bad sender IP".
            r"|blocked using [\w-]{1,63}\.[a-z]|refused to talk to me|helo command rejected"
            r"|open proxy"
            r"|smtp server of your (?:isp|provider)|listed as abusive|bad (?:sender )?ip\b"
            r"|sender ip (?:address )?rejected|not (?:currently )?accepting mail from your ip"
            # The sending IP refused by the recipient's own block: "IP 192.0.2.1 is blocked by
            # ...", "Access from IP address 192.0.2.1 blocked", "Mail from 192.0.2.1 refused",
            # "you are not allowed to connect" (Sisimai's blocked list).
            r"|ip (?:address )?[\d.:a-f]{3,39} (?:is |has been |was )?(?:blocked|banned|refused)"
            r"|(?:mail|connections?) from [\d.:a-f]{7,39} (?:refused|rejected|blocked)"
            r"|not allowed to connect"
            r"|ip name lookup failed|reverse (?:lookup|hostname)|dynamic ip|generic (?:dns|rdns)"
            r"|not allowed to send (?:mail )?from this ip|your ip(?: address)? (?:is |has been )?"
            r"(?:blocked|banned|blacklisted|not allowed)|(?:ip|host|server) (?:is )?blacklisted",
            _R.REPUTATION,
        ),
        (
            r"\bspam\b|spam content|junk mail|unsolicited|bulk e?-?mail|high probability of being"
            r"|content filter|looks like spam|spam detected|\bube\b|spamassassin"
            # A filter's verdict glued to its name: DSPAM's "dspam check", Mimecast's
            # "MCSpamSignature" ("554 email rejected due to security policies - ..."),
            # "SpamScore", "spamfilter" (Sisimai's spamdetected list has the same words).
            r"|spam ?(?:check|signature|score|filter|profiler)|spamming|mass mailer"
            # Cloudmark's "rejected by Recurrent Pattern Detection System".
            r"|recurrent pattern detection",
            _R.SPAM,
        ),
        (
            r"virus|malware|infected|trojan|attachment (?:type )?(?:is )?not allowed"
            r"|prohibited attachment|banned (?:file|attachment|content)|message content rejected"
            r"|content reject|forbidden attachment|blocked attachment"
            r"|(?:file|attachment) type (?:[\w.]{1,10} )?(?:is )?"
            r"(?:not allowed|blocked|prohibited|not permitted)"
            r"|attachment (?:was |has been )?(?:rejected|blocked)|executable attachment",
            _R.CONTENT,
        ),
        # A *sending* quota is a rate limit, not a full mailbox: Amazon SES "454 Throttling
        # failure: Daily message quota exceeded", cPanel's "Domain ... has exceeded the max
        # emails per hour". Before mailbox-full, whose "quota" would take them.
        (
            r"throttling failure|(?:daily|hourly|sending|outbound) (?:message |sending )?quota"
            r"|max(?:imum)? (?:e-?mails|messages) per (?:hour|day|minute)",
            _R.RATE_LIMITED,
        ),
        (
            r"quota|mailbox (?:is )?full|full mailbox|insufficient (?:system )?storage"
            r"|mail ?box size (?:limit|exceed)"
            r"|exceeded storage|storage allocation|out of storage|mail ?box (?:has )?exceeded"
            # "does not have enough space", "not enough storage space", "mailbox would exceed
            # maximum allowed storage", "the user's space has been used up", Domino's "mail file
            # size exceeds the maximum size allowed for mail delivery" (the mail file is the
            # mailbox), "too much mail data" (Sisimai's mailboxfull list).
            r"|not (?:have )?enough (?:storage |disk )?space"
            r"|exceed (?:the )?maximum allowed storage"
            r"|space has been used up|mail file size exceeds|too much mail data"
            r"|bo[iî]te (?:du destinataire |aux lettres )?pleine"
            r"|postfach (?:ist )?voll|speicherplatz"
            r"|mail ?folder (?:is )?full|đầy|hết dung lượng"
            # Too many messages *stored*, not sent: "User has too many messages on the server"
            # (web.de/GMX; in Sisimai's mailboxfull list). Before rate-limited's "too many".
            r"|too many (?:messages|mails|e-?mails) (?:on|in|stored in) (?:the |this |his |her )?"
            r"(?:server|mail ?box|account|folder)",
            _R.MAILBOX_FULL,
        ),
        (
            r"message size exceeds|size exceed(?:s|ed)|(?:message|mail) (?:is )?too (?:large|big)"
            r"|exceed(?:s|ed)? (?:the )?(?:maximum|max|size)|size limit|message length exceeds"
            r"|too large|too big|taille limite du message"
            r"|zu groß|trop volumineux|quá lớn",
            _R.TOO_LARGE,
        ),
        (
            # Not Postfix's "delivery temporarily suspended" (a destination it stopped trying).
            # "inactivity": Yahoo's and AOL's "due to extended inactivity new mail is not
            # currently being accepted for this mailbox".
            r"disabled|inactiv(?:e|ity)|(?<!temporarily )suspended|deactivated"
            r"|mailbox is frozen|temporar(?:il)?y locked"
            r"|account (?:is |has been )?(?:locked|closed)"
            r"|mailbox (?:is )?(?:not active|locked)|no longer (?:active|in use)|bị khóa",
            _R.MAILBOX_DISABLED,
        ),
        (
            r"rate limit|rate-limit|too many (?:connections|messages|recipients|emails|mails)"
            r"|too quickly|unusual rate|try again later|grey ?list|gray ?list|throttl"
            r"|temporarily (?:deferred|rejected)"
            r"|exceeded (?:the )?(?:sending|message) (?:rate|limit)"
            # "Too many concurrent SMTP connections", "too many SMTP sessions for this host",
            # "exceeds per-domain connection limit", "too many errors from your IP".
            r"|too many (?:concurrent |simultaneous )?(?:smtp )?(?:connections|sessions|errors)"
            r"|connection limit",
            _R.RATE_LIMITED,
        ),
        # The *sender's* address refused: Postfix "Sender address rejected: Domain not found"
        # (reject_unknown_sender_domain) is not the recipient's domain; Exim "Sender verify
        # failed" (its callout), "550 Administrative prohibition" (an ACL deny with no message
        # of its own). A local policy. Before network, domain and recipient words.
        (
            r"sender address rejected|sender (?:e-?mail )?address (?:is )?(?:rejected|invalid)"
            r"|sender verif(?:y|ication) failed|invalid sender|sender rejected"
            r"|administrative prohibition|domain of sender address",
            _R.POLICY,
        ),
        # The sender's side could not reach the recipient's server. Postfix "connect to
        # mx[192.0.2.1]:25: Connection timed out", "lost connection with ... while ...", "Host
        # not found, try again" (a DNS failure for now, not NXDOMAIN); Sendmail "Deferred:
        # Connection refused by mx"; qmail "Sorry, I wasn't able to establish an SMTP
        # connection. (#4.4.1)", "Connected to ... but connection died. (#4.4.2)"; Exchange
        # "Failed to connect. Winsock error code: 10060"; Gmail "The recipient server did not
        # accept our requests to connect". Before domain-unknown ("Host or domain name not
        # found. ... Host not found, try again" is temporary).
        (
            r"connection timed out|timed out while|conversation with [^\s]{1,255} timed out"
            r"|connection refused|no route to host|network is unreachable|host is unreachable"
            r"|lost connection with|connection (?:was )?(?:reset|died|dropped|closed) by"
            r"|but connection died|(?:unable to|n't able to|not able to|could not|couldn't"
            r"|cannot|can't|failed to) (?:establish (?:an |a )?(?:smtp |tcp )?connection|connect)"
            r"|host not found, try again|host name lookup failure|servfail"
            r"|temporary (?:dns|name server|name resolution) (?:failure|error)"
            r"|dns (?:lookup|query|resolution) (?:failed|failure|timed out|error)"
            r"|winsock error|socket error|no answer from host|server did not respond"
            r"|did not accept our requests to connect|could not find a gateway for"
            r"|(?:host|server) (?:[\w.-]{1,253} )?(?:is )?not responding"
            r"|connection (?:attempt )?failed"
            r"|connection to (?:the )?(?:mail exchanger|mail server|remote (?:host|server)) failed"
            # Sendmail's "Malformed or unexpected name server reply": a broken DNS answer.
            r"|malformed (?:or unexpected )?name server reply"
            # Gmail "DNS Error: Could not contact DNS servers"; OpenSMTPD "Temporary failure in
            # MX lookup", "Network error on destination MXs", "No valid route to remote MX".
            r"|could not contact dns servers?|temporary failure in mx lookup"
            r"|network error on destination|no valid route to",
            _R.NETWORK,
        ),
        (
            r"host or domain name not found|domain not found|domain (?:name )?(?:does not|doesn't)"
            r" exist|unrouteable (?:mail )?(?:domain|address)|no mx (?:record|host)|host unknown"
            r"|name service error|nxdomain|no such domain|unknown domain|null mx|unknown host"
            r"|(?:domain|host) (?:does not|doesn't) accept mail|tên miền không tồn tại"
            # "unroutable address" (spelt without the e), getaddrinfo's "Name or service not
            # known", Sendmail's "Host unknown (Name server: x: host not found)", "recipient
            # domain must exist".
            r"|unroutable (?:mail )?(?:domain|address)|name or service not known"
            r"|name server: [^\s]{1,255}: host not found|domain must exist"
            # Exim "all relevant MX records point to non-existent hosts", "all host address
            # lookups failed permanently", "an MX or SRV record indicated no SMTP service";
            # Gmail "DNS Error: Domain name not found", "DNS server returned answer with no
            # data"; qmail "Sorry, I couldn't find any host named ..."; OpenSMTPD "No MX found
            # for domain", "Invalid domain name"; "the remote domain doesnt exist".
            r"|mx records point to non-existent hosts|lookups failed permanently"
            r"|indicated no smtp service|domain name not found|answer with no data"
            r"|couldn't find any host|no mx found for|invalid domain name|domain doesnt exist",
            _R.DOMAIN_UNKNOWN,
        ),
        (
            r"user unknown|unknown user|no such (?:user|mailbox|recipient|address|person)"
            r"|does not exist|doesn't exist|not exist|mailbox unavailable"
            r"|invalid (?:recipient|mailbox|address)|unknown (?:recipient|mailbox|local.part)"
            r"|(?:user|recipient|address|mailbox) not found|no mailbox|recipientnotfound"
            r"|doesn't have a [\w.-]{1,60} account|not a valid mailbox|unable to find recipient"
            r"|unbekannt|existiert nicht|nicht gefunden|inconnu|n'existe pas|introuvable"
            r"|addressee unknown|unknown addressee|user not known|illegal user|no longer valid"
            r"|invalid (?:final delivery )?user ?id|(?:user|recipient) name is not recognized"
            # Microsoft's NDR prose: "The email address you entered couldn't be found."
            r"|(?:address|recipient|mailbox|user)(?: you entered)? (?:couldn't|could not|can't"
            r"|cannot|wasn't|was not) (?:be )?found"
            # Directory lookups (ph/qi, LDAP gateways): the name has no mailbox behind it.
            r"|does not have a final (?:e-?mail )?delivery point"
            r"|did not (?:exactly )?match (?:an?|any) (?:[\w-]{1,20} )?(?:e-?mail )?address"
            # Older MTAs and patches, as Sisimai's userunknown list records them: qmail's
            # badrcptto patch ("sorry, badrcptto(...)", "your envelope recipient is in my
            # badrcptto list"), "No mail box available for this user", "No account by that
            # name here", "BAD_RECIPIENT", "is not a known user", "not a valid user here".
            r"|badrcptto|badrecipientto|bad[ _-]recipient\b|no mail[ -]box|mail-box not found"
            r"|no (?:account|mail-?box|user) (?:here )?by that name"
            r"|is not a known (?:user|recipient)"
            r"|not a valid (?:user|recipient)"
            # More of the same list: "Recipient unknown", "550 Address invalid", "Mailbox is
            # unavailable", "User jdoe was not found", "Nonexistent user", "not a local
            # address", "not an active address at this host", "this address no longer accepts
            # mail", "There is no one at this address", qmail's validrcptto patch, vpopmail's
            # "invalid or unknown virtual user".
            r"|(?:recipient|address|addressee) unknown|unknown (?:e-?mail )?address"
            r"|address (?:is )?invalid|mailbox (?:is )?(?:invalid|unavailable)"
            r"|(?:user|recipient|address|mailbox) [^\s]{1,254} (?:was )?not found"
            r"|non-?existent (?:user|recipient|address|mailbox)|not a local address"
            r"|not an active address|no longer accepts mail|no one at this address|validrcptto"
            r"|unknown virtual user|recipient address rejected: (?:invalid|unknown)"
            r"|không tồn tại|không có thật|sai địa chỉ",
            _R.RECIPIENT_UNKNOWN,
        ),
        (
            r"polic(?:y|ies)|not allowed|not permitted|access denied"
            r"|not accepting (?:e-?mail|mail|messages)|administratively|blocked|refused"
            r"|rejected by|prohibited|restricted|not authori[sz]ed|denied|từ chối",
            _R.POLICY,
        ),
        # Each MTA's words for "gave up": Exim "retry timeout exceeded"; Sendmail "Message
        # could not be delivered for 5 days"; qmail "this message has been in the queue too
        # long"; Exchange "QUEUE.Expired; message expired"; Postfix "message expired"; Domino
        # "Delivery time expired"; Courier "has not been delivered ... within"; Gmail "has been
        # unable to deliver ... giving up".
        (
            r"retry timeout exceeded|message expired|delivery time expired|queue\.expired"
            r"|too long in (?:the )?queue|could not be delivered within|retry time not reached"
            r"|message timed out|maximum time in queue|not (?:been )?delivered within \d"
            r"|within the allowed queue|has not been collected after|in the queue too long"
            r"|could not be delivered for \d|cannot send message for \d|giving up on"
            r"|(?:has )?stopped trying|will be deleted from (?:the )?queue|(?:gave|given) up after"
            r"|expired after sitting in queue|not going to try again"
            r"|after multiple (?:retries|attempts)|could not be delivered for more than"
            r"|envelope expired"  # OpenSMTPD
            r"|failing for a long time"
            r"|(?:delivery )?failed (?:after )?\d{1,4} (?:delivery )?(?:attempts|tries)"
            r"|after \d{1,4} (?:delivery )?(?:attempts|tries)",
            _R.EXPIRED,
        ),
    )
)

_EXPIRY: Final = TEXT_PATTERNS[-1][0]
# Words without which a row cannot match (mailcheck.bounce.cues): most rows are ruled out by
# a substring test, far faster than their search, with the same answer.
_TEXT_CUES: Final = tuple(required_cues(pattern) for pattern, _reason in TEXT_PATTERNS)
_EXPIRY_CUES: Final = _TEXT_CUES[-1]

# A local delivery program's own failure ("Command output: ... Connection refused", Postfix's
# pipe transport) is the receiving side's system error, not the sender's network.
_LOCAL_PROGRAM: Final = re.compile(r"command\s{1,8}(?:output:|died with)", _I)

# class.subject.detail (RFC 3463 section 2). Not preceded by a digit or dot, so an IP address
# such as 198.51.100.4 is not read as "1.100.4"; "#5.1.1" (Exchange, qmail) is fine.
_STATUS_RE: Final = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)")

# The longest text classified: a hostile bounce must not make the patterns run for long.
MAX_CLASSIFY = 8000


def find_status(text: str) -> str | None:
    """Return the first RFC 3463 enhanced status code in ``text``, or ``None``."""
    match = _STATUS_RE.search(text[:MAX_CLASSIFY])
    return ".".join(match.groups()) if match else None


# A notice's lines that quote the original message's headers ("Subject: Virus warning")
# say what the message was about, never why it failed: they are not read for the reason.
_QUOTED_HEADER: Final = re.compile(
    r"^[ \t>]{0,8}(?:subject|to|cc|from|sent|date|message-id)[ \t]{0,4}:.{0,2000}$", re.I | re.M
)


def _for_patterns(text: str) -> str:
    # One space for any run of blanks: notices wrap their prose anywhere ("did not match an
    # \n  ACME address"), and the patterns are written with single spaces.
    return " ".join(_QUOTED_HEADER.sub("", text[:MAX_CLASSIFY]).lower().split())


def classify_text(text: str) -> Reason | None:
    """Return the reason of the first text pattern that matches, or ``None``."""
    text = _for_patterns(text)
    for (pattern, reason), cues in zip(TEXT_PATTERNS, _TEXT_CUES, strict=True):
        if may_match(cues, text) and pattern.search(text):
            if reason is _R.NETWORK and _LOCAL_PROGRAM.search(text):
                return _R.OTHER  # Sisimai's mailererror: the receiving side's own program
            return reason
    return None


def first_classified(lines: list[str]) -> int | None:
    """The index of the first of ``lines`` that :func:`classify_text` gives a reason for.

    The answer of ``classify_text`` on each line in turn. A row whose cues are in none of
    the lines cannot match any of them: the rows left are found once for all the lines.
    """
    prepared = [_for_patterns(line) for line in lines]
    everything = "\n".join(prepared)  # each line is a part of it
    rows = [
        (pattern, cues)
        for (pattern, _reason), cues in zip(TEXT_PATTERNS, _TEXT_CUES, strict=True)
        if may_match(cues, everything)
    ]
    if rows:
        for index, line in enumerate(prepared):
            if any(may_match(cues, line) and pattern.search(line) for pattern, cues in rows):
                return index
    return None


def says_expired(text: str) -> bool:
    """Whether ``text`` says the sending side gave up retrying (in any MTA's words)."""
    text = " ".join(text[:MAX_CLASSIFY].lower().split())
    return may_match(_EXPIRY_CUES, text) and _EXPIRY.search(text) is not None


# "for 5 days", "after 8 hours", "within 3 days", "for past 4 hours", "for more than 2 d".
_GAVE_UP: Final = re.compile(
    r"(?:could not be delivered for|(?:cannot|could not|couldn't|unable to) (?:send|deliver)"
    r" (?:the |this )?message for|(?:gave|given) up (?:on it )?after|retried for|tried for"
    r"|in (?:the )?queue for|delivered within|for (?:the )?(?:past|last)|expired after"
    r"|for more than)\s{1,3}(\d{1,4}(?=\s{0,2}[dhmw])|(?:an?|one)(?=\s))\s{0,2}"
    r"(days?|d|hours?|hrs?|h|minutes?|mins?|weeks?)"
    r"(?:\(s\)|\b)",
    _I,
)
_UNITS: Final = {"d": "day", "h": "hour", "hr": "hour", "min": "minute"}


def gave_up_after(text: str) -> str | None:
    """How long the sending side retried, when ``text`` says: ``"5 days"``, ``"8 hours"``."""
    match = _GAVE_UP.search(" ".join(text[:MAX_CLASSIFY].split()))  # lines wrap anywhere
    if match is None:
        return None
    number, unit = match.group(1).lower(), match.group(2).lower().rstrip("s")
    number = "1" if number in ("a", "an", "one") else number
    unit = _UNITS.get(unit, unit)
    return f"{number} {unit}" if number == "1" else f"{number} {unit}s"


# Where the class changes the meaning. RFC 3463's X.4.4 "unable to route" is "the necessary
# routing information was unavailable from the directory server": permanent, the domain has
# none (domain-unknown); transient, the lookup failed for now ("4.4.4 Temporary server
# error"), which is the sending side's network.
_STATUS_BY_CLASS: Final[dict[str, tuple[Reason, bool]]] = {
    "4.4.4": (_R.NETWORK, True),
}


def _classify_status(status: str) -> tuple[Reason, bool] | None:
    if status in _STATUS_BY_CLASS:
        return _STATUS_BY_CLASS[status]
    _klass, subject, detail = status.split(".")
    key = f"{subject}.{detail}"
    if key in _STATUS:
        return _STATUS[key]
    by_subject = {
        "1": _R.RECIPIENT_UNKNOWN,
        "2": _R.MAILBOX_FULL,
        "3": _R.OTHER,
        "4": _R.OTHER,
        "5": _R.OTHER,
        "6": _R.CONTENT,
        "7": _R.POLICY,
    }
    reason = by_subject.get(subject)
    return (reason, False) if reason is not None else None


# Specific statuses that a relay refusal's words still override: servers put "does not
# relay" under 5.4.4 ("unable to route"), which alone would read as an unknown domain.
_RELAY_OVERRIDES: Final = frozenset({"4.4"})


def _says_relay_denied(text: str) -> bool:
    return classify_text(text) is _R.RELAYING_DENIED


# Status meanings too vague to beat the words "delivery expired".
_CATCH_ALL: Final = frozenset({_R.OTHER, _R.POLICY})

# A bare SMTP reply: a three-digit code and no enhanced status of its own ("550 Mailbox
# currently suspended").
_BARE_REPLY: Final = re.compile(r"\s{0,8}[45]\d\d[ -]")


def _reporters_guess(status: str, text: str) -> Reason | None:
    """The reason the remote server's words give when ``status`` was only the reporter's guess.

    A remote reply without an enhanced status ("550 Mailbox currently suspended") gets one from
    the MTA that writes the DSN, from the three-digit code alone: Sendmail writes 5.1.1 "User
    unknown" for any 550 to RCPT or DATA. Those words, when they name a reason of their own,
    say more than the guess. Only a reply that starts with its code counts: a reporter's own
    sentence beside its own status is not a guess.
    """
    if not _BARE_REPLY.match(text) or find_status(text) is not None:
        return None
    said = classify_text(text)
    if said is None or said in _CATCH_ALL or said is _R.EXPIRED:
        return None
    return said


def classify(status: str | None, text: str | None) -> Reason:
    """Return the reason for one recipient from its enhanced status and the server's words.

    A specific status decides; otherwise the first matching text pattern; otherwise what the
    generic status means; otherwise :attr:`Reason.OTHER`. Never raises.
    """
    by_status = _classify_status(status) if status and _STATUS_RE.fullmatch(status) else None
    if by_status is not None and by_status[1]:
        overridable = status is not None and status.split(".", 1)[1] in _RELAY_OVERRIDES
        if overridable and text and _says_relay_denied(text):
            return _R.RELAYING_DENIED
        said = _reporters_guess(status, text) if status and text else None
        return said if said is not None else by_status[0]
    by_text = classify_text(text) if text else None
    if by_text is _R.EXPIRED and by_status is not None and by_status[0] not in _CATCH_ALL:
        return by_status[0]  # 4.4.1 "no answer from host" says more than "gave up"
    if by_text is not None:
        return by_text
    if by_status is not None:
        return by_status[0]
    return _R.OTHER
