"""The one pipeline: lines, batch by batch, through framing, the scan and the IKEv1 steps.

Files, standard input, ``--follow`` and worker processes all go through :class:`Pipeline`,
so the same bytes give the same events however they arrive: a file is read in large
batches, a live feed in whatever it has sent so far (and :meth:`Pipeline.quiet` closes
the record still open when it pauses).  The IKEv1 step pass may need records of the next
batch to settle the last packets of this one; a batch is held until it has.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final

import polars as pl

from .errors import InputError
from .events import Event
from .reading import decode_line
from .scan.extract import extract
from .scan.frame import BatchFramer
from .scan.records import RecordBatch
from .steps import VIEW_FIELDS, Settled, StepPass, View, view_of

#: Lines per batch where the caller hands lines one by one (``parse_lines``).
BATCH_LINES: Final = 65_536


class Pipeline:
    """Batches of lines in, batches of events out, in order.

    ``year``: the year of the first stamp that prints none (default: this year);
    ``timezone``: the IANA zone of stamps that print none, or one that is not known
    (default: none, they stay local times without an offset)."""

    def __init__(self, *, year: int | None = None, timezone: str | None = None) -> None:
        self.year = year if year is not None else datetime.now().year
        self._framer = BatchFramer(self.year, timezone)
        self._steps = StepPass()
        self._records = 0  # records seen: the stream index of the next one
        self._held: deque[tuple[int, RecordBatch]] = deque()

    @property
    def lines(self) -> int:
        """Lines read so far."""
        return self._framer.number

    def feed(self, lines: Sequence[str] | pl.Series) -> Iterator[RecordBatch]:
        """Take the next lines (decoded, without their ``\\n``); yield the batches of events
        now complete."""
        series = lines if isinstance(lines, pl.Series) else pl.Series(lines, dtype=pl.String)
        if series.len():
            series = series.str.strip_chars_end("\r\n")
        yield from self._scan(self._framer.frame(series))

    def quiet(self) -> Iterator[RecordBatch]:
        """The input paused (a live feed said nothing for a while): close the open record
        (unless it stops in the middle of a block: the rest is still to come) and settle
        the IKEv1 packets still waiting with what is known."""
        yield from self._scan(self._framer.flush(pause=True), settle=True)

    def finish(self) -> Iterator[RecordBatch]:
        """The input ended: close everything."""
        yield from self._scan(self._framer.flush(), settle=True)

    def _scan(self, records: pl.DataFrame, *, settle: bool = False) -> Iterator[RecordBatch]:
        if not records.is_empty():
            batch = RecordBatch.of(extract(records, self.year), self.year)
            offset = self._records
            self._records += records.height
            self._held.append((offset, batch))
            self._settle(self._step(batch, offset))
        if settle:
            self._settle(self._steps.flush())
        waiting = self._steps.waiting
        held = self._held
        while held and (waiting is None or held[0][0] + len(held[0][1]) <= waiting):
            yield held.popleft()[1]

    def _step(self, batch: RecordBatch, offset: int) -> list[Settled]:
        settled: list[Settled] = []
        for view in views(batch, offset):
            settled.extend(self._steps.feed(view))
        settled.extend(self._steps.tick(offset + len(batch) - 1))
        return settled

    def _settle(self, settled: list[Settled]) -> None:
        """Write the steps the pass settled into the batches that hold their packets."""
        if not settled:
            return
        for offset, batch in self._held:
            mine = [
                (index - offset, step, retransmission, message_id)
                for index, step, retransmission, message_id in settled
                if offset <= index < offset + len(batch)
            ]
            if mine:
                batch.set_steps(mine)


def views(batch: RecordBatch, offset: int) -> list[View]:
    """The views the IKEv1 step pass reads of a batch's IKEv1 records, in order."""
    found: list[tuple[int, View]] = []
    for kind, table in batch.tables.items():
        if not kind.startswith("ikev1_"):
            continue
        names = VIEW_FIELDS.get(kind, ("host", "conn_id"))
        columns: list[Any] = [
            pl.col("remote").struct.field("address").alias("peer") if name == "peer" else name
            for name in names
        ]
        for order, *values in table.select("_order", *columns).iter_rows():
            found.append(
                (order, View(offset + order, kind, **dict(zip(names, values, strict=True))))
            )
    for order, event in batch.python.items():
        view = view_of(offset + order, event)
        if view is not None:
            found.append((order, view))
    found.sort(key=lambda pair: pair[0])
    return [view for _, view in found]


def line_batches(lines: Iterable[str | bytes], size: int = BATCH_LINES) -> Iterator[list[str]]:
    """Lines as they come (text or bytes, with or without line ends) in batches; bytes are
    decoded by the reading policy."""
    batch: list[str] = []
    for raw in lines:
        text = raw if isinstance(raw, str) else decode_line(raw)[0]
        if text.startswith("\ufeff"):  # a Windows-saved log concatenated to another
            text = text.lstrip("\ufeff")
        batch.append(text[:-1] if text.endswith("\n") else text)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run(
    source: Iterable[Sequence[str] | None],
    *,
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[RecordBatch]:
    """Batches of events from batches of lines: a whole input, or a live feed in which
    ``None`` marks a pause (see :meth:`Pipeline.quiet`)."""
    pipeline = Pipeline(year=year, timezone=timezone)
    try:
        for lines in source:
            yield from pipeline.quiet() if lines is None else pipeline.feed(lines)
    except InputError:
        # Reading stopped (an archive cut short, a failing disk): the records held for
        # their next lines are given before the error, as every line read is.
        yield from pipeline.finish()
        raise
    yield from pipeline.finish()


def events_of(
    source: Iterable[Sequence[str] | None],
    *,
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[Event]:
    """The events of an input given as batches of lines (see :func:`run`)."""
    for batch in run(source, year=year, timezone=timezone):
        yield from batch.events()


__all__ = ["BATCH_LINES", "Pipeline", "events_of", "line_batches", "run", "views"]
