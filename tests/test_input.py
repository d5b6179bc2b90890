"""Reading policy and command-line input errors: encodings, compression, binary and empty
files, missing files, directories, permissions and closed pipes."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ike_debuglog import InputError, LogReader, open_log, parse_file, parse_lines
from ike_debuglog.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "show-logging-ikev2.log"
TEXT = EXAMPLE.read_text(encoding="utf-8")


def _kinds(events: object) -> list[tuple[str, int, int]]:
    return [(e.kind, e.line, e.end_line) for e in events]  # type: ignore[attr-defined]


EXPECTED = _kinds(parse_lines(TEXT.splitlines(keepends=True)))


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: codecs.BOM_UTF8 + text.encode(), "utf-8"),
        (lambda text: text.encode("utf-16"), "utf-16-le"),
        (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "utf-16-be"),
        (lambda text: text.encode("utf-32"), "utf-32-le"),
        (lambda text: text.encode("utf-16-le"), "utf-16-le"),  # no mark: NUL every other byte
    ],
)
def test_unicode_encodings_are_detected(
    encode: Callable[[str], bytes], encoding: str, tmp_path: Path
) -> None:
    path = tmp_path / "log"
    path.write_bytes(encode(TEXT))
    reader = open_log(path)
    assert reader.encoding == encoding
    assert _kinds(parse_lines(reader)) == EXPECTED
    assert reader.replaced_lines == 0
    assert _kinds(parse_file(path)) == EXPECTED


@pytest.mark.parametrize(
    ("compress", "name"),
    [(gzip.compress, "gzip"), (bz2.compress, "bzip2"), (lzma.compress, "xz")],
)
def test_compressed_logs_are_read_through(
    compress: Callable[[bytes], bytes], name: str, tmp_path: Path
) -> None:
    path = tmp_path / "log.archive"
    path.write_bytes(compress(TEXT.encode()))
    assert open_log(path).compression == name
    assert _kinds(parse_file(path)) == EXPECTED


def test_lines_that_are_not_utf8_are_counted_not_lost() -> None:
    raw = b"%SYS-5-CONFIG_I: by \x93admin\x94\nIKEv2:\x81\xff junk\nplain\n"
    reader = LogReader(io.BytesIO(raw))
    lines = list(reader)
    assert lines[0] == "%SYS-5-CONFIG_I: by \u201cadmin\u201d\n"  # Windows smart quotes
    assert lines[1] == "IKEv2:\ufffd\ufffd junk\n"
    assert (reader.lines, reader.windows_1252_lines, reader.replaced_lines) == (3, 1, 1)
    assert reader.describe() == (
        "1 line read as Windows-1252, 1 line with undecodable bytes replaced"
    )


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"PK\x03\x04", "a zip archive"),
        (b"\xd4\xc3\xb2\xa1", "a pcap capture"),
        (b"\x7fELF\x02\x01", "an executable"),
        (b"\x00\x01\x02\x00" * 64, "binary data"),
    ],
)
def test_binary_files_are_refused_with_what_they_are(head: bytes, what: str) -> None:
    with pytest.raises(InputError, match=what):
        LogReader(io.BytesIO(head + b"\x00" * 200), name="x")


def test_a_few_nul_bytes_do_not_make_a_log_binary() -> None:
    raw = TEXT.encode().replace(b"Payload contents:", b"Payload\x00contents:")
    assert raw.count(b"\x00") > 1
    assert sum(1 for _ in LogReader(io.BytesIO(raw))) == len(TEXT.splitlines())


def test_a_truncated_archive_gives_its_lines_then_says_why_it_stopped() -> None:
    data = gzip.compress(b"%SYS-5-CONFIG_I: x\n" * 20000)
    reader = LogReader(io.BytesIO(data[: len(data) // 2]), name="cut.gz")
    read: list[str] = []
    with pytest.raises(InputError, match=r"cut\.gz: reading stopped at line \d+"):
        read.extend(reader)
    assert len(read) > 1000 and len(read) == reader.lines


# Command-line errors: one line on stderr, a documented status, never a traceback.


def _one_line_error(capsys: pytest.CaptureFixture[str], args: list[str], text: str) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert text in err and "Traceback" not in err and err.count("\n") == 1, err


@pytest.mark.parametrize("command", ["events", "sessions", "diagnose", "ladder"])
def test_every_command_reports_a_missing_file(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _one_line_error(capsys, [command, "no-such.log"], "no-such.log: no such file")


def test_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _one_line_error(capsys, ["events", str(tmp_path)], "is a directory")


def test_permission_denied(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.log"
    path.write_text(TEXT)

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)  # tests may run as root, who reads anything
    _one_line_error(capsys, ["events", str(path)], "secret.log: permission denied")


def test_a_binary_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "capture.pcap"
    path.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(range(256)) * 8)
    _one_line_error(capsys, ["events", str(path)], "capture.pcap: a pcap capture, not a log")


@pytest.mark.parametrize("command", ["events", "diagnose"])
def test_an_empty_file(command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    _one_line_error(capsys, [command, str(path)], "empty.log: empty, no lines to read")


def test_reading_notes_join_the_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "log.gz"
    path.write_bytes(gzip.compress(TEXT.encode("utf-16")))
    assert main(["events", str(path)]) == 0
    err = capsys.readouterr().err
    assert "gzip compressed, utf-16-le with a byte order mark" in err


def test_a_closed_pipe_mid_output_is_quiet(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(EXAMPLE.read_bytes() * 3000)
    command = f"{sys.executable} -m ike_debuglog.cli events {big} | head -n 1"
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command], capture_output=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"" and len(result.stdout.splitlines()) == 1
