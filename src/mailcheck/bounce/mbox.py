"""Read messages one at a time from an mbox (or a single message), without holding the file.

An mbox starts with a ``From `` line; every ``From `` line after a blank line starts the next
message (mboxo/mboxrd), and ``>From `` quoting is undone once (mboxrd). Input that does not
start with ``From `` is one message. Lines end as :meth:`bytes.splitlines` ends them (LF, CRLF
or a lone CR), so the split is the same whether the mbox is read whole or streamed.

Memory stays flat in the size of the mbox: the file is read in chunks, and a message larger
than the cap is read past, not kept (the parser would cut it there anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO, Final

__all__ = ["iter_messages", "split_mbox"]

_CHUNK: Final = 64 * 1024  # bytes read at a time; also the longest line passed on whole
_QUOTED_FROM: Final = re.compile(rb">+From ")
_BLANK: Final = (b"\n", b"\r\n")


def _lines(stream: BinaryIO, rest: bytes) -> Iterator[tuple[bytes, bool]]:
    """``(line, whole)``: the lines of ``rest`` and then of ``stream``, as splitlines cuts them.

    A line longer than a chunk comes in pieces; ``whole`` is False for every piece but the
    first, so that only a line's start is taken for a ``From `` line or a blank line.
    """
    starts = True
    while chunk := stream.read(_CHUNK):
        lines = (rest + chunk).splitlines(keepends=True)
        rest = lines.pop()
        if rest.endswith(b"\n"):
            lines.append(rest)
            rest = b""
        # else: the last line is unfinished, or ends in a CR that the next chunk's LF may join.
        for line in lines:
            yield line, starts
            starts = True
        if len(rest) > _CHUNK:  # a very long line: pass on its start (keep a CR for its LF)
            cut = len(rest) - 1 if rest.endswith(b"\r") else len(rest)
            yield rest[:cut], starts
            rest, starts = rest[cut:], False
    if rest:
        yield rest, starts


def iter_messages(stream: BinaryIO, cap: int | None = None) -> Iterator[bytes]:
    """Each message of ``stream`` (an mbox, or one message), at most ``cap`` bytes of each.

    Always yields at least one message (an empty input is one empty message).
    """
    head = stream.read(5)
    while len(head) < 5 and (more := stream.read(5 - len(head))):
        head += more
    if head != b"From ":
        if cap is None:
            yield head + stream.read()
            return
        kept = head + stream.read(max(cap - len(head), 0))
        while stream.read(_CHUNK):  # read past what is not kept
            pass
        yield kept[:cap]
        return
    yield from _split(_lines(stream, head), cap)


def _split(lines: Iterator[tuple[bytes, bool]], cap: int | None) -> Iterator[bytes]:
    limit = None if cap is None else cap + 2  # + the separator line a finished message drops
    message: list[bytes] | None = None
    size = 0
    full = False  # more than ``limit`` bytes kept: the rest of the message is read past
    in_from_line = False
    previous_blank = True
    for line, whole in lines:
        if whole and previous_blank and line.startswith(b"From "):
            if message is not None:
                yield _finish(message, full, ends_blank=True, cap=cap)
            message, size, full = [], 0, False
            in_from_line, previous_blank = True, False
            continue
        if not whole and in_from_line:
            continue  # the rest of a very long From line
        in_from_line = False
        previous_blank = whole and line in _BLANK
        if full or message is None:
            continue
        if whole and line.startswith(b">") and _QUOTED_FROM.match(line):
            line = line[1:]
        message.append(line)
        size += len(line)
        if limit is not None and size > limit:
            full = True
    if message is not None:
        yield _finish(message, full, ends_blank=previous_blank, cap=cap)


def _finish(message: list[bytes], full: bool, *, ends_blank: bool, cap: int | None) -> bytes:
    if full:
        return b"".join(message)[:cap]
    if ends_blank and message:
        message = message[:-1]  # the separator blank line belongs to the mbox
    return b"".join(message)


def split_mbox(raw: bytes) -> list[bytes]:
    """Split an mbox held in memory into its messages, or ``[raw]`` for a single message."""
    if not raw.startswith(b"From "):
        return [raw]
    import io

    return list(iter_messages(io.BytesIO(raw)))
