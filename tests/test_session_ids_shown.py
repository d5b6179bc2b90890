"""The router's own numbers for a session (IKEv2 ``SESSION ID`` / ``SA ID``, ISAKMP conn
id) are in its JSON and beside its line span wherever a person reads it: the diagnose
report, the ladder and the sessions table.  The session's ``id`` is its first line, which
must not read as the router's ``SESSION ID``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES

from ike_debuglog import Session, correlate, parse_file
from ike_debuglog.cli import main
from ike_debuglog.render.sessions import span_and_ids

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "show-logging-ikev2.log"
HUB = FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"
NATT = FIXTURES / "ikev1" / "github-xe-isakmp-natt-initiator-site-a-console-noise.log"


def test_sessions_carry_the_sa_ids_the_router_printed() -> None:
    events = list(parse_file(HUB, year=2026))
    for session in correlate(events):
        mine = [e for e in events if e.line in session.lines and e.kind.startswith("ikev2")]
        printed = {sa for e in mine if (sa := getattr(e, "sa_id", None)) is not None}
        assert session.sa_ids == sorted(printed) and session.sa_ids
    ids = {s.id: (s.session_ids, s.sa_ids) for s in correlate(events)}
    assert ids[13] == ([53], [3])


def test_sa_ids_follow_session_ids_in_the_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sessions", str(HUB), "--format", "jsonl"]) == 0
    for line in capsys.readouterr().out.splitlines():
        names = list(json.loads(line))
        assert names[names.index("session_ids") + 1 : names.index("conn_ids")] == ["sa_ids"]


def _session(**fields: object) -> Session:
    base: dict[str, object] = {"id": 13, "first_line": 13, "last_line": 89, "outcome": "failed"}
    return Session.model_validate(base | fields)


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"session_ids": [31], "sa_ids": [1]}, "lines 13-89, SESSION ID 31, SA ID 1"),
        ({"session_ids": [41, 42], "sa_ids": [2]}, "lines 13-89, SESSION ID 41,42, SA ID 2"),
        ({"sa_ids": [1]}, "lines 13-89, SA ID 1"),
        ({"conn_ids": [1004]}, "lines 13-89, conn id 1004"),
        ({}, "lines 13-89"),
        ({"last_line": 13, "conn_ids": [1004, 1005]}, "line 13, conn id 1004,1005"),
    ],
)
def test_span_and_ids(fields: dict[str, object], shown: str) -> None:
    assert span_and_ids(_session(**fields)) == shown


def test_the_diagnose_header_names_the_routers_ids(capsys: pytest.CaptureFixture[str]) -> None:
    # The issue: the header said "Session 52" for a negotiation the log calls SESSION ID = 42.
    assert main(["diagnose", str(EXAMPLE)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(
        "IKEv2 session with 203.0.113.99 (initiator), lines 52-66, SESSION ID 42, SA ID 2\n"
    )
    assert "Session 52" not in out


@pytest.mark.parametrize(
    ("log", "arguments", "title"),
    [
        (EXAMPLE, ["--session", "8"], "IKEv2 session (lines 8-50, SESSION ID 41, SA ID 1): "),
        (NATT, [], "IKEv1 session (lines 16-176, conn id 1003): established"),
        (HUB, ["--session", "1", "--format", "mermaid"],
         "    title IKEv2 session (lines 1-30, SESSION ID 51, SA ID 1): failed: "),
    ],
)  # fmt: skip
def test_the_ladder_title_names_the_routers_ids(
    log: Path, arguments: list[str], title: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ladder", str(log), *arguments]) == 0
    drawing = capsys.readouterr().out.splitlines()
    assert drawing[1 if "mermaid" in arguments else 0].startswith(title)


def test_the_sessions_table_names_the_routers_ids(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["sessions", str(HUB)]) == 0
    out = capsys.readouterr().out
    assert "lines 13-67, SESSION ID 53, SA ID 3" in out
    assert "lines 46-58, SESSION ID 54, SA ID 4" in out
    assert main(["sessions", str(NATT)]) == 0
    out = capsys.readouterr().out
    # The SPIs column no longer repeats the conn id ("conn 1003").
    assert "lines 16-176, conn id 1003" in out and "conn 1003" not in out
