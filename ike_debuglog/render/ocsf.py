"""OCSF documents for events and sessions (``--format ocsf``): class Tunnel Activity
(``class_uid`` 4014, category Network Activity), OCSF 1.1.0.

The mapping is documented in docs/exports.md: a session is a tunnel opened (or not), a
delete closes one, a CREATE_CHILD_SA renews one; every other record is activity ``Other``.
What OCSF has no attribute for goes under ``unmapped``.
"""

from __future__ import annotations

from typing import Any

from ..correlate import Session
from ..events import Event
from .shapes import (
    Ends,
    epoch_milliseconds,
    error_notifies,
    event_ends,
    event_failed,
    ip_address,
    protocol,
    rest,
    session_ends,
)

OCSF_VERSION = "1.1.0"
CLASS_UID = 4014
CATEGORY_UID = 4

_OPEN, _CLOSE, _RENEW, _OTHER = 1, 2, 3, 99
_ACTIVITY_NAMES = {_OPEN: "Open", _CLOSE: "Close", _RENEW: "Renew", _OTHER: "Other"}
_SUCCESS, _FAILURE, _UNKNOWN = 1, 2, 0
_STATUS_NAMES = {_SUCCESS: "Success", _FAILURE: "Failure", _UNKNOWN: "Unknown"}
_INFORMATIONAL, _MEDIUM = 1, 3
_CLOSING_KINDS = frozenset({"ikev2_delete", "ipsec_delete_sa", "ikev1_delete"})


def _endpoint(end: tuple[str, int | None] | None) -> dict[str, Any] | None:
    if end is None:
        return None
    address, port = end
    value: dict[str, Any] = {}
    ip = ip_address(address) if address else None
    if ip is not None:
        value["ip"] = ip
    elif address:
        value["name"] = address  # masked or a name: OCSF's ip would reject it
    if port is not None:
        value["port"] = port
    return value or None


def _base(activity: int, status: int, host: str | None, ends: Ends) -> dict[str, Any]:
    document: dict[str, Any] = {
        "category_uid": CATEGORY_UID,
        "class_uid": CLASS_UID,
        "activity_id": activity,
        "activity_name": _ACTIVITY_NAMES[activity],
        "type_uid": CLASS_UID * 100 + activity,
        "severity_id": _MEDIUM if status == _FAILURE else _INFORMATIONAL,
        "status_id": status,
        "status": _STATUS_NAMES[status],
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "ike-debuglog", "vendor_name": "Cisco IOS debug output"},
        },
    }
    if host is not None:
        document["device"] = {"hostname": host}
    for side, end in (("src_endpoint", ends.source), ("dst_endpoint", ends.destination)):
        value = _endpoint(end)
        if value is not None:
            document[side] = value
    document["connection_info"] = {"protocol_name": "udp"}
    return document


def _activity(event: Event) -> int:
    if event.kind in _CLOSING_KINDS:
        return _CLOSE
    if event.kind == "ikev2_session_up":
        return _OPEN
    if getattr(event, "exchange", None) == "CREATE_CHILD_SA":
        return _RENEW
    return _OTHER


def event_document(event: Event) -> dict[str, Any]:
    """One event as an OCSF Tunnel Activity record."""
    failed = event_failed(event)
    status = _FAILURE if failed else (_SUCCESS if event.kind == "ikev2_session_up" else _UNKNOWN)
    document = _base(_activity(event), status, event.host, event_ends(event))
    if event.timestamp is not None:
        document["time"] = epoch_milliseconds(event.timestamp)
    notifies = error_notifies(event)
    if notifies:
        document["status_detail"] = ", ".join(notifies)
    document["message"] = event.kind
    document["unmapped"] = rest(event) | {
        "kind": event.kind,
        "protocol": protocol(event.kind),
        "line": event.line,
        "end_line": event.end_line,
        **({"timestamp_raw": event.timestamp_raw} if event.timestamp_raw else {}),
    }
    return document


_SESSION_STATUS = {"established": _SUCCESS, "failed": _FAILURE, "incomplete": _UNKNOWN}


def session_document(session: Session) -> dict[str, Any]:
    """One session as an OCSF Tunnel Activity record: a tunnel opened, or an attempt."""
    status = _SESSION_STATUS[session.outcome]
    document = _base(_OPEN, status, session.host, session_ends(session))
    if session.started is not None:
        document["time"] = document["start_time"] = epoch_milliseconds(session.started)
    if session.ended is not None:
        document["end_time"] = epoch_milliseconds(session.ended)
        document.setdefault("time", document["end_time"])
    if session.duration_seconds is not None:
        document["duration"] = int(session.duration_seconds * 1000)
    if session.reason is not None:
        document["status_detail"] = session.reason
    document["message"] = f"IKEv{session.ike_version or '?'} session {session.outcome}"
    document["session"] = {
        "uid": session.initiator_spi or str(session.id),
        "is_remote": session.role == "responder",
    }
    document["unmapped"] = session.model_dump(
        mode="json", exclude={"kind", "messages", "lines"}, exclude_none=True
    )
    return document


__all__ = ["CLASS_UID", "OCSF_VERSION", "event_document", "session_document"]
