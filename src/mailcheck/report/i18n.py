"""Every word the reports print, in Vietnamese and English: one catalogue.

Each table maps a language (``vi``, ``en``) to its words; both languages have
the same keys (``tests/unit/report/test_i18n.py`` checks it, and that no
renderer spells a status word of its own). Colours are here too: they belong
to the status, not to a renderer.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = [
    "ASK_HOST",
    "AUTH_QUOTES",
    "BOUNCE",
    "CATALOGUE",
    "CHECK",
    "COLOURS",
    "EVIDENCE_WORDS",
    "FIRST_LINE",
    "HEADLINE",
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
        "test_invoice": "Hóa đơn thử",
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
        "recent": "Giao thư gần đây (trung vị/p95, n)",
        "before": "Trước đó",
        "trend": "Xu hướng",
        "last_causes": "nguyên nhân lần cuối",
        "recent_runs": "Các lần chạy gần đây, mới nhất trước",
        "time": "Thời gian",
        "status": "Trạng thái",
        "placement": "Vị trí thư",
        "delivery": "Giao thư",
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
            "cleanup": "xóa thư thử",
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
            "smtp_tls": "Mã hóa SMTP",
            "imap_host": "Máy chủ mail (IMAP)",
            "imap_port": "Cổng IMAP",
            "imap_tls": "Mã hóa IMAP",
            "username": "Tên đăng nhập",
            "provider": "Nhà cung cấp",
            "provider_mx": "Nhà cung cấp tìm theo MX của",
            "profile": "Hồ sơ",
            "dns_server": "Máy chủ DNS",
            "token": "Mã thư thử",
        },
        "when": "Thời điểm kiểm tra",
        "version": "Phiên bản mailcheck",
        "message_id": "Message-ID của hóa đơn thử",
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
#: The report's first lines: where the password came from (``mailcheck.secret``'s sources,
#: by their first word) and the provider and profile labels.
HEADLINE: dict[str, dict[str, str]] = {
    "en": {
        "env": "env",
        "file": "file",
        "stdin": "standard input",
        "prompt": "the prompt",
        "password": "a password command",
        "token": "a token command",
        "provider": "provider",
        "profile": "profile",
    },
    "vi": {
        "env": "biến môi trường",
        "file": "tệp",
        "stdin": "đầu vào chuẩn (stdin)",
        "prompt": "nhập khi được hỏi",
        "password": "lệnh lấy mật khẩu",
        "token": "lệnh lấy token",
        "provider": "nhà cung cấp",
        "profile": "hồ sơ",
    },
}
#: Words by which a fix text points to the evidence quoted beside it: an OK finding whose
#: advice says one of them has its evidence printed too (a queue id in the server's reply).
EVIDENCE_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("above", "quoted", "in this report", "its words", "own words"),
    "vi": ("ở trên", "trích", "trong báo cáo", "nguyên văn", "bằng chứng"),
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
#: The one question asked when no server of the sender's domain answered (on a terminal).
ASK_HOST: dict[str, dict[str, str]] = {
    "en": {
        "tried": "mailcheck: tried {tried}",
        "ask": "SMTP server of {domain} (e.g. {example}):",
        "from_mx": "{host} from its MX",
        "no-name": "{where} (no such name)",
        "closed": "{where} ({ports} closed)",
        "answered": "{where} (answered on {port})",
    },
    "vi": {
        "tried": "mailcheck: đã thử {tried}",
        "ask": "Máy chủ mail gửi đi (SMTP) của {domain} (vd. {example}):",
        "from_mx": "{host} (theo MX)",
        "no-name": "{where} (không có tên này)",
        "closed": "{where} (cổng {ports} không mở)",
        "answered": "{where} (trả lời ở cổng {port})",
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
    "headline": HEADLINE,  # C16
    "evidence_words": EVIDENCE_WORDS,  # C16
    "first_line": FIRST_LINE,  # A16
    "ask_host": ASK_HOST,  # A16
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
        "hop": "hop",
        "hops_not_shown": "hops not shown",
        "hop_words": {"from": "from", "by": "by", "with": "with"},
        "result_words": {"pass": "pass", "fail": "fail", "none": "none"},
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
        "hop": "chặng",
        "hops_not_shown": "số chặng không hiển thị",
        "hop_words": {"from": "từ", "by": "đến", "with": "qua"},
        "result_words": {"pass": "đạt", "fail": "không đạt", "none": "không có"},
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


# ------------------------------------------------------------------------------------------
# Issue 16 (B16): the command line itself in Vietnamese under --lang vi: help, click's own
# words, error lines, the password prompt, the progress line, `causes`. The English stays
# in the code (docstrings, help=, exception texts) as the source; these tables are its
# Vietnamese, looked up by command, by option or by the English text (as gettext would).
# tests/cli/test_vietnamese_everywhere.py holds every command to them.

#: ``mailcheck --help``: the group's text, under --lang vi.
CLI_GROUP_VI = (
    "Tìm ra vì sao hóa đơn gửi qua email không đến được khách hàng.\n\n"
    "Mã thoát: 0 ỔN, 1 CẢNH BÁO, 2 NGHIÊM TRỌNG, 3 CHƯA RÕ (cả khi gõ sai lệnh)."
)

#: Each command's help under --lang vi: (the line in the group's list, the whole text).
#: A blank line separates paragraphs, as in a docstring.
CLI_COMMANDS_VI: dict[str, tuple[str, str]] = {
    "bounce": (
        "Giải thích thư báo lỗi bạn nhận được (.eml, mbox hoặc -).",
        "Giải thích thư báo lỗi (.eml, mbox, hoặc - để đọc từ đầu vào chuẩn).\n\n"
        "Cho biết người nhận nào bị lỗi, vì sao (địa chỉ không tồn tại, hộp thư đầy, bị máy "
        "chủ mail của khách hàng chặn, thư quá lớn, ...), trích nguyên văn lời máy chủ mail "
        "bên kia và nêu cách khắc phục. Mã thoát 2 khi gửi thất bại, 1 khi chỉ là thông báo "
        "chậm trễ, 0 khi là thư trả lời tự động, 3 khi đó không phải thư báo lỗi.",
    ),
    "causes": (
        "Liệt kê các nguyên nhân mailcheck nhận ra được, kèm cách khắc phục.",
        "Liệt kê các nguyên nhân mailcheck nhận ra được, theo nhóm, kèm cách khắc phục.",
    ),
    "check": (
        "Kiểm tra định kỳ các hồ sơ đã cấu hình, cho cron, CI và giám sát.",
        "Kiểm tra định kỳ các hồ sơ đã cấu hình, cho cron, CI và giám sát.\n\n"
        "Chạy những gì mỗi hồ sơ bật (đăng nhập, gửi thư thử về hộp thư của mình, DNS của "
        "người gửi, tên miền của các khách hàng chính), không bao giờ hỏi mật khẩu, trong "
        "một --deadline chung, rồi ghi kết quả vào lịch sử trên máy. Hai lần chạy của cùng "
        "một hồ sơ không bao giờ chồng lên nhau: lần sau bị bỏ qua với CHƯA RÕ. Mã thoát 0 "
        "ỔN, 1 CẢNH BÁO (thư vào thư mục Spam, giao thư chậm), 2 NGHIÊM TRỌNG (không gửi "
        "được hoặc thư không đến), 3 CHƯA RÕ (cấu hình sai, chưa kết luận được, bị bỏ qua).",
    ),
    "diagnose": (
        "Kiểm tra toàn bộ: vì sao hóa đơn không đến được khách hàng?",
        "Vì sao hóa đơn không đến được khách hàng?\n\n"
        "Kiểm tra máy chủ mail gửi đi của người gửi (đăng nhập, TLS), gửi một hóa đơn thử "
        "vào chính hộp thư của người gửi rồi tìm nó trong Hộp thư đến hay thư mục Spam, và "
        "nêu nguyên nhân kèm cách khắc phục. Mã thoát 0 ỔN, 1 CẢNH BÁO (thư vào thư mục "
        "Spam), 2 NGHIÊM TRỌNG (không gửi được, thư không đến), 3 CHƯA RÕ. Với --no-imap "
        "(hoặc imap = false trong hồ sơ) chỉ kiểm tra phía gửi: đăng nhập, thư thử gửi "
        "khách hàng (--send-to-recipient), DNS, kiểm tra RCPT.",
    ),
    "dns": (
        "Kiểm tra tên miền trong DNS: MX, lỗi gõ, SPF, DKIM, DMARC, danh sách chặn.",
        "Kiểm tra tên miền (hoặc tên miền của địa chỉ email) trong DNS.\n\n"
        "Phía người nhận: tên miền có tồn tại không, có bản ghi MX không (hay MX rỗng, hay "
        "chỉ có địa chỉ IP), các máy chủ MX có phân giải được không, có phải gõ nhầm một tên "
        "miền mail phổ biến không. Phía người gửi: SPF (đánh giá cho --ip), khóa DKIM "
        "(--dkim-selector), chính sách DMARC, danh sách chặn (--ip). TLS khi nhận thư: chính "
        "sách MTA-STS và bản ghi TLS-RPT của tên miền, và với --mx-tls là STARTTLS và chứng "
        "chỉ của máy chủ mail nhận. Máy chủ DNS không trả lời, hoặc cổng 25 không kết nối "
        'được, thì là "chưa kiểm tra được" (mã thoát 3), không bao giờ bị coi là lỗi của tên '
        "miền.",
    ),
    "headers": (
        "Đọc tiêu đề của một thư (.eml, khối tiêu đề, hoặc - để dán vào).",
        "Đọc tiêu đề của một thư (.eml, khối tiêu đề, hoặc - để dán vào).\n\n"
        "Cho biết đường đi của thư (các chặng Received và độ trễ), ai đã xác thực gì (SPF, DKIM "
        "với d=, DMARC, ARC), kết luận của bộ lọc spam bên nhận (Microsoft SCL/BCL, Gmail, "
        "rspamd, SpamAssassin) và nguyên nhân tương ứng. Mã thoát 0 đã xác thực và không phải "
        "spam, 1 cảnh báo (spam, không khớp tên miền, không có xác thực), 3 khi không có gì để "
        "kết luận.",
    ),
    "history": (
        "Các lần check trước theo hồ sơ: lỗi, nguyên nhân, thời gian giao thư, xu hướng.",
        "Hiện các lần chạy `mailcheck check` trước đây: lỗi, nguyên nhân, thời gian giao thư "
        "và xu hướng.\n\n"
        "Theo từng hồ sơ: số lần chạy, số lần lỗi, trạng thái và nguyên nhân lần cuối, thời "
        "gian giao thư (trung vị và phân vị 95) của 10 lần gần nhất so với 10 lần trước đó, "
        "kèm xu hướng. Sau đó là các lần chạy gần nhất. Mã thoát 0; 3 khi tùy chọn sai hoặc "
        "không dùng được tệp lịch sử.",
    ),
    "login": (
        "Đăng nhập OAuth2 một lần; lưu refresh token.",
        "Đăng nhập bằng OAuth2 (trong trình duyệt) và lưu refresh token cho các lần chạy sau.",
    ),
    "preflight": (
        "Kiểm tra cả danh sách địa chỉ khách hàng (CSV) trước khi gửi hóa đơn.",
        "Kiểm tra từng địa chỉ trong tệp CSV (hoặc mỗi dòng một địa chỉ) trước khi gửi hóa "
        "đơn.\n\n"
        "Ghi mỗi địa chỉ một dòng: các cột của danh sách giữ nguyên, rồi address, verdict, "
        "cause, suggestion, detail; ô có nhiều địa chỉ được tách thành nhiều dòng. Mỗi tên "
        "miền chỉ tra một lần. Mã thoát 0 khi tất cả đều ổn, 2 khi có địa chỉ không nhận "
        "được thư, 3 khi có địa chỉ chưa kiểm tra được (DNS không trả lời) hoặc danh sách "
        "không có địa chỉ nào.\n\n"
        "Danh sách dài có thể chạy thành N phần: `--shard 0/4` ... `--shard 3/4`, mỗi phần "
        "kiểm tra địa chỉ của một phần tư số tên miền (mỗi tên miền chỉ nằm trong một phần) "
        "và ghi kèm số dòng; `mailcheck preflight-merge` ghép chúng thành báo cáo giống như "
        "khi chạy một lần.",
    ),
    "preflight-merge": (
        "Ghép kết quả của preflight chạy thành nhiều phần (--shard I/N) thành một báo cáo.",
        "Ghép kết quả của `mailcheck preflight --shard I/N` thành báo cáo như khi chạy một "
        "lần.\n\n"
        "Đưa vào đủ N kết quả của các phần, theo thứ tự bất kỳ (CSV hoặc JSON, đúng như các "
        "phần đã ghi): các dòng ra theo thứ tự của danh sách, giống từng byte với kết quả "
        "`mailcheck preflight` chạy trên cả danh sách, cùng phần tổng kết và mã thoát (0 tất "
        "cả đều ổn, 2 có địa chỉ không nhận được thư, 3 có địa chỉ chưa kiểm tra được). Các "
        "phần của danh sách khác, N khác, thiếu một phần hoặc một phần đưa hai lần, hay một "
        "kết quả bị cắt cụt đều bị từ chối (mã thoát 3) trước khi ghi bất cứ thứ gì.",
    ),
    "roundtrip": (
        "Gửi hóa đơn thử vào hộp thư của chính bạn; thư vào Hộp thư đến, Spam hay thất lạc.",
        "Gửi hóa đơn thử vào hộp thư của chính bạn; cho biết thư vào Hộp thư đến, thư mục "
        "Spam hay bị thất lạc.\n\n"
        "Đăng nhập, gửi một hóa đơn giống thật (kèm PDF và XML) đến chính địa chỉ của người "
        "gửi, theo dõi Hộp thư đến (INBOX) và thư mục Spam (IMAP IDLE), đọc các header spam "
        "và xác thực của phía nhận, rồi xóa đúng thư đó và không gì khác. Mã thoát 0 Hộp thư "
        "đến, 1 thư mục Spam, 2 thư không đến, 3 chưa kết luận được.",
    ),
    "send": (
        "Gửi hóa đơn thử đến một địa chỉ bạn chỉ định.",
        "Gửi hóa đơn thử đến ADDRESS (--to) và cho biết kết quả gửi.\n\n"
        "Đăng nhập bằng tài khoản SMTP của người gửi và gửi đúng hóa đơn thử mà lệnh "
        "roundtrip gửi, có ghi rõ là thư thử, chỉ đến địa chỉ đã cho và không ai khác; không "
        "cần IMAP (tài khoản relay cũng được). Cho biết máy chủ mail đã nhận thư (kèm mã hàng "
        "đợi) hay từ chối, trích nguyên văn lời máy chủ. Mã thoát 0 đã nhận, 1 CẢNH BÁO (tạm "
        "thời từ chối: thử lại sau), 2 bị từ chối, 3 chưa kết luận được.",
    ),
    "serve": (
        "Trình xuất số liệu Prometheus; mỗi lần scrape kiểm tra một hồ sơ.",
        "Cung cấp số liệu Prometheus: mỗi lần scrape /probe?profile=NAME kiểm tra hồ sơ đó."
        "\n\n"
        "Giống blackbox_exporter: Prometheus scrape /probe với một tham số là tên một hồ sơ "
        "trong tệp cấu hình, và nhận số liệu của lần chạy đó (cùng tên với check --format "
        "prometheus). Máy chủ, tài khoản và mật khẩu chỉ lấy từ tệp cấu hình. Thời hạn là "
        "thời gian chờ của lần scrape trừ 0,5 s. Hồ sơ đang được kiểm tra (bởi một probe "
        "hoặc bởi mailcheck check) được trả lời ngay với mailcheck_success 0 và reason busy. "
        "/metrics là số liệu của chính trình xuất. SIGTERM dừng nó: các probe đang chạy dọn "
        "thư thử của mình, mã thoát 0.",
    ),
    "smtp": (
        "Kiểm tra đăng nhập SMTP và TLS; không gửi thư nào.",
        "Kiểm tra đăng nhập SMTP và TLS; không gửi thư nào.\n\n"
        "Kết nối, kiểm tra TLS và chứng chỉ, và chỉ thử đăng nhập đúng một lần. Mã thoát 0 "
        "khi đăng nhập được chấp nhận, 2 khi không gửi thư đi được, 3 khi mailcheck chưa kết "
        "luận được.",
    ),
    "watch": (
        "Chờ hóa đơn do phần mềm kế toán gửi; cho biết thư vào đâu.",
        "Chờ hóa đơn do phần mềm kế toán gửi; cho biết thư vào đâu.\n\n"
        "Chạy lệnh này trước, rồi gửi một hóa đơn từ phần mềm kế toán đến chính hộp thư của "
        "bạn (--mailbox). Lệnh theo dõi Hộp thư đến (INBOX) và thư mục Spam, không bao giờ "
        "xóa gì. Mã thoát 0 Hộp thư đến, 1 thư mục Spam, 2 thư không đến, 3 chưa kết luận "
        "được.",
    ),
}

#: Each option's help under --lang vi, by its long flag; ``"command --flag"`` when one
#: command says something else about it.
CLI_OPTIONS_VI: dict[str, str] = {
    "--version": "Hiện phiên bản rồi thoát.",
    "--help": "Hiện trợ giúp này rồi thoát.",
    "--quiet": "Chỉ in dòng kết quả.",
    "--verbose": "In thêm các bước đã chạy (Các bước), kể cả khi mọi thứ đều ổn.",
    "--lang": "Ngôn ngữ của báo cáo và của mailcheck [theo ngôn ngữ của hệ thống].",
    "--profile": "Hồ sơ có tên trong tệp cấu hình.",
    "check --profile": "Hồ sơ cần kiểm tra trong tệp cấu hình (lặp lại được).",
    "history --profile": "Chỉ hồ sơ này (lặp lại được) [mọi hồ sơ].",
    "login --profile": "Lần đăng nhập này thuộc hồ sơ nào.",
    "--config": (
        "Tệp cấu hình [config.toml trong ~/.config/mailcheck, %LOCALAPPDATA%\\mailcheck trên "
        "Windows]."
    ),
    "history --config": (
        "Tệp cấu hình có khóa 'history' chỉ tới tệp lịch sử [~/.config/mailcheck/config.toml]."
    ),
    "serve --config": (
        "Tệp cấu hình chứa các hồ sơ được phép kiểm tra "
        "[mặc định: ~/.config/mailcheck/config.toml]."
    ),
    "login --provider": (
        "Ai cho bạn đăng nhập: Google (gmail) hoặc Microsoft 365 / Outlook.com (office365)."
    ),
    "--smtp-host": (
        "Máy chủ mail gửi đi (SMTP) [của nhà cung cấp; nếu không thì mail.TÊN-MIỀN hoặc MX của "
        "tên miền người gửi, nếu máy chủ đó trả lời]."
    ),
    "--smtp-port": (
        "Cổng của nó [587; 465 cho tls; chỉ cho 465 thì hiểu là tls, 587 là starttls]."
    ),
    "--smtp-tls": "starttls (587), tls hoặc ssl = TLS/SSL ngay từ đầu (465), none.",
    "--username": "Tên đăng nhập [địa chỉ người gửi].",
    "--ca-file": "Tin tệp CA này thay cho CA của hệ thống (CA riêng hoặc CA của lab).",
    "--ehlo-name": "Tên gửi trong lệnh EHLO.",
    "--allow-plaintext": "Cho phép gửi mật khẩu qua kết nối không mã hóa.",
    "--dns-server": "Phân giải tên bằng máy chủ DNS này thay cho trình phân giải của hệ thống.",
    "check --dns-server": (
        "Phân giải tên bằng máy chủ DNS này [của hồ sơ, nếu không thì của hệ thống]."
    ),
    "serve --dns-server": (
        "Phân giải tên bằng máy chủ DNS này [của hồ sơ, nếu không thì của hệ thống]."
    ),
    "dns --dns-server": "Máy chủ DNS [trình phân giải của hệ thống].",
    "preflight --dns-server": "Máy chủ DNS [trình phân giải của hệ thống].",
    "--timeout": "Thời gian chờ tối đa của mỗi bước mạng [10].",
    "dns --timeout": "Thời gian chờ của mỗi lần tra DNS.",
    "preflight --timeout": "Thời gian chờ của mỗi lần tra DNS, tính từ lúc gửi truy vấn.",
    "login --timeout": "Số giây tối đa cho mỗi yêu cầu gửi đến nhà cung cấp.",
    "--deadline": "Giới hạn thời gian của cả lệnh [60].",
    "check --deadline": "Giới hạn thời gian của cả lần chạy [60].",
    "serve --deadline": (
        "Thời hạn của một probe khi lần scrape không gửi X-Prometheus-Scrape-Timeout-Seconds."
    ),
    "--retry-temporary": (
        "Sau khi bị từ chối tạm thời (421, greylisting 451, giới hạn tần suất), chờ đúng khoảng "
        "máy chủ mail yêu cầu [60 s], trong phạm vi --deadline, rồi thử lại một lần."
    ),
    "--password-file": "Đọc mật khẩu từ dòng đầu của tệp này.",
    "--password-command": "Chạy lệnh này; dòng đầu tiên nó in ra là mật khẩu.",
    "--password-stdin": "Đọc mật khẩu từ dòng đầu của đầu vào chuẩn (stdin).",
    "--token-command": (
        "Đăng nhập bằng OAuth2 (XOAUTH2/OAUTHBEARER) thay cho mật khẩu: chạy lệnh này; dòng "
        "đầu tiên nó in ra là access token (hoặc đặt MAILCHECK_ACCESS_TOKEN)."
    ),
    "--imap-host": "Máy chủ IMAP [theo cấu hình sẵn, nếu không thì máy chủ SMTP].",
    "--imap-port": "Cổng của nó [993; 143 cho starttls].",
    "--imap-tls": "tls hoặc ssl = TLS ngay từ đầu (993), starttls (143), none.",
    "--imap-username": "Tên đăng nhập IMAP [tên đăng nhập SMTP].",
    "--imap-password-file": (
        "Mật khẩu IMAP từ một tệp [mật khẩu SMTP; hoặc MAILCHECK_IMAP_PASSWORD]."
    ),
    "--imap-password-command": "Mật khẩu IMAP là dòng đầu tiên một lệnh in ra.",
    "--wait": "Chờ thư thử tối đa bao lâu sau khi gửi [30].",
    "watch --wait": "Chờ thư tối đa bao lâu.",
    "--keep": "Để lại thư thử trong hộp thư (mặc định: xóa nó, và chỉ nó).",
    "--subject": "Mẫu tiêu đề ({number}, {token}).",
    "--sender-name": "Tên hiển thị trong From.",
    "--attachment-size": "Làm hóa đơn thử lớn cỡ này (vd. 5M), giống hóa đơn thật.",
    "--dnsbl": "Kiểm tra IP gửi trong danh sách chặn: default, all hoặc một zone (lặp lại được).",
    "dns --dnsbl": "Danh sách chặn để kiểm tra --ip: default, all hoặc một zone (lặp lại được).",
    "--probe-mailbox": "Gửi thêm vào hộp thư của hồ sơ này và theo dõi nó (lặp lại được).",
    "--format": "Báo cáo cho người đọc hay cho máy.",
    "check --format": "Báo cáo cho người đọc, cho máy, cho plugin giám sát hoặc Prometheus.",
    "--transcript": "Kèm hội thoại giao thức (đã che mật khẩu).",
    "--color": "Tô màu báo cáo [khi stdout là terminal].",
    "--report": "Ghi thêm một báo cáo bằng chứng ngắn (Markdown) để chuyển cho quản trị mail.",
    "--sender": "Địa chỉ dùng để gửi hóa đơn.",
    "roundtrip --sender": "Địa chỉ cần kiểm tra (hộp thư của chính nó).",
    "smtp --sender": "Địa chỉ gửi (chọn cấu hình sẵn của nhà cung cấp).",
    "send --sender": "Địa chỉ gửi hóa đơn thử.",
    "--recipient": "Địa chỉ của khách hàng.",
    "--send-to-recipient": (
        "Gửi thêm cho khách hàng một thư thử có ghi rõ là thư thử, và chờ thư báo lỗi."
    ),
    "--probe-rcpt": (
        "Hỏi máy chủ mail của khách hàng (cổng 25) có nhận địa chỉ này không; không gửi thư."
    ),
    "--no-imap": (
        "Tài khoản chỉ gửi (SMTP relay, không có hộp thư): phần cần IMAP được báo là chưa kiểm tra."
    ),
    "--mx-port": "Cổng MX của khách hàng cho --probe-rcpt [25] (lab).",
    "--all": "Kiểm tra mọi hồ sơ trong tệp cấu hình.",
    "--warning": (
        "CẢNH BÁO khi thời gian giao thư (giây) nằm ngoài khoảng này (cú pháp plugin), vd. 10."
    ),
    "--critical": (
        "NGHIÊM TRỌNG khi thời gian giao thư (giây) nằm ngoài khoảng này (cú pháp plugin), vd. 30."
    ),
    "--textfile": "Ghi thêm số liệu Prometheus vào DIR/mailcheck_<profile>.prom (node_exporter).",
    "--junit": "Ghi thêm báo cáo JUnit XML (mỗi probe một test).",
    "--history": (
        "Tệp lịch sử SQLite [history trong tệp cấu hình, nếu không thì ~/.local/state/mailcheck/]."
    ),
    "history --history": (
        "Tệp lịch sử [$MAILCHECK_HISTORY, nếu không thì history trong tệp cấu hình, nếu không "
        "thì ~/.local/state/mailcheck/history.sqlite3]."
    ),
    "--no-history": "Không ghi lần chạy này vào lịch sử.",
    "--ip": "IP gửi: đánh giá SPF cho nó và kiểm tra danh sách chặn.",
    "--dkim-selector": "Kiểm tra bản ghi khóa của DKIM selector này.",
    "--limit": "Liệt kê bao nhiêu lần chạy gần nhất.",
    "--since": "Chỉ các lần chạy trong khoảng này, vd. 24h, 7d.",
    "--client-id": "Mã client (app) OAuth2 đã đăng ký với nhà cung cấp.",
    "--tenant": "Microsoft: mã hoặc tên miền của thư mục (tenant); common cho mọi tài khoản.",
    "--column": "Cột chứa địa chỉ (tên hoặc số thứ tự từ 1) [tự nhận ra].",
    "--output": "Ghi vào đây [stdout].",
    "--rate": "Tối đa bấy nhiêu truy vấn DNS mỗi giây (trình phân giải công cộng).",
    "--max-in-flight": (
        "Số truy vấn DNS đang chờ trả lời tối đa; ít hơn khi trình phân giải lỗi hoặc không "
        "trả lời."
    ),
    "--shard": (
        "Chỉ kiểm tra phần I trong N phần (I từ 0 đến N-1, như JOB_COMPLETION_INDEX của "
        "Kubernetes): địa chỉ của 1/N số tên miền; ghép N kết quả bằng "
        "`mailcheck preflight-merge`."
    ),
    "--listen": "Địa chỉ lắng nghe; 0.0.0.0:9786 để nghe trên mọi giao diện mạng (container).",
    "--web-config": "TLS và basic auth, theo định dạng web-config của Prometheus exporter-toolkit.",
    "--max-concurrent": (
        "Số probe chạy cùng lúc tối đa; probe khác chờ chỗ trống trong thời hạn của nó."
    ),
    "--max-deadline": "Thời hạn dài nhất một lần scrape được yêu cầu.",
    "--mailbox": "Địa chỉ hộp thư của chính bạn, nơi phần mềm gửi thư thử đến.",
    "--from": "Khớp địa chỉ hoặc tên người gửi (một phần).",
    "--subject-contains": "Khớp một phần tiêu đề.",
    "--invoice-number": "Khớp số hóa đơn trong tiêu đề.",
    "--to": "Địa chỉ duy nhất nhận hóa đơn thử.",
    "--jobs": (
        "Số tiến trình đọc một tệp mbox lớn, kể cả tiến trình này; 1 là chỉ đọc trong tiến "
        "trình này. Mặc định: mỗi nhân CPU một tiến trình (tối đa 5)."
    ),
    "--mx-tls": (
        "Kết nối thêm tới máy chủ mail của người nhận (cổng 25): STARTTLS và chứng chỉ của nó."
    ),
}

#: ``--provider``'s help under --lang vi: the presets come from providers.toml.
CLI_PROVIDER_VI = (
    "Cấu hình sẵn của nhà cung cấp: {presets}.{parameters} Mặc định: theo tên miền của người "
    "gửi, hoặc bản ghi MX của nó (Google Workspace, Microsoft 365)."
)
CLI_PROVIDER_PARAMETER_VI = " {pid} cần thêm {parameter}: {pid}:{example}."
#: The values a preset takes (providers.toml's ``parameter``), in words.
CLI_PROVIDER_PARAMETERS_VI = {"region": "vùng AWS (region)"}

#: click's own words (its gettext message ids) under --lang vi: help headings, usage
#: errors. Placeholders are click's and stay as they are.
CLICK_VI: dict[str, str] = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Hiện trợ giúp này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "required": "bắt buộc",
    "(dynamic)": "(tính lúc chạy)",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Gõ '{command} {option}' để xem trợ giúp.",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing command.": "Thiếu lệnh.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không phải là một trong {choices}.",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Got unexpected extra argument ({args})": "Thừa tham số không mong đợi ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các tham số không mong đợi ({args})",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là số hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {name} {filename!r}.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "Aborted!": "Đã hủy!",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
}

#: mailcheck's own one-line messages (``mailcheck: error: ...``), by language: the word
#: after ``mailcheck:``, and the messages the command line itself makes.
CLI_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "error": "error",
        "warning": "warning",
        "aborted": "aborted",
        "sigint": "interrupted by SIGINT",
        "signal": "interrupted by {name}",
        "internal": (
            "internal error ({error}); this is a bug in mailcheck, "
            "run again with MAILCHECK_DEBUG=1 for the traceback"
        ),
        "try_help": "Try '{command} -h' for help.",
    },
    "vi": {
        "error": "lỗi",
        "warning": "cảnh báo",
        "aborted": "đã hủy",
        "sigint": "bị ngắt bởi SIGINT",
        "signal": "bị ngắt bởi {name}",
        "internal": (
            "lỗi nội bộ ({error}); đây là lỗi của mailcheck, hãy chạy lại với "
            "MAILCHECK_DEBUG=1 để xem traceback"
        ),
        "try_help": "Gõ '{command} -h' để xem trợ giúp.",
    },
}

#: mailcheck's error texts (ConfigError, SecretError) under --lang vi, keyed by the English
#: as the code writes it: ``{name}`` stands for the part that varies and is carried over.
#: A text not listed here is printed in English (the test of every command finds it).
ERRORS_VI: dict[str, str] = {
    "missing --sender (the address the invoices are sent from)": (
        "thiếu --sender (địa chỉ dùng để gửi hóa đơn)"
    ),
    "missing --recipient (the customer's address)": "thiếu --recipient (địa chỉ của khách hàng)",
    "no IMAP server: give --imap-host (and --imap-port) or --provider": (
        "chưa có máy chủ IMAP: hãy cho --imap-host (và --imap-port) hoặc --provider"
    ),
    "no SMTP server: give --smtp-host (and --smtp-port, --smtp-tls) or --provider": (
        "chưa có máy chủ mail gửi đi: hãy cho --smtp-host (và --smtp-port, --smtp-tls) hoặc "
        "--provider"
    ),
    "missing --username (or --sender, which is used as the user name)": (
        "thiếu --username (hoặc --sender, được dùng làm tên đăng nhập)"
    ),
    "--username: contains control characters": "--username: có ký tự điều khiển",
    "--ca-file: {path} is not a readable file": "--ca-file: {path} không phải tệp đọc được",
    "{what}: {domain} is not a valid domain name": "{what}: {domain} không phải tên miền hợp lệ",
    "{what}: {value} is not an e-mail address (expected name@domain)": (
        "{what}: {value} không phải địa chỉ email (cần dạng tên@tên-miền)"
    ),
    "{what}: {host} is not a host name": "{what}: {host} không phải tên máy chủ",
    "{what}: {value} is not IP[:PORT]": "{what}: {value} không có dạng IP[:PORT]",
    "{what}: {value} is not a port number": "{what}: {value} không phải số cổng",
    "{what}: {value} is not a port number (1-65535)": (
        "{what}: {value} không phải số cổng (1-65535)"
    ),
    "{what}: {value} is not a number of seconds": "{what}: {value} không phải số giây",
    "{what}: {value} is out of range (0-3600 seconds)": (
        "{what}: {value} nằm ngoài khoảng 0-3600 giây"
    ),
    "{what}: {value} is not a size (e.g. 2M, 500k, 250000)": (
        "{what}: {value} không phải kích thước (vd. 2M, 500k, 250000)"
    ),
    "{what}: {value} is out of range (0 to 50M)": "{what}: {value} nằm ngoài khoảng 0 đến 50M",
    "{what}: {value} is not one of {choices}": "{what}: {value} không phải là một trong {choices}",
    "{what}: {value} is not vi or en": "{what}: {value} không phải vi hay en",
    "config file {path} does not exist": "tệp cấu hình {path} không tồn tại",
    "cannot read config file {path}: {reason}": "không đọc được tệp cấu hình {path}: {reason}",
    "config file {path} is not UTF-8 text": "tệp cấu hình {path} không phải văn bản UTF-8",
    "config file {path} is not valid TOML: {reason}": (
        "tệp cấu hình {path} không phải TOML hợp lệ: {reason}"
    ),
    "config file {path}: unknown key(s) {names}": "tệp cấu hình {path}: khóa lạ {names}",
    "there is no config file {path} (mailcheck check needs profiles)": (
        "không có tệp cấu hình {path} (mailcheck check cần các hồ sơ trong đó; xem mẫu "
        "docs/examples/config.toml)"
    ),
    "config file {path} has no profiles": "tệp cấu hình {path} không có hồ sơ nào",
    "profile {name} asked for, but there is no config file {path}": (
        "đã chọn hồ sơ {name} nhưng không có tệp cấu hình {path}"
    ),
    "config file {path}: no profile {name} (profiles: {known})": (
        "tệp cấu hình {path}: không có hồ sơ {name} (các hồ sơ: {known})"
    ),
    "config file {path}: no profile {name} (did you mean {hint}?) (profiles: {known})": (
        "tệp cấu hình {path}: không có hồ sơ {name} (có phải ý bạn là {hint}?) (các hồ sơ: {known})"
    ),
    "config file {path}: profile {name}: unknown key {key}": (
        "tệp cấu hình {path}: hồ sơ {name}: khóa lạ {key}"
    ),
    "config file {path}: profile {name}: unknown key {key} (did you mean {hint}?)": (
        "tệp cấu hình {path}: hồ sơ {name}: khóa lạ {key} (có phải ý bạn là {hint}?)"
    ),
    "cannot read the password file {path}: {reason}": (
        "không đọc được tệp mật khẩu {path}: {reason}"
    ),
    "the profile's password_env {name} is not set": (
        "biến môi trường {name} (password_env của hồ sơ) chưa được đặt"
    ),
    "no password: set MAILCHECK_PASSWORD, or use --password-file, --password-command or "
    "--password-stdin (an OAuth2 access token: --token-command or MAILCHECK_ACCESS_TOKEN)": (
        "chưa có mật khẩu: đặt biến môi trường MAILCHECK_PASSWORD, hoặc dùng --password-file, "
        "--password-command hay --password-stdin (access token OAuth2: --token-command hoặc "
        "MAILCHECK_ACCESS_TOKEN)"
    ),
    "give only one {kind} source, not {named}": "chỉ cho một nguồn {kind}, không phải {named}",
    "the {what} from {source} is empty": "{what} lấy từ {source} đang trống",
    "aborted": "đã hủy",
    "unknown provider {name}; known: {known}": (
        "không có cấu hình sẵn cho nhà cung cấp {name}; các nhà cung cấp đã biết: {known}"
    ),
    "unknown provider {name} (did you mean {hint}?); known: {known}": (
        "không có cấu hình sẵn cho nhà cung cấp {name} (có phải ý bạn là {hint}?); các nhà "
        "cung cấp đã biết: {known}"
    ),
    "the round trip needs --sender (the mailbox it sends the test invoice to)": (
        "gửi thư thử vòng về cần --sender (hộp thư nhận hóa đơn thử)"
    ),
    "send needs --sender (the address the test invoice comes from)": (
        "lệnh send cần --sender (địa chỉ gửi hóa đơn thử)"
    ),
    "missing --mailbox (the address the accounting software sends the test to)": (
        "thiếu --mailbox (địa chỉ phần mềm kế toán gửi thư thử đến)"
    ),
    "say what to wait for: --from, --subject-contains or --invoice-number": (
        "hãy cho biết chờ thư nào: --from, --subject-contains hoặc --invoice-number"
    ),
    "cannot read {file}: {reason}": "không đọc được {file}: {reason}",
    "{target} is not a valid domain name": "{target} không phải tên miền hợp lệ",
    "{target} is not a valid address: {reason}": "{target} không phải địa chỉ hợp lệ: {reason}",
    "--since {text} is not a duration; use a number and a unit (s, m, h, d or w), e.g. 24h, "
    "7d or 1d12h": (
        "--since {text} không phải khoảng thời gian; hãy dùng một số và một đơn vị (s, m, h, d "
        "hoặc w), vd. 24h, 7d hoặc 1d12h"
    ),
    "--since {text} is zero; give a duration such as 24h or 7d": (
        "--since {text} bằng 0; hãy cho một khoảng thời gian như 24h hoặc 7d"
    ),
    "--rate: must be above 0": "--rate: phải lớn hơn 0",
    "--max-in-flight: must be at least 1": "--max-in-flight: phải ít nhất là 1",
    "--textfile: {path} is not a directory": "--textfile: {path} không phải thư mục",
    "no SMTP server: give --smtp-host (and --smtp-port, --smtp-tls), --provider, or --sender "
    "(its domain names the provider or the server)": (
        "chưa có máy chủ mail gửi đi: hãy cho --smtp-host (và --smtp-port, --smtp-tls), "
        "--provider, hoặc --sender (tên miền của nó cho biết nhà cung cấp hay máy chủ)"
    ),
    "--sender: {domain} is not a mail provider's domain: did you mean {typo}? ({hint})": (
        "--sender: {domain} không phải tên miền của nhà cung cấp mail nào: có phải ý bạn là "
        "{typo}? ({hint})"
    ),
    "cannot tell {domain}'s sending server: add --smtp-host (e.g. {example})": (
        "không tìm ra máy chủ mail gửi đi của {domain}: hãy thêm --smtp-host (vd. {example})"
    ),
    "cannot tell {domain}'s sending server: add --smtp-host (e.g. {example}); tried {tried}": (
        "không tìm ra máy chủ mail gửi đi của {domain}: hãy thêm --smtp-host (vd. {example}); "
        "đã thử {tried}"
    ),
    "-q/--quiet and -v/--verbose cannot be given together": (
        "không dùng -q/--quiet và -v/--verbose cùng lúc"
    ),
    "no cause {cause}": "không có nguyên nhân {cause}",
    # Words that fill a part of the texts below (translated on their own).
    "password command": "lệnh lấy mật khẩu",
    "token command": "lệnh lấy access token",
    "password": "mật khẩu",
    "access token": "access token",
    "JUnit report": "báo cáo JUnit",
    "Markdown report": "báo cáo Markdown",
    "Prometheus textfile": "tệp số liệu Prometheus",
    "preflight output": "kết quả preflight",
    "merged preflight output": "kết quả preflight đã ghép",
    # The password or token command (secret.py).
    "cannot parse the {what}: {reason}": "không hiểu được {what}: {reason}",
    "the {what} is empty": "{what} đang trống",
    "the {what} {name} was not run: no time left (--deadline)": (
        "chưa chạy {what} {name}: đã hết thời gian (--deadline)"
    ),
    "the {what} {name} was not found": "không tìm thấy {what} {name}",
    "cannot run the {what} {name}: {reason}": "không chạy được {what} {name}: {reason}",
    "the {what} {name} did not finish within {seconds} s (--timeout, --deadline) and was stopped": (
        "{what} {name} không xong trong {seconds} s (--timeout, --deadline) nên đã bị dừng"
    ),
    "the {what} {name} failed with exit code {code}": (
        "{what} {name} thất bại với mã thoát {code}"
    ),
    "the {what} {name} failed with exit code {code}: {said}": (
        "{what} {name} thất bại với mã thoát {code}: {said}"
    ),
    "the {what} {name} was killed by signal {signal}": (
        "{what} {name} bị dừng bởi tín hiệu {signal}"
    ),
    "the output of the {what} {name} is not UTF-8 text": (
        "kết quả của {what} {name} không phải văn bản UTF-8"
    ),
    "the {what} from {source} is not valid UTF-8 text": (
        "{what} lấy từ {source} không phải văn bản UTF-8 hợp lệ"
    ),
    "the password from {source} is not valid UTF-8 text": (
        "mật khẩu lấy từ {source} không phải văn bản UTF-8 hợp lệ"
    ),
    "the access token from {source} holds control characters": (
        "access token lấy từ {source} có ký tự điều khiển"
    ),
    "both a password ({source}) and an access token (env {name}) are given: keep only the one "
    "to sign in with": (
        "có cả mật khẩu ({source}) lẫn access token (biến môi trường {name}): chỉ giữ lại một "
        "cách đăng nhập"
    ),
    "the profile gives both {named}: keep only the one to sign in with": (
        "hồ sơ có cả {named}: chỉ giữ lại một cách đăng nhập"
    ),
    # The config file and its profiles (profiles.py, config.py, check/plan.py).
    "config file {path} is larger than 1 MB: not a mailcheck config": (
        "tệp cấu hình {path} lớn hơn 1 MB: không phải cấu hình của mailcheck"
    ),
    "config file {path} is nested too deeply to be a config": (
        "tệp cấu hình {path} lồng quá sâu, không phải một cấu hình"
    ),
    "config file {path}: 'profiles' must be a table, not {kind}": (
        "tệp cấu hình {path}: 'profiles' phải là một bảng (table), không phải {kind}"
    ),
    "config file {path}: profile {name} must be a table, not {kind}": (
        "tệp cấu hình {path}: hồ sơ {name} phải là một bảng (table), không phải {kind}"
    ),
    "config file {path}: profile {name} must be a table": (
        "tệp cấu hình {path}: hồ sơ {name} phải là một bảng (table)"
    ),
    "{what} must be {want}, not {kind}": "{what} phải là {want}, không phải {kind}",
    "--probe-mailbox {name}: the profile needs a sender (its address)": (
        "--probe-mailbox {name}: hồ sơ cần có sender (địa chỉ của hộp thư)"
    ),
    "--probe-mailbox {name}: the profile needs imap_host or a provider": (
        "--probe-mailbox {name}: hồ sơ cần imap_host hoặc provider"
    ),
    "--probe-mailbox {name}: the profile needs password_env, password_file or password_command": (
        "--probe-mailbox {name}: hồ sơ cần password_env, password_file hoặc password_command"
    ),
    "profile {name}: unknown check {check} (known: {known})": (
        "hồ sơ {name}: không có kiểm tra {check} (các kiểm tra có: {known})"
    ),
    "profile {name}: 'checks' must be a list of {known}": (
        "hồ sơ {name}: 'checks' phải là danh sách gồm {known}"
    ),
    "profile {name}: 'customers' is checked but customer_domains is empty": (
        "hồ sơ {name}: có kiểm tra 'customers' nhưng customer_domains đang trống"
    ),
    "profile {name}: 'customer_domains' must be a list of domains": (
        "hồ sơ {name}: 'customer_domains' phải là danh sách tên miền"
    ),
    "profile {name}: 'sender-dns' needs the profile's sender address": (
        "hồ sơ {name}: 'sender-dns' cần địa chỉ sender của hồ sơ"
    ),
    "--provider: {pid} needs its {parameter}, e.g. {example}": (
        "--provider: {pid} cần thêm {parameter}, vd. {example}"
    ),
    "--provider: {value} is not an AWS region (e.g. {example})": (
        "--provider: {value} không phải vùng AWS (region) (vd. {example})"
    ),
    "--provider: {pid} takes no parameter (got {value})": (
        "--provider: {pid} không nhận tham số (đã cho {value})"
    ),
    "{what}: the address contains control characters (CR, LF, ...)": (
        "{what}: địa chỉ có ký tự điều khiển (CR, LF, ...)"
    ),
    "{what}: the part before @ is longer than 64 characters": (
        "{what}: phần trước ký tự @ dài hơn 64 ký tự"
    ),
    # Thresholds (check/ranges.py).
    "threshold range {range}: empty or contains spaces (use e.g. 10, 10:, ~:10, 10:20 or @10:20)": (
        "khoảng ngưỡng {range}: trống hoặc có khoảng trắng (dùng vd. 10, 10:, ~:10, 10:20 hoặc "
        "@10:20)"
    ),
    "threshold range {range}: '@' needs a range after it, e.g. @10:20": (
        "khoảng ngưỡng {range}: sau '@' cần một khoảng, vd. @10:20"
    ),
    "threshold range {range}: more than one ':'": "khoảng ngưỡng {range}: có hơn một dấu ':'",
    "threshold range {range}: {which} {value} is not a number (use e.g. 10, 10:, ~:10, 10:20 or "
    "@10:20)": (
        "khoảng ngưỡng {range}: {which} {value} không phải một số (dùng vd. 10, 10:, ~:10, "
        "10:20 hoặc @10:20)"
    ),
    # The history file and the run locks (history/).
    "a profile name cannot be empty": "tên hồ sơ không được để trống",
    "cannot create the lock file {path}: {reason}": "không tạo được tệp khóa {path}: {reason}",
    "cannot create history file {path}: {reason}; choose another file with --history or "
    "MAILCHECK_HISTORY": (
        "không tạo được tệp lịch sử {path}: {reason}; hãy chọn tệp khác bằng --history hoặc "
        "MAILCHECK_HISTORY"
    ),
    "cannot use history file {path} ({reason}); check its permissions or choose another file "
    "with --history or MAILCHECK_HISTORY": (
        "không dùng được tệp lịch sử {path} ({reason}); hãy kiểm tra quyền truy cập hoặc chọn "
        "tệp khác bằng --history hoặc MAILCHECK_HISTORY"
    ),
    "history file {path} stayed locked for {seconds} s ({reason}); is another program holding "
    "it open?": (
        "tệp lịch sử {path} bị khóa suốt {seconds} s ({reason}); có chương trình nào khác đang "
        "mở nó không?"
    ),
    "--since {text} reaches before year 1; give a shorter one": (
        "--since {text} lùi quá năm 1; hãy cho khoảng ngắn hơn"
    ),
    # Files mailcheck writes (atomicfile.py, report/prometheus.py).
    "cannot write the {what} {path}: {reason}": "không ghi được {what} {path}: {reason}",
    "textfile directory {path} does not exist or is not a directory (it should be "
    "node_exporter's --collector.textfile.directory)": (
        "thư mục textfile {path} không tồn tại hoặc không phải thư mục (đó phải là "
        "--collector.textfile.directory của node_exporter)"
    ),
    # The test invoice (invoice/message.py).
    "--attachment-size: {size} bytes is out of range (0 to {limit} MB)": (
        "--attachment-size: {size} byte nằm ngoài khoảng 0 đến {limit} MB"
    ),
    "--subject: {template} is not a valid template ({reason}); write {{ and }} for literal "
    "braces": (
        "--subject: {template} không phải mẫu hợp lệ ({reason}); viết {{{{ và }}}} để có "
        "dấu ngoặc nhọn"
    ),
    "--subject: unknown placeholder {placeholder} in {template}; known: {known}": (
        "--subject: không có chỗ điền {placeholder} trong {template}; các chỗ điền có: {known}"
    ),
    "{what}: the value contains control characters (CR, LF, NUL, ...) at position {at}; "
    "refused, they could inject mail headers": (
        "{what}: giá trị có ký tự điều khiển (CR, LF, NUL, ...) ở vị trí {at}; bị từ chối vì "
        "có thể chèn thêm header vào thư"
    ),
    # The customer list (preflight/).
    "--column: no column {name} in the header ({header})": (
        "--column: không có cột {name} trong dòng tiêu đề ({header})"
    ),
    "{file} is not UTF-8 text ({where}) and not Windows-1258 either ({why}); save the list as "
    "CSV UTF-8": (
        "{file} không phải văn bản UTF-8 ({where}) và cũng không phải Windows-1258 ({why}); "
        "hãy lưu danh sách dạng CSV UTF-8"
    ),
    "{file}, line {line}: longer than {limit} characters; this is not a list of addresses (one "
    "address or CSV row per line)": (
        "{file}, dòng {line}: dài hơn {limit} ký tự; đây không phải danh sách địa chỉ (mỗi dòng "
        "một địa chỉ hoặc một hàng CSV)"
    ),
    "{file}, line {line}: contains NUL bytes, so it is not a text file; save the list as CSV "
    "UTF-8": (
        "{file}, dòng {line}: có byte NUL nên không phải tệp văn bản; hãy lưu danh sách dạng "
        "CSV UTF-8"
    ),
    "--output {path} is the list being checked ({why}); writing the results there would "
    "overwrite it: give another file": (
        "--output {path} chính là danh sách đang được kiểm tra ({why}); ghi kết quả vào đó sẽ "
        "đè mất danh sách: hãy cho tệp khác"
    ),
    "--shard needs the list as a file (or `< FILE`), not a pipe: save it first, and give every "
    "shard the same file": (
        "--shard cần danh sách là một tệp (hoặc `< FILE`), không phải một pipe: hãy lưu ra tệp "
        "trước, và đưa cùng một tệp cho mọi phần"
    ),
    "--shard {value}: N must be from 1 to 10000": "--shard {value}: N phải từ 1 đến 10000",
    "no shard outputs given": "chưa đưa kết quả của phần nào",
    "{file} is not the output of `mailcheck preflight --shard I/N` ({why})": (
        "{file} không phải kết quả của `mailcheck preflight --shard I/N` ({why})"
    ),
    "token: {token} is not a mailcheck token (lower-case letters, digits and '-', at most "
    "{limit} characters)": (
        "token: {token} không phải token của mailcheck (chữ thường, chữ số và '-', tối đa "
        "{limit} ký tự)"
    ),
    "unknown language {lang} (known: {known})": "không có ngôn ngữ {lang} (các ngôn ngữ: {known})",
    "the OAuth2 endpoint {url} is not an http(s) URL": (
        "endpoint OAuth2 {url} không phải địa chỉ http(s)"
    ),
    "the OAuth2 endpoint {url} is not HTTPS (only loopback may be)": (
        "endpoint OAuth2 {url} không dùng HTTPS (chỉ địa chỉ loopback mới được phép)"
    ),
    "MSAL signs in over HTTPS only, not at {url}": "MSAL chỉ đăng nhập qua HTTPS, không qua {url}",
    "the {provider} device endpoint {url} gave no user code": (
        "device endpoint {url} của {provider} không cấp mã người dùng"
    ),
    "the {provider} token endpoint {url} answered HTTP {status} with something that is not "
    "OAuth2 JSON": (
        "token endpoint {url} của {provider} trả lời HTTP {status} bằng nội dung không phải "
        "JSON OAuth2"
    ),
    "the {provider} token endpoint {url} answered with something that is not OAuth2 JSON": (
        "token endpoint {url} của {provider} trả lời bằng nội dung không phải JSON OAuth2"
    ),
    "history file {path} {what}; move it away (mailcheck starts a new one) or choose another "
    "file with --history or MAILCHECK_HISTORY": (
        "tệp lịch sử {path} {what}; hãy chuyển nó đi chỗ khác (mailcheck sẽ tạo tệp mới) hoặc "
        "chọn tệp khác bằng --history hoặc MAILCHECK_HISTORY"
    ),
    "is a directory": "là một thư mục",
    "cannot read history file {path}: {reason}; fix its permissions or choose another file "
    "with --history or MAILCHECK_HISTORY": (
        "không đọc được tệp lịch sử {path}: {reason}; hãy sửa quyền truy cập hoặc chọn tệp khác "
        "bằng --history hoặc MAILCHECK_HISTORY"
    ),
    "is not an SQLite database": "không phải cơ sở dữ liệu SQLite",
    "is damaged or not a database ({reason})": "bị hỏng hoặc không phải cơ sở dữ liệu ({reason})",
    "is another program's database (tables: {names})": (
        "là cơ sở dữ liệu của chương trình khác (các bảng: {names})"
    ),
    "claims to be a mailcheck history but has no runs table": (
        "tự nhận là lịch sử của mailcheck nhưng không có bảng runs"
    ),
    "{file}: row {row} comes after row {last}; a shard's rows are in the list's order (was the "
    "file edited or sorted?)": (
        "{file}: hàng {row} nằm sau hàng {last}; các hàng của một phần theo đúng thứ tự danh "
        "sách (tệp đã bị sửa hay sắp xếp lại?)"
    ),
    # The key is the text as printed (one brace); the Vietnamese goes through format().
    "{file} is cut short (its closing ]} is missing)": "{file} bị cắt cụt (thiếu ]}} ở cuối)",
    "{first} is {fmt} and {second} is {other}: give shards written with the same --format": (
        "{first} là {fmt} còn {second} là {other}: hãy đưa các phần ghi cùng một --format"
    ),
    "{first} is shard {index}/{count} and {second} is {index2}/{count2}: shards of one run have "
    "the same N": (
        "{first} là phần {index}/{count} còn {second} là {index2}/{count2}: các phần của cùng "
        "một lần chạy có cùng N"
    ),
    "{first} and {second} carry different columns of the list (was one of them edited?)": (
        "{first} và {second} mang các cột khác nhau của danh sách (một trong hai đã bị sửa?)"
    ),
    "row {row} is {what}: a shard output was cut short or edited; run that shard again": (
        "hàng {row} {what}: kết quả của một phần bị cắt cụt hoặc bị sửa; hãy chạy lại phần đó"
    ),
    "--shard {value}: expected I/N, e.g. 0/4 for the first of four shards (I counts from 0, as "
    "Kubernetes' JOB_COMPLETION_INDEX)": (
        "--shard {value}: cần dạng I/N, vd. 0/4 cho phần đầu trong bốn phần (I đếm từ 0, như "
        "JOB_COMPLETION_INDEX của Kubernetes)"
    ),
    "--shard {value}: I counts from 0, so it must be 0 to {last} (as Kubernetes' "
    "JOB_COMPLETION_INDEX; with GNU parallel: ::: 0 ... {last2})": (
        "--shard {value}: I đếm từ 0, nên phải từ 0 đến {last} (như JOB_COMPLETION_INDEX của "
        "Kubernetes; với GNU parallel: ::: 0 ... {last2})"
    ),
    "--column {value}: columns count from 1": "--column {value}: cột được đếm từ 1",
    '{file}, line {line}: a quote (") opened in this row is never closed, so every line after '
    "it (to line {end}, the end) would be one cell; close the quote or remove it": (
        '{file}, dòng {line}: dấu ngoặc kép (") mở ở hàng này không được đóng, nên mọi dòng sau '
        "nó (đến dòng {end}, cuối tệp) sẽ thành một ô; hãy đóng hoặc bỏ dấu ngoặc kép đó"
    ),
    "threshold range {range}: start {start} is greater than end {end}": (
        "khoảng ngưỡng {range}: đầu {start} lớn hơn cuối {end}"
    ),
    "profiles {first} and {second} would both write {path}; rename one of them": (
        "hồ sơ {first} và {second} sẽ cùng ghi vào {path}; hãy đổi tên một hồ sơ"
    ),
    "{file} is a folder; give the shard files": "{file} là một thư mục; hãy đưa các tệp kết quả",
    "shard(s) {missing} of {count} missing (shards count from 0): merge needs all {all}": (
        "thiếu phần {missing} trong {count} phần (đếm từ 0): cần đủ {all} phần để ghép"
    ),
    "{first} and {second} are both shard {index}/{count}: give each shard once": (
        "{first} và {second} đều là phần {index}/{count}: mỗi phần chỉ đưa một lần"
    ),
    "{first} and {second} are shards of different lists ({a} and {b})": (
        "{first} và {second} là các phần của hai danh sách khác nhau ({a} và {b})"
    ),
    # Sign-in with OAuth2 (cli/commands/login.py, oauth/).
    "{provider} needs the client secret of your OAuth2 client too: set {name}": (
        "{provider} cần cả client secret của ứng dụng OAuth2: hãy đặt {name}"
    ),
    "{provider} signed you in but gave no refresh token": (
        "{provider} đã cho bạn đăng nhập nhưng không cấp refresh token"
    ),
    "no sign-in came back to {url} within {seconds} s": (
        "không có lần đăng nhập nào trả về {url} trong {seconds} s"
    ),
    "the OAuth2 token file {path} can be read by others (mode {mode}): run chmod 600 {file}": (
        "tệp token OAuth2 {path} người khác đọc được (quyền {mode}): hãy chạy chmod 600 {file}"
    ),
    "the OAuth2 token file {path} is not mailcheck's JSON": (
        "tệp token OAuth2 {path} không phải JSON của mailcheck"
    ),
    "the OAuth2 token file {path} is for {other}, not {this}": (
        "tệp token OAuth2 {path} dành cho {other}, không phải {this}"
    ),
    "cannot write the OAuth2 token file {path}: {reason}": (
        "không ghi được tệp token OAuth2 {path}: {reason}"
    ),
    "profile name {name}: use letters, digits, '.', '_' or '-'": (
        "tên hồ sơ {name}: chỉ dùng chữ cái, chữ số, '.', '_' hoặc '-'"
    ),
    "unknown OAuth2 provider {name}; choose {known}": (
        "không có nhà cung cấp OAuth2 {name}; hãy chọn {known}"
    ),
    "the {provider} token endpoint {url} did not answer within {seconds} s": (
        "token endpoint {url} của {provider} không trả lời trong {seconds} s"
    ),
    "cannot reach the {provider} token endpoint {url}: {reason}": (
        "không kết nối được token endpoint {url} của {provider}: {reason}"
    ),
    "the {provider} token endpoint {url} answered HTTP {status}": (
        "token endpoint {url} của {provider} trả lời HTTP {status}"
    ),
    "the {provider} token endpoint {url} gave no access token": (
        "token endpoint {url} của {provider} không cấp access token"
    ),
    # mailcheck serve (serve/).
    "--listen must be HOST:PORT (e.g. {example}), not {value}": (
        "--listen phải có dạng HOST:PORT (vd. {example}), không phải {value}"
    ),
    "cannot listen on {host}:{port}: {reason}": "không lắng nghe được trên {host}:{port}: {reason}",
    "history not recorded: {reason}": "chưa ghi được vào lịch sử: {reason}",
    "{name} is not UTF-8 text ({where}); read it as Windows-1258 (Vietnamese Windows). If "
    "names look wrong, save the list as CSV UTF-8": (
        "{name} không phải văn bản UTF-8 ({where}); đã đọc theo bảng mã Windows-1258 (Windows "
        "tiếng Việt). Nếu tên hiển thị sai, hãy lưu danh sách dạng CSV UTF-8"
    ),
    "{reason}; showing the default history file": "{reason}; đang hiện tệp lịch sử mặc định",
    "another mailcheck run is already checking profile {profile} (pid {pid}, started "
    "{when}); this run skipped it": (
        "một lần chạy mailcheck khác đang kiểm tra hồ sơ {profile} (pid {pid}, bắt đầu lúc "
        "{when}); lần chạy này bỏ qua hồ sơ đó"
    ),
    "another mailcheck run is already checking profile {profile} (pid unknown); this run "
    "skipped it": (
        "một lần chạy mailcheck khác đang kiểm tra hồ sơ {profile} (không rõ pid); lần chạy "
        "này bỏ qua hồ sơ đó"
    ),
    "another mailcheck run is already checking profile {profile} ({holder}); this run skipped it": (
        "một lần chạy mailcheck khác đang kiểm tra hồ sơ {profile} ({holder}); lần chạy này "
        "bỏ qua hồ sơ đó"
    ),
    "{file} is not UTF-8 text (save the list as CSV UTF-8)": (
        "{file} không phải văn bản UTF-8 (hãy lưu danh sách dạng CSV UTF-8)"
    ),
}


#: ``{name}`` is a name: one word or a quoted one ('billing'), so that the words before it
#: ("the password command 'x'") are not taken for part of it.
_PLACEHOLDER = {"name": r"(?P<name>'[^']*'|\S+)"}


@functools.cache
def _error_patterns() -> list[tuple[re.Pattern[str], str]]:
    """ERRORS_VI's English templates as patterns, the most specific (most literal) first."""
    patterns = []
    for english, vietnamese in ERRORS_VI.items():
        parts = re.split(r"\{(\w+)\}", english)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else _PLACEHOLDER.get(part, f"(?P<{part}>.+?)")
            for i, part in enumerate(parts)
        )
        literal = sum(len(part) for part in parts[::2])
        patterns.append((literal, re.compile(regex, re.DOTALL), vietnamese))
    patterns.sort(key=lambda item: -item[0])
    return [(pattern, vietnamese) for _, pattern, vietnamese in patterns]


