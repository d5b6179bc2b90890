"""Elastic Common Schema documents for events and sessions (``--format ecs``), ready for
Filebeat, Logstash or an Elasticsearch ingest pipeline.

The mapping is documented in docs/exports.md.  ECS fields where ECS has them; the rest
of an event under ``ike.*`` (IKEv1 and IKEv2 records), ``ipsec.*`` (IPsec records) or
``ike_debuglog.*`` (other records), with the names of docs/fields.md; a session under
``ike.session.*``.  ``index_template()`` is the component template that maps those
custom fields (``ike_debuglog/elasticsearch/component_template.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from importlib import resources
from typing import Any

from ..correlate import Session
from ..events import Event
from .shapes import (
    Ends,
    When,
    activity,
    error_notifies,
    event_ends,
    event_failed,
    event_fields,
    family,
    ip_address,
    iso,
    namespace,
    own_time,
    protocol,
    session_fields,
    session_stamp,
    timed,
)
from .shapes import session_ends as _session_ends

#: The ECS version the documents follow.
ECS_VERSION = "8.11.0"

#: ``event.type`` of an IKE or IPsec record, by what it does to a tunnel.
_EVENT_TYPES = {
    "open": ["connection", "start"],
    "close": ["connection", "end"],
    "renew": ["protocol"],
    "other": ["protocol"],
}


def _endpoint(end: tuple[str, int | None] | None) -> dict[str, Any] | None:
    """ECS ``source``/``destination``: ``address`` as printed (masked ones too), ``ip``
    only when it is an address, so that an index mapping ``ip`` never rejects the document."""
    if end is None or not end[0]:
        return None
    address, port = end
    value: dict[str, Any] = {"address": address}
    ip = ip_address(address)
    if ip is not None:
        value["ip"] = ip
    if port is not None:
        value["port"] = port
    return value


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


def _head(when: When) -> dict[str, Any]:
    document: dict[str, Any] = {}
    if when.time is not None:
        document["@timestamp"] = iso(when.time)
    document["ecs"] = {"version": ECS_VERSION}
    return document


def event_document(event: Event, when: When | None = None) -> dict[str, Any]:
    """One event as an ECS document.  ``when`` is the time :func:`event_documents` gives
    it; without it, ``@timestamp`` is the event's own stamp, absent when it has none."""
    when = when or own_time(event.timestamp)
    failed = event_failed(event)
    ecs_event: dict[str, Any] = {"kind": "event"}
    if family(event.kind) != "other":  # syslog noise and headers are no network activity
        ecs_event["category"] = ["network"]
        ecs_event["type"] = _EVENT_TYPES[activity(event)]
    ecs_event |= {"action": event.kind, "dataset": "ike_debuglog.events", "module": "ike_debuglog"}
    if failed:
        ecs_event["outcome"] = "failure"
        notifies = error_notifies(event)
        if notifies:
            ecs_event["reason"] = ", ".join(notifies)
    document = _head(when)
    document["event"] = ecs_event
    document |= _common(event_ends(event), event.host, protocol(event.kind))
    document[namespace(event.kind)] = event_fields(event, when)
    return document


def event_documents(
    events: Iterable[Event], *, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """The events of one input as ECS documents, each with an ``@timestamp``: a record
    without a stamp takes the last one before it (see :func:`shapes.timed`) and says so in
    ``<namespace>.timestamp_inferred``."""
    for event, when in timed(events, lambda event: event.timestamp, now=now):
        yield event_document(event, when)


_OUTCOMES = {"established": "success", "failed": "failure", "incomplete": "unknown"}


def session_document(session: Session, when: When | None = None) -> dict[str, Any]:
    """One session as an ECS document: an event of the ``session`` category, a
    connection started (``event.outcome`` says whether it was established)."""
    when = when or own_time(session_stamp(session))
    ecs_event: dict[str, Any] = {
        "kind": "event",
        "category": ["network", "session"],
        "type": ["connection", "start"],
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
    document = _head(when)
    document["event"] = ecs_event
    version = {1: "isakmp", 2: "ikev2"}.get(session.ike_version or 0)
    document |= _common(_session_ends(session), session.host, version)
    document["ike"] = session_fields(session, when)
    return document


def session_documents(
    sessions: Iterable[Session], *, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Sessions as ECS documents, each with an ``@timestamp`` (inferred as for events,
    from the sessions before it, when none of its messages had a stamp)."""
    for session, when in timed(sessions, session_stamp, now=now):
        yield session_document(session, when)


def index_template() -> dict[str, Any]:
    """The Elasticsearch component template for the custom fields (``ike``, ``ipsec``,
    ``ike_debuglog``), to compose with the ECS templates: ``PUT
    _component_template/ike-debuglog@mappings``."""
    text = (
        resources.files("ike_debuglog")
        .joinpath("elasticsearch/component_template.json")
        .read_text(encoding="utf-8")
    )
    template: dict[str, Any] = json.loads(text)
    return template


__all__ = [
    "ECS_VERSION",
    "event_document",
    "event_documents",
    "index_template",
    "session_document",
    "session_documents",
]
