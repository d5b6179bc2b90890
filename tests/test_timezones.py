"""Time zones: a stamp whose zone the log names is an instant; ``--timezone`` dates the
stamps that name none (or one that is not known); without it they stay local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ike_debuglog import UsageError, parse_file, parse_files, parse_text
from ike_debuglog.cli import main

_RECORD = "IKEv2:(SESSION ID = 1,SA ID = 1):Deleting SA"


def _log(zones: list[str | None], month: str = "Nov", copies: int = 1) -> str:
    lines = [
        f"*{month} 26 12:00:00.101{'' if zone is None else ' ' + zone}: {_RECORD}" for zone in zones
    ]
    return "\n".join(lines * copies) + "\n"


# One copy is parsed record by record in Python, 600 copies in bulk over columns: both
# must date a stamp alike.
PATHS = pytest.mark.parametrize("copies", [1, 600], ids=["python", "columns"])


@PATHS
@pytest.mark.parametrize(
    ("zone", "hours"),
    [("UTC", 0), ("GMT", 0), ("CET", 1), ("CEST", 2), ("PST", -8), ("EDT", -4),
     ("JST", 9), ("GMT+3", 3), ("UTC-5", -5), ("ACST", 9.5)],
)  # fmt: skip
def test_a_zone_the_log_names_makes_an_instant(zone: str, hours: float, copies: int) -> None:
    events = list(parse_text(_log([zone], copies=copies), year=2026))
    expected = datetime(2026, 11, 26, 12, 0, 0, 101000, timezone(timedelta(hours=hours)))
    assert {event.timestamp for event in events} == {expected}
    assert all(event.timestamp_raw == f"Nov 26 12:00:00.101 {zone}" for event in events)


@PATHS
def test_the_same_wall_time_in_two_zones_is_two_instants(copies: int) -> None:
    cet, pst = (e.timestamp for e in parse_text(_log(["CET", "PST"]), year=2026))
    assert cet is not None and pst is not None
    assert pst - cet == timedelta(hours=9)


@PATHS
@pytest.mark.parametrize("zone", [None, "CST", "IST", "HQ"])
def test_no_zone_or_one_not_known_stays_a_local_time(zone: str | None, copies: int) -> None:
    events = list(parse_text(_log([zone], copies=copies), year=2026))
    assert {event.timestamp for event in events} == {datetime(2026, 11, 26, 12, 0, 0, 101000)}


@PATHS
def test_timezone_dates_the_stamps_that_name_none_with_daylight_saving(copies: int) -> None:
    text = _log([None, "HQ", "PST"], copies=copies) + _log([None], month="Jul", copies=copies)
    events = list(parse_text(text, year=2026, timezone="Europe/Paris"))
    paris = ZoneInfo("Europe/Paris")
    winter = datetime(2026, 11, 26, 12, 0, 0, 101000, paris)
    summer = datetime(2026, 7, 26, 12, 0, 0, 101000, paris)
    pst = datetime(2026, 11, 26, 12, 0, 0, 101000, timezone(timedelta(hours=-8)))
    expected = [winter, winter, pst] * copies + [summer] * copies
    assert [event.timestamp for event in events] == expected
    assert summer.utcoffset() == timedelta(hours=2) and winter.utcoffset() == timedelta(hours=1)


def test_iso_stamps_keep_their_offset_whatever_the_timezone() -> None:
    text = f"2026-11-26T12:00:00.101+05:30 rtr-1 %SYS-5-X: y\n*Nov 26 12:00:01.000: {_RECORD}\n"
    first, second = parse_text(text, year=2026, timezone="UTC")
    assert first.timestamp == datetime(2026, 11, 26, 6, 30, 0, 101000, UTC)
    assert second.timestamp == datetime(2026, 11, 26, 12, 0, 1, tzinfo=UTC)


def test_files_in_workers_are_dated_in_the_zone_given(tmp_path: Path) -> None:
    paths = []
    for name in ("a.log", "b.log"):
        path = tmp_path / name
        path.write_text(_log([None]), encoding="utf-8")
        paths.append(path)
    for _, events in parse_files(paths, workers=2, year=2026, timezone="America/New_York"):
        assert [e.timestamp.utcoffset() for e in events if e.timestamp] == [timedelta(hours=-5)]


def test_an_unknown_zone_is_a_usage_error_before_any_reading(tmp_path: Path) -> None:
    missing = tmp_path / "missing.log"
    with pytest.raises(UsageError, match="Europe/Paris"):
        parse_file(missing, timezone="Mars/Olympus")
    with pytest.raises(UsageError):
        list(parse_text(_log([None]), timezone="not a zone"))


def test_the_command_line_takes_a_zone_and_refuses_an_unknown_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.log"
    path.write_text(_log([None]), encoding="utf-8")
    assert main(["events", str(path), "--timezone", "Asia/Tokyo", "--year", "2026"]) == 0
    assert '"timestamp":"2026-11-26T12:00:00.101000+09:00"' in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["events", str(path), "--timezone", "Mars/Olympus"])
    assert exited.value.code == 2
    assert "unknown time zone 'Mars/Olympus'" in capsys.readouterr().err
