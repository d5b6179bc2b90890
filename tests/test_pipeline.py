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
from ike_debuglog.pipeline import Pipeline, events_of, line_batches
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


_BLOCKS = """*Nov 26 12:00:00.101: IPSEC(sa_request): ,
  (key eng. msg.) OUTBOUND local= 192.0.2.1:500, remote= 198.51.100.9:500,
    local_proxy= 10.1.0.0/255.255.0.0/256/0,
    remote_proxy= 10.2.0.0/255.255.0.0/256/0,
    protocol= ESP, transform= esp-aes 256 esp-sha256-hmac  (Tunnel),
    lifedur= 3600s and 4608000kb,
    spi= 0x0(0), conn_id= 0, keysize= 256, flags= 0x0
*Nov 26 12:00:00.102: IKEv2:(SESSION ID = 7,SA ID = 1):Received Packet [From 198.51.100.9:500/To 192.0.2.1:500/VRF i0:f0]
Initiator SPI : 0A1B2C3D4E5F6071 - Responder SPI : 8192A3B4C5D6E7F8 Message id: 3
IKEv2 INFORMATIONAL Exchange REQUEST
Payload contents:
 D

*Nov 26 12:00:00.103: IKEv2:(SESSION ID = 7,SA ID = 1):Deleting SA""".splitlines()


def _written(line: int) -> int:
    while not _BLOCKS[line - 1].strip():
        line += 1
    return line


def test_a_live_feed_that_pauses_inside_a_block_keeps_the_block_whole() -> None:
    """A writer may stop in the middle of a packet or key engine block: the pause must
    not cut it (the rest of its lines would come out unrecognised)."""

    def events(cut: int | None) -> list[tuple[str, int, object]]:
        pipeline = Pipeline(year=2026)
        batches = [*pipeline.feed(_BLOCKS if cut is None else _BLOCKS[:cut])]
        if cut is not None:
            batches += [*pipeline.quiet(), *pipeline.feed(_BLOCKS[cut:])]
        batches += pipeline.finish()
        found = [event for batch in batches for event in batch.events()]
        # A blank line after a finished block may go with the next record when the pause
        # falls right before it: events are compared from their first written line.
        return [(e.kind, _written(e.line), getattr(e, "payloads", None)) for e in found]

    whole = events(None)
    assert [kind for kind, _, _ in whole] == ["ipsec_sa_request", "ikev2_packet", "ikev2_status"]
    for cut in range(1, len(_BLOCKS)):
        assert events(cut) == whole, cut
