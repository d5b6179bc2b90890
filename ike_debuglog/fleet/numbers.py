"""Line numbers of a session rejoined across files: they count on from its first file
into the next ones."""

from __future__ import annotations

import json
from typing import Any, Final

from ..correlate import Session


def file_of(line: int, offsets: list[int]) -> int:
    k = 0
    while k + 1 < len(offsets) - 1 and offsets[k + 1] < line:
        k += 1
    return k


_LINE_FIELDS: Final = frozenset({"id", "first_line", "last_line", "line", "response_line"})


_LINES_FIELDS: Final = frozenset({"lines", "request_lines", "evidence"})


def walk_lines(value: Any, shift: int | None) -> Any:
    """A session's dump with every line number moved by ``shift`` (None: left out)."""
    if isinstance(value, dict):
        moved: dict[str, Any] = {}
        for key, item in value.items():
            if key in _LINE_FIELDS and isinstance(item, int):
                if shift is not None:
                    moved[key] = item + shift
            elif key in _LINES_FIELDS and isinstance(item, list):
                if shift is not None:
                    moved[key] = [number + shift for number in item]
            else:
                moved[key] = walk_lines(item, shift)
        return moved
    if isinstance(value, list):
        return [walk_lines(item, shift) for item in value]
    return value


def shifted(session: Session, shift: int) -> Session:
    if not shift:
        return session
    return Session.model_validate(walk_lines(session.model_dump(), shift))


def once(found: list[tuple[int, Session]]) -> list[tuple[int, Session]]:
    """A session a later file printed again (an overlapping buffer dump: same host,
    times, SPIs, messages and verdict, lines aside) is kept once, from the first file."""
    seen: set[str] = set()
    kept: list[tuple[int, Session]] = []
    by_file: dict[str, int] = {}
    for k, session in found:
        if session.started is None:
            kept.append((k, session))
            continue
        key = json.dumps(walk_lines(session.model_dump(mode="json"), None), sort_keys=True)
        if key in seen and by_file[key] != k:
            continue
        seen.add(key)
        by_file.setdefault(key, k)
        kept.append((k, session))
    return kept
