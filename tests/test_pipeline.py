"""One pipeline: the same bytes give the same events however they arrive, in whatever
batches, from a file, a pipe read as it comes, or worker processes."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import pytest
from conftest import fixture_logs

from ike_debuglog import parse_file, parse_files
from ike_debuglog.pipeline import events_of, line_batches
from ike_debuglog.stream import stream_pipe

YEAR = 2026
LOG = sorted(fixture_logs(), key=lambda path: path.stat().st_size)[-1]  # the largest
DUMPS = [event.model_dump_json() for event in parse_file(LOG, year=YEAR)]


@pytest.mark.parametrize("size", [1, 2, 5, 64, 10**6])
def test_events_do_not_depend_on_where_batches_end(size: int) -> None:
    lines = LOG.read_bytes().split(b"\n")[:-1]  # the file ends with a line end
    events = events_of(line_batches(lines, size), year=YEAR)
    assert [event.model_dump_json() for event in events] == DUMPS


def _through_a_pipe(data: bytes, chunk: int) -> list[str]:
    read, write = os.pipe()

    def writer() -> None:
        with os.fdopen(write, "wb") as out:
            for start in range(0, len(data), chunk):
                out.write(data[start : start + chunk])
                out.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read, "rb") as handle:
        dumps = [e.model_dump_json() for e in stream_pipe(handle, year=YEAR, idle=0.05)]
    thread.join()
    return dumps


@pytest.mark.parametrize(
    "encode",
    [
        lambda data: data,
        gzip.compress,
        lambda data: data.decode("utf-8").encode("utf-16"),
    ],
    ids=["plain", "gzip", "utf-16"],
)
def test_a_pipe_read_as_it_comes_gives_the_file_s_events(encode: object) -> None:
    data = encode(LOG.read_bytes())  # type: ignore[operator]
    assert _through_a_pipe(data, 997) == DUMPS


def test_workers_give_what_one_process_gives(tmp_path: Path) -> None:
    logs = sorted(fixture_logs())[:5]
    alone = [(path, [e.model_dump_json() for e in events]) for path, events in
             parse_files(logs, workers=1, year=YEAR)]  # fmt: skip
    spawned = [(path, [e.model_dump_json() for e in events]) for path, events in
               parse_files(logs, workers=2, year=YEAR)]  # fmt: skip
    assert spawned == alone
