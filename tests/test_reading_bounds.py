"""Reading in bounded memory (issue 15): blank lines, compression bombs, lines of
hundreds of megabytes and NUL holes cost a bounded amount, and every line is still
accounted for; a byte order mark in the middle of a log is dropped."""

from __future__ import annotations

import codecs
import gzip
import io
import subprocess
import sys
import tracemalloc
from pathlib import Path

from ike_debuglog import open_log, parse_file, parse_lines
from ike_debuglog.reading import BATCH_LINES, LINE_LIMIT, LogReader

EXAMPLE = Path(__file__).parents[1] / "examples" / "show-logging-ikev2.log"


class _Generated(io.RawIOBase):
    """``head``, then ``size`` bytes of ``fill``, then ``tail``: made as read, never held."""

    def __init__(self, head: bytes, fill: bytes, size: int, tail: bytes) -> None:
        super().__init__()
        self._parts = [head, b"", tail]
        self._fill, self._left = fill, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._parts[0]:
            data, self._parts[0] = self._parts[0][: len(buffer)], self._parts[0][len(buffer) :]
        elif self._left:
            data = self._fill * min(len(buffer), self._left)
            self._left -= len(data)
        else:
            data, self._parts[2] = self._parts[2][: len(buffer)], self._parts[2][len(buffer) :]
        buffer[: len(data)] = data
        return len(data)


def _peak_of_reading(reader_of: type[LogReader], stream: io.RawIOBase) -> tuple[int, list[int]]:
    """Peak Python memory while reading, and the lengths of the lines read."""
    tracemalloc.start()
    try:
        reader = reader_of(io.BufferedReader(stream))  # type: ignore[arg-type]
        lengths = [len(line) for batch in reader.batches() for line in batch]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, lengths


def test_a_line_of_a_hundred_megabytes_is_cut_in_bounded_memory() -> None:
    stream = _Generated(b"first\n", b"x", 100 << 20, b"\nlast\n")
    peak, lengths = _peak_of_reading(LogReader, stream)
    assert lengths == [5, LINE_LIMIT, 4]
    assert peak < 24 << 20  # a batch of 4 MB, some copies: not the line


def test_a_cut_line_is_counted_and_the_lines_after_it_keep_their_numbers(tmp_path: Path) -> None:
    text = EXAMPLE.read_bytes()
    log = tmp_path / "long.log"
    log.write_bytes(b"header line\n" + "é".encode() * LINE_LIMIT + b"\n" + text)
    reader = open_log(log)
    lines = [line for batch in reader.batches() for line in batch]
    assert lines[1] == "é" * (LINE_LIMIT // 2)  # cut where a character ends
    assert reader.cut_lines == 1
    assert "1 line cut at 65,536 bytes" in reader.describe()
    shifted = [(e.kind, e.line - 2) for e in parse_file(log) if e.line > 2]
    expected = [(e.kind, e.line) for e in parse_lines(text.decode().splitlines())]
    assert shifted[-len(expected) :] == expected


def test_a_nul_hole_after_text_is_one_cut_line(tmp_path: Path) -> None:
    log = tmp_path / "sparse.log"
    text = b"".join(b"line %d of text before the hole\n" % n for n in range(400))
    with log.open("wb") as handle:
        handle.write(text)
        handle.truncate(len(text) + (200 << 20))  # a hole: reads as NUL bytes
        handle.seek(0, 2)
        handle.write(b"\nafter the hole\n")
    reader = open_log(log)
    with reader:
        lines = [line for batch in reader.batches() for line in batch]
    assert len(lines) == 402
    assert len(lines[400]) == LINE_LIMIT and lines[401] == "after the hole"
    assert reader.cut_lines == 1


def test_a_live_feed_holds_at_most_the_line_limit_of_an_unended_line() -> None:
    reader = LogReader(io.BytesIO(b"start\n"), live=True)
    assert reader.read_available() == ["start"]
    for _ in range(64):  # 64 MB arriving without a line end
        reader._raw = _Generated(b"", b"y", 1 << 20, b"")  # type: ignore[assignment]
        assert reader.read_available() == []
    reader._raw = _Generated(b"", b"", 0, b"z\nnext\n")  # type: ignore[assignment]
    assert reader.read_available() == ["y" * LINE_LIMIT, "next"]
    assert reader.cut_lines == 1


def test_batches_of_blank_lines_hold_a_bounded_number_of_lines() -> None:
    stream = _Generated(b"", b"\n", 3 * BATCH_LINES + 5, b"")
    reader = LogReader(io.BufferedReader(stream))  # type: ignore[arg-type]
    sizes = [len(batch) for batch in reader.batches()]
    assert sizes == [BATCH_LINES] * 3 + [5]


_BOMB = """
import gzip, resource, sys
from ike_debuglog import parse_file
from ike_debuglog.cli import main
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
events = list(parse_file(sys.argv[1]))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(events), events[-1].end_line, (after - before) // 1024)
"""


def test_a_gzip_of_a_million_newlines_streams_in_bounded_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.log.gz"
    with gzip.open(bomb, "wb") as handle:
        handle.write(b"*Mar  1 00:00:00.001: IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet\n")
        handle.write(b"\n" * 1_500_000)
    assert bomb.stat().st_size < 10_000
    done = subprocess.run(
        [sys.executable, "-c", _BOMB, str(bomb)], capture_output=True, text=True, check=True
    )
    _count, end_line, grown_mb = map(int, done.stdout.split())
    assert end_line == 1_500_001  # every line accounted for
    assert grown_mb < 200, f"{grown_mb} MB for 1.5 M blank lines"


def test_a_byte_order_mark_in_the_middle_starts_no_merge(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    expected = [(e.kind, e.line) for e in parse_lines((text + text).splitlines())]
    joined = codecs.BOM_UTF8 + text.encode() + codecs.BOM_UTF8 + text.encode()
    log = tmp_path / "joined.log"
    log.write_bytes(joined)
    assert [(e.kind, e.line) for e in parse_file(log)] == expected
    log.write_bytes(codecs.BOM_UTF16_LE + (text + "\ufeff" + text).encode("utf-16-le"))
    assert [(e.kind, e.line) for e in parse_file(log)] == expected
    lines = (text + "\ufeff" + text).splitlines()
    assert [(e.kind, e.line) for e in parse_lines(lines)] == expected
    assert [(e.kind, e.line) for e in parse_lines(line.encode() for line in lines)] == expected
