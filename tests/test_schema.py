"""The JSON Schema `ike-debuglog schema` prints describes what the tool writes: every
fixture's events and sessions validate against it, and it refuses what they are not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import fixture_logs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ike_debuglog.cli import main
from ike_debuglog.render.schema import SCHEMA_ID, output_schema


def _validator(which: Any) -> Draft202012Validator:
    schema = output_schema(which)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


EVENTS, SESSIONS = _validator("event"), _validator("session")


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda path: path.stem)
def test_every_fixture_output_validates(log: Any) -> None:
    events = log.with_suffix(".expected.jsonl").read_text(encoding="utf-8").splitlines()
    sessions = log.with_suffix(".sessions.jsonl").read_text(encoding="utf-8").splitlines()
    assert events
    for line in events:
        EVENTS.validate(json.loads(line))
    for line in sessions:
        SESSIONS.validate(json.loads(line))


def test_the_schema_refuses_what_is_not_output() -> None:
    packet = {"kind": "ikev2_packet", "line": 1, "end_line": 1, "direction": "sent"}
    EVENTS.validate(packet)
    for wrong in (
        {**packet, "kind": "no_such_kind"},
        {**packet, "direction": "sideways"},
        {**packet, "message_id": "seven"},
        {**packet, "unknown_field": 1},
    ):
        with pytest.raises(ValidationError):
            EVENTS.validate(wrong)


def test_the_command_prints_a_versioned_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$id"] == SCHEMA_ID and "/v1/" in SCHEMA_ID
    assert {"Event", "Session", "Ikev2Packet", "Ikev1Packet"} <= set(printed["$defs"])