def error_text(text: str, lang: str) -> str:
    """One of mailcheck's error texts in ``lang``; unchanged when it has no translation."""
    if lang != "vi":
        return text
    # ``... (did you mean X?)`` (errors.did_you_mean) at the end of any text of the table.
    hint = _DID_YOU_MEAN.search(text)
    if hint:
        head = error_text(text[: hint.start()], lang)
        if head != text[: hint.start()]:
            return f"{head} (có phải ý bạn là {hint.group(1)}?)"
    for pattern, vietnamese in _error_patterns():
        match = pattern.fullmatch(text)
        if match:
            # A part that is itself one of these texts ("history not recorded: <why>").
            parts = {k: error_text(v, lang) for k, v in match.groupdict().items()}
            return _os_words(vietnamese.format(**parts))
    return text


def _os_words(text: str) -> str:
    for english, vietnamese in OS_ERRORS_VI.items():
        text = text.replace(english, vietnamese)
    return text


#: ``mailcheck preflight``: the detail column, the progress bar and the summary line (the
#: CSV header and the verdict and cause columns keep their machine keys).
PREFLIGHT: dict[str, dict[str, str]] = {
    "en": {
        "nxdomain": "the domain does not exist",
        "null_mx": "null MX: the domain accepts no mail",
        "no_mail": "no MX and no address",
        "mx_unresolvable": "MX hosts do not resolve: {hosts}",
        "unknown": "DNS could not tell ({outcome})",
        "resolver": "the DNS resolver does not answer names that must exist",
        "progress": "{done} addresses, {domains} domains, {queries} DNS queries",
        "summary": "{total} addresses: {counts}",
        "shard_empty": "no addresses of this shard in {name}",
        "empty": "no addresses in {name}",
        "shard": "shard {index}/{count}: ",
        "the_shards": "the shards",
    },
    "vi": {
        "nxdomain": "tên miền không tồn tại",
        "null_mx": "MX rỗng (null MX): tên miền không nhận thư",
        "no_mail": "không có bản ghi MX và không có địa chỉ IP",
        "mx_unresolvable": "không phân giải được các máy chủ MX: {hosts}",
        "unknown": "DNS chưa trả lời được ({outcome})",
        "resolver": "máy chủ DNS của máy này không trả lời cả những tên chắc chắn tồn tại",
        "progress": "{done} địa chỉ, {domains} tên miền, {queries} truy vấn DNS",
        "summary": "{total} địa chỉ: {counts}",
        "shard_empty": "không có địa chỉ nào của phần này trong {name}",
        "empty": "không có địa chỉ nào trong {name}",
        "shard": "phần {index}/{count}: ",
        "the_shards": "các phần",
    },
}

