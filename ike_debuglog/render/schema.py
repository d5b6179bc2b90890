"""JSON Schema of the output: every event kind and the session, from the pydantic models.

The JSON field names are a public contract that changes only with a major version, so
the schema carries that version in its ``$id``; a consumer (Elastic ingest pipeline,
Splunk, a script) can pin it.
"""

from __future__ import annotations

from typing import Any, Literal

from ..correlate import Session
from ..events import EVENT_ADAPTER

#: Major version of the JSON contract (docs/fields.md): bumped only when a field changes
#: meaning or goes away.
SCHEMA_VERSION = 1
SCHEMA_ID = f"https://ike-debuglog.dev/schema/v{SCHEMA_VERSION}/output.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

Which = Literal["all", "event", "session"]


def output_schema(which: Which = "all") -> dict[str, Any]:
    """The JSON Schema of what ``ike-debuglog events`` (``event``) and ``sessions --format
    jsonl`` (``session``) print, or of either (``all``): one document, shared definitions
    once, in the serialised form (time stamps as strings)."""
    template = "#/$defs/{model}"
    event = EVENT_ADAPTER.json_schema(mode="serialization", ref_template=template)
    session = Session.model_json_schema(mode="serialization", ref_template=template)
    definitions: dict[str, Any] = {**event.pop("$defs"), **session.pop("$defs", {})}
    definitions["Event"] = event
    definitions["Session"] = session
    roots = {"event": ["Event"], "session": ["Session"], "all": ["Event", "Session"]}[which]
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


__all__ = ["SCHEMA_ID", "SCHEMA_VERSION", "output_schema"]
