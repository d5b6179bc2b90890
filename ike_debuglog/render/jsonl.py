"""JSON Lines: one event per line, field names as documented in docs/fields.md."""

from __future__ import annotations

from ..events import EventBase


def to_json_line(event: EventBase) -> str:
    """One event as a compact JSON object, without a line ending."""
    return event.model_dump_json()