# ---------------------------------------------------------------- E16's block (issue 16)
# `preflight` keeps the list's shape: the summary of a list with one address says
# "1 address" (Vietnamese has no plural: the same words).
PREFLIGHT_SHAPE: dict[str, dict[str, str]] = {
    "en": {"summary_one": "{total} address: {counts}"},
    "vi": {"summary_one": "{total} địa chỉ: {counts}"},
}
for _lang in LANGS:
    PREFLIGHT[_lang].update(PREFLIGHT_SHAPE[_lang])
# (B16's ERRORS_VI has the other texts of the list and its shards.)
ERRORS_VI["--column {value}: the first row has {count} columns"] = (
    "--column {value}: dòng đầu tiên chỉ có {count} cột"
)
# ------------------------------------------------------------ end of E16's block

#: email-validator's words for an address it refuses (preflight's detail column, and
#: ``--recipient``), under --lang vi; the same ``{name}`` convention as ERRORS_VI.
ADDRESS_ERRORS_VI: dict[str, str] = {
    "An email address must have an @-sign.": "Địa chỉ email phải có ký tự @.",
    "There must be something before the @-sign.": "Phải có tên trước ký tự @.",
    "There must be something after the @-sign.": "Phải có tên miền sau ký tự @.",
    "An email address cannot have two periods in a row.": (
        "Địa chỉ email không được có hai dấu chấm liền nhau."
    ),
    "An email address cannot have a period and a hyphen next to each other.": (
        "Địa chỉ email không được có dấu chấm và dấu gạch ngang đứng liền nhau."
    ),
    "The email address contains invalid characters before the @-sign: {chars}.": (
        "Địa chỉ email có ký tự không hợp lệ trước ký tự @: {chars}."
    ),
    "The email address contains invalid characters before the @-sign.": (
        "Địa chỉ email có ký tự không hợp lệ trước ký tự @."
    ),
    "The part after the @-sign contains invalid characters: {chars}.": (
        "Phần sau ký tự @ có ký tự không hợp lệ: {chars}."
    ),
    "The email address contains unsafe characters: {chars}.": (
        "Địa chỉ email có ký tự không an toàn: {chars}."
    ),
    "The email address contains an invalid character.": (
        "Địa chỉ email có một ký tự không hợp lệ."
    ),
    "The part after the @-sign is not valid. It should have a period.": (
        "Phần sau ký tự @ không hợp lệ: tên miền phải có dấu chấm."
    ),
    "The part after the @-sign is not valid. It is not within a valid top-level domain.": (
        "Phần sau ký tự @ không hợp lệ: đuôi tên miền không tồn tại."
    ),
    "The part after the @-sign is a special-use or reserved name that cannot be used with "
    "email.": "Phần sau ký tự @ là tên dành riêng, không dùng được cho email.",
    "A display name and angle brackets around the email address are not permitted here.": (
        "Ở đây chỉ nhập địa chỉ email, không kèm tên hiển thị và dấu ngoặc nhọn < >."
    ),
    "There can't be anything after the email address.": (
        "Không được có gì phía sau địa chỉ email."
    ),
    "The email address is too long {reason}.": "Địa chỉ email quá dài {reason}.",
    "The email address is too long before the @-sign {reason}.": (
        "Phần trước ký tự @ quá dài {reason}."
    ),
    "Internationalized characters before the @-sign are not supported: {chars}.": (
        "Không hỗ trợ ký tự có dấu trước ký tự @: {chars}."
    ),
}
ERRORS_VI.update(ADDRESS_ERRORS_VI)

