"""Live input: events from a file that is still being written (``tail -f``) or from a pipe,
as lines arrive.

A record is only complete when the next one starts, so a quiet feed would hold its last
record back indefinitely; after ``idle`` seconds without a new line the open record is
closed and emitted (and IKEv1 packets waiting for the records that name their step are
settled with what is known), which bounds the latency.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import InputError
from .events import Event
from .framing import Framer
from .parse import event_from_message
from .steps import Ikev1Steps

#: What the line source yields when the input has been quiet for ``idle`` seconds.
QUIET = None


def _file_lines(
    handle: BinaryIO, *, follow: bool, idle: float, poll: float, until: Callable[[], bool]
) -> Iterator[bytes | None]:
    """Lines of a regular file, waiting at its end for more when ``follow``."""
    partial = b""
    last = time.monotonic()
    quiet_said = False
    while not until():
        chunk = handle.readline()
        if chunk:
            partial += chunk
            if partial.endswith(b"\n"):
                yield partial
                partial = b""
                last, quiet_said = time.monotonic(), False
            continue
        if not follow:
            break
        if not quiet_said and time.monotonic() - last >= idle:
            if partial:  # a line the writer has not finished: take it as it is
                yield partial
                partial = b""
            yield QUIET
            quiet_said = True
        time.sleep(poll)
    if partial:
        yield partial


def _pipe_lines(
    handle: BinaryIO, *, idle: float, until: Callable[[], bool]
) -> Iterator[bytes | None]:
    """Lines of a pipe as they arrive, and ``QUIET`` when it has said nothing for ``idle``."""
    descriptor = handle.fileno()
    partial = b""
    quiet_said = False
    while not until():
        ready, _, _ = select.select([descriptor], [], [], idle)
        if not ready:
            if not quiet_said:
                if partial:
                    yield partial
                    partial = b""
                yield QUIET
                quiet_said = True
            continue
        chunk = os.read(descriptor, 1 << 16)
        if not chunk:
            break
        quiet_said = False
        lines = (partial + chunk).split(b"\n")
        partial = lines.pop()
        for line in lines:
            yield line + b"\n"
    if partial:
        yield partial


def events_from(source: Iterator[bytes | None], *, year: int | None = None) -> Iterator[Event]:
    """Events from lines that arrive over time, ``QUIET`` marking a pause."""
    framer = Framer(year=year)
    steps = Ikev1Steps()
    for line in source:
        if line is QUIET:
            message = framer.flush()
            if message is not None:
                yield from steps.feed(event_from_message(message))
            yield from steps.flush()
            continue
        message = framer.feed(line)
        if message is not None:
            yield from steps.feed(event_from_message(message))
    message = framer.flush()
    if message is not None:
        yield from steps.feed(event_from_message(message))
    yield from steps.flush()


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
    try:
        handle = Path(path).open("rb")  # noqa: SIM115 (closed below, after the checks)
    except OSError as error:
        raise InputError(f"{path}: {error.strerror or error}") from error
    with handle:
        yield from events_from(
            _file_lines(handle, follow=True, idle=idle, poll=poll, until=until), year=year
        )


def stream_pipe(
    handle: BinaryIO,
    *,
    year: int | None = None,
    idle: float = 1.0,
    until: Callable[[], bool] = lambda: False,
) -> Iterator[Event]:
    """Events from a pipe (standard input) as lines arrive, until it closes."""
    yield from events_from(_pipe_lines(handle, idle=idle, until=until), year=year)


__all__ = ["events_from", "follow_file", "stream_pipe"]
