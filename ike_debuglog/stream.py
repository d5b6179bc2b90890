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
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

from .errors import InputError
from .events import Event
from .pipeline import events_of
from .reading import BATCH_LINES, LogReader

#: What the line source yields when the input has been quiet for ``idle`` seconds.
QUIET = None
#: Bytes before the read offset of a followed file compared at each read: when they
#: changed, the file was truncated and written again (copytruncate) between two polls.
WITNESS_BYTES = 64


class _Live(Protocol):
    ended: bool

    @property
    def held(self) -> bool: ...

    def read_available(self) -> list[str]: ...

    def read_partial(self) -> list[str]: ...


def live_lines(
    reader: _Live,
    *,
    idle: float,
    poll: float,
    until: Callable[[], bool],
    descriptor: int | None = None,
) -> Iterator[list[str] | None]:
    """Batches of lines as they arrive, and ``QUIET`` after ``idle`` seconds without any.

    A pipe (``descriptor`` given) is waited on with ``select`` and ends when it closes;
    a file is polled every ``poll`` seconds and followed until ``until()`` says stop.  A
    line the writer has not ended is held until it is, or until the input ends.
    """
    try:
        yield from _live(reader, idle=idle, poll=poll, until=until, descriptor=descriptor)
    except InputError:
        # Reading stopped (a compressed stream cut short): the line it was in the middle
        # of is given, as a file's is, before the error.
        if partial := reader.read_partial():
            yield partial
        raise
    if partial := reader.read_partial():
        yield partial


def _live(
    reader: _Live,
    *,
    idle: float,
    poll: float,
    until: Callable[[], bool],
    descriptor: int | None,
) -> Iterator[list[str] | None]:
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
            yield from _sliced(lines)
            last, quiet_said = time.monotonic(), False
            continue
        if not quiet_said and time.monotonic() - last >= idle:
            yield QUIET
            quiet_said = True
        if descriptor is None:
            time.sleep(poll)


def _sliced(lines: list[str]) -> Iterator[list[str]]:
    """Lines in batches of at most BATCH_LINES: framing costs by the line."""
    for start in range(0, len(lines), BATCH_LINES):
        yield lines[start : start + BATCH_LINES]


class FollowedFile:
    """A log file as it grows, across rotations: the live reading of :class:`LogReader`
    (same policy), reopened when the file is replaced or truncated.

    - Rename and create (logrotate's default): at the end of the old file, when the path
      names another file, the old file is finished (its last line, even unended) and the
      new one read from its start.
    - Copy and truncate (``copytruncate``): when the file is shorter than the offset read,
      or the bytes just before that offset changed (it was truncated and grew back
      between two polls), it is read again from its start.

    A file is recognised (compression, byte order mark) once it holds some bytes.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.ended = False  # a file never ends: following stops when told
        self.rotations = 0
        self._handle = self._open()
        self._reader: LogReader | None = None
        self._witness = (0, b"")

    held = False

    def _open(self) -> io.FileIO:
        try:
            handle = io.FileIO(self.path, "r")
        except OSError as error:
            raise InputError(f"{self.path}: {error.strerror or error}") from error
        if stat.S_ISDIR(os.fstat(handle.fileno()).st_mode):
            handle.close()
            raise InputError(f"{self.path}: is a directory, not a log file")
        return handle

    def _current(self) -> LogReader | None:
        """The reader of the file, made once it has something to read."""
        if self._reader is None and os.fstat(self._handle.fileno()).st_size > 0:
            self._reader = LogReader(self._handle, name=str(self.path), live=True, growing=True)
        return self._reader

    def read_available(self) -> list[str]:
        """The complete lines written since the last read (or the last lines of a file
        rotated away); ``[]`` when there are none yet."""
        reader = self._current()
        if reader is not None and self._truncated():
            return self._restart(reopen=False)
        lines = reader.read_available() if reader is not None else []
        if reader is not None and not reader.ended:
            self._mark()
            return lines
        # At the end of the file: if the path now names another, this one is finished.
        return self._restart(reopen=True) if self._replaced() else []

    def read_partial(self) -> list[str]:
        return self._reader.read_partial() if self._reader is not None else []

    def close(self) -> None:
        self._handle.close()

    def _mark(self) -> None:
        offset = self._handle.tell()
        size = min(offset, WITNESS_BYTES)
        self._witness = (offset, os.pread(self._handle.fileno(), size, offset - size))

    def _truncated(self) -> bool:
        offset, witness = self._witness
        if os.fstat(self._handle.fileno()).st_size < offset:
            return True
        return os.pread(self._handle.fileno(), len(witness), offset - len(witness)) != witness

    def _replaced(self) -> bool:
        try:
            named = os.stat(self.path)
        except OSError:
            return False  # renamed, not created again yet: keep the old one
        mine = os.fstat(self._handle.fileno())
        return (named.st_dev, named.st_ino) != (mine.st_dev, mine.st_ino)

    def _restart(self, *, reopen: bool) -> list[str]:
        """The old file's unended last line; then the new file (or the truncated one) from
        its start."""
        lines = self.read_partial()
        if reopen:
            handle = self._open()
            self._handle.close()
            self._handle = handle
        else:
            self._handle.seek(0)
        self._reader, self._witness = None, (0, b"")
        self.rotations += 1
        return lines + self.read_available()


def follow_reader(
    path: str | os.PathLike[str], *, idle: float = 1.0, poll: float = 0.1,
    until: Callable[[], bool] = lambda: False,
) -> Iterator[list[str] | None]:  # fmt: skip
    """The lines of a log file as it grows (``tail -f``), from its beginning, across
    rotations (:class:`FollowedFile`)."""
    followed = FollowedFile(path)
    try:
        yield from live_lines(followed, idle=idle, poll=poll, until=until)
    finally:
        followed.close()


def pipe_reader(
    handle: BinaryIO,
    *,
    idle: float = 1.0,
    until: Callable[[], bool] = lambda: False,
    reading: list[LogReader] | None = None,
) -> Iterator[list[str] | None]:
    """The lines of a pipe (standard input) as they arrive, until it closes; the reader is
    put in ``reading`` (for its counts) once the first bytes are recognised."""
    raw = io.FileIO(handle.fileno(), closefd=False)  # unbuffered: `select` sees all there is
    reader = LogReader(raw, name="standard input", live=True)
    if reading is not None:
        reading.append(reader)
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
    "FollowedFile",
    "follow_file",
    "follow_reader",
    "live_lines",
    "pipe_reader",
    "stream_pipe",
]
