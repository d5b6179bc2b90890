"""OCSF documents for events and sessions (``--format ocsf``), OCSF 1.3.0.

The mapping is documented in docs/exports.md.  Sessions and tunnel-related records (IKE,
IPsec, crypto syslog) are Tunnel Activity (``class_uid`` 4014, category Network Activity,
in OCSF since 1.2.0): a session is a tunnel opened (or not), a delete closes one, a
CREATE_CHILD_SA renews one; every other such record is activity ``Other``.  The rest
(``show logging`` headers, other syslog messages, unrecognised lines) are Base Events
(``class_uid`` 0).  What OCSF has no attribute for goes under ``unmapped``, in the
namespace the ECS export uses (``unmapped.ike``, ``unmapped.ipsec``,
``unmapped.ike_debuglog``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from ..correlate import Session
from ..events import Event
from .shapes import (
    Ends,
    When,
    activity,
    direction,
    epoch_milliseconds,
    error_notifies,
    event_ends,
    event_failed,
    event_fields,
    ip_address,
    namespace,
    own_time,
    protocol,
    session_ends,
    session_fields,
    session_stamp,
    timed,
    tunnel_related,
)

OCSF_VERSION = "1.3.0"
CLASS_UID = 4014
CATEGORY_UID = 4
BASE_EVENT_UID = 0

_OPEN, _CLOSE, _RENEW, _OTHER = 1, 2, 3, 99
_ACTIVITIES = {"open": _OPEN, "close": _CLOSE, "renew": _RENEW, "other": _OTHER}
_ACTIVITY_NAMES = {_OPEN: "Open", _CLOSE: "Close", _RENEW: "Renew", _OTHER: "Other"}
_SUCCESS, _FAILURE, _UNKNOWN = 1, 2, 0
_STATUS_NAMES = {_SUCCESS: "Success", _FAILURE: "Failure", _UNKNOWN: "Unknown"}
_INFORMATIONAL, _MEDIUM = 1, 3
#: network_connection_info.direction_id
_DIRECTIONS = {None: (0, "Unknown"), "inbound": (1, "Inbound"), "outbound": (2, "Outbound")}
_ROUTER = 12  # device.type_id


def _endpoint(end: tuple[str, int | None] | None) -> dict[str, Any] | None:
    """A network endpoint needs one of ``ip``, ``name``, ...: a port alone is none."""
    if end is None or not end[0]:
        return None
    address, port = end
    ip = ip_address(address)
    # masked or a name: OCSF's ip would reject it
    value: dict[str, Any] = {"ip": ip} if ip is not None else {"name": address}
    if port is not None:
        value["port"] = port
    return value


def _metadata() -> dict[str, Any]:
    return {
        "version": OCSF_VERSION,
        "product": {"name": "ike-debuglog", "vendor_name": "Cisco IOS debug output"},
    }


def _time(document: dict[str, Any], when: When) -> None:
    if when.time is not None:
        document["time"] = epoch_milliseconds(when.time)


def _tunnel(
    activity_id: int, status: int, host: str | None, ends: Ends, inbound: str | None
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "category_uid": CATEGORY_UID,
        "class_uid": CLASS_UID,
        "activity_id": activity_id,
        "activity_name": _ACTIVITY_NAMES[activity_id],
        "type_uid": CLASS_UID * 100 + activity_id,
        "severity_id": _MEDIUM if status == _FAILURE else _INFORMATIONAL,
        "status_id": status,
        "status": _STATUS_NAMES[status],
        "metadata": _metadata(),
    }
    if host is not None:
        document["device"] = {"hostname": host, "type_id": _ROUTER, "type": "Router"}
    for side, end in (("src_endpoint", ends.source), ("dst_endpoint", ends.destination)):
        value = _endpoint(end)
        if value is not None:
            document[side] = value
    direction_id, direction_name = _DIRECTIONS[inbound]
    document["connection_info"] = {
        "protocol_name": "udp",
        "direction_id": direction_id,
        "direction": direction_name,
    }
    return document


def _base_event(event: Event, when: When) -> dict[str, Any]:
    """A record that is no tunnel activity: an OCSF Base Event of activity Other."""
    document: dict[str, Any] = {
        "category_uid": BASE_EVENT_UID,
        "class_uid": BASE_EVENT_UID,
        "activity_id": _OTHER,
        "activity_name": "Other",
        "type_uid": BASE_EVENT_UID * 100 + _OTHER,
        "severity_id": _INFORMATIONAL,
        "metadata": _metadata(),
    }
    _time(document, when)
    document["message"] = event.kind
    fields = event_fields(event, when)
    if event.host is not None:  # Base Event has no device (it is the host profile's)
        fields["host"] = event.host
    document["unmapped"] = {namespace(event.kind): fields}
    return document


def event_document(event: Event, when: When | None = None) -> dict[str, Any]:
    """One event as an OCSF record: Tunnel Activity when it is tunnel-related, else a
    Base Event.  ``when`` is the time :func:`event_documents` gives it; without it,
    ``time`` is the event's own stamp, absent when it has none."""
    when = when or own_time(event.timestamp)
    if not tunnel_related(event):
        return _base_event(event, when)
    failed = event_failed(event)
    status = _FAILURE if failed else (_SUCCESS if event.kind == "ikev2_session_up" else _UNKNOWN)
    document = _tunnel(
        _ACTIVITIES[activity(event)], status, event.host, event_ends(event), direction(event)
    )
    _time(document, when)
    notifies = error_notifies(event)
    if notifies:
        document["status_detail"] = ", ".join(notifies)
    document["message"] = event.kind
    name = protocol(event.kind)
    if name is not None:
        document["protocol_name"] = name
    document["unmapped"] = {namespace(event.kind): event_fields(event, when)}
    return document


