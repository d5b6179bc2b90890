"""Correlation at scale: per-session work linear in the session's events, memory bounded
whatever the input, and the stream giving the batch's sessions across pauses in the log.

Linear-time tests time ``n`` and ``10 n`` in one test and allow a generous ratio (a
quadratic pass gives about 100); the events are built and filled before the clock starts,
so only correlation is timed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import fixture_logs, load_meta
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ike_debuglog import Session, correlate, parse_file, parse_text
from ike_debuglog.correlate import Correlator
from ike_debuglog.events import Event

BASE = datetime(2026, 11, 26, 6, 0, 0)
SPI, RSPI, ZERO = "1111222233334444", "5555666677778888", "0" * 16
#: A quadratic pass takes about 100 times as long for 10 times the records.
RATIO = 30


def _stamp(i: int, *, stamped: bool = True) -> str:
    if not stamped:
        return ""
    moment = BASE + timedelta(milliseconds=10 * i)
    return moment.strftime("*Nov 26 %H:%M:%S.") + f"{moment.microsecond // 1000:03d}: "


def _packet(
    i: int,
    mid: int,
    exchange: str,
    *,
    sent: bool,
    response: bool,
    payloads: str = "ENCR",
    spi: str = SPI,
    rspi: str = RSPI,
    peer: str = "203.0.113.78",
    stamped: bool = True,
) -> str:
    way = (
        f"To {peer}:500/From 192.0.2.9:500/VRF i0:f0"
        if sent
        else f"From {peer}:500/To 192.0.2.9:500/VRF i0:f0"
    )
    return (
        f"{_stamp(i, stamped=stamped)}IKEv2:(SESSION ID = 3,SA ID = 1):"
        f"{'Sending' if sent else 'Received'} Packet [{way}]\n"
        f"Initiator SPI : {spi} - Responder SPI : {rspi} Message id: {mid}\n"
        f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}\n"
        f"Payload contents:\n {payloads}\n\n"
    )


def _up(i: int, *, spi: str = SPI, peer: str = "203.0.113.78", stamped: bool = True) -> str:
    """An IKEv2 SA that comes up: IKE_SA_INIT and IKE_AUTH, each answered."""
    common = {"spi": spi, "peer": peer, "stamped": stamped}
    return (
        _packet(i, 0, "IKE_SA_INIT", sent=True, response=False, rspi=ZERO, **common)  # type: ignore[arg-type]
        + _packet(i + 1, 0, "IKE_SA_INIT", sent=False, response=True, **common)  # type: ignore[arg-type]
        + _packet(i + 2, 1, "IKE_AUTH", sent=True, response=False, **common)  # type: ignore[arg-type]
        + _packet(
            i + 3,
            1,
            "IKE_AUTH",
            sent=False,
            response=True,
            payloads="IDr AUTH SA TSi TSr",
            **common,
        )  # type: ignore[arg-type]
    )


def dpd_log(n: int) -> str:
    """An IKEv2 SA that came up, then ``n`` DPD (INFORMATIONAL) exchanges."""
    return _up(0) + "".join(
        _packet(4 + 2 * k, 2 + k, "INFORMATIONAL", sent=True, response=False)
        + _packet(5 + 2 * k, 2 + k, "INFORMATIONAL", sent=False, response=True, payloads="")
        for k in range(n)
    )


def merging_log(n: int) -> str:
    """An initiator generating IKE_SA_INIT again and again and sending the same request:
    each time the session id names a new negotiation until the SPI ties it back."""
    return "".join(
        f"{_stamp(2 * k)}IKEv2:(SESSION ID = 3,SA ID = 1):Generating IKE_SA_INIT message\n"
        + _packet(2 * k + 1, 0, "IKE_SA_INIT", sent=True, response=False, rspi=ZERO)
        for k in range(n)
    )


def peer_struct_log(n: int) -> str:
    """IKEv1: ``Created a peer struct`` for the same peer, again and again."""
    return "".join(
        f"{_stamp(k)}ISAKMP: Created a peer struct for 198.51.100.201, peer port 500\n"
        for k in range(n)
    )


def _events(text: str) -> list[Event]:
    events = list(parse_text(text, year=2026))
    for event in events:
        vars(event)  # fill the lazy model now: its cost is parsing, not correlation
    return events


def _seconds(events: list[Event]) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        correlate(events)
        best = min(best, time.perf_counter() - started)
    return best


def _assert_linear(make: Callable[[int], str], n: int) -> None:
    small, large = _events(make(n)), _events(make(10 * n))
    assert len(correlate(large)) == len(correlate(small))
    ratio = _seconds(large) / _seconds(small)
    assert ratio < RATIO, f"{10 * n} records took {ratio:.0f} times as long as {n}"


def test_dpd_exchanges_of_a_long_lived_sa_are_paired_in_linear_time() -> None:
    _assert_linear(dpd_log, 600)
    (session,) = correlate(_events(dpd_log(50)))
    assert session.outcome == "established" and len(session.exchanges) == 52


def _deleted(i: int) -> str:
    return (
        f"{_stamp(i)}IKEv2:(SESSION ID = 3,SA ID = 1):Received Packet "
        f"[From 203.0.113.78:500/To 192.0.2.9:500/VRF i0:f0]\n"
        f"Initiator SPI : {SPI} - Responder SPI : {RSPI} Message id: 9999\n"
        "IKEv2 INFORMATIONAL Exchange REQUEST\n"
        "Payload contents:\n D\n\n"
    )


@pytest.mark.parametrize("streaming", [False, True])
def test_a_long_lived_session_holds_a_bounded_number_of_events(streaming: bool) -> None:
    # Up, 3,000 DPD exchanges, then the peer deletes the SA: 6,005 events.
    events = _events(dpd_log(3000) + _deleted(7000))
    correlator = (
        Correlator(max_events=3000)
        if streaming
        else Correlator(
            idle_seconds=None, linger=None, idle_events=None, max_open=None, max_events=3000
        )
    )
    early, rest = _stream(correlator, events)
    (session,) = early + rest
    whole = Correlator(
        idle_seconds=None, linger=None, idle_events=None, max_open=None, max_events=None
    )
    (kept,) = _stream(whole, events)[1]
    assert len(session.lines) <= 3000 < len(kept.lines) == len(events)
    assert session.events_omitted == len(events) - len(session.lines) > 0
    assert session.lines[:1000] == kept.lines[:1000]  # the setup stays
    assert session.lines[-10:] == kept.lines[-10:]  # and so does the latest
    # What was let go still counts.
    assert (
        (session.packets_sent, session.packets_received)
        == (
            kept.packets_sent,
            kept.packets_received,
        )
        == (3002, 3003)
    )
    assert (session.outcome, session.reason) == (kept.outcome, kept.reason) == ("established", None)
    assert session.exchanges[-1].name == kept.exchanges[-1].name == "INFORMATIONAL"
    assert "events_omitted" in session.model_dump(exclude_defaults=False)
    assert "events_omitted" not in kept.model_dump_json()


def test_max_events_below_the_kept_setup_is_refused() -> None:
    with pytest.raises(ValueError, match="max_events"):
        Correlator(max_events=100)


def test_repeated_merges_do_not_sort_the_session_again_and_again() -> None:
    _assert_linear(merging_log, 400)
    (session,) = correlate(_events(merging_log(5)))
    assert session.lines == sorted(session.lines) and len(session.lines) == 10


def refused_rekeys_log(n: int) -> str:
    """An IKEv2 SA that came up, then ``n`` child SA rekeys refused (NO_PROPOSAL_CHOSEN):
    a finding each, explained from its own window of the session."""
    return _up(0) + "".join(
        _packet(
            4 + 2 * k, 2 + k, "CREATE_CHILD_SA", sent=True, response=False, payloads="SA N TSi TSr"
        )
        + _packet(
            5 + 2 * k,
            2 + k,
            "CREATE_CHILD_SA",
            sent=False,
            response=True,
            payloads="NOTIFY(NO_PROPOSAL_CHOSEN)",
        )
        for k in range(n)
    )


def test_many_findings_in_one_session_are_explained_in_linear_time() -> None:
    _assert_linear(refused_rekeys_log, 200)
    (session,) = correlate(_events(refused_rekeys_log(3)))
    assert [f.reason for f in session.findings] == ["no_proposal_chosen"] * 3


def test_repeated_ikev1_peer_structs_do_not_rescan_the_session() -> None:
    _assert_linear(peer_struct_log, 2000)


# Memory ----------------------------------------------------------------------------------


def _stream(correlator: Correlator, events: list[Event]) -> tuple[list[Session], list[Session]]:
    early = [session for event in events for session in correlator.feed(event)]
    return early, list(correlator.flush())


def test_sessions_without_stamps_are_emitted_by_record_count() -> None:
    # Unanswered IKE_SA_INIT requests, no time stamps: only the record count can tell
    # that they went quiet.
    text = "".join(
        _packet(
            k,
            0,
            "IKE_SA_INIT",
            sent=True,
            response=False,
            spi=f"{k + 1:016X}",
            rspi=ZERO,
            peer=f"198.51.{k // 250}.{k % 250 + 1}",
            stamped=False,
        )
        for k in range(1000)
    )
    events = _events(text)
    early, rest = _stream(Correlator(idle_events=100), events)
    assert len(early) + len(rest) == 1000
    assert len(rest) <= 100 + 16  # open at the end: touched within the last 100 records


def test_open_sessions_are_capped_oldest_quiet_first() -> None:
    # 200 SAs that came up (never emitted for idleness), then 20 requests never answered.
    text = "".join(
        _up(4 * k, spi=f"{k + 1:016X}", peer=f"198.51.100.{k + 1}") for k in range(200)
    ) + "".join(
        _packet(
            900 + k,
            0,
            "IKE_SA_INIT",
            sent=True,
            response=False,
            spi=f"{k + 1:08X}00000000",
            rspi=ZERO,
            peer=f"203.0.113.{k + 1}",
        )
        for k in range(20)
    )
    events = _events(text)
    early, rest = _stream(Correlator(max_open=50), events)
    assert len(early) + len(rest) == 220
    assert len(rest) <= 50 + 16  # the cap is looked at every 16 records
    assert {s.outcome for s in early[:150]} == {"established"}  # only SAs that came up yet


# Pauses in the log -----------------------------------------------------------------------

LOGS = fixture_logs()


def _shifted(events: list[Event], at: int, seconds: int) -> list[Event]:
    """The events with every stamp from the ``at``-th record on moved ``seconds`` later:
    the log paused there (debugging turned off and on, two captures stitched)."""
    jump = timedelta(seconds=seconds)
    return [
        event.model_copy(update={"timestamp": event.timestamp + jump})
        if i >= at and event.timestamp is not None
        else event
        for i, event in enumerate(events)
    ]


_PARSED: dict[Path, list[Event]] = {}


def _fixture_events(log: Path) -> list[Event]:
    if log not in _PARSED:
        _PARSED[log] = list(parse_file(log, year=load_meta(log)["year"]))
    return _PARSED[log]


@pytest.mark.parametrize("log", LOGS, ids=[log.stem for log in LOGS])
@settings(max_examples=8)
@given(where=st.floats(0, 1), seconds=st.integers(6 * 60, 3600))
@example(where=0.5, seconds=360)
def test_a_pause_in_the_log_does_not_split_a_negotiation(
    log: Path, where: float, seconds: int
) -> None:
    events = _fixture_events(log)
    shifted = _shifted(events, int(where * len(events)), seconds)
    early, rest = _stream(Correlator(), shifted)  # the CLI's defaults
    assert sorted([*early, *rest], key=lambda session: session.id) == correlate(shifted)


# diagnose on pipes -----------------------------------------------------------------------

FAILED_LOG = Path(__file__).parent / "fixtures/ikev2/composed-ipv6-initiator-no-proposal-chosen.log"
EVIDENCE = "70: IKEv2-ERROR:(SESSION ID = 31,SA ID = 1):"
CLI = [sys.executable, "-c", "from ike_debuglog.cli import main; raise SystemExit(main())"]


def test_diagnose_reads_a_named_pipe_once_and_quotes_its_evidence(tmp_path: Path) -> None:
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    child = subprocess.Popen([*CLI, "diagnose", str(fifo)], stdout=subprocess.PIPE, text=True)
    fifo.write_bytes(FAILED_LOG.read_bytes())
    try:
        out, _ = child.communicate(timeout=60)  # it used to open the pipe again, and hang
    finally:
        child.kill()
    assert child.returncode == 1 and EVIDENCE in out


def test_diagnose_quotes_the_evidence_of_a_process_substitution() -> None:
    # `<(...)` is a /dev/fd path: it can be read once, and its evidence used to be dropped.
    script = f"{shlex.join(CLI)} diagnose <(cat {shlex.quote(str(FAILED_LOG))})"
    done = subprocess.run(
        ["bash", "-c", script], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and EVIDENCE in done.stdout


def test_the_sessions_table_is_printed_in_bounded_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ike_debuglog import cli, commands

    log = tmp_path / "five.log"
    log.write_text(
        "".join(_up(4 * k, spi=f"{k + 1:016X}", peer=f"198.51.100.{k + 1}") for k in range(5))
    )
    ids = [session.id for session in correlate(parse_file(log, year=2026))]
    assert len(ids) == 5
    monkeypatch.setattr(commands, "TABLE_PAGE", 2)
    assert cli.main(["sessions", str(log), "--format", "table", "--year", "2026"]) == 0
    shown = capsys.readouterr().out
    assert shown.count("outcome") == -(-len(ids) // 2)  # one header per page of two
    for session in ids:
        assert f"{session}-" in shown
