"""Ctrl-C on ``--follow`` ends the input: the line without its line end and the block
still waiting for its next lines are given, the summary printed, then exit status 130
(docs/input.md, "Following a file")."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BLOCK_AT_THE_END = (
    "*Nov 27 10:00:00.001: IKEv2-PROTO-3: one\n"
    "*Nov 27 10:00:00.002: IPSEC(create_sa): sa created,\n"
    "  (sa) sa_dest= 198.51.100.20, sa_proto= 50,\n"
    "    sa_spi= 0x5A8B1C2D(1519066157),\n"
    "    sa_trans= esp-aes 256 esp-sha256-hmac , sa_conn_id= 2001\n"
    "    sa_lifetime(k/sec)= (4608000/3600),"
)
LINE_WITHOUT_ITS_END = "IKEv2-PROTO-3: one\nIKEv2-PROTO-3: two"


@pytest.mark.parametrize("text", [BLOCK_AT_THE_END, LINE_WITHOUT_ITS_END])
def test_ctrl_c_gives_what_following_holds(tmp_path: Path, text: str) -> None:
    log = tmp_path / "live.log"
    log.write_text(text)
    follower = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "events", str(log), "--follow",
         "--include-unrecognized", "--year", "2026"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(3)  # started, read the file, waiting for more
    follower.send_signal(signal.SIGINT)
    out, err = follower.communicate(timeout=60)
    assert follower.returncode == 130, err
    assert b"Traceback" not in err
    assert b"unrecognised" in err or b"events" in err  # the summary line
    # Every line once, the last too (a pause of more than a second may have given the
    # block before the line was written, so the events need not be the whole file's).
    events = [json.loads(line) for line in out.splitlines()]
    covered = [n for e in events for n in range(e["line"], e["end_line"] + 1)]
    assert covered == list(range(1, text.count("\n") + 2))
    assert text.rsplit("\n", 1)[1].strip() in json.dumps(events[-1])


def test_a_compressed_file_is_followed_as_it_is_written(tmp_path: Path) -> None:
    # `program | gzip > log.gz`: the archive ends only when the writer does; reading at its
    # current end is waiting for the rest, not an archive cut short.
    import gzip

    text = "".join(f"IKEv2-PROTO-3: line {n}\n" for n in range(1, 14))
    packed = gzip.compress(text.encode())
    log = tmp_path / "live.log.gz"
    log.write_bytes(b"")
    follower = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "events", str(log), "--follow",
         "--include-unrecognized"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(1.5)
    with log.open("ab") as growing:
        growing.write(packed[: len(packed) // 2])
        growing.flush()
        time.sleep(1.5)
        growing.write(packed[len(packed) // 2 :])
    time.sleep(2.5)
    follower.send_signal(signal.SIGINT)
    out, err = follower.communicate(timeout=60)
    assert follower.returncode == 130, err
    assert out.count(b"\n") == 13