def event_documents(
    events: Iterable[Event], *, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """The events of one input as OCSF records, each with a ``time``: a record without a
    stamp takes the last one before it (see :func:`shapes.timed`) and says so in
    ``unmapped.<namespace>.timestamp_inferred``."""
    for event, when in timed(events, lambda event: event.timestamp, now=now):
        yield event_document(event, when)


_SESSION_STATUS = {"established": _SUCCESS, "failed": _FAILURE, "incomplete": _UNKNOWN}
_SESSION_DIRECTION = {"responder": "inbound", "initiator": "outbound"}


def session_document(session: Session, when: When | None = None) -> dict[str, Any]:
    """One session as an OCSF Tunnel Activity record: a tunnel opened, or an attempt."""
    when = when or own_time(session_stamp(session))
    status = _SESSION_STATUS[session.outcome]
    inbound = _SESSION_DIRECTION.get(session.role or "")
    document = _tunnel(_OPEN, status, session.host, session_ends(session), inbound)
    _time(document, when)
    if session.started is not None:
        document["start_time"] = epoch_milliseconds(session.started)
    if session.ended is not None:
        document["end_time"] = epoch_milliseconds(session.ended)
    if session.duration_seconds is not None:
        document["duration"] = int(session.duration_seconds * 1000)
    if session.reason is not None:
        document["status_detail"] = session.reason
    document["message"] = f"IKEv{session.ike_version or '?'} session {session.outcome}"
    version = {1: "isakmp", 2: "ikev2"}.get(session.ike_version or 0)
    if version is not None:
        document["protocol_name"] = version
    document["session"] = {
        "uid": session.initiator_spi or str(session.id),
        "is_remote": session.role == "responder",
    }
    document["unmapped"] = {"ike": session_fields(session, when)}
    return document


def session_documents(
    sessions: Iterable[Session], *, now: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Sessions as OCSF records, each with a ``time`` (inferred as for events)."""
    for session, when in timed(sessions, session_stamp, now=now):
        yield session_document(session, when)


__all__ = [
    "CLASS_UID",
    "OCSF_VERSION",
    "event_document",
    "event_documents",
    "session_document",
    "session_documents",
]
