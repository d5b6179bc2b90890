"""Sessions as a user meets them: the commands, their exit codes, the ladder drawings,
streaming, and the documented vocabulary."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, fixture_logs, load_meta
from hypothesis import given
from hypothesis import strategies as st

from ike_debuglog import (
    REASONS,
    Correlator,
    Session,
    correlate,
    parse_file,
    parse_lines,
    parse_text,
)
from ike_debuglog.cli import main
from ike_debuglog.correlate.reasons import batfish_status

ROOT = Path(__file__).parent.parent
EXPECTED = Path(__file__).parent / "expected"
EXAMPLE = ROOT / "examples" / "show-logging-ikev2.log"
NATT = FIXTURES / "ikev1" / "github-xe-isakmp-natt-initiator-site-a-console-noise.log"
HUB = FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"
DOC = (ROOT / "docs" / "sessions.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("log", "status", "shown"),
    [
        (NATT, 0, "1 session: 1 established"),
        (EXAMPLE, 1, "FAILED: peer_not_responding (MISSING_END_POINT)"),
        (FIXTURES / "ipsec" / "pastebin-f67de1fb5-ios-isakmp-initiator-80col-wrap-joined.log", 1,
         "INCOMPLETE: the log ends during the negotiation (last: MM1)"),
    ],
)  # fmt: skip
def test_diagnose_exit_status_and_report(
    log: Path, status: int, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diagnose", str(log), "--year", "2026"]) == status
    assert shown in capsys.readouterr().out


def test_diagnose_prints_the_evidence_lines_and_the_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["diagnose", str(HUB)])
    out = capsys.readouterr().out
    # The header names the line span and the router's own ids, not "Session 1" (which
    # read as the router's SESSION ID; the log calls this negotiation SESSION ID = 51).
    assert "IKEv2 session with 198.51.100.10 (initiator), lines 1-30, SESSION ID 51, SA ID 1" in out
    assert "    NO_PROPOSAL_CHOSEN received in IKE_SA_INIT: the IKE SA proposal was refused" in out
    assert re.search(r"\n\s+30: \*Nov 26 12:00:00\.134: IKEv2-ERROR:.*Initial exchange failed", out)
    assert f"    hint: {REASONS['invalid_ke_payload'].hint}" in out
    assert "4 sessions: 1 established, 3 failed" in out


def test_diagnose_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Stdin:
        buffer = HUB.open("rb")

    monkeypatch.setattr("sys.stdin", Stdin)
    assert main(["diagnose", "-"]) == 1
    assert "     58: *Nov 26 12:00:00.167: IKEv2-ERROR" in capsys.readouterr().out


def test_diagnose_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "no-such.log"]) == 2
    assert main(["ladder", str(HUB), "--session", "2"]) == 2
    assert "no session 2; `ike-debuglog sessions` lists them" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("log", "arguments", "expected"),
    [
        (EXAMPLE, ["--session", "8"], "ladder-ikev2-established.txt"),
        (NATT, [], "ladder-ikev1-main-quick-mode.txt"),
        (FIXTURES / "ikev1" / "composed-initiator-psk-mismatch-mm5-retransmits.log",
         ["--format", "mermaid", "--year", "2026"], "ladder-ikev1-psk-mismatch.mmd"),
    ],
)  # fmt: skip
def test_ladder_matches_the_expected_drawing(
    log: Path, arguments: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ladder", str(log), *arguments]) == 0
    assert capsys.readouterr().out == (EXPECTED / expected).read_text(encoding="utf-8")


def test_sessions_table_and_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", str(HUB), "--format", "jsonl"]) == 0
    rows = [Session.model_validate_json(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted((s.id, s.outcome, s.reason) for s in rows) == [
        (1, "failed", "no_proposal_chosen"),
        (7, "failed", "invalid_ke_payload"),
        (13, "established", None),
        (46, "failed", "internal_error"),
    ]
    assert main(["sessions", str(HUB)]) == 0
    assert "198.51.100.30" in capsys.readouterr().out


def test_the_stream_emits_a_session_as_soon_as_it_has_ended() -> None:
    correlator = Correlator(idle_seconds=None, linger=3)
    first_emitted_at = None
    for event in parse_file(HUB):
        if list(correlator.feed(event)) and first_emitted_at is None:
            first_emitted_at = event.line
    assert first_emitted_at is not None and first_emitted_at < 46
    assert list(correlator.flush())


def test_an_idle_session_is_emitted_by_log_time_unless_its_sa_came_up() -> None:
    def packet(stamp: str, peer: str, spi: str, rspi: str, mid: int, exchange: str,
               response: bool) -> str:  # fmt: skip
        way = (
            f"From {peer}:500/To 192.0.2.1:500" if response else f"To {peer}:500/From 192.0.2.1:500"
        )
        return (
            f"*Nov 26 {stamp}: IKEv2:{'Received' if response else 'Sending'} Packet [{way}]\n"
            f"Initiator SPI : {spi} - Responder SPI : {rspi} Message id: {mid}\n"
            f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}\n"
            "Payload contents:\n SA KE N\n\n"
        )

    zero, up, answer = "0" * 16, "1" * 16, "2" * 16
    text = (
        packet("12:00:00.000", "198.51.100.1", "A" * 16, zero, 0, "IKE_SA_INIT", False)
        + packet("12:00:00.100", "198.51.100.2", up, zero, 0, "IKE_SA_INIT", False)
        + packet("12:00:00.200", "198.51.100.2", up, answer, 0, "IKE_SA_INIT", True)
        + packet("12:00:00.300", "198.51.100.2", up, answer, 1, "IKE_AUTH", False)
        + packet("12:00:00.400", "198.51.100.2", up, answer, 1, "IKE_AUTH", True)
        + "".join(
            packet(
                f"12:0{minute}:00.000",
                "198.51.100.3",
                f"{minute}" * 16,
                zero,
                0,
                "IKE_SA_INIT",
                False,
            )
            for minute in (2, 3, 4)
        )
    )
    correlator = Correlator(idle_seconds=60, linger=None)
    emitted = []
    for event in parse_text(text, year=2026):
        emitted.extend(session.initiator_spi for session in correlator.feed(event))
    # The unanswered request goes quiet and is emitted; the SA that came up lives on,
    # however quiet, until it is deleted or the log ends.
    assert "A" * 16 in emitted and up not in emitted
    assert up in [session.initiator_spi for session in correlator.flush()]


def test_batfish_status_follows_the_phase() -> None:
    assert batfish_status(None, established=True, phase1_done=True) == "IPSEC_SESSION_ESTABLISHED"
    assert (
        batfish_status("no_proposal_chosen", established=False, phase1_done=False)
        == "IKE_PHASE1_FAILED"
    )
    assert (
        batfish_status("no_proposal_chosen", established=False, phase1_done=True)
        == "IPSEC_PHASE2_FAILED"
    )
    assert (
        batfish_status("psk_mismatch", established=False, phase1_done=False)
        == "IKE_PHASE1_KEY_MISMATCH"
    )


def test_every_reason_and_session_field_is_documented() -> None:
    table = DOC.split("## Reasons", 1)[1]
    for reason, row in REASONS.items():
        assert f"| `{reason}` |" in table, reason
        assert (row.batfish or "phase") in table
    glossary = DOC.split("## Fields", 1)[1].split("## Reasons", 1)[0]
    from ike_debuglog import ChildSa, Exchange, Finding, SessionMessage

    for model in (Session, SessionMessage, Exchange, ChildSa, Finding):
        for name in model.model_fields:
            assert f"`{name}`" in glossary, f"{model.__name__}.{name}"


def test_each_reason_has_a_fixture_that_fails_for_it() -> None:
    reasons = {
        session.reason
        for log in fixture_logs()
        for session in correlate(parse_file(log, year=load_meta(log)["year"]))
    }
    assert set(REASONS) - {"error_notify"} <= reasons


LOGS = [log.read_bytes() for log in fixture_logs()]


@given(index=st.integers(min_value=0), seed=st.integers(min_value=0), cuts=st.integers(1, 4))
def test_correlation_never_crashes_on_mixed_and_cut_logs(index: int, seed: int, cuts: int) -> None:
    rng = random.Random(seed)
    lines = [line for i in range(cuts) for line in LOGS[(index + i) % len(LOGS)].splitlines()]
    for _ in range(cuts):
        if lines:
            del lines[rng.randrange(len(lines))]
    events = list(parse_lines(lines, year=2026))
    batch = correlate(events)
    seen = [line for session in batch for line in session.lines]
    assert len(seen) == len(set(seen)) and set(seen) <= {e.line for e in events}
    for session in batch:
        assert session.outcome in ("established", "failed", "incomplete")
        assert session.reason is None or session.reason in REASONS


def test_streaming_equals_batch_on_a_generated_busy_log(tmp_path: Path) -> None:
    # Thousands of interleaved sessions, so the stream really emits sessions as they end
    # or go idle long before the end of the input.
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    log = tmp_path / "busy.log"
    generate(1_000_000, 11, log)
    events = list(parse_file(log, year=2026))
    correlator = Correlator(idle_seconds=30, linger=50)
    streamed: list[Session] = []
    early = 0
    for event in events:
        emitted = list(correlator.feed(event))
        early += len(emitted)
        streamed.extend(emitted)
    streamed.extend(correlator.flush())
    # Sessions that failed, were deleted or never came up are emitted as they end or go
    # quiet; those whose SA came up live until the end of this log.
    assert early > 20
    batch = correlate(events)
    assert sorted(streamed, key=lambda s: s.id) == batch
    assert {s.reason for s in batch} >= {
        "peer_not_responding",
        "psk_mismatch",
        "no_proposal_chosen",
    }
