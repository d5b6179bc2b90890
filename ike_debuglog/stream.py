"""Live input: events from a file that is still being written (``tail -f``) or from a pipe,
as lines arrive.

The input is read by the same policy as any file (:class:`LogReader`: compression, byte
order marks, Windows-1252 lines, binary refused) and parsed by the same pipeline, a
batch being whatever has arrived.  A record is only complete when the next one starts,
so a quiet feed would hold its last record back indefinitely; after ``idle`` seconds
without a new line the open record is closed and emitted (and IKEv1 packets waiting for
the records that name their step are settled with what is known), which bounds the
latency.
"""

from __future__ import annotations

import io
import os
import select
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .events import Event
from .pipeline import events_of
from .reading import LogReader

#: What the line source yields when the input has been quiet for ``idle`` seconds.
QUIET = None


def live_lines(
    reader: LogReader,
    *,
    idle: float,
    poll: float,
    until: Callable[[], bool],
    descriptor: int | None = None,
) -> Iterator[list[str] | None]:
    """Batches of lines as they arrive, and ``QUIET`` after ``idle`` seconds without any.

    A pipe (``descriptor`` given) is waited on with ``select`` and ends when it closes;
    a file is polled every ``poll`` seconds and followed until ``until()`` says stop.
    """
    last = time.monotonic()
    quiet_said = False
    while not until():
        if descriptor is not None and not reader.held:
            ready, _, _ = select.select([descriptor], [], [], idle)
            if not ready:
                lines = []
            else:
                lines = reader.read_available()
                if not lines and reader.ended:
                    break
        else:
            lines = reader.read_available()
        if lines:
            yield lines
            last, quiet_said = time.monotonic(), False
            continue
        if not quiet_said and time.monotonic() - last >= idle:
            partial = reader.read_partial()  # a line the writer has not finished
            if partial:
                yield partial
            yield QUIET
            quiet_said = True
        if descriptor is None:
            time.sleep(poll)
    partial = reader.read_partial()
    if partial:
        yield partial


def follow_reader(
    path: str | os.PathLike[str], *, idle: float = 1.0, poll: float = 0.1,
    until: Callable[[], bool] = lambda: False,
) -> Iterator[list[str] | None]:  # fmt: skip
    """The lines of a log file as it grows (``tail -f``), from its beginning."""
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from error
    with handle:
        reader = LogReader(handle, name=str(path), live=True)
        yield from live_lines(reader, idle=idle, poll=poll, until=until)


def pipe_reader(
    handle: BinaryIO, *, idle: float = 1.0, until: Callable[[], bool] = lambda: False
) -> Iterator[list[str] | None]:
    """The lines of a pipe (standard input) as they arrive, until it closes."""
    raw = io.FileIO(handle.fileno(), closefd=False)  # unbuffered: `select` sees all there is
    reader = LogReader(raw, name="standard input", live=True)
    yield from live_lines(reader, idle=idle, poll=idle, until=until, descriptor=raw.fileno())


def follow_file(
    path: str | os.PathLike[str],
    *,
    year: int | None = None,
    idle: float = 1.0,
    poll: float = 0.1,
    until: Callable[[], bool] = lambda: False,
) -> Iterator[Event]:
    """Events of a log file as it grows (``tail -f``), until ``until()`` says stop.

    Starts at the beginning of the file; a record still open after ``idle`` seconds
    without a new line is emitted.
    """
    yield from events_of(follow_reader(path, idle=idle, poll=poll, until=until), year=year)


def stream_pipe(
    handle: BinaryIO,
    *,
    year: int | None = None,
    idle: float = 1.0,
    until: Callable[[], bool] = lambda: False,
) -> Iterator[Event]:
    """Events from a pipe (standard input) as lines arrive, until it closes."""
    yield from events_of(pipe_reader(handle, idle=idle, until=until), year=year)


__all__ = [
    "follow_file",
    "follow_reader",
    "live_lines",
    "pipe_reader",
    "stream_pipe",
]
