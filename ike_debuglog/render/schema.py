"""JSON Schema of the output: every event kind and the session, from the pydantic models.

The JSON field names are a public contract that changes only with a major version, so
the schema carries that version in its ``$id``; a consumer (Elastic ingest pipeline,
Splunk, a script) can pin it.
"""

from __future__ import annotations

from typing import Any, Literal

from ..correlate import Session
from ..events import EVENT_ADAPTER
from ..pairing import Pair

#: Major version of the JSON contract (docs/fields.md): bumped only when a field changes
#: meaning or goes away.
SCHEMA_VERSION = 2
SCHEMA_ID = f"https://ike-debuglog.dev/schema/v{SCHEMA_VERSION}/output.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

Which = Literal["all", "event", "session", "pair"]

#: A time stamp as the models write it without a zone (RFC 3339's date-time less its
#: offset): ``2026-10-25T20:37:02.888000``, the device's local time.
LOCAL_DATE_TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$"
)
#: Every time stamp of the output: RFC 3339 where the log (or ``--timezone``) gave its
#: zone, the local time without an offset where nothing did.
TIMESTAMP: dict[str, Any] = {
    "description": (
        "An RFC 3339 date-time with its offset (`Z` for UTC) when the zone is known; "
        "otherwise the local date and time as printed, without an offset."
    ),
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "pattern": LOCAL_DATE_TIME},
    ],
}
#: ``ike-debuglog events a.log b.log`` leads each event with the file it was read from.
FILE: dict[str, Any] = {
    "type": "string",
    "description": "The input file the event was read from (only when several were given).",
}


def output_schema(which: Which = "all") -> dict[str, Any]:
    """The JSON Schema of what ``ike-debuglog events`` (``event``) and ``sessions --format
    jsonl`` (``session``; of several logs also ``pair``, docs/pairing.md) print, or of any
    (``all``): one document, shared definitions
    once, in the serialised form (time stamps as strings)."""
    template = "#/$defs/{model}"
    event = EVENT_ADAPTER.json_schema(mode="serialization", ref_template=template)
    session = Session.model_json_schema(mode="serialization", ref_template=template)
    pair = Pair.model_json_schema(mode="serialization", ref_template=template)
    definitions: dict[str, Any] = {
        **event.pop("$defs"),
        **session.pop("$defs", {}),
        **pair.pop("$defs", {}),
    }
    for name in _event_models(event):
        model = definitions[name]
        model["properties"] = {"file": FILE, **model["properties"]}
    definitions = {name: _timestamps(value) for name, value in definitions.items()}
    definitions["Timestamp"] = TIMESTAMP
    definitions["Event"] = _timestamps(event)
    definitions["Session"] = _timestamps(session)
    definitions["Pair"] = _timestamps(pair)  # sessions of several logs: docs/pairing.md
    roots = {
        "event": ["Event"],
        "session": ["Session"],
        "pair": ["Pair"],
        "all": ["Event", "Session", "Pair"],
    }[which]
    document: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "ike-debuglog output",
        "description": (
            f"Events and sessions of ike-debuglog, JSON contract version {SCHEMA_VERSION} "
            "(field glossary: docs/fields.md)."
        ),
    }
    if len(roots) == 1:
        document["$ref"] = f"#/$defs/{roots[0]}"
    else:
        document["anyOf"] = [{"$ref": f"#/$defs/{root}"} for root in roots]
    document["$defs"] = dict(sorted(definitions.items()))
    return document


def _event_models(event: dict[str, Any]) -> list[str]:
    """The definitions of the event kinds (the targets of the ``kind`` discriminator)."""
    return [ref.rsplit("/", 1)[-1] for ref in event["discriminator"]["mapping"].values()]


def _timestamps(node: Any) -> Any:
    """``node`` with every ``date-time`` string replaced by a reference to ``Timestamp``:
    RFC 3339 requires an offset, and stamps of logs that print no zone have none."""
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "date-time":
            rest = {k: v for k, v in node.items() if k not in ("type", "format")}
            return {"$ref": "#/$defs/Timestamp", **rest}
        return {key: _timestamps(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_timestamps(item) for item in node]
    return node


__all__ = ["LOCAL_DATE_TIME", "SCHEMA_ID", "SCHEMA_VERSION", "TIMESTAMP", "output_schema"]
