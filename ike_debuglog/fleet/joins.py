"""Records a size rotation cut in two: the last record of one file and the first of the
next, framed again as one input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..correlate.signals import session_records
from ..events import (
    Event,
)
from ..framing import analyze_line
from ..pipeline import run
from .stage1 import Ends, Part


@dataclass(slots=True)
class Join:
    """A record cut by one file's end or more: its events (numbered in file ``first``),
    from the last record of file ``first`` to the first of file ``last``."""

    first: int
    last: int
    events: list[Event]


def joined_records(parts: Sequence[Part]) -> list[Join]:
    """The records cut between files, in file order; a file that is one record continued
    from the file before passes it on to the next (a record across three files)."""
    joins: list[Join] = []
    carried: list[str] = []  # the lines of the record so far, while it may go on
    for k in range(len(parts) - 1):
        here, ends = parts[k].ends, parts[k + 1].ends
        if here is None or ends is None or not here.tail or not ends.head:
            carried = []
            continue
        whole = here.tail_line <= len(here.head)  # the file is its one record
        chained = bool(carried) and whole and joins[-1].last == k
        first = joins[-1].first if chained else k
        before = carried if chained else list(here.tail)
        owner = parts[first].ends
        events = _joined(before, ends.head, owner) if owner is not None else None
        if events is None:
            carried = []
            continue
        if chained:
            joins.pop()  # the longer record replaces the shorter
        joins.append(Join(first, k + 1, events))
        carried = [*before, *ends.head]
    return joins


def cut_lines(k: int, part: Part, joins: list[Join]) -> tuple[float | int, int]:
    """The lines of file ``k`` a joined record replaces: from the first of them to the end,
    and from the start to the last of them (no line: infinity and 0)."""
    last: float | int = float("inf")
    head_end = 0
    for join in joins:
        if part.ends is None or not join.first <= k <= join.last:
            continue
        if join.first == k:
            last = part.ends.tail_line
        if join.first < k:
            head_end = part.lines if k < join.last else len(part.ends.head)
    return last, head_end


def _joined(before: Sequence[str], head: Sequence[str], ends: Ends) -> list[Event] | None:
    """The events of a record cut before ``head`` (the next file's first record), numbered
    in the file where it begins (None when the next file's first line starts a record)."""
    if _starts_anyway(before[-1], head[0], ends.year):
        return None
    batches = list(run([[*before, *head]], year=ends.year, timezone=ends.timezone))
    cut = len(before) + 1
    if any(cut in batch.spans().get_column("line").to_list() for batch in batches):
        return None
    shift = ends.tail_line - 1
    return [
        event.model_copy(update={"line": event.line + shift, "end_line": event.end_line + shift})
        for batch in batches
        for event in batch.events(sorted(session_records(batch)))
    ]


def _starts_anyway(last: str, first: str, year: int | None) -> bool:
    """Whether a file's first line starts a record after any line (the framer's rule for a
    line that certainly starts one, ``BatchFramer._starts``): most files begin so, and the
    framing of the two records again is then saved."""
    info = analyze_line(first, year or 2000)
    if info.blank:
        return False
    if not info.has_prefix:
        return info.starts
    after_contents = analyze_line(last, year or 2000).ends_contents
    return not info.continues_only and info.pieces != "" and (not after_contents or info.starts)
