"""``mailcheck causes`` for people: the catalogue as an index by area, or chosen causes in full.

The areas are the catalogue's files (``data/causes/NN-area.toml``), in their order, each
under a heading in the report's language; the severity is the status word of every other
report (``CẢNH BÁO``, not ``warning``).
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Sequence

from mailcheck.report.i18n import CAUSES_LIST, STATUS_WORDS
from mailcheck.rules import Cause

__all__ = ["cause_areas", "render_causes_human"]

#: The width fix texts are wrapped to (the human report's).
_WIDTH = 100


@functools.cache
def cause_areas() -> dict[str, str]:
    """Each cause id -> its area (``smtp-login`` for ``causes/02-smtp-login.toml``)."""
    from mailcheck.datafiles import read_data
    from mailcheck.rules import catalogue_files

    areas: dict[str, str] = {}
    for name in catalogue_files():
        area = name.rpartition("/")[2].removesuffix(".toml").partition("-")[2]
        for entry in read_data(name).get("cause", []):
            areas[entry["id"]] = area
    return areas


def render_causes_human(causes: Sequence[Cause], lang: str, *, fixes: bool) -> str:
    """The index (id, severity, FAQ case, title) under area headings; with ``fixes``, each
    cause's fix under it too (``mailcheck causes ID ...``)."""
    words = CAUSES_LIST[lang]
    status = STATUS_WORDS[lang]
    areas = cause_areas()
    width = max(len(w) for w in status.values())
    lines: list[str] = []
    current = None
    for cause in causes:
        area = areas.get(cause.id, "")
        if area != current and not fixes:
            if lines:
                lines.append("")
            lines.append(words["areas"].get(area, area))
            current = area
        faq = f"  (FAQ {cause.faq})" if cause.faq else ""
        lines.append(f"  {cause.id:<32} {status[cause.severity.value]:<{width}}{faq}".rstrip())
        lines.append(f"      {cause.title[lang]}")
        if fixes:
            lines.append(f"      {words['fix']}:")
            for paragraph in cause.fix[lang].split("\n\n"):
                lines.extend(
                    textwrap.wrap(
                        paragraph, _WIDTH, initial_indent=" " * 8, subsequent_indent=" " * 8
                    )
                )
            lines.append("")
    if not fixes:
        lines.extend(["", words["count"].format(count=len(causes))])
    return "".join(line + "\n" for line in lines)
