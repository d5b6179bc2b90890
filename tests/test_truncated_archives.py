"""An archive cut short (copied while it was written) gives every line decompressed before
the cut, the same from a file, from standard input and from a pipe, then one line saying
where reading stopped (docs/input.md: "the events of the lines read")."""

from __future__ import annotations

import bz2
import gzip
import lzma
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from ike_debuglog import parse_file

TEXT = "".join(f"IKEv2-PROTO-3: line {n}\n" for n in range(1, 4001)).encode()

PACKERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "bzip2": bz2.compress,
    "xz": lzma.compress,
}


def _readable_prefix(packed: bytes, name: str) -> bytes:
    """What a streaming decompressor gives from the cut archive: the bytes the reader owes."""
    if name == "gzip":
        return zlib.decompressobj(wbits=31).decompress(packed)
    if name == "bzip2":
        return bz2.BZ2Decompressor().decompress(packed)
    return lzma.LZMADecompressor().decompress(packed)


def _cli(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "ike_debuglog.cli", *args],
        capture_output=True, timeout=120, check=False, **kwargs,  # type: ignore[call-overload]
    )  # fmt: skip


@pytest.mark.parametrize("name", sorted(PACKERS))
@pytest.mark.parametrize("keep", [0.02, 0.5, 0.97])
def test_a_cut_archive_gives_every_line_before_the_cut(
    tmp_path: Path, name: str, keep: float
) -> None:
    whole = PACKERS[name](TEXT)
    packed = whole[: max(40, int(len(whole) * keep))]
    prefix = _readable_prefix(packed, name)
    owed = prefix.decode().split("\n")
    if owed[-1] == "":
        owed.pop()
    log = tmp_path / f"cut.{name}"
    log.write_bytes(packed)

    events = []
    with pytest.raises(Exception, match="reading stopped at line"):
        for event in parse_file(log):
            events.append(event)
    # Every line is in an event, the one the cut fell in too (a piece of a line that is no
    # record start continues the one before, as a wrapped line does).
    covered = [n for event in events for n in range(event.line, event.end_line + 1)]
    assert covered == list(range(1, len(owed) + 1))
    if owed:
        assert owed[-1].strip() in events[-1].text  # type: ignore[attr-defined]

    by_file = _cli(["events", str(log), "--include-unrecognized"])
    by_stdin = _cli(["events", "-", "--include-unrecognized"], stdin=log.open("rb"))
    by_pipe = _cli(["events", "-", "--include-unrecognized"], input=packed)
    for run in (by_file, by_stdin, by_pipe):
        assert run.returncode == 2
        assert b"reading stopped at line" in run.stderr.splitlines()[-1]
        assert run.stderr.count(b"\n") == 1
    assert by_file.stdout == by_stdin.stdout == by_pipe.stdout
    assert by_file.stdout.count(b"\n") == len(events)
