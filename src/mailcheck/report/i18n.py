"""Every word the reports print, in Vietnamese and English: one catalogue.

Each table maps a language (``vi``, ``en``) to its words; both languages have
the same keys (``tests/unit/report/test_i18n.py`` checks it, and that no
renderer spells a status word of its own). Colours are here too: they belong
to the status, not to a renderer.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AUTH_QUOTES",
    "BOUNCE",
    "CATALOGUE",
    "CHECK",
    "COLOURS",
    "FIRST_LINE",
    "HISTORY",
    "HISTORY_PLACEMENT",
    "HISTORY_TREND",
    "HUMAN",
    "LANGS",
    "LAYOUT",
    "LOGIN",
    "MARKDOWN",
    "REPORT_MD",
    "STATE_WORDS",
    "STATUS_WORDS",
    "STEPS",
]

#: The report languages.
LANGS = ("vi", "en")

#: The status words of every report for people, by language.
STATUS_WORDS: dict[str, dict[str, str]] = {
    "en": {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL", "unknown": "UNKNOWN"},
    "vi": {"ok": "ỔN", "warning": "CẢNH BÁO", "critical": "NGHIÊM TRỌNG", "unknown": "CHƯA RÕ"},
}

#: The monitoring-plugin service states, by exit code, as the Monitoring Plugins guidelines
#: spell them (Nagios, Prometheus help): the same words in both languages.
STATE_WORDS: dict[str, dict[int, str]] = {
    lang: {0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"} for lang in ("en", "vi")
}

#: Status -> terminal colour (click's names).
COLOURS: dict[str, str] = {
    "ok": "green",
    "warning": "yellow",
    "critical": "red",
    "unknown": "magenta",
}

#: The report for one diagnosis (``report.human``; headings also in ``report.quote``).
HUMAN: dict[str, dict[str, Any]] = {
    "en": {
        "via": "via",
        "as": "user",
        "from_mx": "from the MX of {domain}",
        "password": "password from",
        "not_checked": "Not checked",
        "later": {
            "roundtrip": "a test invoice to your own mailbox (inbox or spam folder)",
            "dns": "the recipient's domain and the sender's SPF, DKIM, DMARC",
            "sender-dns": "the sender's SPF, DKIM, DMARC and blocklists",
            "bounce": "the customer's server's answer (add --send-to-recipient or --probe-rcpt)",
            "needs-imap": "what needs IMAP (your own mailbox, inbox or spam folder, bounces)",
        },
        "server_said": "Server said",
        "error": "Error",
        "fix": "Fix",
        "steps": "Steps",
        "transcript": "Transcript (passwords redacted)",
        "result": "Result",
        "exit": "exit",
        "faq": "FAQ",
        "none": "No cause found: mailcheck could not conclude anything.",
        "crash": "mailcheck crashed; please report this traceback",
        "found_in": "Found in",
        "test_invoice": "Test invoice",
        "after_submit": "after the server accepted it",
        "spam_filter": "Spam filter",
        "did_you_mean": "Did you mean",
        "timings": "Timings",
        "timings_names": {
            "submit_ms": "submit",
            "delivery_s": "delivery (Received headers)",
            "seen_after_submit_ms": "seen after acceptance",
            "detection_ms": "detection",
        },
    },
    "vi": {
        "via": "qua",
        "as": "tài khoản",
        "from_mx": "theo bản ghi MX của {domain}",
        "password": "mật khẩu từ",
        "not_checked": "Chưa kiểm tra",
        "later": {
            "roundtrip": "gửi hóa đơn thử vào hộp thư của chính bạn (Hộp thư đến hay Spam)",
            "dns": "tên miền người nhận và SPF, DKIM, DMARC của người gửi",
            "sender-dns": "SPF, DKIM, DMARC và danh sách chặn của người gửi",
            "bounce": "phản hồi của máy chủ khách hàng (thêm --send-to-recipient, --probe-rcpt)",
            "needs-imap": "phần cần IMAP (hộp thư của bạn, Hộp thư đến hay Spam, thư báo lỗi)",
        },
        "server_said": "Máy chủ trả lời",
        "error": "Lỗi",
        "fix": "Cách khắc phục",
        "steps": "Các bước",
        "transcript": "Hội thoại (đã che mật khẩu)",
        "result": "Kết quả",
        "exit": "mã thoát",
        "faq": "FAQ",
        "none": "Không tìm ra nguyên nhân: mailcheck chưa kết luận được.",
        "crash": "mailcheck gặp lỗi nội bộ; vui lòng báo lỗi kèm đoạn sau",
        "found_in": "Tìm thấy trong",
        "test_invoice": "Hoá đơn thử",
        "after_submit": "sau khi máy chủ nhận thư",
        "spam_filter": "Bộ lọc spam",
        "did_you_mean": "Có phải ý bạn là",
        "timings": "Thời gian",
        "timings_names": {
            "submit_ms": "gửi",
            "delivery_s": "chuyển thư (theo Received)",
            "seen_after_submit_ms": "thấy thư sau khi máy chủ nhận",
            "detection_ms": "phát hiện",
        },
    },
}

#: The Markdown evidence report's headings: title, what was checked, findings, evidence, to do.
MARKDOWN: dict[str, tuple[str, str, str, str, str]] = {
    "en": ("Mail delivery check", "What was checked", "Findings", "Evidence", "What to do"),
    "vi": ("Kiểm tra gửi thư", "Đã kiểm tra", "Kết luận", "Bằng chứng", "Cách khắc phục"),
}

#: ``mailcheck check``'s human report.
CHECK: dict[str, dict[str, str]] = {
    "en": {
        "inbox": "delivered to INBOX in {:.2f} s",
        "junk": "landed in the spam folder after {:.2f} s",
        "problems": "{} problem(s):",
        "skipped": "skipped",
        "error": "not run",
        "fix": "Fix",
        "stages": "stages",
        "profiles": "profile(s)",
    },
    "vi": {
        "inbox": "đã vào Hộp thư đến sau {:.2f} giây",
        "junk": "bị đưa vào thư mục Spam sau {:.2f} giây",
        "problems": "{} vấn đề:",
        "skipped": "bỏ qua",
        "error": "không chạy được",
        "fix": "Cách khắc phục",
        "stages": "thời gian",
        "profiles": "hồ sơ",
    },
}

#: ``mailcheck history``'s human report.
HISTORY: dict[str, dict[str, str]] = {
    "en": {
        "history": "History",
        "none": "no history yet at {path} (mailcheck check writes it)",
        "no_runs": "No runs stored for this selection.",
        "since": "since",
        "profile": "Profile",
        "runs": "Runs",
        "failures": "Failures",
        "skipped": "Skipped",
        "last_run": "Last run",
        "last_status": "Last status",
        "recent": "Delivery recent (median/p95, n)",
        "before": "Before",
        "trend": "Trend",
        "last_causes": "last causes",
        "recent_runs": "Recent runs, newest first",
        "time": "Time",
        "status": "Status",
        "placement": "Placement",
        "delivery": "Delivery",
        "causes": "Causes",
        "skipped_because": "skipped",
        "error": "error",
        "local": "local time",
        "trend_rule": (
            "Trend: median of the last {window} delivery times against the {window} before;"
            " 'slower'/'faster' needs {percent} % and {delta:g} s of change,"
            " and {min_runs} times in each."
        ),
    },
    "vi": {
        "history": "Lịch sử",
        "none": "chưa có lịch sử tại {path} (mailcheck check sẽ ghi vào đây)",
        "no_runs": "Không có lần chạy nào được lưu cho lựa chọn này.",
        "since": "từ",
        "profile": "Hồ sơ",
        "runs": "Số lần",
        "failures": "Lỗi",
        "skipped": "Bỏ qua",
        "last_run": "Lần cuối",
        "last_status": "Trạng thái cuối",
        "recent": "Giao gần đây (trung vị/p95, n)",
        "before": "Trước đó",
        "trend": "Xu hướng",
        "last_causes": "nguyên nhân lần cuối",
        "recent_runs": "Các lần chạy gần đây, mới nhất trước",
        "time": "Thời gian",
        "status": "Trạng thái",
        "placement": "Vị trí thư",
        "delivery": "Giao",
        "causes": "Nguyên nhân",
        "skipped_because": "bỏ qua",
        "error": "lỗi",
        "local": "giờ địa phương",
        "trend_rule": (
            "Xu hướng: trung vị {window} lần giao gần nhất so với {window} lần trước đó;"
            " 'chậm hơn'/'nhanh hơn' cần thay đổi {percent} % và {delta:g} giây,"
            " mỗi bên ít nhất {min_runs} lần."
        ),
    },
}
HISTORY_TREND: dict[str, dict[str, str]] = {
    "en": {
        "faster": "faster",
        "slower": "slower",
        "steady": "steady",
        "not-enough-data": "not enough data",
    },
    "vi": {
        "faster": "nhanh hơn",
        "slower": "chậm hơn",
        "steady": "ổn định",
        "not-enough-data": "chưa đủ dữ liệu",
    },
}
HISTORY_PLACEMENT: dict[str, dict[str, str]] = {
    "en": {
        "inbox": "inbox",
        "junk": "junk",
        "other": "other",
        "not-arrived": "not-arrived",
        "lost": "lost",
        "not-sent": "not-sent",
    },
    "vi": {
        "inbox": "hộp thư đến",
        "junk": "thư rác",
        "other": "thư mục khác",
        "not-arrived": "chưa đến",
        "lost": "thất lạc",
        "not-sent": "chưa gửi",
    },
}

#: ``mailcheck login``: the device-code sign-in (issue 13).
LOGIN: dict[str, dict[str, str]] = {
    "en": {
        "open": "To sign in to {provider}, open {url} and enter the code {code}",
        "waiting": "Waiting for the sign-in (the code is valid for {minutes} minutes) ...",
        "stored": "Signed in. The refresh token is stored in {path}, readable only by you;",
        "next": "mailcheck gets a fresh access token from it for each run.",
        "browser": "To sign in to {provider}, open this page in your browser: {url}",
        "waiting_browser": "Waiting for the sign-in in the browser ...",
    },
    "vi": {
        "open": "Để đăng nhập {provider}, mở {url} và nhập mã {code}",
        "waiting": "Đang chờ bạn đăng nhập (mã có hiệu lực trong {minutes} phút) ...",
        "stored": "Đã đăng nhập. Refresh token được lưu trong {path}, chỉ bạn đọc được;",
        "next": "mỗi lần chạy, mailcheck dùng nó để lấy access token mới.",
        "browser": "Để đăng nhập {provider}, mở trang này trong trình duyệt: {url}",
        "waiting_browser": "Đang chờ bạn đăng nhập trong trình duyệt ...",
    },
}

#: A bounce's block in the human report (``mailcheck bounce``): who bounced, whose problem it
#: is (``mailcheck.bounce.party``), which server said what.
BOUNCE: dict[str, dict[str, Any]] = {
    "en": {
        "head": "Bounce ({kind}) written by {host}{style}, {count} recipient(s):",
        "head_no_host": "Bounce ({kind}{also}), {count} recipient(s):",
        "kinds": {"failure": "failure", "delay": "delay notice"},
        # The DSN's Action, as the report shows it before the status.
        "actions": {
            "failed": "failed",
            "delayed": "delayed",
            "delivered": "delivered",
            "relayed": "relayed",
            "expanded": "expanded",
            "unknown": "unknown",
        },
        "whose": "Whose problem",
        "party": {
            "sender": "yours, the sender's (change something on the sending side, then send again)",
            "recipient": "the recipient's (the address, their mailbox or their server)",
            "temporary": "temporary (the sending server is still retrying; nothing to do yet)",
            "unknown": "cannot be told from this bounce",
        },
        "said": "{host} said",
        "said_after": "{host} said (after {command})",
        "server_said": "Server said",
        "server_said_after": "Server said (after {command})",
        "refused_by": "Refused by {host}",
        # The sending server's retries ran out (BouncedRecipient.gave_up_after).
        "gave_up": "The sending server retried for {duration}, then gave up",
        "units": {
            "minute": ("minute", "minutes"),
            "hour": ("hour", "hours"),
            "day": ("day", "days"),
            "week": ("week", "weeks"),
        },
        "more": "... and {count} more recipient(s) (--format json lists them all)",
    },
    "vi": {
        "head": "Thư báo lỗi ({kind}) do {host}{style} gửi, {count} người nhận:",
        "head_no_host": "Thư báo lỗi ({kind}{also}), {count} người nhận:",
        "kinds": {"failure": "gửi thất bại", "delay": "thông báo chậm trễ"},
        "actions": {
            "failed": "thất bại",
            "delayed": "đang chờ gửi lại",
            "delivered": "đã giao",
            "relayed": "đã chuyển tiếp",
            "expanded": "đã chuyển cho danh sách",
            "unknown": "không rõ",
        },
        "whose": "Lỗi thuộc về",
        "party": {
            "sender": "bên gửi, tức là bạn (cần sửa phía gửi rồi mới gửi lại)",
            "recipient": "bên nhận (địa chỉ, hộp thư hoặc máy chủ của người nhận)",
            "temporary": "tạm thời (máy chủ gửi vẫn đang thử lại; chưa cần làm gì)",
            "unknown": "không xác định được từ thư báo lỗi này",
        },
        "said": "{host} trả lời",
        "said_after": "{host} trả lời (sau lệnh {command})",
        "server_said": "Máy chủ trả lời",
        "server_said_after": "Máy chủ trả lời (sau lệnh {command})",
        "refused_by": "Bị từ chối bởi {host}",
        "gave_up": "Máy chủ gửi đã thử lại trong {duration} rồi dừng",
        "units": {
            "minute": ("phút", "phút"),
            "hour": ("giờ", "giờ"),
            "day": ("ngày", "ngày"),
            "week": ("tuần", "tuần"),
        },
        "more": "... và {count} người nhận khác (--format json liệt kê đủ)",
    },
}

# ---------------------------------------------------------------- issue 16, C16: output for people
# The result line, "Next" under OK findings, the Steps in the report's language, and the
# Markdown report's headings and field names.

#: The step names (``mailcheck.facts.*Step``; a ``junk:`` prefix and an argument such as the
#: folder or the record type are kept) and the outcomes (``mailcheck.evidence.Outcome``).
#: A name or outcome missing here is shown as recorded.
STEPS: dict[str, dict[str, Any]] = {
    "en": {
        "names": {
            "junk": "junk",
            "resolve": "resolve",
            "connect": "connect",
            "tls": "tls",
            "greeting": "greeting",
            "ehlo": "ehlo",
            "starttls": "starttls",
            "ehlo-tls": "ehlo-tls",
            "sniff": "sniff",
            "auth": "auth",
            "ready": "ready",
            "mail": "mail",
            "rcpt": "rcpt",
            "data": "data",
            "retry": "retry",
            "login": "login",
            "list": "list",
            "junk-folder": "junk-folder",
            "select": "select",
            "leftovers": "leftovers",
            "criteria": "criteria",
            "watch": "watch",
            "placement": "placement",
            "fetch-headers": "fetch-headers",
            "headers": "headers",
            "cleanup": "cleanup",
            "recipient": "recipient",
            "spf": "SPF",
            "dkim": "DKIM",
            "dmarc": "DMARC",
            "dnsbl": "blocklist",
            "bounce": "bounce",
            "bounced-recipient": "bounced recipient",
            "rcpt-probe": "rcpt-probe",
        },
        "outcomes": {
            "ok": "ok",
            "rejected": "rejected",
            "refused": "refused",
            "unreachable": "unreachable",
            "name-error": "no such name",
            "no-address": "no address",
            "timeout": "timed out",
            "tls-error": "TLS error",
            "protocol-error": "protocol error",
            "closed": "closed",
            "not-offered": "not offered",
            "withheld": "withheld",
            "error": "error",
            "skipped": "skipped",
        },
    },
    "vi": {
        "names": {
            "junk": "Spam",
            "resolve": "phân giải tên",
            "connect": "kết nối",
            "tls": "TLS",
            "greeting": "lời chào",
            "ehlo": "EHLO",
            "starttls": "STARTTLS",
            "ehlo-tls": "EHLO sau TLS",
            "sniff": "nhận diện máy chủ",
            "auth": "đăng nhập",
            "ready": "sẵn sàng",
            "mail": "MAIL FROM",
            "rcpt": "RCPT TO",
            "data": "gửi nội dung",
            "retry": "thử lại",
            "login": "đăng nhập",
            "list": "liệt kê thư mục",
            "junk-folder": "tìm thư mục Spam",
            "select": "mở thư mục",
            "leftovers": "thư thử còn sót",
            "criteria": "điều kiện tìm thư",
            "watch": "chờ thư",
            "placement": "vị trí thư",
            "fetch-headers": "đọc tiêu đề",
            "headers": "tiêu đề thư",
            "cleanup": "xoá thư thử",
            "recipient": "tên miền nhận",
            "spf": "SPF",
            "dkim": "DKIM",
            "dmarc": "DMARC",
            "dnsbl": "danh sách chặn",
            "bounce": "thư báo lỗi",
            "bounced-recipient": "người nhận bị trả thư",
            "rcpt-probe": "hỏi địa chỉ nhận",
        },
        "outcomes": {
            "ok": "ổn",
            "rejected": "bị từ chối",
            "refused": "bị từ chối kết nối",
            "unreachable": "không tới được",
            "name-error": "tên không tồn tại",
            "no-address": "không có địa chỉ",
            "timeout": "hết thời gian chờ",
            "tls-error": "lỗi TLS",
            "protocol-error": "sai giao thức",
            "closed": "bị ngắt kết nối",
            "not-offered": "không hỗ trợ",
            "withheld": "không thực hiện (có chủ ý)",
            "error": "lỗi",
            "skipped": "bỏ qua",
        },
    },
}

#: The human report's own words: the one-line result, the "Next" label of OK findings.
LAYOUT: dict[str, dict[str, str]] = {
    "en": {
        "inbox": "sending works; the test invoice reached the Inbox after {time}",
        "next": "Next",
    },
    "vi": {
        "inbox": "gửi được; thư vào Hộp thư đến sau {time}",
        "next": "Tiếp theo",
    },
}

#: The Markdown report (``--report``): severity headings, field names, the extra lines.
REPORT_MD: dict[str, dict[str, Any]] = {
    "en": {
        "severity": {
            "ok": "OK",
            "warning": "Warning",
            "critical": "Critical",
            "unknown": "Could not tell",
        },
        "fields": {
            "sender": "Sender",
            "recipient": "Recipient",
            "mailbox": "Mailbox",
            "target": "Checked",
            "smtp_host": "Mail server (SMTP)",
            "smtp_port": "SMTP port",
            "smtp_tls": "SMTP encryption",
            "imap_host": "Mail server (IMAP)",
            "imap_port": "IMAP port",
            "imap_tls": "IMAP encryption",
            "username": "User name",
            "provider": "Provider",
            "provider_mx": "Provider found from the MX of",
            "profile": "Profile",
            "dns_server": "DNS server",
            "token": "Test token",
        },
        "when": "Checked at",
        "version": "mailcheck version",
        "message_id": "Message-ID of the test invoice",
        "sending_ip": "Sending IP",
        "token_note": "the test token is part of it",
    },
    "vi": {
        "severity": {
            "ok": "Ổn",
            "warning": "Cảnh báo",
            "critical": "Nghiêm trọng",
            "unknown": "Chưa rõ",
        },
        "fields": {
            "sender": "Người gửi",
            "recipient": "Người nhận",
            "mailbox": "Hộp thư",
            "target": "Đã kiểm tra",
            "smtp_host": "Máy chủ mail (SMTP)",
            "smtp_port": "Cổng SMTP",
            "smtp_tls": "Mã hoá SMTP",
            "imap_host": "Máy chủ mail (IMAP)",
            "imap_port": "Cổng IMAP",
            "imap_tls": "Mã hoá IMAP",
            "username": "Tên đăng nhập",
            "provider": "Nhà cung cấp",
            "provider_mx": "Nhà cung cấp tìm theo MX của",
            "profile": "Hồ sơ",
            "dns_server": "Máy chủ DNS",
            "token": "Mã thư thử",
        },
        "when": "Thời điểm kiểm tra",
        "version": "Phiên bản mailcheck",
        "message_id": "Message-ID của hoá đơn thử",
        "sending_ip": "IP gửi thư",
        "token_note": "mã thư thử nằm trong đó",
    },
}
#: What the sender's authentication steps quote (``report.quote``): the records a fix names.
AUTH_QUOTES: dict[str, dict[str, str]] = {
    "en": {
        "spf": "SPF record of {domain}: {record}",
        "spf_ip": "Sending IP {ip}: SPF {result}",
        "dkim": "DKIM {selector}._domainkey.{domain}: {state}",
        "dkim_error": "DKIM: {error}",
        "dmarc": "DMARC record of {domain}: {record}",
        "dnsbl": "Blocklist {zone}: {ip} is listed{reason}",
        "dnsbl_inconclusive": "Blocklist {zone}: could not tell ({why})",
        "no_record": "(none)",
    },
    "vi": {
        "spf": "Bản ghi SPF của {domain}: {record}",
        "spf_ip": "IP gửi thư {ip}: SPF {result}",
        "dkim": "DKIM {selector}._domainkey.{domain}: {state}",
        "dkim_error": "DKIM: {error}",
        "dmarc": "Bản ghi DMARC của {domain}: {record}",
        "dnsbl": "Danh sách chặn {zone}: {ip} bị liệt kê{reason}",
        "dnsbl_inconclusive": "Danh sách chặn {zone}: chưa rõ ({why})",
        "no_record": "(không có)",
    },
}
# ---------------------------------------------------------------- end of C16's block

# ---------------------------------------------------------------- A16's block
#: The report's first line: what a run took from a profile, and how a server that nobody
#: named was found (issue 16: a one-off check must say whose settings it used).
FIRST_LINE: dict[str, dict[str, str]] = {
    "en": {
        "from_profile": "from profile {name}: {keys}",
        "profile": "profile {name}",
        "found_name": "server found as mail.{domain}",
        "found_mx": "server found from the MX of {domain}",
        "found_prompt": "server typed in",
    },
    "vi": {
        "from_profile": "lấy từ hồ sơ {name}: {keys}",
        "profile": "hồ sơ {name}",
        "found_name": "tìm thấy máy chủ mail tại mail.{domain}",
        "found_mx": "tìm thấy máy chủ mail theo bản ghi MX của {domain}",
        "found_prompt": "máy chủ mail do bạn nhập",
    },
}
# ---------------------------------------------------------------- end of A16's block

#: Every table by name, for the tests (and anyone who translates).
CATALOGUE: dict[str, dict[str, Any]] = {
    "status": STATUS_WORDS,
    "state": STATE_WORDS,
    "human": HUMAN,
    "markdown": MARKDOWN,
    "check": CHECK,
    "history": HISTORY,
    "history_trend": HISTORY_TREND,
    "history_placement": HISTORY_PLACEMENT,
    "login": LOGIN,
    "bounce": BOUNCE,
    "steps": STEPS,  # C16
    "layout": LAYOUT,  # C16
    "report_md": REPORT_MD,  # C16
    "auth_quotes": AUTH_QUOTES,  # C16
    "first_line": FIRST_LINE,  # A16
}


# ---------------------------------------------------------------- D16's block (issue 16)
# `watch` judged (FAQ case 1) and `mailcheck headers FILE|-`: the words around what a
# message's headers say (report/quote.py, report/header_lines.py), the paste hint, help.

#: Labels of the quoted lines, added to each language's HUMAN table (quote_with gets one).
HEADER_LABELS: dict[str, dict[str, Any]] = {
    "en": {
        "after_watch_start": "after watch started",
        "accepted": "its Received headers: first accepted at {at}, in the mailbox {transit} later",
        "watch_filter": "Waited for",
        "watch_filter_words": {
            "from": "sender contains",
            "subject": "subject contains",
            "number": "invoice number",
        },
        "hops": "Route (Received, oldest first)",
        "hop_count": "{count} hops, {transit} in transit",
        "sending_ip": "sending IP",
        "authentication": "Authentication (the receiving server's results)",
        "from": "From",
        "verdict": "Verdict for the From domain",
        "verdicts": {
            "pass": "authenticated (DMARC pass or an aligned SPF/DKIM pass)",
            "unaligned": "a pass, but for another domain (not aligned with From)",
            "fail": "failed",
            "none": "no authentication",
        },
        "spam": "Spam filter",
        "spam_flagged": {"yes": "called it spam", "no": "not spam", "none": "no verdict header"},
        "read": "Read",
        "read_words": "{bytes} bytes from {source}",
        "truncated": "cut at the size limit",
    },
    "vi": {
        "after_watch_start": "sau khi bắt đầu watch",
        "accepted": "theo tiêu đề Received: máy chủ mail đầu tiên nhận lúc {at}, vào hộp thư "
        "sau {transit}",
        "watch_filter": "Điều kiện chờ thư",
        "watch_filter_words": {
            "from": "người gửi chứa",
            "subject": "tiêu đề chứa",
            "number": "số hóa đơn",
        },
        "hops": "Đường đi (Received, cũ nhất trước)",
        "hop_count": "{count} chặng, {transit} trên đường đi",
        "sending_ip": "IP gửi",
        "authentication": "Xác thực (kết quả của máy chủ mail nhận)",
        "from": "Người gửi (From)",
        "verdict": "Kết luận cho tên miền From",
        "verdicts": {
            "pass": "đã xác thực (DMARC đạt, hoặc SPF/DKIM đạt và khớp tên miền)",
            "unaligned": "có kết quả đạt, nhưng cho tên miền khác (không khớp From)",
            "fail": "không đạt",
            "none": "không có xác thực",
        },
        "spam": "Bộ lọc spam",
        "spam_flagged": {
            "yes": "coi là spam",
            "no": "không phải spam",
            "none": "không có tiêu đề kết luận",
        },
        "read": "Đã đọc",
        "read_words": "{bytes} byte từ {source}",
        "truncated": "đã cắt ở giới hạn kích thước",
    },
}
for _lang in LANGS:
    HUMAN[_lang].update(HEADER_LABELS[_lang])

#: ``mailcheck headers -`` on a terminal: what to do.
HEADERS_COMMAND: dict[str, dict[str, str]] = {
    "en": {
        "paste": "Paste the message's headers (or the whole message), then press Ctrl-D "
        "(Ctrl-Z and Enter on Windows).",
    },
    "vi": {
        "paste": "Dán tiêu đề thư (hoặc cả thư) vào đây, rồi bấm Ctrl-D (trên Windows: Ctrl-Z "
        "rồi Enter).",
    },
}

CATALOGUE.update({"header_labels": HEADER_LABELS, "headers_command": HEADERS_COMMAND})
STEPS["en"]["names"].update(
    {"read": "read", "hops": "hops", "authentication": "authentication", "spam": "spam"}
)
STEPS["vi"]["names"].update(
    {"read": "đọc", "hops": "các chặng", "authentication": "xác thực", "spam": "bộ lọc spam"}
)
# ---------------------------------------------------------------- end of D16's block (part)


# ---------------------------------------------------------------- F16's block (issue 16)
# The recipient's TLS for incoming mail (probes/mxtls.py): its steps' names. The MX dialogue
# is ``mx-tls:<step>`` (``connect``, ``greeting``, ... are named above), the policy fetch
# ``mta-sts:policy``.
for _lang, _names in {
    "en": {"mx-tls": "recipient MX TLS", "mta-sts": "MTA-STS", "tls-rpt": "TLS-RPT",
           "policy": "policy fetch"},
    "vi": {"mx-tls": "TLS máy chủ mail nhận", "mta-sts": "MTA-STS", "tls-rpt": "TLS-RPT",
           "policy": "tải chính sách"},
}.items():  # fmt: skip
    for _name, _word in _names.items():
        STEPS[_lang]["names"].setdefault(_name, _word)
# ---------------------------------------------------------------- end of F16's block
