"""The JSON Schema `ike-debuglog schema` prints describes what the tool writes: every
fixture's events and sessions validate against it (time stamps checked as RFC 3339
date-times where they carry an offset), and it refuses what they are not.  One field
name holds one JSON type across every event kind (issue 14)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import fixture_logs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from ike_debuglog.cli import main
from ike_debuglog.events import EVENT_ADAPTER
from ike_debuglog.render.schema import SCHEMA_ID, output_schema

#: The format checkers of the test extra: without ``rfc3339-validator``, jsonschema
#: accepts any string as a ``date-time`` and the validation below proves nothing.
FORMATS = FormatChecker()


def _validator(which: Any) -> Draft202012Validator:
    schema = output_schema(which)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FORMATS)


EVENTS, SESSIONS = _validator("event"), _validator("session")


def test_the_date_time_format_is_checked() -> None:
    assert "date-time" in FORMATS.checkers, "install the test extra (rfc3339-validator)"
    assert FORMATS.conforms("2026-10-25T20:37:02.888000Z", "date-time")
    assert FORMATS.conforms("2026-10-25T20:37:02+01:00", "date-time")
    assert not FORMATS.conforms("2026-10-25T20:37:02", "date-time")  # no offset
    assert not FORMATS.conforms("2026-13-25T20:37:02Z", "date-time")


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
        {**packet, "file": 7},
    ):
        with pytest.raises(ValidationError):
            EVENTS.validate(wrong)


@pytest.mark.parametrize(
    ("stamp", "valid"),
    [
        ("2026-10-25T20:37:02.888000", True),  # no zone printed: local time
        ("2026-10-25T20:37:02", True),
        ("2026-10-25T20:37:02.888000Z", True),
        ("2026-10-25T20:37:02-08:00", True),
        ("2026-10-25 20:37:02", False),
        ("2026-10-25T25:37:02", False),
        ("2026-10-25T20:37:02+25:00", False),
        ("Oct 25 20:37:02", False),
    ],
)
def test_time_stamps_with_and_without_an_offset(stamp: str, valid: bool) -> None:
    packet = {"kind": "ikev2_packet", "line": 1, "end_line": 1, "direction": "sent"}
    assert EVENTS.is_valid({**packet, "timestamp": stamp}) is valid


def test_events_of_several_files_validate(tmp_path: Path) -> None:
    logs = [log for log in fixture_logs() if log.parent.name in ("ikev1", "ikev2")][:2]
    copies = []
    for index, log in enumerate(logs):
        copy = tmp_path / f"{index}-{log.name}"
        copy.write_bytes(log.read_bytes())
        copies.append(str(copy))
    done = subprocess.run(
        [sys.executable, "-m", "ike_debuglog.cli", "events", *copies, "--year", "2026"],
        capture_output=True,
        text=True,
        check=True,
    )
    documents = [json.loads(line) for line in done.stdout.splitlines()]
    assert {document["file"] for document in documents} == set(copies)
    for document in documents:
        EVENTS.validate(document)


def test_the_command_prints_a_versioned_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["$id"] == SCHEMA_ID and "/v2/" in SCHEMA_ID
    assert {"Event", "Session", "Ikev2Packet", "Ikev1Packet"} <= set(printed["$defs"])


# One type per field name (issue 14): `protocol`, `id_type`, `spi`, `type` once held a
# number in one kind and a name in another; enumerations now carry the name in the field
# and the number in `<field>_code`.


def _json_types(node: dict[str, Any], definitions: dict[str, Any]) -> set[str]:
    """The JSON types a schema node allows, ``object`` for a model, ``array<...>`` with
    the types of its items."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        target = definitions[name]
        return _json_types(target, definitions) if "properties" not in target else {"object"}
    for key in ("anyOf", "oneOf"):
        if key in node:
            return set().union(*(_json_types(part, definitions) for part in node[key]))
    if "const" in node or "enum" in node:
        return {_type_of(value) for value in node.get("enum", [node.get("const")])}
    kind = node.get("type")
    if kind == "array":
        items = _json_types(node.get("items", {}), definitions) - {"null"}
        return {f"array<{'|'.join(sorted(items))}>"}
    if kind in {"integer", "number"}:
        return {"number"}
    assert isinstance(kind, str), f"no type in {node}"
    return {kind}


def _type_of(value: Any) -> str:
    """The JSON type of a value (integers and fractions are both JSON numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        items = {_type_of(item) for item in value} - {"null"}
        return f"array<{'|'.join(sorted(items))}>" if items else "array"
    return "object"


def test_one_json_type_per_field_name_in_the_models() -> None:
    """Every field name of every event kind and of the values inside them (endpoints,
    payloads, proxies, SAs) allows one JSON type besides null."""
    definitions = EVENT_ADAPTER.json_schema(mode="serialization")["$defs"]
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for model, definition in definitions.items():
        for name, node in definition.get("properties", {}).items():
            for kind in _json_types(node, definitions) - {"null"}:
                found[name][kind].add(model)
    mixed = {name: dict(kinds) for name, kinds in found.items() if len(kinds) > 1}
    assert not mixed, f"field names with more than one JSON type: {mixed}"
    assert found["protocol"].keys() == {"string"} and found["protocol_code"].keys() == {"number"}


def _fields(value: Any) -> Iterator[tuple[str, Any]]:
    """Every field name and value of a document, those of nested objects included."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield name, inner
            if name != "fields":  # syslog's key=value pairs: free keys, not field names
                yield from _fields(inner)
    elif isinstance(value, list):
        for item in value:
            yield from _fields(item)


def test_one_json_type_per_field_name_in_the_fixtures() -> None:
    """What the events of every fixture hold agrees: a field name has one JSON type."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for log in fixture_logs():
        text = log.with_suffix(".expected.jsonl").read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            for name, value in _fields(json.loads(line)):
                kind = _type_of(value)
                if kind not in ("null", "array"):
                    found[name].setdefault(kind, f"{log.name}:{number}")
    mixed = {name: kinds for name, kinds in found.items() if len(kinds) > 1}
    assert not mixed, f"field names with more than one JSON type: {mixed}"
