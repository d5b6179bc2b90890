"""Live input: events come out while the writer is still writing, from a growing file
(``--follow``) and from a pipe."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from ike_debuglog import Ikev1Packet, Ikev2Packet
from ike_debuglog.stream import follow_file

BLOCK = """\
*Nov 26 12:00:00.101: IKEv2:(SESSION ID = 51,SA ID = 1):Sending Packet [To 198.51.100.10:500/From 192.0.2.1:500/VRF i0:f0]
Initiator SPI : A1B2C3D4E5F60718 - Responder SPI : 0000000000000000 Message id: 0
IKEv2 IKE_SA_INIT Exchange REQUEST
Payload contents:
 SA KE N VID
"""
SECOND = "*Nov 26 12:00:01.500: ISAKMP-PAK: (0):received packet from 198.51.100.9 dport 500 sport 500 Global (N) NEW SA\n"


def test_follow_emits_each_record_before_the_writer_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "live.log"
    log.write_text("")
    first_seen = threading.Event()
    stop = threading.Event()

    def writer() -> None:
        with log.open("a") as handle:
            handle.write(BLOCK)
            handle.flush()
            # The block is the last thing in the file: only the idle flush can emit it.
            assert first_seen.wait(10), "the first block was not emitted while the writer waited"
            handle.write(SECOND)
            handle.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    deadline = time.monotonic() + 20
    seen = []
    for event in follow_file(log, year=2026, idle=0.2, poll=0.02,
                             until=lambda: stop.is_set() or time.monotonic() > deadline):  # fmt: skip
        seen.append(event)
        if isinstance(event, Ikev2Packet):
            assert not thread.is_alive() or not log.read_text().endswith(SECOND)
            first_seen.set()
        if isinstance(event, Ikev1Packet):
            stop.set()
    thread.join()
    kinds = [event.kind for event in seen]
    assert kinds == ["ikev2_packet", "ikev1_packet"]
    assert seen[0].payloads and [p.raw for p in seen[0].payloads] == ["SA", "KE", "N", "VID"]
    assert (seen[1].line, seen[1].step) == (6, "MM1")


def test_standard_input_is_read_as_it_comes() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "events", "-", "--year", "2026"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(BLOCK.encode())
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 15)
        assert ready, "no event while standard input was still open"
        first = json.loads(process.stdout.readline())
        assert (first["kind"], first["exchange"], first["line"]) == (
            "ikev2_packet",
            "IKE_SA_INIT",
            1,
        )
        process.stdin.write(SECOND.encode())
        process.stdin.close()
        rest = [json.loads(line) for line in process.stdout.read().splitlines()]
        assert [event["kind"] for event in rest] == ["ikev1_packet"]
        assert process.wait(15) == 0
    finally:
        process.kill()


def test_the_follow_option_prints_events_as_the_file_grows(tmp_path: Path) -> None:
    log = tmp_path / "live.log"
    log.write_text("")
    process = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "events", "--follow", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        for text, kind in ((BLOCK, "ikev2_packet"), (SECOND, "ikev1_packet")):
            with log.open("a") as handle:
                handle.write(text)
            ready, _, _ = select.select([process.stdout], [], [], 15)
            assert ready, f"no {kind} event while the file was still growing"
            assert json.loads(process.stdout.readline())["kind"] == kind
    finally:
        process.terminate()
        process.wait(15)
