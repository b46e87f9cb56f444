"""A small IMAP server on 127.0.0.1 that plays a mailbox and misbehaves on purpose.

For what the lab's Dovecot cannot be made to do: a greeting that never comes,
garbage, a connection dropped mid-FETCH, STORE/EXPUNGE that answer NO, a
SEARCH hit for a message that is not ours, strings with CR, LF or NUL. It runs
its own event loop in a thread (like scripted_smtp.py), so any test can use it,
and it records every command line the client sent.

By default it is a plain, well-behaved IMAP4rev1 server (UIDPLUS, IDLE) over
an in-memory INBOX and Junk. ``overrides`` maps an upper-cased command name
(``SEARCH``, ``FETCH``, ``STORE``, ``EXPUNGE``, ``SELECT``, ``LIST``, ``LOGIN``,
``NOOP``, ...; ``UID x`` commands by ``x``) to a function
``(server, tag, args) -> bytes | None``: what to send instead (``{tag}`` is
not filled in: write it yourself), ``b""`` to send nothing, ``None`` for the
normal answer; ending in :data:`CLOSE`, the connection is dropped after it.
``greeting`` is the first line (``None``: never greet).
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

CLOSE = b"\x00close\x00"
"""An override's answer that drops the connection."""

Override = Callable[["ScriptedImap", str, str], bytes | None]


@dataclass
class Message:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class ScriptedImap:
    """The running server: its mailbox and what clients said."""

    port: int = 0
    greeting: bytes | None = b"* OK [CAPABILITY IMAP4rev1 UIDPLUS IDLE] scripted ready"
    capabilities: str = "IMAP4rev1 UIDPLUS IDLE"
    folders: dict[str, list[Message]] = field(default_factory=lambda: {"INBOX": [], "Junk": []})
    overrides: dict[str, Override] = field(default_factory=dict)
    received: list[str] = field(default_factory=list)
    connections: int = 0
    next_uid: int = 1

    def add(self, folder: str, raw: bytes, flags: set[str] | None = None) -> int:
        """Put a message into a folder; return its UID."""
        uid = self.next_uid
        self.next_uid += 1
        self.folders.setdefault(folder, []).append(Message(uid, raw, set(flags or ())))
        return uid

    def commands(self, name: str) -> list[str]:
        """The command lines whose command (after the tag, ``UID`` skipped) is ``name``."""
        out = []
        for line in self.received:
            words = line.split()
            if len(words) > 1 and words[1].upper() == "UID":
                words = words[1:]
            if len(words) > 1 and words[1].upper() == name.upper():
                out.append(line)
        return out


def _section(message: Message, spec: str) -> bytes:
    head, _, _body = message.raw.partition(b"\r\n\r\n")
    if spec == "":
        return message.raw
    if spec == "HEADER":
        return head + b"\r\n\r\n"
    match = re.match(r"HEADER\.FIELDS \(([^)]*)\)", spec)
    if match is None:
        return b""
    wanted = {w.lower().encode() for w in match.group(1).split()}
    keep = [
        line for line in head.split(b"\r\n") if line.partition(b":")[0].strip().lower() in wanted
    ]
    return b"".join(line + b"\r\n" for line in keep) + b"\r\n"


def _uids(spec: str, messages: list[Message]) -> list[Message]:
    top = max((m.uid for m in messages), default=0)
    chosen: set[int] = set()
    for part in spec.split(","):
        low, sep, high = part.partition(":")
        first = top if low == "*" else int(low)
        last = (top if high == "*" else int(high)) if sep else first
        chosen.update(range(min(first, last), max(first, last) + 1))
    return [m for m in messages if m.uid in chosen]