#: The operating system's reasons (``strerror``) that error texts quote, under --lang vi.
OS_ERRORS_VI: dict[str, str] = {
    "No such file or directory": "không có tệp hoặc thư mục này",
    "Permission denied": "không có quyền truy cập",
    "Is a directory": "đây là một thư mục",
    "Not a directory": "không phải thư mục",
    "File exists": "tệp đã tồn tại",
    "No space left on device": "ổ đĩa đã đầy",
    "Read-only file system": "hệ thống tệp chỉ đọc",
    "Connection refused": "kết nối bị từ chối",
    "Address already in use": "địa chỉ đang được dùng",
    "Name or service not known": "không tìm thấy tên",
    "Operation not permitted": "không được phép",
}

_DID_YOU_MEAN = re.compile(r" \(did you mean (.+?)\?\)$")


#: The live progress line on a terminal (``mailcheck.progress``): what each probe's step
#: is doing, and the wait with its limit.
PROGRESS: dict[str, dict[str, Any]] = {
    "en": {
        "waiting": "waiting for the message (up to {limit:g} s)",
        "probes": {
            "smtp": "SMTP",
            "imap": "IMAP",
            "dns": "DNS",
            "auth": "sender DNS",
            "rcpt": "recipient's server",
            "bounce": "bounce",
        },
    },
    "vi": {
        "waiting": "đang chờ thư (tối đa {limit:g} s)",
        "probes": {
            "smtp": "SMTP",
            "imap": "IMAP",
            "dns": "DNS",
            "auth": "DNS người gửi",
            "rcpt": "máy chủ người nhận",
            "bounce": "thư báo lỗi",
        },
        "steps": {
            "junk": "thư mục Spam",
            "resolve": "phân giải tên",
            "connect": "kết nối",
            "greeting": "chờ lời chào",
            "starttls": "bật STARTTLS",
            "tls": "bắt tay TLS",
            "auth": "đăng nhập",
            "login": "đăng nhập",
            "mail": "gửi thư",
            "rcpt": "gửi thư",
            "data": "gửi thư",
            "accepted": "máy chủ mail đã nhận thư",
            "select": "mở hộp thư",
            "list": "tìm thư mục Spam",
            "junk-folder": "tìm thư mục Spam",
            "watch": "đang chờ thư",
            "fetch-headers": "đọc header",
            "headers": "đọc header",
            "placement": "xem thư nằm ở đâu",
            "cleanup": "xóa thư thử",
            "leftovers": "dọn thư thử cũ",
            "retry": "chờ thử lại",
            "recipient": "tên miền người nhận",
            "rcpt-probe": "hỏi máy chủ người nhận",
            "bounce": "tìm thư báo lỗi",
        },
    },
}

