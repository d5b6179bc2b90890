"""Stage 2 of a fleet run: the sessions a file boundary cut in two, grouped by host and
key and correlated again from their events, in file order, lines repeated by an
overlapping file counted once (see the package's docstring)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from typing import Any

import pyarrow as pa

from ..arrow import (
    sessions_table,
)
from ..correlate import Correlator, Session
from ..events import (
    Event,
    Ikev1Packet,
)
from ..steps import Ikev1Steps
from .joins import Join, cut_lines, joined_records
from .numbers import file_of, once, shifted
from .stage1 import FileResult, Part, part_of


def ordered(results: Iterable[FileResult]) -> list[FileResult]:
    """Files in time order: by first time stamp when every file has one (and all are
    alike aware or naive), else as given."""
    given = list(results)
    stamps = [result.first_stamp for result in given]
    if given and all(stamp is not None for stamp in stamps):
        aware = {stamp.tzinfo is not None for stamp in stamps if stamp is not None}
        if len(aware) == 1:
            return sorted(given, key=lambda result: result.first_stamp)  # type: ignore[arg-type,return-value]
    return given


def fleet_sessions(results: Iterable[FileResult]) -> list[tuple[str, Session]]:
    """Stage 2: every session of the files, as (source, session), in file order then by
    id, sessions cut across files rejoined."""
    return rejoin_parts([part_of(result) for result in ordered(results)])


def rejoin(results: Iterable[FileResult]) -> pa.Table:
    """Stage 2 as one Arrow table of sessions (``file`` set), in file order."""
    tables = [
        sessions_table([s for s in group], file=source)
        for source, group in _by_file(fleet_sessions(results))
    ]
    return pa.concat_tables(tables) if tables else sessions_table([], file=None)


def _by_file(found: list[tuple[str, Session]]) -> Iterator[tuple[str, list[Session]]]:
    current: str | None = None
    group: list[Session] = []
    for source, session in found:
        if source != current and group:
            yield current or "", group
            group = []
        current = source
        group.append(session)
    if group:
        yield current or "", group


def rejoin_parts(parts: Sequence[Part]) -> list[tuple[str, Session]]:
    """Stage 2 over models, the files in order (see the module's docstring)."""
    offsets = [0]
    for part in parts:
        offsets.append(offsets[-1] + part.lines)
    found: list[tuple[int, Session]] = [
        (k, s) for k, part in enumerate(parts) for s in part.complete
    ]
    for group, joined in _groups(parts):
        files = {k for k, _, _ in group}
        if len(files) == 1 and not joined:
            found.extend((k, session) for k, session, _ in group if session is not None)
            continue
        found.extend(_correlated(group, parts, offsets))
    found.sort(key=lambda pair: (pair[0], pair[1].id))
    return [(parts[k].source, session) for k, session in once(found)]


_Piece = tuple[int, Session | None, list[Event]]


def _groups(parts: Sequence[Part]) -> list[tuple[list[_Piece], bool]]:
    """The edge pieces of all files, grouped: pieces that share a key on a host, a record
    that joined no session with the edges of its host in the files around it, and a
    record a cut split with the pieces that held its parts (such a group, ``True``, is
    correlated again even within one file)."""
    pieces, halves, joined_at = _pieces(parts)
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    first: dict[Hashable, int] = {}
    edges_of: dict[tuple[str | None, int], list[int]] = defaultdict(list)
    for i, (k, session, _) in enumerate(pieces):
        if session is None:
            continue
        edges_of[(session.host, k)].append(i)
        for name, value in _keys(session):
            key = (session.host, name, value)
            if key in first:
                union(i, first[key])
            else:
                first[key] = i
    files_of: dict[str | None, list[int]] = defaultdict(list)
    for host, file in sorted(edges_of, key=lambda pair: pair[1]):
        files_of[host].append(file)
    alone: dict[str | None, int] = {}  # host: the last piece near no edge of its host
    for i, (k, session, events) in enumerate(pieces):
        if session is None:  # the edges of its host in this file, the next, the last before
            host = events[0].host
            earlier = files_of.get(host, [])
            place = bisect_left(earlier, k)
            before = earlier[place - 1] if place else k - 1
            around = [j for f in (before, k, k + 1) for j in edges_of.get((host, f), [])]
            for j in around:
                union(i, j)
            if not around:  # records of small files that no session holds: one process
                if host in alone:  # reads them in turn, from one file to the next
                    union(i, alone[host])
                alone[host] = i
    held = {(k, session.id): i for i, (k, session, _) in enumerate(pieces) if session}
    touched: list[int] = []
    for i, join in joined_at.items():
        touched.append(i)
        hosts = {event.host for event in join.events}
        for near in range(join.first - 1, join.last + 2):  # the files it spans, and around
            for j in (j for host in hosts for j in edges_of.get((host, near), [])):
                union(i, j)
        for file, number in halves:
            if join.first <= file <= join.last and number is not None and (file, number) in held:
                union(held[(file, number)], i)
    for file, number in halves:  # a half record with no joined record to take it
        if number is not None and (file, number) in held:
            touched.append(held[(file, number)])
    grouped: dict[int, list[_Piece]] = defaultdict(list)
    for i, piece in enumerate(pieces):
        grouped[root(i)].append(piece)
    dirty = {root(i) for i in touched}
    return [(group, r in dirty) for r, group in grouped.items()]


def _pieces(
    parts: Sequence[Part],
) -> tuple[list[_Piece], list[tuple[int, int | None]], dict[int, Join]]:
    """The edge pieces of all files (a session's, or one record's that joined none), the
    parts of cut records left out; the (file, session) that held those parts; and the
    joined records, as pieces too (by their place among the pieces)."""
    joins = joined_records(parts)
    pieces: list[_Piece] = []
    halves: list[tuple[int, int | None]] = []
    for k, part in enumerate(parts):
        last, head_end = cut_lines(k, part, joins)
        by_id: dict[int | None, list[Event]] = defaultdict(list)
        for number, event in part.edge_events:
            if event.line >= last or event.line <= head_end:
                halves.append((k, number))
            else:
                by_id[number].append(event)
        pieces.extend((k, s, by_id.get(s.id, [])) for s in part.edge_sessions)
        pieces.extend((k, None, [event]) for event in by_id.get(None, []))
    joined_at = {len(pieces) + n: join for n, join in enumerate(j for j in joins if j.events)}
    pieces.extend((join.first, None, join.events) for join in joins if join.events)
    return pieces, halves, joined_at


def _keys(session: Session) -> list[tuple[str, Hashable]]:
    """The keys the correlator joins records by (``keys.SessionKeys``)."""
    keys: list[tuple[str, Hashable]] = []
    if session.initiator_spi:
        keys.append(("spi", session.initiator_spi))
    if session.peer:
        keys.append(("peer", session.peer))
    keys.extend(("sid", number) for number in session.session_ids)
    keys.extend(("conn", number) for number in session.conn_ids)
    return keys


def _correlated(
    group: list[_Piece], parts: Sequence[Part], offsets: list[int]
) -> list[tuple[int, Session]]:
    """A group that spans files correlated again: its events numbered as in the
    concatenation of the files, a record an earlier file already held dropped."""
    events: list[Event] = []
    contents: list[tuple[Any, ...] | None] = []
    for k in sorted({k for k, _, _ in group}):
        here: list[Event] = [e for kk, _, evs in group if kk == k for e in evs]
        here.sort(key=lambda event: event.line)
        mine = [_content(event) for event in here]
        repeated = _overlap(contents, mine)
        contents.extend(mine[repeated:])
        shift = offsets[k]
        events.extend(
            event.model_copy(
                update={"line": event.line + shift, "end_line": event.end_line + shift}
            )
            for event in here[repeated:]
        )
    if any(event.kind.startswith("ikev1_") for event in events):
        # A file that begins in quick mode numbered its packets without the records
        # before them: their steps are worked out again over the whole group, from what
        # the lines print (an IOS packet prints no message id: the pass infers it).
        events = list(Ikev1Steps().run(_unsettled(event) for event in events))
    correlator = Correlator(
        idle_seconds=None, linger=None, idle_events=None, max_open=None, max_events=None
    )
    result: list[tuple[int, Session]] = []
    for session in correlator.run(events):
        k = file_of(session.id, offsets)
        result.append((k, shifted(session, -offsets[k])))
    return result


def _unsettled(event: Event) -> Event:
    """An IOS IKEv1 packet as its line reads, before the step pass (which keeps a message
    id it is given: ASA prints one, IOS none)."""
    if isinstance(event, Ikev1Packet) and event.state is not None and event.message_id is not None:
        return event.model_copy(update={"message_id": None})
    return event


def _overlap(before: list[tuple[Any, ...] | None], after: list[tuple[Any, ...] | None]) -> int:
    """How many records ``after`` begins with that ``before`` ends with (a buffer dump
    that repeats the previous one's tail): the longest such run, records without a time
    stamp never part of one."""
    if not after or after[0] is None:
        return 0
    for start in range(max(0, len(before) - len(after)), len(before)):
        if before[start] == after[0] and before[start:] == after[: len(before) - start]:
            return len(before) - start
    return 0


def _content(event: Event) -> tuple[Any, ...] | None:
    """What makes a record the same record in an overlapping file: host, time stamp and
    everything else but its lines; None for a record without a time stamp (never
    counted as a repeat)."""
    if event.timestamp is None:
        return None
    return (event.host, event.timestamp, event.model_dump_json(exclude={"line", "end_line"}))
