"""The two stages as an engine runs them (Dask, Spark, worker processes): a file's events
straight from the batches' columns, a file's result cut to what stage 2 reads, and stage 2
over every router's files, as one table."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from contextlib import closing

import polars as pl
import pyarrow as pa

from .arrow import EVENTS_SCHEMA, SESSIONS_SCHEMA, batch_table, sessions_table
from .fleet import FileResult, file_result
from .pairing.routers import located_sessions
from .pipeline import run
from .reading import open_log


def file_events(
    source: str, *, year: int | None = None, timezone: str | None = None, file: str | None = None
) -> pa.Table:
    """One file's events, read from the batches' columns (no model per event); ``file``
    names it in the table (default: ``source``)."""
    with closing(open_log(source)) as reader:
        batches = run(reader.batches(), year=year, timezone=timezone)
        tables = [batch_table(batch, file=file or source) for batch in batches]
    return pa.concat_tables(tables) if tables else EVENTS_SCHEMA.empty_table()


def stage_one(source: str, *, year: int | None = None, timezone: str | None = None) -> FileResult:
    """A file's result as stage 2 reads it (:func:`ike_debuglog.fleet.file_result`),
    small enough to send to one task: of its events (the bulk) only the first and last
    stamped record of each host are kept, what tells routers apart and what their logs
    cover."""
    result = file_result(source, year=year, timezone=timezone)
    return dataclasses.replace(result, events=_hosts_and_span(result.events))


def _hosts_and_span(events: pa.Table) -> pa.Table:
    if events.num_rows == 0:
        return events
    frame = pl.from_arrow(events.select(["host", "timestamp"]))
    assert isinstance(frame, pl.DataFrame)
    rows = frame.with_row_index("row")
    by_time = pl.col("row").sort_by("timestamp")
    stamped = rows.filter(pl.col("timestamp").is_not_null()).group_by("host")
    ends = stamped.agg(by_time.first().alias("first"), by_time.last().alias("last"))
    hosts = rows.group_by("host").agg(pl.col("row").first())
    kept = sorted({*hosts["row"], *ends["first"], *ends["last"]})
    return events.take(pa.array(kept, pa.int64()))


def stage_two(results: Sequence[FileResult]) -> pa.Table:
    """Every session of the files, as a run in one process finds them (each router's
    files rejoined on their own, :func:`ike_debuglog.pairing.routers.located_sessions`),
    in the order of ``results`` then by id, as one table of :data:`SESSIONS_SCHEMA`."""
    found = located_sessions(results)
    tables = [
        sessions_table([item.session for item in group], file=file)
        for file, group in itertools.groupby(found, key=lambda item: item.file)
    ]
    return pa.concat_tables(tables) if tables else SESSIONS_SCHEMA.empty_table()