#: The password prompt, by language (where a password came from is the report's: HEADLINE).
SECRET_WORDS: dict[str, dict[str, str]] = {
    "en": {"prompt": "Password for {user}"},
    "vi": {"prompt": "Mật khẩu của {user}"},
}


#: ``mailcheck causes``: the severity words (the status words, lower-case in the list),
#: and a heading per area of the catalogue (data/causes/NN-area.toml).
CAUSES_LIST: dict[str, dict[str, Any]] = {
    "en": {
        "fix": "Fix",
        "count": "{count} causes. A cause's fix: mailcheck causes ID (e.g. mailcheck causes "
        "password-changed); all of them: docs/causes.md.",
        "areas": {
            "faq": "The support FAQ's cases",
            "smtp-login": "Login to the mail server",
            "smtp-tls": "TLS and certificates",
            "smtp-connection": "Connecting to the mail server",
            "mailcheck-itself": "mailcheck itself",
            "round-trip": "Delivery to your own mailbox",
            "recipient-domain": "The customer's domain",
            "sender-auth": "Sender authentication (SPF, DKIM, DMARC, blocklists)",
            "bounces": "Bounces",
            "the-run": "The run",
            "relay-refused": "Relaying refused",
            "submission": "Submitting the message",
            "oauth": "OAuth2 sign-in",
            "oauth-grant": "OAuth2 sign-in: the stored grant",
            "imap-oauth2": "OAuth2 sign-in to IMAP",
            "sent": "The test sent to the customer",
        },
    },
    "vi": {
        "fix": "Cách khắc phục",
        "count": "{count} nguyên nhân. Cách khắc phục của một nguyên nhân: mailcheck causes "
        "ID (vd. mailcheck causes password-changed); tất cả: docs/causes.md.",
        "areas": {
            "faq": "Các trường hợp trong FAQ hỗ trợ",
            "smtp-login": "Đăng nhập máy chủ mail",
            "smtp-tls": "TLS và chứng chỉ",
            "smtp-connection": "Kết nối đến máy chủ mail",
            "mailcheck-itself": "Chính mailcheck",
            "round-trip": "Thư thử về hộp thư của bạn",
            "recipient-domain": "Tên miền của khách hàng",
            "sender-auth": "Xác thực người gửi (SPF, DKIM, DMARC, danh sách chặn)",
            "bounces": "Thư báo lỗi",
            "the-run": "Lần chạy",
            "relay-refused": "Máy chủ mail từ chối chuyển tiếp",
            "submission": "Gửi thư lên máy chủ mail",
            "oauth": "Đăng nhập OAuth2",
            "oauth-grant": "Đăng nhập OAuth2: quyền đã lưu",
            "imap-oauth2": "Đăng nhập IMAP bằng OAuth2",
            "sent": "Thư thử gửi cho khách hàng",
        },
    },
}

