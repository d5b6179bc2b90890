"""Stamps that print no year: time never runs backwards.

Console captures, ``show logging`` without ``year`` and RFC 3164 syslog servers print
``Dec 31 23:59:59``.  The year is inferred over each input (``year`` names the year of the
first stamp): January after December is the next year, another host's December stamp
printed just after the rollover keeps its own year, a stamp that prints its year sets it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import accumulate, pairwise
from pathlib import Path

import polars as pl
import pytest
from conftest import FIXTURES, load_meta
from hypothesis import given
from hypothesis import strategies as st

from ike_debuglog import Event, correlate, parse_file, parse_files, parse_text
from ike_debuglog.cli import main
from ike_debuglog.parse import frame_lines
from ike_debuglog.pipeline import events_of
from ike_debuglog.render.jsonl import batch_json
from ike_debuglog.scan.extract import extract
from ike_debuglog.scan.frame import BatchFramer, messages
from ike_debuglog.scan.records import RecordBatch

YEAR = 2026
MIDNIGHT = datetime(YEAR + 1, 1, 1)
MESSAGE = "%SYS-5-CONFIG_I: Configured from console by console"
ROLLOVER = FIXTURES / "ikev2" / "composed-year-rollover-dec31-jan1.log"


def _ios(when: datetime) -> str:
    """An IOS stamp without a year: ``Jan  1 00:00:00.013``."""
    return f"{when:%b} {when.day:>2} {when:%H:%M:%S}.{when.microsecond // 1000:03}"


def _server(when: datetime) -> str:
    """An RFC 3164 server stamp: ``Jan  1 00:00:00``."""
    return f"{when:%b} {when.day:>2} {when:%H:%M:%S}"


#: name: (lines before the records, a record's line, whether its stamp keeps milliseconds)
FRAMINGS: dict[str, tuple[list[str], Callable[[datetime, int], str], bool]] = {
    "console": ([], lambda when, n: f"*{_ios(when)}: {MESSAGE}", True),
    "show logging": (
        ["Log Buffer (512000 bytes):", ""],
        lambda when, n: f"{n:06}: *{_ios(when)}: {MESSAGE}",
        True,
    ),
    "syslog server, device stamps": (
        [],
        lambda when, n: f"{_server(when)} hub-rtr {n}: *{_ios(when)}: {MESSAGE}",
        True,
    ),
    "syslog server stamps only": (
        [],
        lambda when, n: f"{_server(when)} hub-rtr {n}: {MESSAGE}",
        False,
    ),
}


def _across_midnight(count: int) -> list[datetime]:
    """``count`` moments a little over a second apart, half of them in the new year."""
    step = timedelta(seconds=1, milliseconds=1)
    return [MIDNIGHT + step * (index - count // 2) for index in range(count)]


@pytest.mark.parametrize("count", [8, 600], ids=["python", "columns"])
@pytest.mark.parametrize("framing", list(FRAMINGS))
def test_a_log_across_new_year_gets_the_next_year_for_january(framing: str, count: int) -> None:
    header, line, milliseconds = FRAMINGS[framing]
    moments = _across_midnight(count)
    lines = [*header, *(line(when, n) for n, when in enumerate(moments, start=1))]
    events = [e for e in parse_text("\n".join(lines) + "\n", year=YEAR) if e.kind == "syslog"]
    expected = [when if milliseconds else when.replace(microsecond=0) for when in moments]
    stamps = [event.timestamp for event in events if event.timestamp is not None]
    assert stamps == expected
    assert all(a < b for a, b in pairwise(stamps))
    january = [stamp for stamp in stamps if stamp.month == 1]
    assert len(january) == count // 2 and {stamp.year for stamp in january} == {YEAR + 1}
    # The raw stamp stays exactly as printed: no year added.
    printed = [_ios(when) if milliseconds else _server(when) for when in moments]
    assert [event.timestamp_raw for event in events] == printed


def _parsed(
    lines: list[str], year: int, *, columns: bool, size: int | None = None
) -> list[datetime | None]:
    """The stamps of the events of ``lines`` framed in batches of ``size`` lines, extracted
    over columns or in Python; the lazy models and the JSON written from the columns agree."""
    framer = BatchFramer(year)
    size = size or len(lines)
    frames = [
        framer.frame(pl.Series(lines[start : start + size], dtype=pl.String))
        for start in range(0, len(lines), size)
    ]
    records = pl.concat([*frames, framer.flush()])
    batch = RecordBatch.of(extract(records, year, small=0 if columns else 10**9), year)
    events = list(batch.events())
    written = [json.loads(text)["timestamp"] for _, text in batch_json(batch).iter_rows()]
    assert written == [json.loads(event.model_dump_json())["timestamp"] for event in events]
    return [event.timestamp for event in events]


@pytest.mark.parametrize("columns", [False, True], ids=["python", "columns"])
def test_a_late_december_stamp_from_another_host_keeps_its_year(columns: bool) -> None:
    # hub-b's clock is a little behind: its last December record reaches the server after
    # hub-a's first January one.  It is last year's, and the log does not move back.
    lines = [
        f"Dec 31 23:59:59 hub-a 101: *Dec 31 23:59:59.900: {MESSAGE}",
        f"Jan  1 00:00:00 hub-a 102: *Jan  1 00:00:00.100: {MESSAGE}",
        f"Jan  1 00:00:00 hub-b 201: *Dec 31 23:59:59.950: {MESSAGE}",
        f"Jan  1 00:00:00 hub-a 103: *Jan  1 00:00:00.300: {MESSAGE}",
        f"Jan  1 00:00:01 hub-b 202: *Jan  1 00:00:00.200: {MESSAGE}",
    ]
    years = [stamp.year for stamp in _parsed(lines, YEAR, columns=columns) if stamp]
    assert years == [YEAR, YEAR + 1, YEAR, YEAR + 1, YEAR + 1]


@pytest.mark.parametrize("columns", [False, True], ids=["python", "columns"])
def test_a_printed_year_sets_the_year_of_the_stamps_after_it(columns: bool) -> None:
    lines = [
        f"*Nov 30 10:00:00.000: {MESSAGE}",  # no year: `year`
        f"000002: *Dec 31 2030 23:59:59.900 UTC: {MESSAGE}",  # show logging with year
        f"*Jan  1 00:00:00.100 UTC: {MESSAGE}",  # the year after the printed one
        f"2031-06-01T10:00:00Z hub-a {MESSAGE}",  # an ISO server stamp sets it too
        f"*Aug  2 10:00:00.000: {MESSAGE}",
        f"*Jan  3 10:00:00.000: {MESSAGE}",
    ]
    assert _parsed(lines, YEAR, columns=columns) == [
        datetime(YEAR, 11, 30, 10),
        datetime(2030, 12, 31, 23, 59, 59, 900_000, UTC),
        datetime(2031, 1, 1, 0, 0, 0, 100_000, UTC),
        datetime(2031, 6, 1, 10, tzinfo=UTC),
        datetime(2031, 8, 2, 10),
        datetime(2032, 1, 3, 10),
    ]


@pytest.mark.parametrize("columns", [False, True], ids=["python", "columns"])
def test_an_invalid_date_has_no_say_in_the_year(columns: bool) -> None:
    lines = [
        f"*Dec 31 23:59:59.000: {MESSAGE}",
        f"2026-13-01T00:00:00Z hub-a {MESSAGE}",  # no such month: no time stamp
        f"*Feb 30 00:00:00.000: {MESSAGE}",  # no such day: no time stamp, but February
        f"*Jan  1 00:00:00.000: {MESSAGE}",
    ]
    assert _parsed(lines, YEAR, columns=columns) == [
        datetime(YEAR, 12, 31, 23, 59, 59),
        None,
        None,
        datetime(YEAR + 1, 1, 1),
    ]


def _fixture_lines() -> list[str]:
    return ROLLOVER.read_text(encoding="utf-8").splitlines()


def _expected_stamps() -> list[str | None]:
    expected = ROLLOVER.with_suffix(".expected.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["timestamp"] for line in expected]


def _stamps(events: list[Event]) -> list[str | None]:
    return [json.loads(event.model_dump_json())["timestamp"] for event in events]


def test_the_fixture_runs_into_the_next_year_and_its_session_lasts_147_ms() -> None:
    stamps = _expected_stamps()
    assert stamps[:4] == [
        "2026-12-31T23:59:59.870000",
        "2026-12-31T23:59:59.912000",
        "2026-12-31T23:59:59.915000",
        "2026-12-31T23:59:59.960000",
    ]
    assert all(stamp and stamp.startswith("2027-01-01T00:00:00.0") for stamp in stamps[4:])
    (session,) = correlate(parse_file(ROLLOVER, year=load_meta(ROLLOVER)["year"]))
    assert session.started is not None and session.ended is not None
    assert session.started < session.ended and session.duration_seconds == 0.147


@pytest.mark.parametrize("split", range(1, 28))
def test_the_rollover_at_a_batch_boundary(split: int) -> None:
    # Split 19 is the rollover: the first batch ends with the December IKE_AUTH request
    # (the record still open, carried into the next batch), the second starts with the
    # January response.  Every other split too, inside packet blocks and between records.
    lines = _fixture_lines()
    first, rest = lines[:split], lines[split:]
    expected = _expected_stamps()
    # The framer alone, fed two batches.
    framer = BatchFramer(YEAR)
    records = [framer.frame(pl.Series(part, dtype=pl.String)) for part in (first, rest)]
    framed = [m for part in [*records, framer.flush()] for m in messages(part, YEAR)]
    assert [m.timestamp.isoformat() if m.timestamp else None for m in framed] == expected
    # The whole pipeline, as a file read in two batches, and as a live feed (`--follow`)
    # that paused between two records (a pause closes the record still open).
    assert _stamps(list(events_of([first, rest], year=YEAR))) == expected
    if rest[0].startswith("*"):
        assert _stamps(list(events_of([first, None, rest], year=YEAR))) == expected


def test_frame_lines_dates_its_messages_over_the_log() -> None:
    stamps = [m.timestamp for m in frame_lines(_fixture_lines(), year=YEAR)]
    assert [stamp.year for stamp in stamps if stamp] == [YEAR] * 4 + [YEAR + 1] * 4


def test_the_year_is_per_input(tmp_path: Path) -> None:
    # A second file starts again from `year`: it does not inherit the first one's rollover.
    december = tmp_path / "december.log"
    december.write_text(f"*Dec 30 08:00:00.000: {MESSAGE}\n", encoding="utf-8")
    for workers in (1, 2):
        parsed = dict(parse_files([ROLLOVER, december], workers=workers, year=YEAR))
        assert parsed[ROLLOVER][-1].timestamp == datetime(YEAR + 1, 1, 1, 0, 0, 0, 17_000)
        assert parsed[december][0].timestamp == datetime(YEAR, 12, 30, 8)


def test_the_command_line_year_names_the_year_of_the_first_stamp(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["events", str(ROLLOVER), "--year", str(YEAR)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [event["timestamp"] for event in out] == _expected_stamps()
    with pytest.raises(SystemExit):
        main(["events", "--help"])
    assert "year of the first time stamp" in capsys.readouterr().out


moments = st.builds(
    lambda start, gaps: [
        when.replace(microsecond=when.microsecond // 1000 * 1000)
        for when in accumulate(gaps, initial=start)
    ],
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31)),
    # Consecutive stamps less than five months apart: a bigger gap is ambiguous without a
    # year, and a log that says nothing for half a year is no debug capture.
    st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=150)), max_size=40),
)


@given(moments, st.booleans(), st.integers(min_value=1, max_value=50))
def test_stamps_without_a_year_never_run_backwards(
    moments: list[datetime], columns: bool, size: int
) -> None:
    lines = [f"*{_ios(when)}: {MESSAGE}" for when in moments]
    parsed = _parsed(lines, moments[0].year, columns=columns, size=size)
    assert parsed == moments
    known = [stamp for stamp in parsed if stamp is not None]
    assert len(known) == len(parsed) and all(a <= b for a, b in pairwise(known))