class _Session:
    def __init__(self, server: ScriptedImap, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer
        self.selected: str | None = None

    def box(self) -> list[Message]:
        return self.server.folders.setdefault(self.selected or "INBOX", [])

    def answer(self, tag: str, name: str, args: str) -> bytes:
        server = self.server
        if name == "CAPABILITY":
            return f"* CAPABILITY {server.capabilities}\r\n{tag} OK done\r\n".encode()
        if name == "LOGIN":
            return f"{tag} OK [CAPABILITY {server.capabilities}] Logged in\r\n".encode()
        if name == "LIST":
            junk = "\\Junk"
            lines = [
                f'* LIST ({junk if f == "Junk" else ""}) "/" "{f}"\r\n' for f in server.folders
            ]
            return ("".join(lines) + f"{tag} OK List done\r\n").encode()
        if name == "SELECT":
            self.selected = args.strip('"')
            box = self.box()
            return (
                f"* {len(box)} EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n"
                f"* OK [UIDNEXT {server.next_uid}] next\r\n{tag} OK [READ-WRITE] selected\r\n"
            ).encode()
        if name in ("NOOP", "LOGOUT"):
            bye = "* BYE bye\r\n" if name == "LOGOUT" else ""
            return f"{bye}{tag} OK done\r\n".encode()
        if name == "SEARCH":
            return self.search(tag, args)
        if name == "FETCH":
            return self.fetch(tag, args)
        if name == "STORE":
            spec, _, rest = args.partition(" ")
            out = b""
            for seq, m in enumerate(self.box(), 1):
                if m in _uids(spec, self.box()) and "\\Deleted" in rest:
                    m.flags.add("\\Deleted")
                    flags = " ".join(sorted(m.flags))
                    out += f"* {seq} FETCH (UID {m.uid} FLAGS ({flags}))\r\n".encode()
            return out + f"{tag} OK Store done\r\n".encode()
        if name == "EXPUNGE":
            chosen = _uids(args, self.box())
            out = b""
            for m in list(self.box()):
                if m in chosen and "\\Deleted" in m.flags:
                    out += f"* {self.box().index(m) + 1} EXPUNGE\r\n".encode()
                    self.box().remove(m)
            return out + f"{tag} OK Expunge done\r\n".encode()
        return f"{tag} BAD unknown command\r\n".encode()

    def search(self, tag: str, args: str) -> bytes:
        box = self.box()
        hits = list(box)
        uid_range = re.search(r"UID (\S+)", args)
        if uid_range:
            hits = [m for m in hits if m in _uids(uid_range.group(1), box)]
        for name, value in re.findall(r'HEADER (\S+) "([^"]*)"', args):
            needle = f"{name}:".lower().encode()
            hits = [
                m
                for m in hits
                if any(
                    line.lower().startswith(needle) and value.encode() in line
                    for line in m.raw.split(b"\r\n")
                )
            ]
        if "DELETED" in args.split():
            hits = [m for m in hits if "\\Deleted" in m.flags]
        found = " ".join(str(m.uid) for m in hits)
        return f"* SEARCH {found}\r\n{tag} OK Search done\r\n".encode()

    def fetch(self, tag: str, args: str) -> bytes:
        spec, _, items = args.partition(" ")
        section = re.search(r"BODY\.PEEK\[([^\]]*)\]", items)
        out = b""
        for seq, m in enumerate(self.box(), 1):
            if m not in _uids(spec, self.box()):
                continue
            data = _section(m, section.group(1) if section else "")
            name = f"BODY[{section.group(1) if section else ''}]"
            out += f"* {seq} FETCH (UID {m.uid} {name} {{{len(data)}}}\r\n".encode()
            out += data + b")\r\n"
        return out + f"{tag} OK Fetch done\r\n".encode()


async def _serve(
    server: ScriptedImap, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    server.connections += 1
    session = _Session(server, writer)
    try:
        if server.greeting is None:
            await reader.read()  # never greet: wait for the client to give up
            return
        writer.write(server.greeting + b"\r\n")
        while True:
            line = await reader.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            server.received.append(text)
            tag, _, rest = text.partition(" ")
            name, _, args = rest.partition(" ")
            name = name.upper()
            if name == "UID":
                name, _, args = args.partition(" ")
                name = name.upper()
            if name == "IDLE":
                writer.write(b"+ idling\r\n")
                await writer.drain()
                await reader.readline()  # DONE
                writer.write(f"{tag} OK idle done\r\n".encode())
                continue
            override = server.overrides.get(name)
            reply = override(server, tag, args) if override is not None else None
            if reply is not None and reply.endswith(CLOSE):
                writer.write(reply[: -len(CLOSE)])
                await writer.drain()
                writer.transport.abort()
                return
            if reply is None:
                reply = session.answer(tag, name, args)
            writer.write(reply)
            await writer.drain()
            if name == "LOGOUT":
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


@contextmanager
def scripted_imap(server: ScriptedImap | None = None) -> Iterator[ScriptedImap]:
    """Run ``server`` (a default one if ``None``) on a free port of 127.0.0.1 in a thread."""
    state = server or ScriptedImap()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, asyncio.base_events.Server] = {}

    async def start() -> None:
        srv = await asyncio.start_server(lambda r, w: _serve(state, r, w), "127.0.0.1", 0)
        holder["server"] = srv
        state.port = srv.sockets[0].getsockname()[1]
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        holder["server"].close()
        loop.run_until_complete(holder["server"].wait_closed())
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(5)
    try:
        yield state
    finally:

        def stop() -> None:
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.stop()

        loop.call_soon_threadsafe(stop)
        thread.join(5)
