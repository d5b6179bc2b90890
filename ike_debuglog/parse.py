"""The lazy ``parse_*`` entry points.

Time stamps that print no year (console, ``show logging`` without ``year``, RFC 3164
syslog servers) are dated over each input: ``year`` is the year of the first one
(default: the current year, ``datetime.now().year``, when the input is opened), and time
never runs backwards after it, so a log that runs from Dec 31 into Jan 1 gets the next
year for January.  Stamps that print their year (and ISO stamps) keep it, and the ones
after them follow it.

A stamp whose zone is known (UTC, GMT, CET, PST, EDT, ``UTC+3``, ...: ``framing.zone_of``)
is a timezone-aware instant.  ``timezone`` (an IANA name, ``Europe/Paris``) is the zone of
stamps that print none, or one not known; without it they stay local times, without an
offset.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import BinaryIO, TypeVar

import polars as pl

from .errors import InputError
from .events import Event
from .framing import Message, checked_zone
from .pipeline import events_of, line_batches, run
from .reading import LogReader, open_log, reader_of
from .scan.frame import BatchFramer, messages
from .scan.records import RecordBatch
from .urls import is_url, matches

_T = TypeVar("_T")


def frame_lines(
    lines: Iterable[str | bytes], *, year: int | None = None, timezone: str | None = None
) -> Iterator[Message]:
    """Group physical lines into messages, lazily (framing alone, for inspection);
    ``year`` as for :func:`parse_lines`."""
    year = year if year is not None else datetime.now().year
    framer = BatchFramer(year, timezone)
    for batch in line_batches(lines):
        series = pl.Series(batch, dtype=pl.String).str.strip_chars_end("\r\n")
        yield from messages(framer.frame(series), year)
    yield from messages(framer.flush(), year)


def parse_lines(
    lines: Iterable[str | bytes], *, year: int | None = None, timezone: str | None = None
) -> Iterator[Event]:
    """Events from lines of debug or log output, lazily, in input order.

    ``year`` is the year of the first time stamp that prints none (default: the current
    year); the years of the later ones follow the log, so that time never runs backwards
    (Dec 31 -> Jan 1 is the next year's January).
    """
    return events_of(line_batches(lines), year=year, timezone=timezone)


def parse_text(
    text: str, *, year: int | None = None, timezone: str | None = None
) -> Iterator[Event]:
    """Events from a string holding a whole log.

    Lines end at ``\n`` only, as in a file, so line numbers match what an editor shows;
    ``year`` as for :func:`parse_lines`.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return parse_lines(lines, year=year, timezone=timezone)


def parse_file(
    path: str | PathLike[str], *, year: int | None = None, timezone: str | None = None
) -> Iterator[Event]:
    """Events from a log file, read lazily line by line (a 1 GB file is never held whole).

    ``path`` is a local path or a URL of any fsspec file system (``s3://bucket/a.log.gz``,
    ``https://...``; docs/input.md, Logs by URL).  Compressed, UTF-16 and Windows-encoded
    files are read by the policy of :mod:`ike_debuglog.reading`; use :func:`open_log` and
    :func:`parse_lines` to see what reading took.  ``year`` as for :func:`parse_lines`.
    Raises :class:`InputError` when the file cannot be opened or is not a log.
    """
    if timezone is not None:
        checked_zone(timezone)  # before opening the file: a usage error comes first
    return _events_then_close(open_log(path), year, timezone)


def parse_stream(
    fileobj: BinaryIO,
    *,
    name: str = "<stream>",
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[Event]:
    """Events from an open binary stream: what an engine (Dask, Spark, an object store's
    client) has opened, a pipe, a socket's file.

    The bytes are read by exactly the rules of :func:`parse_file` (compression, encodings,
    binary input refused with an :class:`InputError` naming ``name``); the stream need not
    be seekable.  It is read to its end as the events are taken, and left open: closing
    it is the caller's.  ``year`` and ``timezone`` as for :func:`parse_lines`.
    """
    if timezone is not None:
        checked_zone(timezone)
    reader = reader_of(fileobj, name, owned=False)
    return events_of(reader.batches(), year=year, timezone=timezone)


def _events_then_close(
    reader: LogReader, year: int | None, timezone: str | None
) -> Iterator[Event]:
    with closing(reader):
        yield from events_of(reader.batches(), year=year, timezone=timezone)


def _file_batches(path: str, year: int | None, timezone: str | None = None) -> list[bytes]:
    """A worker's result: the file's batches as bytes (Arrow tables), which cost a small
    part of what pickling their models would."""
    return [batch.dump() for batch in _batches_of(path, year, timezone)]


def _batches_of(path: str, year: int | None, timezone: str | None = None) -> Iterator[RecordBatch]:
    reader = open_log(path)
    with closing(reader):
        yield from run(reader.batches(), year=year, timezone=timezone)


def _checked_files(paths: Sequence[str | PathLike[str]]) -> list[Path | str]:
    """The files to read: local paths checked before any is parsed, URL globs expanded
    into their matches (a URL is checked when it is opened: one request less per file)."""
    files: list[Path | str] = []
    for path in paths:
        if is_url(path):
            files.extend(matches(str(path)))
            continue
        file = Path(path)
        if not file.is_file():
            raise InputError(
                f"{file}: no such file" if not file.exists() else f"{file}: not a file"
            )
        files.append(file)
    return files


def parse_file_batches(
    paths: Sequence[str | PathLike[str]],
    *,
    workers: int | None = None,
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[tuple[Path | str, Iterator[RecordBatch]]]:
    """The event batches of several logs, in input order, each file parsed in a worker
    process (``workers``: how many; 1 parses in this process)."""
    files = _checked_files(paths)
    if workers == 1 or len(files) < 2:
        for file in files:
            yield file, _batches_of(str(file), year, timezone)
        return
    year = year if year is not None else datetime.now().year
    done = in_workers(_file_batches, files, year, workers, timezone)
    for file, dumped in zip(files, done, strict=True):
        yield file, (RecordBatch.load(data) for data in dumped)


def parse_files(
    paths: Sequence[str | PathLike[str]],
    *,
    workers: int | None = None,
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[tuple[Path | str, list[Event]]]:
    """The events of several logs, each file parsed in its own process, in input order.

    A path is a local path (yielded as a :class:`~pathlib.Path`) or a URL (yielded as it
    is); a URL glob (``s3://bucket/2026/11/*.log.gz``) stands for its matches, sorted.

    Yields ``(path, events)`` per file as soon as it and the files before it are done;
    each file's events are held in memory once (use :func:`parse_file` to stream one
    huge file).  ``workers`` defaults to the number of CPUs; 1 parses in this process.
    ``year`` and ``timezone`` (as for :func:`parse_lines`) are each file's own: every file
    is dated from them.
    Workers send their results back as Arrow tables, never as pickled models.  Raises
    :class:`InputError` for a local file that cannot be read before parsing any (for a
    URL, when it is opened), and for a URL glob that matches nothing.
    """
    batched = parse_file_batches(paths, workers=workers, year=year, timezone=timezone)
    for file, batches in batched:
        yield file, [event for batch in batches for event in batch.events()]


def in_workers(
    work: Callable[[str, int | None, str | None], _T],
    files: Sequence[Path | str],
    year: int | None,
    workers: int | None,
    timezone: str | None = None,
) -> Iterator[_T]:
    """``work(file, year, timezone)`` for each file in worker processes, results in input
    order.
    Workers are spawned, not forked: a fork of a process whose Polars threads hold a lock
    can hang."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        count = len(files)
        yield from pool.map(work, [str(file) for file in files], [year] * count, [timezone] * count)
