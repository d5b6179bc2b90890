"""ECS documents against the pinned ECS 8.11.0 field set (tests/vendor/ecs-8.11.0) and the
shipped Elasticsearch component template: every document of every fixture, events and
sessions; one JSON type per field across all of them; a time for every record."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import fixture_logs
from export_documents import NOW, all_documents, documents, json_type, leaves, type_clashes

from ike_debuglog import parse_text
from ike_debuglog.render import ecs

ECS_FLAT = Path(__file__).parent / "vendor" / "ecs-8.11.0" / "ecs_flat.yml"
CUSTOM = ("ike", "ipsec", "ike_debuglog")

#: ECS field types and the JSON values that fit them.
_FITS = {
    "keyword": str, "constant_keyword": str, "wildcard": str, "match_only_text": str,
    "ip": str, "date": str, "long": int, "float": (int, float), "scaled_float": (int, float),
    "boolean": bool,
}  # fmt: skip


@cache
def ecs_fields() -> dict[str, dict[str, Any]]:
    fields: dict[str, dict[str, Any]] = yaml.safe_load(ECS_FLAT.read_text(encoding="utf-8"))
    return fields


def _allowed(name: str) -> dict[str, list[str]]:
    """An ECS field's allowed values, with the event types each category expects."""
    return {
        value["name"]: value.get("expected_event_types", [])
        for value in ecs_fields()[name]["allowed_values"]
    }


def _fits(kind: str, value: Any) -> bool:
    if isinstance(value, bool) and kind != "boolean":
        return False
    if not isinstance(value, _FITS[kind]):
        return False
    if kind == "ip":
        ipaddress.ip_address(value)
    if kind == "date":
        datetime.fromisoformat(value)
    return True


def ecs_problems(document: dict[str, Any]) -> list[str]:
    """What makes a document break ECS: unknown names, wrong types, values not allowed,
    missing required fields."""
    fields = ecs_fields()
    problems = [f"{name} missing" for name, field in fields.items() if field.get("required")
                and name not in {path for path, _ in leaves(document)}]  # fmt: skip
    for path, value in leaves(document):
        if path.split(".")[0] in CUSTOM:
            continue  # the index template's business (test below)
        field = fields.get(path)
        if field is None:
            if not isinstance(value, dict):
                problems.append(f"{path} is no ECS field")
            continue
        if field["type"] != "object" and not _fits(field["type"], value):
            problems.append(f"{path}: {value!r} is no {field['type']}")
    event = document.get("event", {})
    for name in ("kind", "outcome"):
        if name in event and event[name] not in _allowed(f"event.{name}"):
            problems.append(f"event.{name}: {event[name]!r} not allowed")
    categories = _allowed("event.category")
    expected: set[str] = set()
    for category in event.get("category", []):
        if category not in categories:
            problems.append(f"event.category: {category!r} not allowed")
        expected.update(categories.get(category, []))
    for kind in event.get("type", []):
        if kind not in _allowed("event.type"):
            problems.append(f"event.type: {kind!r} not allowed")
        elif kind not in expected:
            problems.append(f"event.type: {kind!r} not expected for {event.get('category')}")
    return problems


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda path: path.stem)
def test_every_document_follows_ecs(log: Path) -> None:
    for document in documents(log, "ecs"):
        assert ecs_problems(document) == [], document


def test_one_type_per_field_across_all_documents() -> None:
    assert type_clashes("ecs") == {}


def test_no_endpoint_is_a_port_alone() -> None:
    for _, document in all_documents("ecs"):
        for side in ("source", "destination"):
            assert "address" in document.get(side, {"address": "-"}), document


# --- The component template -------------------------------------------------------------

_TEMPLATE_FITS = {
    "keyword": str, "match_only_text": str, "date": str, "long": int, "unsigned_long": int,
    "double": (int, float), "boolean": bool, "flattened": dict,
}  # fmt: skip


