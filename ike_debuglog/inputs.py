"""How the commands read their inputs: a file, standard input (a pipe as it comes), a
followed file, with a progress bar for a person watching a long read, and the lines the
evidence of a report quotes.  The reading rules themselves live in :mod:`.reading`."""

from __future__ import annotations

import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import IO, TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from .errors import InputError, UsageError
from .pipeline import run
from .reading import LogReader, open_log, reader_of
from .scan.records import RecordBatch
from .stream import follow_reader, pipe_reader
from .urls import is_url

#: Inputs at least this large get a progress bar (on a terminal, outside JSON mode).
PROGRESS_BYTES = 5_000_000


def wants_progress(path: str, stream: TextIO, *, json_output: bool) -> bool:
    """A progress bar only helps a person watching a long read: a large regular file, a
    terminal on stderr, and output that is not JSON for a script."""
    if json_output or path == "-" or not stream.isatty():
        return False
    try:
        info = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size >= PROGRESS_BYTES


def with_progress(reader: LogReader, path: str) -> Iterator[list[str]]:
    """The reader's batches of lines, advancing a progress bar on stderr by the bytes read."""
    size = os.stat(path).st_size
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(Path(path).name, total=size)
        for lines in reader.batches():
            yield lines
            progress.update(task, completed=reader.bytes_read)


def open_input(path: str) -> LogReader:
    """A file's lines, or standard input's, by the reading policy."""
    return reader_of(sys.stdin.buffer, "standard input") if path == "-" else open_log(path)


def local(path: str) -> str:
    """A path that can be followed as it grows: a URL is read once, never followed."""
    if is_url(path):
        raise UsageError(f"{path}: --follow and --serve read a local file; a URL is read once")
    return path


def live_stdin(path: str) -> bool:
    if path != "-":
        return False
    stdin = sys.stdin.buffer
    return not stdin.isatty() and stat.S_ISFIFO(os.fstat(stdin.fileno()).st_mode)


def batches(
    path: str,
    year: int | None,
    timezone: str | None,
    *,
    progress: bool = False,
    notes: list[str] | None = None,
    follow: bool = False,
) -> Iterator[RecordBatch]:
    """The event batches of one input (see :func:`line_batches`)."""
    lines = line_batches(path, progress=progress, notes=notes, follow=follow)
    yield from run(lines, year=year, timezone=timezone)


#: Set when Ctrl-C stopped following a file: the command ends as if the input had (the
#: line and the block it holds are given, the summary printed), then exits 130.
INTERRUPTED = threading.Event()


def followed(path: str) -> Iterator[list[str] | None]:
    if threading.current_thread() is not threading.main_thread():
        yield from follow_reader(path)  # signals reach the main thread only
        return
    previous = signal.signal(signal.SIGINT, lambda *_: INTERRUPTED.set())
    try:
        yield from follow_reader(path, until=INTERRUPTED.is_set)
    finally:
        signal.signal(signal.SIGINT, previous)


def line_batches(
    path: str,
    *,
    progress: bool = False,
    notes: list[str] | None = None,
    follow: bool = False,
) -> Iterator[list[str] | None]:
    """The batches of lines of one input (``None``: a live input paused); reading notes
    (encoding, compression, replaced bytes) go to ``notes``.  An empty input is an input
    error: a collection step went wrong.  A pipe on standard input and a followed file are
    read as they come."""
    if follow:
        yield from followed(path)
        return
    if live_stdin(path):
        reading: list[LogReader] = []
        yield from pipe_reader(sys.stdin.buffer, reading=reading)
        if not reading:
            raise InputError("standard input: empty, no lines to read")
        reader = reading[0]
    else:
        reader = open_input(path)
        with closing(reader):
            show = progress and wants_progress(path, sys.stderr, json_output=False)
            yield from with_progress(reader, path) if show else reader.batches()
    if reader.lines == 0:
        raise InputError(f"{reader.name}: empty, no lines to read")
    if notes is not None and reader.describe():
        notes.append(f"{reader.name}: {reader.describe()}")


def lines_at(lines: Iterable[str], wanted: set[int]) -> dict[int, str]:
    """The text of the given line numbers, in one pass over the input's lines."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(wanted)
    for number, line in enumerate(lines, start=1):
        if number in wanted:
            found[number] = line.strip()
        if number >= last:
            break
    return found


def kept_lines(
    source: Iterable[list[str] | None], copy: IO[str] | None
) -> Iterator[list[str] | None]:
    """The batches of lines of ``source``, each line also written to ``copy`` (if any) as
    it goes by: the evidence ``diagnose`` quotes, from an input that cannot be read twice
    (standard input, a named pipe, ``<(...)``)."""
    for lines in source:
        if lines is not None and copy is not None:
            copy.writelines(line.replace("\n", " ") + "\n" for line in lines)
        yield lines


def regular_file(path: str) -> bool:
    try:
        return path != "-" and stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def text_across(files: list[str], first: str, wanted: set[int]) -> dict[int, str]:
    """The text of line numbers counted from the start of ``first`` on into the files
    after it (a session rejoined across files numbers its lines so), in one pass over
    each file, none held whole."""

    def lines() -> Iterator[str]:
        for path in files[files.index(first) :]:
            with closing(open_log(path)) as log:
                yield from log

    return lines_at(lines(), wanted)


class Quoted:
    """An input whose lines a command quotes after reading it through (the evidence of
    ``diagnose`` and ``report``): a regular file is read again; standard input, a named
    pipe or ``<(...)`` is copied to a temporary file as its lines go by."""

    def __init__(self, path: str, stack: ExitStack) -> None:
        self.path = path
        self._copy: IO[str] | None = None
        if not regular_file(path):
            copy = tempfile.TemporaryFile(  # noqa: SIM115 - the stack closes it
                "w+", encoding="utf-8", errors="replace", newline="\n"
            )
            self._copy = stack.enter_context(copy)

    def lines(self) -> Iterator[list[str] | None]:
        """The input's batches of lines (see :func:`line_batches`), copied if need be."""
        return kept_lines(line_batches(self.path, progress=self.path != "-"), self._copy)

    def text(self, wanted: set[int]) -> dict[int, str]:
        """The text of the ``wanted`` line numbers, once the input was read through."""
        if self._copy is None:
            with closing(open_log(self.path)) as reader:  # the same lines the parser read
                return lines_at(reader, wanted)
        self._copy.seek(0)
        return lines_at(self._copy, wanted)
