"""OCSF documents against the pinned OCSF 1.3.0 definitions (tests/vendor/ocsf-1.3.0):
every document of every fixture, events and sessions, for its class's required
attributes, "at least one of" and "just one" constraints, enum values and types; one JSON
type per field across all documents; only tunnel-related records as Tunnel Activity."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import fixture_logs
from export_documents import NOW, all_documents, documents, type_clashes

from ike_debuglog import parse_text
from ike_debuglog.render import ocsf

SCHEMA = Path(__file__).parent / "vendor" / "ocsf-1.3.0"
CLASSES = {0: "events/base_event.json", 4014: "events/network/tunnel_activity.json"}
_PARENTS = {"base_event": "events/base_event.json", "network": "events/network/network.json"}
#: OCSF base types and the JSON values that fit them.
_FITS: dict[str, Any] = {
    "string_t": str, "integer_t": int, "long_t": int, "float_t": (int, float),
    "boolean_t": bool, "json_t": object,
}  # fmt: skip
#: Checked by their own rule (test below), not by the include's enum.
_DERIVED = {"class_uid", "category_uid", "type_uid"}


def _load(path: str) -> dict[str, Any]:
    found = SCHEMA / path
    assert found.is_file(), f"{path} is not vendored: copy it from the OCSF 1.3.0 tag"
    loaded: dict[str, Any] = json.loads(found.read_text(encoding="utf-8"))
    return loaded


def _merge(into: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> None:
    """A child's attribute refines its parent's; enums add up (as the OCSF compiler does)."""
    for name, attribute in new.items():
        merged = {**into.get(name, {}), **attribute}
        if "enum" in into.get(name, {}) or "enum" in attribute:
            merged["enum"] = {**into.get(name, {}).get("enum", {}), **attribute.get("enum", {})}
        into[name] = merged


def _own_attributes(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    attributes: dict[str, dict[str, Any]] = {}
    for include in definition["attributes"].get("$include", []):
        included = _load(include)
        profile = included["name"] if included.get("meta") == "profile" else None
        _merge(attributes, {name: {"profile": profile, **value} if profile else value
                            for name, value in included["attributes"].items()})  # fmt: skip
    _merge(attributes, {k: v for k, v in definition["attributes"].items() if k != "$include"})
    return attributes


@cache
def resolved(path: str) -> dict[str, Any]:
    """A class or object with its parents' attributes and its nearest constraints."""
    definition = _load(path)
    parent = definition.get("extends")
    if parent is None:
        attributes: dict[str, dict[str, Any]] = {}
        constraints: dict[str, list[str]] = {}
    else:
        above = resolved(_PARENTS.get(parent, f"objects/{parent}.json"))
        attributes = {name: dict(value) for name, value in above["attributes"].items()}
        constraints = above["constraints"]
    _merge(attributes, _own_attributes(definition))
    return {
        "name": definition["name"],
        "attributes": attributes,
        "constraints": definition.get("constraints", constraints),
    }


@cache
def dictionary() -> dict[str, Any]:
    return _load("dictionary.json")


def _base_type(name: str) -> str:
    types = dictionary()["types"]["attributes"]
    while name in types and "type" in types[name]:
        name = types[name]["type"]
    return name


def problems(value: dict[str, Any], definition: dict[str, Any], path: str) -> list[str]:
    """What breaks the class or object ``definition`` in ``value``."""
    found: list[str] = []
    attributes = definition["attributes"]
    for name, attribute in attributes.items():
        required = attribute.get("requirement") == "required" and not attribute.get("profile")
        if required and name not in value:
            found.append(f"{path}{name} is required")
    for rule, names in definition["constraints"].items():
        present = sum(name in value for name in names)
        if (rule == "at_least_one" and present < 1) or (rule == "just_one" and present != 1):
            found.append(f"{path}: {rule} of {names}")
    for name, item in value.items():
        attribute = attributes.get(name)
        if attribute is None or attribute.get("profile"):
            found.append(f"{path}{name} is no attribute of {definition['name']}")
            continue
        entry = dictionary()["attributes"][name]
        items = item if entry.get("is_array") else [item]
        if entry.get("is_array") and not isinstance(item, list):
            found.append(f"{path}{name} is an array")
        for one in items:
            found += _value_problems(one, name, attribute.get("type", entry["type"]), path)
        enum = attribute.get("enum") or entry.get("enum")
        if enum and name not in _DERIVED and str(item) not in enum:
            found.append(f"{path}{name}: {item!r} is not in {sorted(enum)}")
    return found