def template_problems(value: Any, mapping: dict[str, Any], path: str) -> list[str]:
    """Where a value does not fit its mapping: a leaf of another JSON type, or a field
    the mapping does not know while it is strict."""
    if isinstance(value, list):
        return [p for item in value for p in template_problems(item, mapping, path)]
    kind = mapping.get("type", "object")
    if kind != "object":
        fits = _TEMPLATE_FITS[kind]
        ok = isinstance(value, fits) and not (isinstance(value, bool) and kind != "boolean")
        if ok and kind == "date":
            datetime.fromisoformat(value)
        if ok and kind == "long":
            ok = -(2**63) <= value < 2**63
        if ok and kind == "unsigned_long":
            ok = 0 <= value < 2**64
        return [] if ok else [f"{path}: {json_type(value)} {value!r} is no {kind}"]
    if not isinstance(value, dict):
        return [f"{path}: {json_type(value)} where the mapping has an object"]
    problems = []
    properties = mapping.get("properties", {})
    for key, item in value.items():
        if key in properties:
            problems += template_problems(item, properties[key], f"{path}.{key}")
        elif mapping.get("dynamic") == "strict":
            problems.append(f"{path}.{key} is not mapped (dynamic: strict)")
    return problems


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda path: path.stem)
def test_every_document_fits_the_index_template(log: Path) -> None:
    mappings = ecs.index_template()["template"]["mappings"]["properties"]
    assert set(mappings) == set(CUSTOM)
    assert all(mappings[name]["dynamic"] == "strict" for name in CUSTOM)
    for document in documents(log, "ecs"):
        problems = [
            problem
            for name in CUSTOM
            if name in document
            for problem in template_problems(document[name], mappings[name], name)
        ]
        assert problems == [], document


# --- Time -------------------------------------------------------------------------------

STAMPED = (
    "ISAKMP: (0):Old State = IKE_READY  New State = IKE_I_MM1\n"
    "*Mar  1 00:01:02.003: ISAKMP: (0):Old State = IKE_I_MM1  New State = IKE_I_MM2\n"
    "ISAKMP: (0):Old State = IKE_I_MM2  New State = IKE_I_MM3\n"
    "*Mar  1 00:01:05.000: ISAKMP: (0):Old State = IKE_I_MM3  New State = IKE_I_MM4\n"
)


def test_every_document_has_a_timestamp() -> None:
    inferred = 0
    for _, document in all_documents("ecs"):
        assert "@timestamp" in document
        inferred += any(document[name].get("timestamp_inferred") for name in CUSTOM
                        if name in document)  # fmt: skip
    assert inferred  # the fixtures have records without a stamp


def test_a_record_without_a_stamp_takes_its_neighbours() -> None:
    events = list(parse_text(STAMPED, year=2024))
    assert [event.timestamp is not None for event in events] == [False, True, False, True]
    found = [(d["@timestamp"], d["ike"].get("timestamp_inferred", False))
             for d in ecs.event_documents(events, now=NOW)]  # fmt: skip
    assert found == [
        ("2024-03-01T00:01:02.003000Z", True),  # before the first stamp: the next one
        ("2024-03-01T00:01:02.003000Z", False),
        ("2024-03-01T00:01:02.003000Z", True),  # after: the last one before it
        ("2024-03-01T00:01:05Z", False),
    ]
    assert "@timestamp" not in ecs.event_document(events[0])  # alone, it has no time


def test_an_input_without_stamps_takes_the_export_time() -> None:
    events = list(parse_text(STAMPED.splitlines()[0] + "\n"))
    (document,) = ecs.event_documents(events, now=NOW)
    assert (document["@timestamp"], document["ike"]["timestamp_inferred"]) == (
        "2026-01-01T00:00:00Z", True
    )  # fmt: skip


def test_zones_come_out_as_the_same_instant_in_utc() -> None:
    (event, *_) = parse_text(STAMPED, year=2024)
    cet = timezone(timedelta(hours=1), "CET")
    pst = timezone(timedelta(hours=-8), "PST")
    stamps = {
        "naive": datetime(2024, 3, 1, 12, 0),  # taken as UTC
        "cet": datetime(2024, 3, 1, 12, 0, tzinfo=cet),
        "pst": datetime(2024, 3, 1, 12, 0, tzinfo=pst),
        "utc": datetime(2024, 3, 1, 12, 0, tzinfo=UTC),
    }
    written = {
        name: ecs.event_document(event.model_copy(update={"timestamp": stamp}))["@timestamp"]
        for name, stamp in stamps.items()
    }
    assert written == {
        "naive": "2024-03-01T12:00:00Z",
        "cet": "2024-03-01T11:00:00Z",
        "pst": "2024-03-01T20:00:00Z",
        "utc": "2024-03-01T12:00:00Z",
    }
