"""Elastic Common Schema documents for events and sessions (``--format ecs``), ready for
Filebeat, Logstash or an Elasticsearch ingest pipeline.

The mapping is documented in docs/exports.md.  ECS fields where ECS has them; the rest
of an event under ``ike.*`` (IKEv1 and IKEv2 records), ``ipsec.*`` (IPsec records) or
``ike_debuglog.*`` (other records), with the names of docs/fields.md.
"""

from __future__ import annotations

from typing import Any

from ..correlate import Session
from ..events import Event
from .shapes import (
    Ends,
    error_notifies,
    event_ends,
    event_failed,
    family,
    ip_address,
    iso,
    protocol,
    rest,
)
from .shapes import session_ends as _session_ends

#: The ECS version the documents follow.
ECS_VERSION = "8.11.0"

_NAMESPACE = {"ike": "ike", "ipsec": "ipsec", "other": "ike_debuglog"}


def _endpoint(end: tuple[str, int | None] | None) -> dict[str, Any] | None:
    """ECS ``source``/``destination``: ``address`` as printed (masked ones too), ``ip``
    only when it is an address, so that an index mapping ``ip`` never rejects the document."""
    if end is None:
        return None
    address, port = end
    value: dict[str, Any] = {}
    if address:
        value["address"] = address
        ip = ip_address(address)
        if ip is not None:
            value["ip"] = ip
    if port is not None:
        value["port"] = port
    return value or None


def _common(ends: Ends, host: str | None, network_protocol: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for side, end in (("source", ends.source), ("destination", ends.destination)):
        value = _endpoint(end)
        if value is not None:
            document[side] = value
    if network_protocol is not None:
        document["network"] = {"transport": "udp", "protocol": network_protocol}
    observer: dict[str, Any] = {"vendor": "Cisco", "product": "IOS", "type": "router"}
    if host is not None:
        observer["hostname"] = host
    document["observer"] = observer
    return document


def event_document(event: Event) -> dict[str, Any]:
    """One event as an ECS document."""
    failed = event_failed(event)
    ecs_event: dict[str, Any] = {"kind": "event"}
    if family(event.kind) != "other":  # syslog noise and headers are no network activity
        ecs_event["category"] = ["network"]
        ecs_event["type"] = ["error"] if failed else ["protocol"]
    ecs_event |= {"action": event.kind, "dataset": "ike_debuglog.events", "module": "ike_debuglog"}
    if failed:
        ecs_event["outcome"] = "failure"
        notifies = error_notifies(event)
        if notifies:
            ecs_event["reason"] = ", ".join(notifies)
    document: dict[str, Any] = {"ecs": {"version": ECS_VERSION}}
    if event.timestamp is not None:
        document["@timestamp"] = iso(event.timestamp)
    document["event"] = ecs_event
    document |= _common(event_ends(event), event.host, protocol(event.kind))
    fields = rest(event) | {"kind": event.kind, "line": event.line, "end_line": event.end_line}
    if event.timestamp_raw is not None:
        fields["timestamp_raw"] = event.timestamp_raw
    if event.sequence is not None:
        fields["sequence"] = event.sequence
    document[_NAMESPACE[family(event.kind)]] = fields
    return document


_OUTCOMES = {"established": "success", "failed": "failure", "incomplete": "unknown"}


def session_document(session: Session) -> dict[str, Any]:
    """One session as an ECS document: an event of the ``session`` category."""
    ecs_event: dict[str, Any] = {
        "kind": "event",
        "category": ["network", "session"],
        "type": ["connection", "start" if session.outcome == "established" else "error"],
        "action": f"ike_session_{session.outcome}",
        "outcome": _OUTCOMES[session.outcome],
        "dataset": "ike_debuglog.sessions",
        "module": "ike_debuglog",
    }
    if session.reason is not None:
        ecs_event["reason"] = session.reason
    if session.duration_seconds is not None:
        ecs_event["duration"] = int(session.duration_seconds * 1e9)  # ECS: nanoseconds
    if session.started is not None:
        ecs_event["start"] = iso(session.started)
    if session.ended is not None:
        ecs_event["end"] = iso(session.ended)
    document: dict[str, Any] = {"ecs": {"version": ECS_VERSION}}
    when = session.started or session.ended
    if when is not None:
        document["@timestamp"] = iso(when)
    document["event"] = ecs_event
    version = {1: "isakmp", 2: "ikev2"}.get(session.ike_version or 0)
    document |= _common(_session_ends(session), session.host, version)
    document["ike"] = session.model_dump(
        mode="json", exclude={"kind", "messages", "lines"}, exclude_none=True
    )
    return document


__all__ = ["ECS_VERSION", "event_document", "session_document"]