def _value_problems(value: Any, name: str, kind: str, path: str) -> list[str]:
    if kind == "object":  # unmapped and the like: any object
        return [] if isinstance(value, dict) else [f"{path}{name} is an object"]
    if (SCHEMA / "objects" / f"{kind}.json").is_file() or not kind.endswith("_t"):
        if not isinstance(value, dict):
            return [f"{path}{name} is a {kind} object"]
        return problems(value, resolved(f"objects/{kind}.json"), f"{path}{name}.")
    base = _base_type(kind)
    fits = _FITS[base]
    if (isinstance(value, bool) and base != "boolean_t") or not isinstance(value, fits):
        return [f"{path}{name}: {value!r} is no {kind}"]
    return []


def record_problems(document: dict[str, Any]) -> list[str]:
    class_uid = document.get("class_uid")
    if class_uid not in CLASSES:
        return [f"class_uid {class_uid} is not one this export writes"]
    definition = resolved(CLASSES[class_uid])
    found = problems(document, definition, "")
    category = _load("categories.json")["attributes"].get(_load(CLASSES[class_uid])["category"])
    if document["category_uid"] != (category["uid"] if category else 0):
        found.append(f"category_uid {document['category_uid']}")
    if document["type_uid"] != class_uid * 100 + document["activity_id"]:
        found.append(f"type_uid {document['type_uid']}")
    if document["metadata"]["version"] != _load("version.json")["version"]:
        found.append(f"metadata.version {document['metadata']['version']}")
    return found


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda path: path.stem)
def test_every_document_follows_ocsf(log: Path) -> None:
    for document in documents(log, "ocsf"):
        assert record_problems(document) == [], document


def test_one_type_per_field_across_all_documents() -> None:
    assert type_clashes("ocsf") == {}


def test_the_version_is_the_vendored_one_and_has_tunnel_activity() -> None:
    assert _load("version.json")["version"] == ocsf.OCSF_VERSION
    assert resolved(CLASSES[4014])["name"] == "tunnel_activity"


def test_every_document_has_a_time() -> None:
    for _, document in all_documents("ocsf"):
        assert "time" in document


def test_only_tunnel_records_are_tunnel_activity() -> None:
    classes: dict[str, set[int]] = {}
    for _, document in all_documents("ocsf"):
        for space in document["unmapped"].values():
            kind = "session" if "session" in space else space["kind"]
            classes.setdefault(kind, set()).add(document["class_uid"])
    assert classes["logging_header"] == {0}
    assert classes["session"] == {4014}
    assert classes["ikev2_packet"] == {4014}
    assert classes["syslog"] == {0, 4014}  # %CRYPTO-* and ASA / FTD VPN ids, or other


def test_a_record_without_a_stamp_says_its_time_was_inferred() -> None:
    text = (
        "ISAKMP: (0):Old State = IKE_READY  New State = IKE_I_MM1\n"
        "*Mar  1 00:01:02.003: ISAKMP: (0):Old State = IKE_I_MM1  New State = IKE_I_MM2\n"
    )
    first, second = ocsf.event_documents(parse_text(text, year=2024), now=NOW)
    assert first["time"] == second["time"] == 1709251262003
    assert first["unmapped"]["ike"]["timestamp_inferred"] is True
    assert "timestamp_inferred" not in second["unmapped"]["ike"]
