"""Pairing both routers of a tunnel (issue 17) against the hand-counted fixtures of
tests/fixtures/paired/ (their README.md says how each expected.yaml was counted)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from ike_debuglog.cli import main
from ike_debuglog.correlate import Session
from ike_debuglog.correlate.models import Finding
from ike_debuglog.fleet import file_result
from ike_debuglog.pairing import Located, Pair, coverage, located_sessions, pair_sessions
from ike_debuglog.pairing.models import PairMismatch

ROOT = Path(__file__).parent / "fixtures" / "paired"
CASES = sorted(path.name for path in ROOT.iterdir() if path.is_dir())
DOCS = Path(__file__).parent.parent / "docs" / "pairing.md"


def _expected(case: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / case / "expected.yaml").read_text())  # type: ignore[no-any-return]


@cache
def _run(case: str) -> tuple[list[Located], list[Pair]]:
    results = [file_result(str(log), year=2026) for log in sorted((ROOT / case).glob("*.log"))]
    located = located_sessions(results)
    return located, pair_sessions(located, coverage(results))


def _session(located: list[Located], file: str, session_id: int) -> Session:
    return next(i.session for i in located if i.file == file and i.session.id == session_id)


def _ids_match(session: Session, expected: dict[str, Any]) -> bool:
    if "conn_id" in expected:
        return expected["conn_id"] in session.conn_ids
    return expected["session_id"] in session.session_ids and expected["sa_id"] in session.sa_ids


def _clock(stamp: Any) -> str | None:
    return stamp.strftime("%H:%M:%S.%f")[:-3] if stamp is not None else None


def test_every_case_has_expectations() -> None:
    assert len(CASES) == 9
    for case in CASES:
        assert (ROOT / case / "expected.yaml").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_pairs_as_counted(case: str) -> None:
    expected = _expected(case)
    located, pairs = _run(case)
    assert len(pairs) == len(expected["pairs"])
    for pair, want in zip(pairs, expected["pairs"], strict=True):
        for side, name in ((pair.a, "a"), (pair.b, "b")):
            log = expected["logs"][name]
            assert Path(side.file).name == log["file"]
            assert side.host == log["host"]
            assert side.role == log["role"]
            assert _ids_match(_session(located, side.file, side.session_id), want[name])
        key = want["key"]
        if expected["ike_version"] == 2:
            assert pair.key.initiator_spi == key["initiator_spi"]
            assert pair.key.responder_spi == key["responder_spi"]
        else:
            assert (pair.key.initiator, pair.key.responder) == (key["initiator"], key["responder"])
            if "quick_mode_message_id" in key:
                assert key["quick_mode_message_id"] in pair.key.message_ids
        assert pair.a.session_id != pair.b.session_id or pair.a.file != pair.b.file


def test_the_real_capture_of_two_negotiations_is_not_paired() -> None:
    located, pairs = _run("real-isakmp-natt-hq-site-a-not-same-negotiation")
    assert pairs == []
    assert {(Path(i.file).name, i.session.role) for i in located} == {
        ("hq.log", "responder"),
        ("site-a.log", "initiator"),
    }


def _paired_cases() -> list[str]:
    return [case for case in CASES if _expected(case)["pairs"]]


@pytest.mark.parametrize("case", _paired_cases())
def test_clock_offset_within_tolerance(case: str) -> None:
    clock = _expected(case)["clock"]
    (pair,) = _run(case)[1]
    assert pair.clock_offset_seconds is not None
    assert (
        abs(pair.clock_offset_seconds - clock["offset_b_minus_a_seconds"])
        <= clock["tolerance_seconds"]
    )
    low, high = clock["bounds_from_pairs"]
    assert pair.clock_offset_low_seconds == (None if low is None else pytest.approx(low, abs=1e-6))
    assert pair.clock_offset_high_seconds == (
        None if high is None else pytest.approx(high, abs=1e-6)
    )
    one_way = clock.get("one_directional", False)
    assert (pair.clock_offset_basis != "both_directions") == one_way
    assert (pair.clock_offset_uncertainty_seconds is None) == one_way
    counts = re.search(r"(\d+) matched a->b.*?(\d+) matched b->a", clock["rests_on"])
    assert counts is not None
    assert (pair.clock_matched_a_to_b, pair.clock_matched_b_to_a) == (
        int(counts[1]),
        int(counts[2]),
    )


@pytest.mark.parametrize("case", _paired_cases())
def test_messages_sent_and_received_lines(case: str) -> None:
    (want,) = _expected(case)["pairs"]
    (pair,) = _run(case)[1]
    got = [
        (
            m.sender,
            m.retransmission,
            m.sent_line,
            _clock(m.sent_time),
            m.received_line,
            _clock(m.received_time),
            bool(m.lost),
        )
        for m in pair.messages
    ]
    counted = [
        (
            m["from"],
            m.get("retransmission", 0),
            m["sent_line"],
            m["sent_time"],
            m["received_line"],
            m.get("received_time"),
            m.get("lost", False),
        )
        for m in want["messages"]
    ]
    assert got == counted
    for message, expected in zip(pair.messages, want["messages"], strict=True):
        assert message.exchange is not None
        assert message.exchange.lower() == expected["exchange"].lower()
        if "message" in expected and expected["message"].startswith(("MM", "QM")):
            assert message.label == expected["message"]


@pytest.mark.parametrize("case", _paired_cases())
def test_lost_messages_exactly(case: str) -> None:
    (want,) = _expected(case)["pairs"]
    (pair,) = _run(case)[1]
    lost = {(m.sender, m.sent_line) for m in pair.messages if m.lost}
    assert lost == {(m["from"], m["sent_line"]) for m in want["lost"]}
    counts = want.get("lost_counts", {"a_to_b": 0, "b_to_a": 0})
    assert (pair.lost_a_to_b, pair.lost_b_to_a) == (counts["a_to_b"], counts["b_to_a"])
    unknown = [m for m in pair.messages if m.lost is None]
    assert unknown == []  # every log covers its peer's messages in these cases


def test_lost_responses_are_explained_with_both_sides() -> None:
    (pair,) = _run("ikev2-lost-response")[1]
    assert pair.explanation is not None
    assert "hub answered and spoke-5 never got the answer" in pair.explanation
    assert "received 4 of the 5 messages spoke-5 sent" in pair.explanation
    assert "look at the way back from hub to spoke-5" in pair.explanation  # what to check


@pytest.mark.parametrize("case", _paired_cases())
def test_verdict_of_the_pair_and_of_each_side(case: str) -> None:
    expected = _expected(case)
    (want,) = expected["pairs"]
    (pair,) = _run(case)[1]
    verdict = want["verdict"]
    assert (pair.outcome, pair.reason) == (verdict["outcome"], verdict["reason"])
    assert pair.refused_by == verdict.get("refused_by")
    if "exchange" in verdict:
        assert pair.exchange == verdict["exchange"]
    for side, name in ((pair.a, "a"), (pair.b, "b")):
        alone = expected["sides"][name]
        assert (side.outcome, side.reason) == (alone["outcome"], alone["reason"])
    sides = {f.side for f in pair.findings}
    assert sides <= {"a", "b"}


@pytest.mark.parametrize("case", _paired_cases())
def test_mismatch_side_by_side(case: str) -> None:
    (want,) = _expected(case)["pairs"]
    (pair,) = _run(case)[1]
    expected = want["mismatch"]
    if expected is None:
        assert pair.mismatch is None
        return
    mismatch = pair.mismatch
    assert isinstance(mismatch, PairMismatch)
    assert mismatch.what == expected["what"]
    if "offered_by" in expected:
        assert (mismatch.offered_by, mismatch.expected_by) == (
            expected["offered_by"],
            expected["expected_by"],
        )
        offered = {row.attribute: row.offered for row in mismatch.rows}
        for name, value in expected["offered"].items():
            if name in ("lines", "transforms"):
                continue
            assert offered.get(name) == value, name
    if expected.get("expected", {}).get("in_logs", True) is False:
        # What the refuser expects is its configuration: a row may claim a difference only
        # where the refuser's log proves it refused that attribute (its PFS group, the
        # identity no profile matched), and then without an expected value.
        proven = expected.get("proven_by_logs", [])
        assert mismatch.expected_in_logs is False
        assert mismatch.differing == proven
        assert {row.attribute: row.differs for row in mismatch.rows if row.differs is not None} == {
            name: True for name in proven
        }
        assert all(row.expected is None for row in mismatch.rows)
        assert "does not print what it expects" in mismatch.sentence
    else:
        assert sorted(mismatch.differing) == sorted(expected["differing"])
    if expected["what"] == "ike":
        wanted = {k: v for k, v in expected["expected"].items() if k != "lines"}
        assert {row.attribute: row.expected for row in mismatch.rows} == wanted
        assert mismatch.sentence == (
            "branch-2 offers AES-CBC-128 / SHA256 / SHA256 / group 14, "
            "hub-1.example.net expects AES-GCM-256 / SHA512 / group 19"
        )


def test_pfs_and_identity_mismatches_name_what_was_refused() -> None:
    # hq-2 line 66 prints the PFS group that arrived, line 67 accepts the attributes, 83-84
    # refuse the proposal: the PFS group is what its crypto map refused.
    (pair,) = _run("ikev1-pfs-group-mismatch")[1]
    assert pair.mismatch is not None
    assert pair.mismatch.sentence == (
        "br-8 offers esp-aes 256 esp-sha256-hmac / ESP_AES / 256 / HMAC-SHA256 / group 14 / "
        "Tunnel; hq-2 refuses its PFS group 14, and its log does not print what it expects "
        "(its configuration does)"
    )
    assert (pair.mismatch.lines_a, pair.mismatch.lines_b) == ([2], [57])
    # spoke-7 line 26 constructs its IDi; hub line 29 searches by it, line 30 finds no profile.
    (pair,) = _run("ikev2-identity-mismatch")[1]
    assert pair.mismatch is not None
    assert pair.mismatch.sentence == (
        "spoke-7 offers identity spoke-7.example.net (FQDN); hub refuses its identity "
        "spoke-7.example.net, and its log does not print what it expects (its configuration "
        "does)"
    )
    assert (pair.mismatch.lines_a, pair.mismatch.lines_b) == ([26], [29])
    assert pair.explanation is not None and pair.explanation.startswith(
        "hub refused (authentication_failed): spoke-7 offers identity"
    )


def test_an_authentication_failure_no_identity_explains_has_no_mismatch() -> None:
    # The same pair with the hub's profile found (its peer identity row not refused): the
    # failure is then the key or a certificate, and no identity row may be blamed.
    located, _ = _run("ikev2-identity-mismatch")
    cleared = []
    for item in located:
        findings = [
            f.model_copy(
                update={"proposals": [p.model_copy(update={"accepted": None}) for p in f.proposals]}
            )
            for f in item.session.findings
        ]
        session = item.session.model_copy(update={"findings": findings})
        cleared.append(Located(item.file, session, item.group))
    (pair,) = pair_sessions(cleared)
    assert pair.reason == "authentication_failed"
    assert pair.mismatch is None


def test_two_routers_files_are_not_rejoined_as_one() -> None:
    located, _ = _run("ikev2-success-dpd-rekey")
    assert [(Path(i.file).name, i.session.role) for i in located] == [
        ("hub.log", "responder"),
        ("spoke-1.log", "initiator"),
    ]


def test_sessions_of_one_router_are_never_paired() -> None:
    located, _ = _run("ikev2-success-dpd-rekey")
    same = [Located(i.file, i.session, 0) for i in located]
    assert pair_sessions(same) == []


def _shifted(item: Located, seconds: float) -> Located:
    by = timedelta(seconds=seconds)
    messages = [
        m.model_copy(update={"timestamp": m.timestamp + by if m.timestamp else None})
        for m in item.session.messages
    ]
    return Located(item.file, item.session.model_copy(update={"messages": messages}), item.group)


@given(st.integers(min_value=-86_400_000, max_value=86_400_000))
def test_shifting_a_clock_shifts_the_offset(milliseconds: int) -> None:
    located, (pair,) = _run("ikev2-success-dpd-rekey")
    shift = milliseconds / 1000
    assert pair.clock_offset_seconds is not None
    for moved, sign in (("responder", 1), ("initiator", -1)):
        shifted = [_shifted(i, shift) if i.session.role == moved else i for i in located]
        (again,) = pair_sessions(shifted)
        assert again.clock_offset_seconds == pytest.approx(
            pair.clock_offset_seconds + sign * shift, abs=1e-6
        )
        assert again.clock_offset_uncertainty_seconds == pytest.approx(
            pair.clock_offset_uncertainty_seconds, abs=1e-6
        )
    (swapped,) = pair_sessions(list(reversed(located)))  # sides follow roles, not order
    assert swapped.clock_offset_seconds == pair.clock_offset_seconds
    assert (swapped.a.role, swapped.b.role) == ("initiator", "responder")


def _logs(case: str) -> list[str]:
    return [str(log) for log in sorted((ROOT / case).glob("*.log"))]


def test_cli_sessions_writes_each_side_then_the_pair(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "sessions",
                "--workers",
                "1",
                "--year",
                "2026",
                "--format",
                "jsonl",
                *_logs("ikev2-ts-unacceptable"),
            ]
        )
        == 0
    )
    documents = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["kind"] for d in documents] == ["session", "session", "pair"]
    pair = documents[-1]
    assert pair["clock_offset_seconds"] == pytest.approx(-3.125, abs=0.007)
    assert pair["reason"] == "ts_unacceptable"
    assert Pair.model_validate(pair).b.file.endswith("hub.log")


def test_cli_diagnose_reports_the_pair_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["diagnose", "--workers", "1", "--year", "2026", *_logs("ikev2-lost-response")]) == 1
    )
    out = capsys.readouterr().out
    assert out.count("IKEv2 pair:") == 1
    assert "hub answered and spoke-5 never got the answer" in out
    assert out.count("lost: IKE_SA_INIT") == 5
    assert "spoke-5.log:45:" in out and "Initial exchange failed" in out
    assert "IKEv2 session" not in out  # both sessions are in the pair


def test_cli_ladder_two_sided(capsys: pytest.CaptureFixture[str]) -> None:
    logs = _logs("ikev1-psk-mismatch-main-mode")
    assert main(["ladder", "--workers", "1", "--year", "2026", *logs]) == 0
    text = capsys.readouterr().out
    assert re.search(r"11:20:05\.400\s+4 \|-+ MM1 -+>\| 1\b", text)
    assert re.search(r"\s6 \|<-+ MM2 -+\| 33\b", text)
    assert main(["ladder", "--workers", "1", "--year", "2026", "--format", "mermaid", *logs]) == 0
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("sequenceDiagram")
    assert "A->>B: MM1 [br-3 line 4, hq line 1, 11:20:05.400]" in mermaid
    assert mermaid.count("->>") == 15


def test_cli_ladder_marks_lost_messages(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "ladder",
                "--workers",
                "1",
                "--year",
                "2026",
                "--format",
                "mermaid",
                *_logs("ikev2-lost-response"),
            ]
        )
        == 0
    )
    mermaid = capsys.readouterr().out
    assert mermaid.count("-x") == 5
    assert "B-xA: IKE_SA_INIT response mid=0 LOST [spoke-5 line -, hub line 17" in mermaid


def _fields(model: type[BaseModel], seen: set[str]) -> set[str]:
    names: set[str] = set()
    for name, info in model.model_fields.items():
        if issubclass(model, Finding) and name in Finding.model_fields:
            continue  # a session's finding: documented in docs/sessions.md
        names.add(name)
        for inner in _models(info.annotation):
            if inner.__name__ not in seen:
                seen.add(inner.__name__)
                names |= _fields(inner, seen)
    return names


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


def test_every_pair_field_is_documented() -> None:
    text = DOCS.read_text()
    missing = sorted(n for n in _fields(Pair, set()) if f"`{n}`" not in text)
    assert missing == []


@pytest.mark.parametrize("case", _paired_cases())
def test_pair_documents_validate_against_the_schema(case: str) -> None:
    from jsonschema import Draft202012Validator, FormatChecker

    from ike_debuglog.render.schema import output_schema

    validator = Draft202012Validator(output_schema("pair"), format_checker=FormatChecker())
    for pair in _run(case)[1]:
        document = json.loads(pair.model_dump_json())
        validator.validate(document)
        document["clock_offset_basis"] = "guessed"
        assert not validator.is_valid(document)


def test_cli_one_syslog_server_file_pairs_its_hosts(capsys: pytest.CaptureFixture[str]) -> None:
    log = _logs("ikev1-proxy-identities-syslog-server")
    assert main(["diagnose", "--year", "2026", *log]) == 1
    out = capsys.readouterr().out
    assert out.count("IKEv1 pair: rtr-br-6") == 1
    assert "refused by rtr-hq-1.example.net" in out
    assert "syslog-server.log:150: " in out and "proxy identities not supported" in out
    assert "IKEv1 session" not in out
    assert main(["sessions", "--year", "2026", "--format", "jsonl", *log]) == 0
    kinds = [json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()]
    assert kinds == ["session", "session", "pair"]
    assert main(["ladder", "--year", "2026", "--session", "23", *log]) == 0
    assert "rtr-br-6" in capsys.readouterr().out


def test_cli_one_router_file_has_no_pair(capsys: pytest.CaptureFixture[str]) -> None:
    log = str(ROOT / "ikev2-proposal-mismatch" / "hub-1.log")
    assert main(["sessions", "--year", "2026", "--format", "jsonl", log]) == 0
    kinds = [json.loads(line)["kind"] for line in capsys.readouterr().out.splitlines()]
    assert kinds == ["session"]


def test_report_draws_the_pair_two_sided(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    logs = _logs("ikev2-proposal-mismatch")
    assert main(["report", "--year", "2026", *logs, "-o", str(page)]) == 0
    text = page.read_text()
    assert text.count("Paired with") == 2  # each side's section names the other
    assert "Paired with hub-1.example.net (" in text and "Paired with branch-2 (" in text
    assert ">line 12 / 2<" in text  # both logs' lines on one arrow, a's first
    assert "branch-2 line 12, hub-1.example.net line 2" in text
    assert text.count("<td>AES-GCM-256</td>") == 2  # the mismatch table in both sections


def _later(item: Located, seconds: float, k: int) -> Located:
    by = timedelta(seconds=seconds)
    session = item.session
    assert session.started is not None and session.ended is not None
    messages = [
        m.model_copy(update={"timestamp": m.timestamp + by if m.timestamp else None})
        for m in session.messages
    ]
    update = {
        "messages": messages,
        "started": session.started + by,
        "ended": session.ended + by,
        "id": session.id + 1000 * k,
    }
    return Located(item.file, session.model_copy(update=update), item.group)


def test_a_main_mode_retried_every_minute_pairs_each_try_with_its_own() -> None:
    # Every try looks alike (same addresses, no quick mode, same message pattern): only
    # the one clock offset of the two routers tells the k-th try on each side together.
    located, _ = _run("ikev1-psk-mismatch-main-mode")
    tries = [_later(item, 65 * k, k) for k in range(30) for item in located]
    pairs = pair_sessions(tries[::-1])  # the last try first: no luck from the order
    assert len(pairs) == 30
    assert all(p.a.session_id // 1000 == p.b.session_id // 1000 for p in pairs)
    assert [p.clock_offset_seconds for p in pairs] == [pytest.approx(-1.35, abs=1e-6)] * 30