#: How the round trip found its message (``placement``'s ``via``), what became of it after
#: (``cleanup``'s ``result``), and check's stage names, by language; a word missing here is
#: shown as recorded.
FOUND_WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        # As recorded: the English report has always shown these words.
        "via": {w: w for w in ("first-look", "burst", "idle", "poll", "sweep")},
        "cleanup": {w: w for w in ("deleted", "moved", "kept", "unknown")},
        "stages": {w: w for w in ("auth", "submit", "delivery", "detection", "total")},
    },
    "vi": {
        "via": {
            "first-look": "thấy ngay lần xem đầu",
            "burst": "xem dồn dập ngay sau khi gửi",
            "idle": "IMAP IDLE báo thư mới",
            "poll": "xem lại định kỳ",
            "sweep": "xem các thư mục khác",
        },
        "cleanup": {
            "deleted": "đã xóa",
            "moved": "đã chuyển vào thùng rác",
            "kept": "giữ lại",
            "unknown": "không rõ",
        },
        "stages": {
            "auth": "đăng nhập",
            "submit": "gửi",
            "delivery": "chuyển thư",
            "detection": "phát hiện",
            "total": "tổng",
        },
    },
}
for _lang in LANGS:
    HUMAN[_lang].setdefault("via_words", FOUND_WORDS[_lang]["via"])
    HUMAN[_lang].setdefault("cleanup_words", FOUND_WORDS[_lang]["cleanup"])

