"""Reading: a log file or stream into text lines, whatever its encoding or compression.

The first stage of the pipeline, before framing.  The policy (docs/input.md):

- gzip, bzip2 and xz input is read through its decompressor: rotated syslog archives
  are compressed.
- A byte order mark picks the encoding: UTF-8 (the mark is dropped), UTF-16 or UTF-32,
  either byte order (Windows tools write UTF-16 with a mark).  A first block in which
  nearly every other byte is NUL is UTF-16 without a mark.
- Otherwise each line is UTF-8.  A line that is not is read as Windows-1252 (latin-1 as
  Windows tools write it: smart quotes, accented names) when every byte is defined
  there, else with U+FFFD in place of each bad byte.  Both cases are counted, never
  dropped.
- A physical line is cut at LINE_LIMIT bytes (characters, for UTF-16 and UTF-32 input):
  its head is kept, the rest dropped and counted (:attr:`LogReader.cut_lines`), so that
  a line of hundreds of megabytes (a NUL hole in a sparse file) costs no more than
  its head.  Batches hold at most BATCH_LINES lines, so memory is bounded whatever the
  input: ten million blank lines, a compression bomb of newlines.
- A byte order mark at the start of any line is dropped: Windows-saved logs
  concatenated carry one in the middle.
- Known binary formats (zip, pcap, pcapng, ELF, PNG, PDF) and input whose first block
  is more than a tenth NUL bytes are refused with :class:`InputError`: not a log.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
from collections.abc import Callable, Iterator
from os import PathLike
from pathlib import Path
from typing import BinaryIO, Final, Generic, Protocol, TypeVar

from .errors import InputError
from .urls import is_url, open_url, single

#: Bytes looked at to recognise the input: compression, byte order mark, binary data.
SNIFF_BYTES: Final = 8192
#: Bytes of input read and decoded at once.
BATCH_BYTES: Final = 4 << 20
#: Lines of input in a batch at most: framing costs by the line, so a batch of short or
#: blank lines must hold fewer than 4 MB would.
BATCH_LINES: Final = 1 << 16
#: Bytes of a physical line kept (characters, for UTF-16 and UTF-32 input); the rest of
#: a longer line is dropped and counted.  No Cisco debug line comes near it.
LINE_LIMIT: Final = 1 << 16
#: Bytes read at once from a live feed.
LIVE_BYTES: Final = 1 << 20


_Chunk = TypeVar("_Chunk", str, bytes)


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def _gunzip(compressed: io.BufferedReader) -> _Readable:
    return gzip.GzipFile(fileobj=compressed)


_COMPRESSED: Final[dict[bytes, tuple[str, Callable[[io.BufferedReader], _Readable]]]] = {
    b"\x1f\x8b": ("gzip", _gunzip),
    b"BZh": ("bzip2", bz2.BZ2File),
    b"\xfd7zXZ\x00": ("xz", lzma.LZMAFile),
}
_BINARY: Final = {
    b"PK\x03\x04": "a zip archive",
    b"\xd4\xc3\xb2\xa1": "a pcap capture",
    b"\xa1\xb2\xc3\xd4": "a pcap capture",
    b"\x0a\x0d\x0d\x0a": "a pcapng capture",
    b"\x7fELF": "an executable",
    b"\x89PNG": "an image",
    b"%PDF-": "a PDF document",
}
# Longest marks first: a UTF-32-LE mark starts with the UTF-16-LE one.
_MARKS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_line(raw: bytes) -> tuple[str, str]:
    """A line's text and how it was read: ``utf-8``, ``windows-1252`` or ``replaced``."""
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="replace"), "replaced"


