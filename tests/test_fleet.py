"""Sessions across files (ike_debuglog.fleet): a log cut in two gives the sessions and
verdicts of the whole log.  Compared: every session field but line numbers (the whole
log numbers one file; the pieces number theirs, and a rejoined session counts on across
files), by ``fleet.walk_lines(..., None)``."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ike_debuglog.cli import main
from ike_debuglog.correlate import correlate
from ike_debuglog.fleet import (
    Part,
    file_result,
    fleet_sessions,
    part_of_lines,
    rejoin_parts,
    walk_lines,
)
from ike_debuglog.parse import parse_lines

FIXTURES = Path(__file__).parent / "fixtures"
#: Year rollover: each file is dated from --year, so a piece that starts in January
#: after a December piece gets the year given, not the next one (docs/sessions.md).
_ROLLOVER = "composed-year-rollover-dec31-jan1"
LOGS = sorted(
    log
    for log in FIXTURES.rglob("*.log")
    if log.with_suffix(".sessions.jsonl").exists()
    and log.with_suffix(".sessions.jsonl").stat().st_size
    and _ROLLOVER not in log.name
)


def _lines(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8", errors="replace").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _part(name: str, lines: list[str]) -> Part:
    return part_of_lines(name, lines, year=2024)


def _key(session: Any) -> Any:
    return walk_lines(session.model_dump(mode="json"), None)


def _boundaries(lines: list[str]) -> list[int]:
    """Cuts between records (a record's lines stay in one file)."""
    inside = {c for e in parse_lines(lines, year=2024) for c in range(e.line, e.end_line)}
    return [c for c in range(1, len(lines)) if c not in inside]


@pytest.mark.parametrize("log", LOGS, ids=lambda log: log.stem)
def test_a_log_cut_at_record_boundaries_gives_the_whole_logs_sessions(log: Path) -> None:
    lines = _lines(log)
    whole = [_key(s) for s in correlate(parse_lines(lines, year=2024))]
    cuts = _boundaries(lines)
    for cut in sorted({cuts[len(cuts) * i // 5] for i in range(5)} if cuts else set()):
        got = rejoin_parts([_part("a", lines[:cut]), _part("b", lines[cut:])])
        assert [_key(s) for _, s in got] == whole, cut


def _inside(lines: list[str]) -> list[int]:
    """Cuts inside a record (a packet or key engine block, a wrapped line), as a syslog
    server's rotation by size makes them."""
    return sorted({c for e in parse_lines(lines, year=2024) for c in range(e.line, e.end_line)})


#: Every cut inside a record with the long profile (some 1,700 cuts, minutes); a sample
#: of each log's, the same on every run, otherwise.
_EVERY_CUT = os.environ.get("HYPOTHESIS_PROFILE") == "long"


@pytest.mark.parametrize(
    "log", [log for log in LOGS if _inside(_lines(log))], ids=lambda log: log.stem
)
def test_a_log_cut_inside_a_record_gives_the_whole_logs_sessions(log: Path) -> None:
    lines = _lines(log)
    whole = [_key(s) for s in correlate(parse_lines(lines, year=2024))]
    cuts = _inside(lines)
    if not _EVERY_CUT:
        cuts = sorted(random.Random(log.name).sample(cuts, min(2, len(cuts))))
    for cut in cuts:
        got = rejoin_parts([_part("a", lines[:cut]), _part("b", lines[cut:])])
        assert [_key(s) for _, s in got] == whole, cut


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(LOGS), st.data())
def test_any_cut_keeps_the_sessions(log: Path, data: st.DataObject) -> None:
    lines = _lines(log)
    if len(lines) < 2:
        return
    cut = data.draw(st.integers(1, len(lines) - 1))
    whole = [_key(s) for s in correlate(parse_lines(lines, year=2024))]
    got = rejoin_parts([_part("a", lines[:cut]), _part("b", lines[cut:])])
    assert [_key(s) for _, s in got] == whole


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(LOGS), st.data())
def test_any_two_cuts_keep_the_sessions(log: Path, data: st.DataObject) -> None:
    # Three files: a middle one may be a single record continued from and into its
    # neighbours.
    lines = _lines(log)
    if len(lines) < 3:
        return
    first = data.draw(st.integers(1, len(lines) - 2))
    second = data.draw(st.integers(first + 1, len(lines) - 1))
    whole = [_key(s) for s in correlate(parse_lines(lines, year=2024))]
    pieces = [lines[:first], lines[first:second], lines[second:]]
    got = rejoin_parts([_part(name, piece) for name, piece in zip("abc", pieces, strict=True)])
    assert [_key(s) for _, s in got] == whole, (first, second)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(LOGS), st.data())
def test_any_record_boundary_cut_keeps_the_verdicts(log: Path, data: st.DataObject) -> None:
    lines = _lines(log)
    cuts = _boundaries(lines)
    if not cuts:
        return
    cut = data.draw(st.sampled_from(cuts))
    whole = [_key(s) for s in correlate(parse_lines(lines, year=2024))]
    got = rejoin_parts([_part("a", lines[:cut]), _part("b", lines[cut:])])
    assert [_key(s) for _, s in got] == whole


def test_an_overlapping_buffer_dump_counts_each_record_once() -> None:
    log = FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"
    lines = _lines(log)
    cut = _boundaries(lines)[len(_boundaries(lines)) // 2]
    overlap = _boundaries(lines)[len(_boundaries(lines)) // 4]  # the second repeats from here
    whole = correlate(parse_lines(lines, year=2024))
    got = rejoin_parts([_part("a", lines[:cut]), _part("b", lines[overlap:])])
    assert [_key(s) for _, s in got] == [_key(s) for s in whole]
    assert [len(s.lines) for _, s in got] == [len(s.lines) for s in whole]


def test_file_results_through_arrow_give_the_same_sessions(tmp_path: Path) -> None:
    log = FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"
    lines = _lines(log)
    cut = _boundaries(lines)[len(_boundaries(lines)) // 2]
    (tmp_path / "a.log").write_text("\n".join(lines[:cut]) + "\n")
    (tmp_path / "b.log").write_text("\n".join(lines[cut:]) + "\n")
    results = [file_result(str(tmp_path / n), year=2024) for n in ("a.log", "b.log")]
    got = fleet_sessions(results)
    whole = correlate(parse_lines(lines, year=2024))
    assert [_key(s) for _, s in got] == [_key(s) for s in whole]
    assert [path for path, _ in got] == [str(tmp_path / "a.log")] * 3 + [str(tmp_path / "b.log")]


def test_sessions_of_two_files_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"
    lines = _lines(log)
    cut = _boundaries(lines)[len(_boundaries(lines)) // 2]
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_text("\n".join(lines[:cut]) + "\n")
    b.write_text("\n".join(lines[cut:]) + "\n")
    options = ["--year", "2024", "--workers", "1", "--format", "jsonl"]
    assert main(["sessions", str(a), str(b), *options]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["sessions", str(log), "--year", "2024", "--format", "jsonl"]) == 0
    one = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["outcome"], r["reason"], r["initiator_spi"]) for r in rows] == [
        (r["outcome"], r["reason"], r["initiator_spi"]) for r in one
    ]
    assert {r["file"] for r in rows} == {str(a), str(b)}
    assert main(["diagnose", str(a), str(b), "--year", "2024", "--workers", "1"]) == 1
    assert "3 failed" in capsys.readouterr().out


#: A syslog server's file of one router rotated by size inside the IKE_SA_INIT response's
#: packet block: part 1 ends with the block's SPI line, part 2 opens with its exchange
#: line and the NOTIFY(NO_PROPOSAL_CHOSEN) payload.
ROTATED = [
    FIXTURES / "fleet" / f"composed-syslog-server-rotated-inside-packet-block.{n}.log"
    for n in (1, 2)
]


def _rotated_expectation(session: dict[str, Any]) -> None:
    """Counted by hand over the two files: one session, the whole negotiation, numbered on
    across the files (part 2's line n is line 16 + n)."""
    assert (session["outcome"], session["reason"]) == ("failed", "no_proposal_chosen")
    assert session["initiator_spi"] == "3F9A0C5E71B2D846"
    assert session["file"] == str(ROTATED[0])
    assert session["lines"] == [1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 21, 22, 23, 24, 25, 26]
    assert [(m["label"], m["line"], m["payloads"]) for m in session["messages"]] == [
        ("IKE_SA_INIT request", 8, ["SA", "KE", "N", "VID", "VID", "VID", "VID",
                                    "NOTIFY(NAT_DETECTION_SOURCE_IP)",
                                    "NOTIFY(NAT_DETECTION_DESTINATION_IP)"]),
        ("IKE_SA_INIT response", 15, ["NOTIFY(NO_PROPOSAL_CHOSEN)"]),
    ]  # fmt: skip


@pytest.mark.parametrize("order", [1, -1], ids=["in-order", "reversed"])
def test_a_file_rotated_inside_a_packet_block_on_the_command_line(
    order: int, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(path) for path in ROTATED[::order]]
    options = ["--year", "2026", "--workers", "1", "--format", "jsonl"]
    assert main(["sessions", *files, *options]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 1
    _rotated_expectation(rows[0])


def test_a_file_rotated_inside_a_packet_block_through_fleet_sessions() -> None:
    results = [file_result(str(path), year=2026) for path in ROTATED]
    got = fleet_sessions(results)
    assert len(got) == 1
    source, session = got[0]
    _rotated_expectation({"file": source, **session.model_dump(mode="json")})
    # Each part alone has half the block: no verdict of the negotiation.
    alone = [correlate(parse_lines(_lines(path), year=2026)) for path in ROTATED]
    assert [(s.outcome, s.reason) for sessions in alone for s in sessions] == [
        ("incomplete", None),
        ("failed", "internal_error"),
    ]
    whole = correlate(parse_lines(_lines(ROTATED[0]) + _lines(ROTATED[1]), year=2026))
    assert [_key(s) for _, s in got] == [_key(s) for s in whole]
