"""What the monitoring exports (ECS, OCSF) read off an event or a session: who sent it to
whom, which protocol, whether it reports a failure, and the fields left to carry as
they are.  One place, so that the two exports never disagree."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ..correlate import Session
from ..events import Endpoint, Event
from ..families import PROTOCOLS

Family = Literal["ike", "ipsec", "other"]

#: Fields every event has, mapped to the export's own fields rather than carried along.
SPAN_FIELDS = frozenset(
    {"kind", "line", "end_line", "timestamp", "timestamp_raw", "clock_authoritative", "host",
     "sequence"}
)  # fmt: skip

#: Event kinds that report a failure in themselves.
_FAILURE_KINDS = frozenset({"ikev2_error", "ipsec_proposal_rejected"})
#: IKEv2 notify types below this are errors (RFC 7296 section 3.10.1).
FIRST_STATUS_NOTIFY = 16384


@dataclass(frozen=True, slots=True)
class Ends:
    """Source and destination of what an event or session records, as (address, port)."""

    source: tuple[str, int | None] | None
    destination: tuple[str, int | None] | None


#: The export's family of each network protocol of the registry.
_FAMILY_OF: dict[str | None, Family] = {"ikev2": "ike", "isakmp": "ike", "ipsec": "ipsec"}


def family(kind: str) -> Family:
    return _FAMILY_OF.get(PROTOCOLS.get(kind), "other")


def protocol(kind: str) -> str | None:
    """``ikev2``, ``isakmp`` (IKEv1) or ``ipsec``: the network protocol of the record, as
    the family registry names it."""
    return PROTOCOLS.get(kind)


def _pair(endpoint: Endpoint | None) -> tuple[str, int | None] | None:
    return None if endpoint is None else (endpoint.address, endpoint.port)


def event_ends(event: Event) -> Ends:
    """Sent packets go from here to the peer, received ones the other way; an IPsec SA
    runs from its local address when outbound."""
    remote = _pair(getattr(event, "remote", None))
    local_value = getattr(event, "local", None)
    local = _pair(local_value) if isinstance(local_value, Endpoint) else None
    if local is None and getattr(event, "local_port", None) is not None:
        local = ("", event.local_port)  # type: ignore[union-attr]
    direction = getattr(event, "direction", None)
    if direction in ("received", "inbound"):
        return Ends(remote, local)
    if direction in ("sent", "outbound"):
        return Ends(local, remote)
    return Ends(None, remote) if remote else Ends(None, None)


def error_notifies(event: Event) -> list[str]:
    """The error notify payloads an IKEv2 packet carries (NO_PROPOSAL_CHOSEN, ...)."""
    payloads = getattr(event, "payloads", None) or []
    return [
        payload.notify or payload.raw
        for payload in payloads
        if payload.notify_code is not None and payload.notify_code < FIRST_STATUS_NOTIFY
    ]


def event_failed(event: Event) -> bool:
    return event.kind in _FAILURE_KINDS or bool(error_notifies(event))


def session_ends(session: Session) -> Ends:
    """The initiator is the source: this router when it initiated, else the peer."""
    here = (session.local, session.local_port) if session.local else None
    there = (session.peer, session.peer_port) if session.peer else None
    return Ends(there, here) if session.role == "responder" else Ends(here, there)


def rest(event: Event) -> dict[str, Any]:
    """The event's own fields, without the span fields and without empty values."""
    dumped = event.model_dump(mode="json", exclude=set(SPAN_FIELDS), exclude_none=True)
    return {key: value for key, value in dumped.items() if value not in ([], {})}


def epoch_milliseconds(value: datetime) -> int:
    """Milliseconds since the epoch; a stamp without a zone is taken as UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def ip_address(text: str) -> str | None:
    """``text`` as a canonical IP address, or None (a masked ``185.x.y.113``, a name):
    an index that maps the field as an address would reject the whole document."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def iso(value: datetime) -> str:
    """ISO 8601 with a zone; a stamp without one is taken as UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.isoformat().replace("+00:00", "Z")
