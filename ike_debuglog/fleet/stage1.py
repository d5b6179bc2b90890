"""Stage 1 of a fleet run: one file parsed and correlated alone, its sessions that may
continue in another file kept apart with their events (see the package's docstring)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pyarrow as pa

from ..arrow import (
    batch_table,
    events_from_table,
    events_table,
    sessions_from_table,
    sessions_table,
)
from ..correlate import Correlator, Session
from ..correlate.signals import OPENING_POLICY, OPENING_STATUS, ends, leads_in, session_records
from ..events import (
    Event,
    Ikev1Packet,
    Ikev1Status,
    Ikev2Packet,
    Ikev2Policy,
    Ikev2Status,
    IpsecSaRequest,
)
from ..pipeline import run
from ..reading import open_log
from ..scan.records import RecordBatch

#: Session records at either end of a file within which a session may join one of the
#: next or the previous file: the correlator's ``linger`` (a late teardown record) and a
#: retry after INVALID_KE_PAYLOAD both come within it.
WINDOW: Final = 200


#: The column of ``FileResult.edges`` naming the session (its id) an event is in; null
#: for a record of the first ``WINDOW`` that joined none.
SESSION_COLUMN: Final = "session"


#: The longest record (in lines) a file keeps for a join at a cut: packet and key engine
#: blocks are some ten lines; a longer last record is no block a rotation cut.
JOIN_LINES: Final = 200


@dataclass(frozen=True, slots=True)
class FileResult:
    """One file's share of a fleet run: Arrow tables and counters, no models (a task's
    result travels by pickle or Arrow IPC).

    ``events``: every event, ``file`` set; ``sessions``: the sessions complete inside the
    file; ``edge_sessions``: the others, which may continue in another file, and
    ``edges``: their events (with a ``session`` column: the session's id), for
    :func:`rejoin`.  ``lines``: the file's lines (numbers in the concatenation of files
    count on from it); ``first_stamp``: its first time stamp, by which files are put in
    order.  ``ends``: the raw lines of its first and last records, for a record a cut
    split (see the module's docstring)."""

    source: str
    events: pa.Table
    sessions: pa.Table
    edges: pa.Table
    edge_sessions: pa.Table
    lines: int
    unrecognized: int
    first_stamp: datetime | None
    ends: Ends | None = None


@dataclass(frozen=True, slots=True)
class Ends:
    """A file's raw lines where a size rotation may have cut a record: ``head``, its lines
    up to the end of its first record; ``tail``, the lines of its last record, the first
    numbered ``tail_line``; ``year`` (of the last record's stamp, else the year given) and
    ``timezone``, to frame them again as the file was."""

    head: tuple[str, ...]
    tail: tuple[str, ...]
    tail_line: int
    year: int | None
    timezone: str | None


@dataclass(slots=True)
class Split:
    """What stage 1 makes of one file's events (models; :class:`FileResult` holds it as
    tables)."""

    complete: list[Session]
    edge_sessions: list[Session]
    #: (the id of the session it is in, or None, event), in line order.
    edge_events: list[tuple[int | None, Event]]


def file_result(source: str, *, year: int | None = None, timezone: str | None = None) -> FileResult:
    """Stage 1: one file (a path or an fsspec URL) parsed and correlated alone."""
    reader = open_log(source)
    with closing(reader):
        kept = _Kept(reader.batches())
        batches = list(run(kept, year=year, timezone=timezone))
        lines = reader.lines
    split = split_sessions(batches)
    tables = [batch_table(batch, file=source) for batch in batches]
    return FileResult(
        source=source,
        events=pa.concat_tables(tables) if tables else events_table([], file=source),
        sessions=sessions_table(split.complete, file=source),
        edges=_edges_table(split.edge_events, source),
        edge_sessions=sessions_table(split.edge_sessions, file=source),
        lines=lines,
        unrecognized=sum(batch.counts()[1] for batch in batches),
        first_stamp=_first_stamp(batches),
        ends=record_ends(batches, kept, lines, year=year, timezone=timezone),
    )


class _Kept:
    """Batches of lines passed on, the first and the last two kept (where a file's first
    and last records are)."""

    def __init__(self, batches: Iterable[list[str]]) -> None:
        self._batches = batches
        self.first: list[str] = []
        self.last: list[str] = []
        self._before: list[str] = []

    def __iter__(self) -> Iterator[list[str]]:
        for batch in self._batches:
            if not self.first:
                self.first = batch
            self._before, self.last = self.last, batch
            yield batch

    @property
    def end(self) -> list[str]:
        """The last lines read (the last two batches)."""
        return [*self._before, *self.last]


def record_ends(
    batches: list[RecordBatch],
    kept: _Kept,
    lines: int,
    *,
    year: int | None = None,
    timezone: str | None = None,
) -> Ends | None:
    """The raw lines of a file's first and last records (a record longer than
    :data:`JOIN_LINES`, or not among the lines kept, is left out)."""
    if not batches:
        return None
    first = batches[0].spans().head(1).row(0, named=True)
    end = int(first["end_line"])
    head = tuple(kept.first[:end]) if end <= min(len(kept.first), JOIN_LINES) else ()
    last_batch = batches[-1]
    last = last_batch.spans().tail(1).row(0, named=True)
    start = int(last["line"])
    window = kept.end
    tail: tuple[str, ...] = ()
    if lines - start < JOIN_LINES and start > lines - len(window):
        tail = tuple(window[start - (lines - len(window)) - 1 :])
    stamp = last_batch.timestamps([last["_order"]]).get(last["_order"])
    return Ends(head, tail, start, stamp.year if stamp is not None else year, timezone)


def _first_stamp(batches: list[RecordBatch]) -> datetime | None:
    """The file's first time stamp, the first record's left aside when another has one: a
    rotation may have cut that record, whose stamp is then the syslog server's (whole
    seconds, often behind the device's) instead of the device's (models are built for the
    records up to the stamp only)."""
    first: datetime | None = None
    place = 0
    for batch in batches:
        for event in batch.events():
            place += 1
            if event.timestamp is not None:
                if place > 1:
                    return event.timestamp
                first = event.timestamp
    return first


def _edges_table(edge_events: list[tuple[int | None, Event]], source: str) -> pa.Table:
    table = events_table([event for _, event in edge_events], file=source)
    ids = pa.array([number for number, _ in edge_events], type=pa.int64())
    return table.append_column(SESSION_COLUMN, ids)


def split_sessions(batches: Iterable[RecordBatch]) -> Split:
    """Stage 1 over models: the file's sessions (batch correlation), the complete ones
    apart from its edges (see the module's docstring)."""
    correlator = Correlator(
        idle_seconds=None, linger=None, idle_events=None, max_open=None, max_events=None
    )
    taken: list[Event] = []
    for batch in batches:
        for event in batch.events(sorted(session_records(batch))):
            taken.append(event)
            for _ in correlator.feed(event):  # batch correlation: emits at flush only
                pass
    sessions = sorted(correlator.flush(), key=lambda session: session.id)
    index = {event.line: place for place, event in enumerate(taken)}
    count = len(taken)
    complete: list[Session] = []
    edge_sessions: list[Session] = []
    owner: dict[int, int] = {}
    for session in sessions:
        places = [index[line] for line in session.lines if line in index]
        held = [taken[place] for place in places]
        edge = (
            not places
            or min(places) < WINDOW
            or max(places) >= count - WINDOW
            or not _begins(taken[min(places)])
            or not any(ends(event) for event in held)
        )
        if edge:
            edge_sessions.append(session)
            owner.update((event.line, session.id) for event in held)
        else:
            complete.append(session)
    in_session = {line for session in sessions for line in session.lines}
    for line in _trailing_lead_ins(taken):
        owner.pop(line, None)  # they may lead into a negotiation of the next file
        in_session.discard(line)
    edge_events = [
        (owner.get(event.line), event)
        for place, event in enumerate(taken)
        if event.line in owner
        or (event.line not in in_session and (place < WINDOW or place >= count - WINDOW))
    ]
    return Split(complete, edge_sessions, edge_events)


def _trailing_lead_ins(taken: list[Event]) -> list[int]:
    """The lines of the records at the end of a file that lead into a negotiation no
    record of the file names (the correlator gave them to the session last active)."""
    found: list[int] = []
    named: set[str | None] = set()
    for event in reversed(taken[-WINDOW:]):
        if leads_in(event):
            if event.host not in named:
                found.append(event.line)
        elif event.kind.startswith("ikev2_"):
            named.add(event.host)
    return found


def _begins(event: Event) -> bool:
    """Whether a session's first record begins a negotiation (RFC 7296 section 1.2: the
    IKE_SA_INIT request; RFC 2409 section 5: MM1, AM1), or leads into one."""
    if isinstance(event, Ikev2Packet):
        return event.exchange == "IKE_SA_INIT" and not event.response
    if isinstance(event, Ikev2Status):
        return event.status in OPENING_STATUS or (
            event.status == "generating_message" and event.exchange == "IKE_SA_INIT"
        )
    if isinstance(event, Ikev2Policy):
        return event.step in OPENING_POLICY
    if isinstance(event, Ikev1Packet):
        return event.step in ("MM1", "AM1") and not event.retransmission
    if isinstance(event, Ikev1Status):
        return event.status == "peer_created"
    return isinstance(event, IpsecSaRequest) or leads_in(event)


@dataclass(slots=True)
class Part:
    """One file's edges (models): what :func:`rejoin_parts` reads of a :class:`FileResult`."""

    source: str
    lines: int
    complete: list[Session]
    edge_sessions: list[Session]
    edge_events: list[tuple[int | None, Event]]
    ends: Ends | None = None


def part_of_lines(
    source: str, lines: Sequence[str], *, year: int | None = None, timezone: str | None = None
) -> Part:
    """Stage 1 over models, from a file's lines (what :func:`file_result` makes of a file,
    without the Arrow tables)."""
    kept = _Kept([list(lines)])
    batches = list(run(kept, year=year, timezone=timezone))
    split = split_sessions(batches)
    ends = record_ends(batches, kept, len(lines), year=year, timezone=timezone)
    return Part(source, len(lines), split.complete, split.edge_sessions, split.edge_events, ends)


def part_of(result: FileResult, *, complete: bool = True) -> Part:
    """A file's result as models (``complete=False`` leaves its complete sessions out:
    only the edges are read back)."""
    ids = result.edges.column(SESSION_COLUMN).to_pylist()
    events = events_from_table(result.edges.drop_columns([SESSION_COLUMN]))
    return Part(
        result.source,
        result.lines,
        sessions_from_table(result.sessions) if complete else [],
        sessions_from_table(result.edge_sessions),
        list(zip(ids, events, strict=True)),
        result.ends,
    )
