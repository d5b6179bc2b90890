"""parse_stream: bytes an engine has opened give the events their file gives, by the same
reading rules, and the caller's stream is left open."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, fixture_logs

from ike_debuglog import Event, InputError, parse_file, parse_stream

YEAR = 2026
LOGS = fixture_logs()
SAMPLE = FIXTURES / "ikev2" / "composed-console-quiet-sa-between-dpd-deleted-by-peer.log"


def dumped(events: Iterable[Event]) -> list[dict[str, Any]]:
    return [event.model_dump(mode="json") for event in events]


class _Trickle(io.RawIOBase):
    """A raw stream that cannot seek or tell, and gives at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__()
        self._data, self._at, self._step = data, 0, step

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self._step, len(self._data) - self._at)
        buffer[:size] = self._data[self._at : self._at + size]
        self._at += size
        return size


def test_the_sample_exists() -> None:
    assert SAMPLE.is_file()
    assert len(LOGS) > 30


@pytest.mark.parametrize("log", LOGS, ids=lambda log: f"{log.parent.name}/{log.stem}")
def test_a_stream_gives_what_its_file_gives(log: Path, tmp_path: Path) -> None:
    expected = dumped(parse_file(log, year=YEAR))
    assert expected  # every fixture has events
    with log.open("rb") as handle:
        assert dumped(parse_stream(handle, name=str(log), year=YEAR)) == expected
        assert not handle.closed
    archive = tmp_path / (log.name + ".gz")
    archive.write_bytes(gzip.compress(log.read_bytes()))
    assert dumped(parse_file(archive, year=YEAR)) == expected
    with archive.open("rb") as handle:
        assert dumped(parse_stream(handle, year=YEAR)) == expected


def _shapes() -> dict[str, bytes]:
    """The same log in the shapes the reading rules deal with."""
    text = SAMPLE.read_text(encoding="utf-8")
    data = text.encode("utf-8")
    lines = data.splitlines(keepends=True)
    return {
        "utf-16 with a mark": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf-8 with a mark": codecs.BOM_UTF8 + data,
        "a mark in the middle": b"".join(lines[:5]) + codecs.BOM_UTF8 + b"".join(lines[5:]),
        "windows-1252 lines": b"".join(lines[:3]) + b"caf\xe9 \x93quoted\x94\n" + data,
        "a line past the cap": b"".join(lines[:4]) + b"x" * 200_000 + b"\n" + data,
        "bzip2": bz2.compress(data),
        "xz": lzma.compress(data),
    }


@pytest.mark.parametrize("shape", sorted(_shapes()))
def test_the_reading_rules_are_the_files(shape: str, tmp_path: Path) -> None:
    data = _shapes()[shape]
    path = tmp_path / "shaped.log"
    path.write_bytes(data)
    expected = dumped(parse_file(path, year=YEAR))
    assert len(expected) > 5
    assert dumped(parse_stream(io.BytesIO(data), year=YEAR)) == expected


def test_an_unseekable_trickle_gives_the_same_events() -> None:
    data = gzip.compress(SAMPLE.read_bytes())
    stream = io.BufferedReader(_Trickle(data, 997), 4096)
    assert not stream.seekable()
    expected = dumped(parse_file(SAMPLE, year=YEAR))
    assert dumped(parse_stream(stream, year=YEAR)) == expected
    assert not stream.closed


def test_a_pipe_gives_the_same_events() -> None:
    data = gzip.compress(SAMPLE.read_bytes())
    read_end, write_end = os.pipe()

    def write() -> None:
        with open(write_end, "wb") as out:
            for start in range(0, len(data), 1000):
                out.write(data[start : start + 1000])
                out.flush()

    writer = threading.Thread(target=write)
    writer.start()
    with open(read_end, "rb") as handle:
        events = dumped(parse_stream(handle, name="pipe", year=YEAR))
        assert not handle.closed
    writer.join()
    assert events == dumped(parse_file(SAMPLE, year=YEAR))


def test_binary_input_is_refused_by_its_name_and_left_open() -> None:
    handle = io.BytesIO(b"PK\x03\x04" + bytes(200))
    with pytest.raises(InputError, match=r"^capture\.zip: a zip archive, not a log$"):
        parse_stream(handle, name="capture.zip")
    assert not handle.closed
    with pytest.raises(InputError, match=r"^<stream>: binary data"):
        parse_stream(io.BytesIO(bytes(5000)))


def test_a_cut_gzip_names_the_stream() -> None:
    cut = gzip.compress(SAMPLE.read_bytes())[:5]
    handle = io.BytesIO(cut)
    with pytest.raises(InputError, match=r"^feed: "):
        list(parse_stream(handle, name="feed"))
    assert not handle.closed