# Step names newer than the Steps table (C16's): the last look through the other folders,
# and the control question to the resolver. setdefault: the table's own words win.
for _lang, _names in {
    "en": {"sweep": "sweep", "resolver": "resolver"},
    "vi": {"sweep": "xem thư mục", "resolver": "kiểm tra máy chủ DNS"},
}.items():
    for _name, _word in _names.items():
        STEPS[_lang]["names"].setdefault(_name, _word)

CATALOGUE.update(
    {
        "found_words": FOUND_WORDS,
        "cli_messages": CLI_MESSAGES,
        "progress_words": {lang: PROGRESS[lang]["probes"] for lang in LANGS},
        "secret_words": SECRET_WORDS,
        "causes_list": CAUSES_LIST,
    }
)


# ---------------------------------------------------------------- A16's block (issue 16)
# What was tried for a sending server nobody named (mailcheck.smtphost.TRIED_WORDS), inside
# the error "cannot tell company.vn's sending server: ...; tried ...", under --lang vi.
OS_ERRORS_VI.update(
    {
        " from its MX": " (theo MX)",
        "(no such name)": "(không có tên này)",
        " closed)": " không mở)",
        "(answered on ": "(trả lời ở cổng ",
    }
)
# ---------------------------------------------------------------- end of A16's block


