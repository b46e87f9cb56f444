"""The words a pattern cannot match without: a substring test that rules a search out.

The text patterns are long alternations, and the regex engine tries every branch at every
position of the text: about as slow per character whether or not anything matches. Each
branch has a run of plain characters that any match of it contains ("retry timeout
exceeded", "quota"); when the text holds none of its branches' runs, the pattern cannot match
and is not searched. ``str.__contains__`` finds a run hundreds of times faster than the
search. The answer is always the search's: a cue only ever rules out, never matches.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["may_match", "required_cues"]

_QUANTIFIERS: Final = frozenset("?*+{")
_QUANTIFIER_BODY: Final = re.compile(r"\{\d*(?:,\d*)?\}")


def _alternatives(source: str) -> list[str]:
    """``source`` cut at its top-level ``|`` (not inside a group or a character class)."""
    found: list[str] = []
    depth, in_class, start, index = 0, False, 0, 0
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
        elif char == "[":
            in_class = True
            index += 1 if source[index + 1 : index + 2] == "^" else 0
            index += 1 if source[index + 1 : index + 2] == "]" else 0
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            found.append(source[start:index])
            start = index + 1
        index += 1
    found.append(source[start:])
    return found


def _longest_run(branch: str) -> str:
    """The longest run of plain characters that every match of ``branch`` contains.

    Only characters at the branch's top level and not followed by a quantifier count; a
    group, a class, an escape that is not one punctuation character, ``.``, ``^`` or ``$``
    ends a run. A lookaround, ``\\b`` and ``\\B`` match no character: the characters on
    either side of one are next to each other in the text ("p(?<!\\wp)tr" holds "ptr").
    Cutting a run short is always safe, so anything unusual does.
    """
    runs: list[str] = []
    run: list[str] = []
    depth, in_class, index = 0, False, 0
    lookaround = False  # the group open at the top level is a lookaround

    def end() -> None:
        if run:
            runs.append("".join(run))
            run.clear()

    while index < len(branch):
        char = branch[index]
        if char == "\\":
            escaped = branch[index + 1 : index + 2]
            quantified = branch[index + 2 : index + 3] in _QUANTIFIERS
            if depth == 0 and not in_class and escaped and not escaped.isalnum():
                run.append(escaped)  # "\." is a dot
            elif depth == 0 and not in_class and escaped in ("b", "B") and not quantified:
                pass  # a word boundary: no character of its own
            elif depth == 0 and not in_class:
                end()  # "\d", "\b", "\s", ...: not one plain character
            index += 2
            continue
        if in_class:
            if char == "]":
                in_class = False
            index += 1
            continue
        if char == "[":
            if depth == 0:
                end()
            in_class = True
            index += 1
            index += 1 if branch[index : index + 1] == "^" else 0
            index += 1 if branch[index : index + 1] == "]" else 0
            continue
        if char == "(":
            if depth == 0:
                lookaround = branch.startswith(("(?=", "(?!", "(?<=", "(?<!"), index)
                if not lookaround:
                    end()
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and lookaround and branch[index + 1 : index + 2] in _QUANTIFIERS:
                end()  # a repeated lookaround: not worth reading, cut the run
        elif depth > 0:
            pass
        elif char in _QUANTIFIERS:
            # The character (or group, class) before it may be absent or repeated.
            if run:
                run.pop()
            end()
            body = _QUANTIFIER_BODY.match(branch, index) if char == "{" else None
            if body:
                index = body.end()
                continue
        elif char in ".^$":
            end()
        else:
            run.append(char)
        index += 1
    end()
    return max(runs, key=len, default="")


def _required_groups(branch: str) -> list[str]:
    """The contents of the top-level ``(...)``/``(?:...)`` groups every match goes through.

    A group followed by ``?``, ``*`` or ``{`` may be skipped; lookarounds and other
    ``(?...)`` groups match no text of their own: neither is returned.
    """
    found: list[str] = []
    depth, in_class, start, index = 0, False, 0, 0
    while index < len(branch):
        char = branch[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 1 if branch[index + 1 : index + 2] == "^" else 0
            index += 1 if branch[index + 1 : index + 2] == "]" else 0
        elif char == "(":
            if depth == 0:
                start = index
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0 and branch[index + 1 : index + 2] not in ("?", "*", "{"):
                group = branch[start : index + 1]
                if group.startswith("(?:"):
                    found.append(group[3:-1])
                elif not group.startswith("(?"):
                    found.append(group[1:-1])
        index += 1
    return found


def _branch_cues(branch: str, depth: int = 0) -> tuple[str, ...]:
    """Runs any match of ``branch`` holds one of (empty when none is known).

    Its longest run, or, when longer, the runs of the branches of a group it must go
    through ("(?:must|please) log in": "must", "please" rather than " log in"'s shorter
    ones): the group's match is one of its branches', which holds one of their runs.
    """
    run = _longest_run(branch)
    best: tuple[str, ...] = (run,) if run else ()
    if depth >= 3:
        return best
    for group in _required_groups(branch):
        inner = [_branch_cues(alternative, depth + 1) for alternative in _alternatives(group)]
        if not all(inner):
            continue
        candidate = tuple(cue for cues in inner for cue in cues)
        if not best or min(map(len, candidate)) > min(map(len, best)):
            best = candidate
    return best


def required_cues(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Runs of which any match holds one (a few for each top-level branch), or None.

    None when some branch has no such run, or when the flags change what a plain character
    matches (IGNORECASE, VERBOSE): then the pattern must always be searched.
    """
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    per_branch = [_branch_cues(branch) for branch in _alternatives(pattern.pattern)]
    if not all(per_branch):
        return None
    cues = [cue for cues in per_branch for cue in cues]
    return tuple(sorted(set(cues), key=cues.index))


def may_match(cues: tuple[str, ...] | None, text: str) -> bool:
    """False when ``text`` holds none of ``cues``: the pattern they came from cannot match."""
    # map() with the bound method: no Python frame per cue (a row may have dozens).
    return cues is None or any(map(text.__contains__, cues))
