"""Live input (issue 15): ``--follow`` across both rotation styles and writers that pause
inside a line, and standard input through a pipe read by the same rules as a file;
command-line arguments that used to end in a traceback."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ike_debuglog.stream import FollowedFile

EXAMPLE = Path(__file__).parents[1] / "examples" / "show-logging-ikev2.log"
CLI = [sys.executable, "-m", "ike_debuglog.cli"]


def _drain(followed: FollowedFile) -> list[str]:
    lines: list[str] = []
    while batch := followed.read_available():
        lines.extend(batch)
    return lines


def _append(path: Path, data: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(data)


def _numbered(first: int, last: int) -> str:
    return "".join(f"line {n}\n" for n in range(first, last))


def test_follow_reads_on_after_copytruncate_even_when_the_file_grew_back(tmp_path: Path) -> None:
    log = tmp_path / "router.log"
    log.write_text(_numbered(0, 150))
    followed = FollowedFile(log)
    assert _drain(followed) == [f"line {n}" for n in range(150)]
    log.write_text(_numbered(150, 450))  # copytruncate, then more than before, between polls
    assert _drain(followed) == [f"line {n}" for n in range(150, 450)]
    log.write_text("")  # truncated and not written yet
    assert _drain(followed) == []
    _append(log, _numbered(450, 460))
    assert _drain(followed) == [f"line {n}" for n in range(450, 460)]
    followed.close()


def test_follow_finishes_a_renamed_file_then_reads_the_new_one(tmp_path: Path) -> None:
    log = tmp_path / "router.log"
    log.write_text(_numbered(0, 10))
    followed = FollowedFile(log)
    assert _drain(followed) == [f"line {n}" for n in range(10)]
    _append(log, _numbered(10, 20) + "unended last line")
    log.rename(tmp_path / "router.log.1")
    assert _drain(followed) == [f"line {n}" for n in range(10, 20)]
    log.write_text("")  # created, empty for now: the old file is done, its last line too
    assert _drain(followed) == ["unended last line"]
    _append(log, _numbered(20, 70))
    assert _drain(followed) == [f"line {n}" for n in range(20, 70)]
    followed.close()


def test_follow_follows_a_file_rotated_to_gzip(tmp_path: Path) -> None:
    log = tmp_path / "router.log"
    log.write_text("plain\n")
    followed = FollowedFile(log)
    assert _drain(followed) == ["plain"]
    os.unlink(log)
    log.write_bytes(gzip.compress(b"packed\n"))
    assert _drain(followed) == ["packed"]
    followed.close()


def test_a_writer_pausing_inside_a_line_does_not_split_it(tmp_path: Path) -> None:
    from ike_debuglog.stream import live_lines

    log = tmp_path / "router.log"
    log.write_text("first\nhalf of a ")
    followed = FollowedFile(log)
    ticks = iter(range(6))
    source = live_lines(followed, idle=0.0, poll=0.0, until=lambda: next(ticks) >= 5)
    got = [next(source), next(source)]  # the first line, then a pause: QUIET
    assert got == [["first"], None]
    _append(log, "line\nlast\n")
    got += list(source)
    lines = [line for batch in got if batch for line in batch]
    assert lines == ["first", "half of a line", "last"]


def _events(args: list[str], data: bytes, pipe: bool) -> subprocess.CompletedProcess[bytes]:
    if not pipe:
        return subprocess.run([*CLI, *args], input=data, capture_output=True, check=False)
    # A real pipe on standard input (subprocess's input= is one too; `cat` makes it plain).
    with subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE) as cat:
        assert cat.stdin is not None
        done = subprocess.Popen(
            [*CLI, *args], stdin=cat.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        cat.stdin.write(data)
        cat.stdin.close()
        out, err = done.communicate(timeout=60)
    return subprocess.CompletedProcess(args, done.returncode, out, err)


def test_a_pipe_gives_what_the_file_gives(tmp_path: Path) -> None:
    text = EXAMPLE.read_bytes()
    inputs = {"gz": gzip.compress(text), "utf16": text.decode().encode("utf-16")}
    for name, data in inputs.items():
        path = tmp_path / name
        path.write_bytes(data)
        from_file = subprocess.run([*CLI, "events", str(path)], capture_output=True, check=False)
        from_pipe = _events(["events", "-"], data, pipe=True)
        assert from_pipe.returncode == from_file.returncode == 0, name
        assert from_pipe.stdout == from_file.stdout, name
        assert b"unrecognized" not in from_pipe.stdout.split(b"\n")[0], name


def test_an_empty_pipe_and_a_binary_pipe_are_input_errors() -> None:
    empty = _events(["events", "-"], b"", pipe=True)
    assert empty.returncode == 2
    assert empty.stderr.decode().strip() == "ike-debuglog: standard input: empty, no lines to read"
    elf = _events(["events", "-"], Path(sys.executable).resolve().read_bytes()[:65536], pipe=True)
    assert elf.returncode == 2
    assert elf.stderr.decode().strip() == "ike-debuglog: standard input: an executable, not a log"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["metrics", "{log}", "--serve", "99999"], "not a TCP port"),
        (["events", "--workers", "0", "{log}", "{log}"], "not a number of processes"),
        (["redact", "{log}", "--mapping", "{tmp}/missing/map.json"], "no such folder"),
        (["redact", "{log}", "--mapping", "{tmp}"], "is a directory"),
    ],
)
def test_bad_arguments_are_one_line_not_a_traceback(
    args: list[str], message: str, tmp_path: Path
) -> None:
    argv = [arg.format(log=EXAMPLE, tmp=tmp_path) for arg in args]
    done = subprocess.run([*CLI, *argv], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]
    assert done.stdout == ""