class _Replay(io.RawIOBase):
    """A stream whose first bytes were already read to recognise it: serves them again."""

    def __init__(self, head: bytes, rest: _Readable) -> None:
        super().__init__()
        self.head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.head:
            size = min(len(buffer), len(self.head))
            buffer[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        read = getattr(self._rest, "read1", self._rest.read)
        data: bytes = read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Stopping:
    """A decompressed stream that ends where it breaks (an archive cut short, copied
    while it was written), keeping the error for later: every line decompressed before
    the break is given first (a read of many kB would otherwise take them down with it,
    and a break in the first kB would refuse the whole input)."""

    def __init__(self, stream: _Readable, *, growing: bool = False) -> None:
        self._stream = stream
        self._growing = growing
        self.error: EOFError | OSError | lzma.LZMAError | None = None

    def read1(self, size: int = -1) -> bytes:
        if self.error is not None:
            return b""
        read = getattr(self._stream, "read1", self._stream.read)
        try:
            data: bytes = read(size)
        except (EOFError, OSError, lzma.LZMAError) as error:
            if not (self._growing and isinstance(error, EOFError)):
                self.error = error
            # else a followed file: the rest of the archive is not written yet
            return b""
        return data

    read = read1

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _Eager(io.BufferedReader):
    """A live feed's compressed bytes: a read gives what has arrived, as one read of the
    pipe does, instead of waiting until it can fill the size asked (a decompressor asks
    for 8 kB or more, and a quiet pipe would hold back every line until it closed)."""

    def read(self, size: int | None = -1) -> bytes:
        return self.read1(size) if size is not None and size > 0 else super().read(size)


def _read_head(handle: _Readable, *, live: bool = False) -> bytes:
    """The first bytes of the input, to recognise it: up to SNIFF_BYTES, or for a live
    feed (which may say nothing for a while) what its first read gives."""
    head = b""
    read = getattr(handle, "read1", handle.read)
    while len(head) < SNIFF_BYTES:
        if live and head:
            break
        chunk: bytes = read(SNIFF_BYTES - len(head))
        if not chunk:
            break
        head += chunk
    return head


def _utf16_without_mark(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when nearly every other byte of a text block is NUL."""
    if len(head) < 64:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


class _Lines(Generic[_Chunk]):
    """Chunks of input into chunks of whole lines.  The line not yet ended is held, at
    most LINE_LIMIT of it: past that its head is kept and the rest skipped up to its end,
    so a line without an end in sight (a NUL hole) never fills memory."""

    def __init__(self, end: _Chunk) -> None:
        self.end: _Chunk = end
        self.rest: _Chunk = end[:0]
        self.skipping = False
        #: Lines cut here, their rest skipped.
        self.cut = 0

    def feed(self, chunk: _Chunk) -> _Chunk:
        """The lines that ``chunk`` completes (with the line ends)."""
        if self.skipping:
            at = chunk.find(self.end)
            if at < 0:
                return self.end[:0]
            chunk, self.skipping = chunk[at:], False
        data = self.rest + chunk
        cut = data.rfind(self.end) + 1
        self.rest = data[cut:]
        if len(self.rest) > LINE_LIMIT:
            self.rest, self.skipping = _head(self.rest), True
            self.cut += 1
        return data[:cut]

    def take_rest(self) -> _Chunk:
        """The line not ended, given up as it is (the input ended)."""
        rest, self.rest, self.skipping = self.rest, self.end[:0], False
        return rest


def _head(line: _Chunk) -> _Chunk:
    """The first LINE_LIMIT bytes or characters of a line; bytes end where a UTF-8
    character does, so that the head decodes as the whole line would."""
    if isinstance(line, str):
        return line[:LINE_LIMIT]
    size = LINE_LIMIT
    while size > LINE_LIMIT - 3 and line[size] & 0xC0 == 0x80:
        size -= 1
    return line[:size]


def _whole_lines(
    read: Callable[[int], _Chunk], size: int, lines: _Lines[_Chunk]
) -> Iterator[_Chunk]:
    """What ``read`` gives, in chunks of about ``size`` that end at a line end (the last
    one at the end of the input, whatever it ends with), of at most BATCH_LINES lines."""
    while chunk := read(size):
        if whole := lines.feed(chunk):
            yield from _by_lines(whole, lines.end)
    if rest := lines.take_rest():
        yield rest


def _by_lines(chunk: _Chunk, end: _Chunk) -> Iterator[_Chunk]:
    """A chunk of whole lines in pieces of at most BATCH_LINES lines."""
    if chunk.count(end) <= BATCH_LINES:
        yield chunk
        return
    start = 0
    while start < len(chunk):
        stop = start
        for _ in range(BATCH_LINES):
            stop = chunk.find(end, stop) + 1
            if not stop:
                stop = len(chunk)
                break
        yield chunk[start:stop]
        start = stop


class LogReader:
    """The text lines of a log, read by the policy above, with what reading it took.

    Iterate it once for the lines (without their line ends removed); the counts fill in
    as it goes.  Pass it to :func:`parse_lines` to parse it.
    """

    def __init__(
        self, handle: BinaryIO, *, name: str = "<stream>", live: bool = False, growing: bool = False
    ) -> None:
        self.name = name
        self.compression: str | None = None
        self.encoding = "utf-8"
        self.lines = 0
        #: Lines that were not UTF-8 and were read as Windows-1252.
        self.windows_1252_lines = 0
        #: Lines with bytes valid in neither, replaced by U+FFFD.
        self.replaced_lines = 0
        self._cut = 0
        self._source = handle
        self._stopped: _Stopping | None = None
        source: _Readable = handle
        head = _read_head(source, live=live)
        for magic, (compression, opener) in _COMPRESSED.items():
            if head.startswith(magic):
                self.compression = compression
                packed = _Replay(head, source)
                source = opener(_Eager(packed) if live else io.BufferedReader(packed))
                source = self._stopped = _Stopping(source, growing=growing)
                head = _read_head(source, live=live)
                break
        for magic, what in _BINARY.items():
            if head.startswith(magic):
                raise InputError(f"{name}: {what}, not a log")
        self._bom = b""
        for mark, encoding in _MARKS:
            if head.startswith(mark):
                self.encoding, self._bom = encoding, mark
                break
        else:
            self.encoding = _utf16_without_mark(head) or "utf-8"
        if self.encoding == "utf-8" and head.count(0) > len(head) / 10:
            raise InputError(f"{name}: binary data (NUL bytes), not a log")
        self._raw = _Replay(head[len(self._bom) :], source)
        self._stream = io.BufferedReader(self._raw, 1 << 16)
        self._unterminated = False
        # The line not yet ended, as bytes or (input that is not UTF-8) as text, and the
        # decoder of a live text that is not UTF-8 (which may stop inside a character).
        self._byte_lines = _Lines(b"\n")
        self._text_lines = _Lines("\n")
        self._text_decoder = (
            None
            if self.encoding == "utf-8"
            else codecs.getincrementaldecoder(self.encoding)(errors="replace")
        )
        #: A live feed reached its end (a pipe was closed).
        self.ended = False

    @property
    def cut_lines(self) -> int:
        """Lines longer than LINE_LIMIT, of which only the head was kept."""
        return self._cut + self._byte_lines.cut + self._text_lines.cut

    @property
    def bytes_read(self) -> int:
        """How far into the underlying file reading has got (compressed bytes, for an
        archive): what a progress bar shows."""
        try:
            return self._source.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[str]:
        """The lines one by one, with their line ends (the last may have none)."""
        for batch in self.batches(1 << 16):
            yield from (line + "\n" for line in batch[:-1])
            # Only the input's last line may lack its line end.
            yield batch[-1] if self._unterminated else batch[-1] + "\n"

    def batches(self, size: int = BATCH_BYTES) -> Iterator[list[str]]:
        """The lines in batches of about ``size`` bytes, without the ``\n`` that ends each
        (a ``\r`` before it stays).  Whole chunks are decoded at once: the policy is
        applied line by line only to a chunk that is not UTF-8 throughout."""
        try:
            if self.encoding != "utf-8":
                yield from self._text_batches(size)
            else:
                yield from self._byte_batches(size)
            if self._stopped is not None and self._stopped.error is not None:
                raise self._stopped.error
        except (EOFError, OSError, lzma.LZMAError) as error:
            # A truncated archive (copied while it was written) or a failing disk: the
            # lines read so far have been given; say why the rest is missing.
            raise InputError(
                f"{self.name}: reading stopped at line {self.lines}: {error}"
            ) from error

    def _byte_batches(self, size: int) -> Iterator[list[str]]:
        for chunk in _whole_lines(self._stream.read, size, self._byte_lines):
            yield self._decoded(chunk)

    def _decoded(self, chunk: bytes) -> list[str]:
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            lines = [self._line_of(raw) for raw in self._split(chunk)]
        else:
            lines = self._split(text)
            if len(chunk) > LINE_LIMIT // 4:
                lines = self._cut_utf8(lines)
            if "\ufeff" not in text:
                self.lines += len(lines)
                return lines
        self.lines += len(lines)
        return _unmarked(lines)

    def _line_of(self, raw: bytes) -> str:
        """One line of a chunk that is not UTF-8 throughout, cut and decoded."""
        if len(raw) > LINE_LIMIT:
            raw = _head(raw)
            self._cut += 1
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        line, how = decode_line(raw)
        if how == "windows-1252":
            self.windows_1252_lines += 1
        else:
            self.replaced_lines += 1
        return line

    def _cut_utf8(self, lines: list[str]) -> list[str]:
        """Lines of more than LINE_LIMIT bytes of UTF-8 cut to their head (a character
        is at most four bytes: shorter lines need no look)."""
        if max(map(len, lines), default=0) <= LINE_LIMIT // 4:
            return lines
        kept = []
        for line in lines:
            if len(line) > LINE_LIMIT // 4 and len(raw := line.encode("utf-8")) > LINE_LIMIT:
                self._cut += 1
                kept.append(_head(raw).decode("utf-8"))
            else:
                kept.append(line)
        return kept

    def _text_batches(self, size: int) -> Iterator[list[str]]:
        text = io.TextIOWrapper(
            self._stream, encoding=self.encoding, errors="replace", newline="\n"
        )
        for chunk in _whole_lines(text.read, size, self._text_lines):
            yield self._counted(self._split(chunk))

    def _split(self, chunk: _Chunk) -> list[_Chunk]:
        """The lines of a chunk that ends at a line end, or at the end of the input."""
        lines = chunk.split("\n" if isinstance(chunk, str) else b"\n")
        last = lines.pop()
        self._unterminated = bool(last)
        if last:
            lines.append(last)
        return lines

    def read_available(self, size: int = LIVE_BYTES) -> list[str]:
        """Live reading: the complete lines of what one read gives now (at most ``size``
        bytes), decoded by the same policy; ``[]`` at the end of what there is so far
        (:attr:`ended` tells a closed pipe).  Read only when input is ready: on a pipe
        with nothing to read, the read waits."""
        buffer = bytearray(size)
        try:
            count = self._raw.readinto(memoryview(buffer))
            if not count and self._stopped is not None and self._stopped.error is not None:
                raise self._stopped.error  # the archive broke where the lines end
        except (EOFError, OSError, lzma.LZMAError) as error:
            raise InputError(
                f"{self.name}: reading stopped at line {self.lines}: {error}"
            ) from error
        if not count:
            self.ended = True
            return []
        self.ended = False
        data = bytes(buffer[:count])
        if self._text_decoder is not None:
            text = self._text_lines.feed(self._text_decoder.decode(data))
            return self._counted(self._split(text)) if text else []
        whole = self._byte_lines.feed(data)
        return self._decoded(whole) if whole else []

    @property
    def held(self) -> bool:
        """Whether bytes read to recognise the input are still to be served (a live feed
        reads them before it waits for more)."""
        return bool(self._raw.head)

    def read_partial(self) -> list[str]:
        """Live reading: the line the input ended without ending, taken as it is (a pipe that
        closed, a file rotated away), or ``[]``.  A feed that only went quiet keeps it:
        the writer may be in the middle of the line."""
        if self._text_decoder is not None:
            text = self._text_lines.take_rest() + self._text_decoder.decode(b"", final=True)
            return self._counted(self._split(text)) if text else []
        data = self._byte_lines.take_rest()
        return self._decoded(data) if data else []

    def _counted(self, lines: list[str]) -> list[str]:
        """Lines of a text that is not UTF-8: counted, cut, byte order marks dropped."""
        self.lines += len(lines)
        self.replaced_lines += sum(1 for line in lines if "\ufffd" in line)
        if max(map(len, lines), default=0) > LINE_LIMIT:
            self._cut += sum(1 for line in lines if len(line) > LINE_LIMIT)
            lines = [line[:LINE_LIMIT] for line in lines]
        return _unmarked(lines)

    def close(self) -> None:
        """Close the stream and the file under it."""
        self._stream.close()
        self._source.close()

    def __enter__(self) -> LogReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def describe(self) -> str:
        """What reading took, for a summary line: empty when it was plain UTF-8."""
        notes = []
        if self.compression:
            notes.append(f"{self.compression} compressed")
        if self.encoding != "utf-8" or self._bom:
            notes.append(f"{self.encoding} with a byte order mark" if self._bom else self.encoding)
        if self.windows_1252_lines:
            notes.append(f"{_lines(self.windows_1252_lines)} read as Windows-1252")
        if self.replaced_lines:
            notes.append(f"{_lines(self.replaced_lines)} with undecodable bytes replaced")
        if self.cut_lines:
            notes.append(f"{_lines(self.cut_lines)} cut at {LINE_LIMIT:,} bytes")
        return ", ".join(notes)


def _unmarked(lines: list[str]) -> list[str]:
    """Lines without a byte order mark at their start: a Windows-saved log concatenated
    to another carries one in the middle, which would hide the start of its record."""
    if not any(line.startswith("\ufeff") for line in lines):
        return lines
    return [line.lstrip("\ufeff") for line in lines]


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def open_log(path: str | PathLike[str]) -> LogReader:
    """A :class:`LogReader` over a file, local or at a URL (``s3://...``, any fsspec file
    system; a glob must match one file); raises :class:`InputError` when it cannot be
    read or is not a log.  Close it with :meth:`close` (or read it to the end in a
    ``with``)."""
    if is_url(path):
        url = single(str(path))
        return reader_of(open_url(url), url)
    file_path = Path(path)
    try:
        handle = file_path.open("rb")
    except FileNotFoundError as error:
        raise InputError(f"{file_path}: no such file") from error
    except IsADirectoryError as error:
        raise InputError(f"{file_path}: is a directory, not a log file") from error
    except PermissionError as error:
        raise InputError(f"{file_path}: permission denied") from error
    except OSError as error:
        raise InputError(f"{file_path}: {error.strerror or error}") from error
    return reader_of(handle, str(file_path))


def reader_of(handle: BinaryIO, name: str, *, owned: bool = True) -> LogReader:
    """A :class:`LogReader` over an open binary stream (a file, standard input); raises
    :class:`InputError` when its first bytes cannot be read (a cut gzip header, say).
    The stream is closed on that error unless it is the caller's (``owned=False``)."""
    try:
        return LogReader(handle, name=name)
    except (InputError, OSError, EOFError, lzma.LZMAError) as error:
        if owned:
            handle.close()
        if isinstance(error, InputError):
            raise
        raise InputError(f"{name}: cannot be read ({error})") from error


__all__ = ["LogReader", "decode_line", "open_log", "reader_of"]
