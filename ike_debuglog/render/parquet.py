"""Parquet files of events and sessions, written batch by batch (docs/arrow.md).

Memory holds one batch of events (or one chunk of sessions) at a time, whatever the size
of the log.  The file is written under a temporary name and renamed when complete, so
that a reader never sees half a file and a failed run leaves none behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

from ..arrow import EVENTS_SCHEMA, SESSIONS_SCHEMA, batch_table, sessions_table
from ..correlate.models import Session
from ..errors import UsageError
from ..scan.records import RecordBatch

#: Sessions per row group: a session holds its messages, exchanges and lines, so a
#: chunk of them is about the size of a batch of events.
SESSION_CHUNK: Final = 2048


def output_folder(folder: Path) -> Path:
    """``folder``, created if missing, once it is known to be writable (a usage error
    otherwise: before the log is read, not after)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; -o names the folder the Parquet file goes in")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{folder}: cannot write ({error.strerror})") from error
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{folder}: cannot write (permission denied)")
    return folder


class _Writer:
    """A Parquet file written under a temporary name, renamed when closed without error."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.path = path
        self.partial = path.with_name(f".{path.name}.partial")
        try:
            self.writer = pq.ParquetWriter(self.partial, schema, compression="zstd")
        except OSError as error:
            raise UsageError(f"{path}: cannot write ({error})") from error

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.writer.write_table(table)

    def finish(self, ok: bool) -> None:
        self.writer.close()
        if ok:
            os.replace(self.partial, self.path)
        else:
            self.partial.unlink(missing_ok=True)


def write_events(
    folder: Path,
    sources: Iterable[tuple[str | None, Iterable[RecordBatch]]],
    *,
    unrecognized: bool = True,
    seen: Callable[[RecordBatch], None] | None = None,
) -> Path:
    """``folder/events.parquet`` from the batches of each input (``file`` column: the
    input's name, or null); ``seen`` is called with every batch (the caller's counts)."""
    writer = _Writer(folder / "events.parquet", EVENTS_SCHEMA)
    ok = False
    try:
        for file, batches in sources:
            for batch in batches:
                if seen is not None:
                    seen(batch)
                writer.write(batch_table(batch, file=file, unrecognized=unrecognized))
        ok = True
    finally:
        writer.finish(ok)
    return writer.path


def write_sessions(folder: Path, sessions: Iterable[Session], *, file: str | None = None) -> Path:
    """``folder/sessions.parquet``, a row group per :data:`SESSION_CHUNK` sessions."""
    writer = _Writer(folder / "sessions.parquet", SESSIONS_SCHEMA)
    ok = False
    chunk: list[Session] = []
    try:
        for session in sessions:
            chunk.append(session)
            if len(chunk) == SESSION_CHUNK:
                writer.write(sessions_table(chunk, file=file))
                chunk = []
        writer.write(sessions_table(chunk, file=file))
        ok = True
    finally:
        writer.finish(ok)
    return writer.path


__all__ = ["SESSION_CHUNK", "output_folder", "write_events", "write_sessions"]
