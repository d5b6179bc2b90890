"""Every fixture log against its committed expected events and its hand-counted facts.

Adding a case is adding files: ``<case>.log``, ``<case>.meta.yaml`` (source, platform,
real or composed, facts) and ``<case>.expected.jsonl`` (from scripts/regen_expected.py,
read before committing).  A log without its companions fails, it is never skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, fixture_logs, load_meta, matches

from ike_debuglog import EVENT_ADAPTER, Correlator, Session, correlate, parse_file

LOGS = fixture_logs()
IDS = [str(log.relative_to(FIXTURES)) for log in LOGS]


def _events(log: Path) -> list[dict[str, object]]:
    return [event.model_dump(mode="json") for event in parse_file(log, year=load_meta(log)["year"])]


def _sessions(log: Path) -> list[dict[str, object]]:
    events = parse_file(log, year=load_meta(log)["year"])
    return [session.model_dump(mode="json") for session in correlate(events)]


def test_fixture_folder_is_populated() -> None:
    assert len(LOGS) >= 30


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_fixture_has_meta_and_expectations(log: Path) -> None:
    assert log.with_suffix(".meta.yaml").is_file(), f"{log.name}: .meta.yaml is missing"
    for suffix in (".expected.jsonl", ".sessions.jsonl"):
        assert log.with_suffix(suffix).is_file(), (
            f"{log.name}: {suffix} missing; run scripts/regen_expected.py and review the diff"
        )
    meta = load_meta(log)
    for key in ("source", "platform", "framing", "composed", "year", "facts"):
        assert key in meta, f"{log.name}: meta lacks {key!r}"


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_events_equal_expected(log: Path) -> None:
    expected = [
        json.loads(line) for line in log.with_suffix(".expected.jsonl").open(encoding="utf-8")
    ]
    assert _events(log) == expected


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_hand_counted_facts_hold(log: Path) -> None:
    events = _events(log)
    facts = load_meta(log)["facts"]
    for kind, count in facts.get("counts", {}).items():
        found = sum(1 for event in events if event["kind"] == kind)
        assert found == count, f"{kind}: {found} events, the meta counts {count}"
    for fact in facts.get("contains", []):
        assert any(matches(fact, event) for event in events), f"no event matches {fact}"
    for kind, expected in facts.get("sequences", {}).items():
        # Every event of the kind, in order: e.g. each packet with its MM/QM step.
        found = [event for event in events if event["kind"] == kind]
        assert len(found) == len(expected), (
            f"{kind}: {len(found)} events, the meta lists {len(expected)}"
        )
        for number, (fact, event) in enumerate(zip(expected, found, strict=True), start=1):
            assert matches(fact, event), (
                f"{kind} #{number} (line {event['line']}): {fact} != {event}"
            )


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_sessions_equal_expected_and_hand_written_facts(log: Path) -> None:
    expected = [
        json.loads(line) for line in log.with_suffix(".sessions.jsonl").open(encoding="utf-8")
    ]
    sessions = _sessions(log)
    assert sessions == expected
    facts = load_meta(log)["facts"].get("sessions")
    if facts is not None:
        assert len(sessions) == len(facts), f"{len(sessions)} sessions, the meta lists {len(facts)}"
        for fact, session in zip(facts, sessions, strict=True):
            assert matches(fact, session), f"session {session['id']}: {fact}"


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_streaming_correlation_gives_the_batch_sessions(log: Path) -> None:
    # A short linger makes the stream emit sessions as soon as they end, long before the
    # end of the file; batch correlation holds everything: both must agree.
    events = list(parse_file(log, year=load_meta(log)["year"]))
    streamed: list[Session] = []
    correlator = Correlator(idle_seconds=300, linger=3)
    for event in events:
        streamed.extend(correlator.feed(event))
    streamed.extend(correlator.flush())
    assert sorted(streamed, key=lambda s: s.id) == correlate(events)


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_an_event_belongs_to_one_session_at_most(log: Path) -> None:
    lines = [line for session in _sessions(log) for line in session["lines"]]  # type: ignore[attr-defined]
    assert len(lines) == len(set(lines))


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_spans_cover_every_line_exactly_once(log: Path) -> None:
    covered = [n for event in _events(log) for n in range(event["line"], event["end_line"] + 1)]
    with log.open("rb") as handle:
        total = sum(1 for _ in handle)
    assert covered == list(range(1, total + 1))


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_expected_json_validates_against_the_models(log: Path) -> None:
    for line in log.with_suffix(".expected.jsonl").open(encoding="utf-8"):
        event = EVENT_ADAPTER.validate_json(line)
        assert event.model_dump(mode="json") == json.loads(line)