# ---------------------------------------------------------------- F16's block (part 2)
# The recipient-TLS probe in the progress line, and its area of the cause catalogue
# (data/causes/18-recipient-tls.toml) in `mailcheck causes`.
PROGRESS["en"]["probes"]["mxtls"] = "recipient's TLS"
PROGRESS["vi"]["probes"]["mxtls"] = "TLS bên nhận"
CAUSES_LIST["en"]["areas"]["recipient-tls"] = "The customer's TLS (STARTTLS, MTA-STS, TLS-RPT)"
CAUSES_LIST["vi"]["areas"]["recipient-tls"] = "TLS phía khách hàng (STARTTLS, MTA-STS, TLS-RPT)"
# ---------------------------------------------------------------- end of F16's block (part 2)


# ---------------------------------------------------------------- D16's block, part 2
# The command line's Vietnamese (B16's tables): the new command, watch's new words.
CLI_COMMANDS_VI["headers"] = (
    "Đọc tiêu đề của một thư (.eml, khối tiêu đề, hoặc - để dán vào).",
    "Đọc tiêu đề của một thư (.eml, khối tiêu đề, hoặc - để dán vào).\n\n"
    "Cho biết đường đi của thư (các chặng Received và độ trễ), ai đã xác thực gì (SPF, DKIM "
    "với d=, DMARC, ARC), kết luận của bộ lọc spam bên nhận (Microsoft SCL/BCL, Gmail, "
    "rspamd, SpamAssassin) và nguyên nhân tương ứng. Mã thoát 0 đã xác thực và không phải "
    "spam, 1 cảnh báo (spam, không khớp tên miền, không có xác thực), 3 khi không có gì để "
    "kết luận.",
)
CLI_COMMANDS_VI["watch"] = (
    CLI_COMMANDS_VI["watch"][0],
    "Chờ hóa đơn do phần mềm kế toán gửi; cho biết thư vào đâu.\n\n"
    "Chạy lệnh này trước, rồi gửi một hóa đơn từ phần mềm kế toán đến chính hộp thư của "
    "bạn (--mailbox). Lệnh theo dõi Hộp thư đến (INBOX) và thư mục Spam, không bao giờ "
    "xóa gì. Lệnh cũng đọc kết quả xác thực của thư (SPF, DKIM, DMARC): thư không được xác "
    "thực cho tên miền của bạn là một cảnh báo. Mã thoát 0 Hộp thư đến, 1 thư mục Spam hoặc "
    "không được xác thực, 2 thư không đến, 3 chưa kết luận được.",
)
CAUSES_LIST["en"]["areas"]["watch-and-headers"] = "The vendor's message, and a message's headers"
CAUSES_LIST["vi"]["areas"]["watch-and-headers"] = "Thư của nhà cung cấp phần mềm, và tiêu đề thư"
PROGRESS["vi"]["probes"]["headers"] = "tiêu đề thư"
PROGRESS["en"]["probes"]["headers"] = "headers"
# ---------------------------------------------------------------- end of D16's block, part 2
