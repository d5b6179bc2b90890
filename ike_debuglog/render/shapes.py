"""What the monitoring exports (ECS, OCSF) read off an event or a session: who sent it to
whom, which protocol, whether it reports a failure, when it happened, and the fields left
to carry as they are.  One place, so that the two exports never disagree."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypeVar

from ..correlate import Session
from ..events import Endpoint, Event
from ..families import PROTOCOLS

Family = Literal["ike", "ipsec", "other"]
Activity = Literal["open", "close", "renew", "other"]
T = TypeVar("T")

#: Fields every event has, mapped to the export's own fields rather than carried along.
SPAN_FIELDS = frozenset(
    {"kind", "line", "end_line", "timestamp", "timestamp_raw", "clock_authoritative", "host",
     "sequence"}
)  # fmt: skip

#: Event kinds that report a failure in themselves.
_FAILURE_KINDS = frozenset({"ikev2_error", "ipsec_proposal_rejected"})
_CLOSING_KINDS = frozenset({"ikev2_delete", "ipsec_delete_sa", "ikev1_delete"})
#: IKEv2 notify types below this are errors (RFC 7296 section 3.10.1).
FIRST_STATUS_NOTIFY = 16384
#: How many records without a stamp may wait for the first stamp of an input.
LOOKAHEAD = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Ends:
    """Source and destination of what an event or session records, as (address, port)."""

    source: tuple[str, int | None] | None
    destination: tuple[str, int | None] | None


@dataclass(frozen=True, slots=True)
class When:
    """The time an export gives a record (in UTC), and whether the record had no stamp of
    its own (then ``time`` is a neighbour's stamp, or the time of the export)."""

    time: datetime | None
    inferred: bool = False


#: The export's family of each network protocol of the registry.
_FAMILY_OF: dict[str | None, Family] = {"ikev2": "ike", "isakmp": "ike", "ipsec": "ipsec"}
#: The object a record's own fields go under, in ECS and in OCSF's ``unmapped``.
_NAMESPACE: dict[Family, str] = {"ike": "ike", "ipsec": "ipsec", "other": "ike_debuglog"}
#: ASA / FTD message ids of IPsec (602xxx), IKEv1 (713xxx, 715xxx) and IKEv2 (750-752xxx).
_VPN_MESSAGE_IDS = ("602", "713", "715", "750", "751", "752")


def family(kind: str) -> Family:
    return _FAMILY_OF.get(PROTOCOLS.get(kind), "other")


def namespace(kind: str) -> str:
    """``ike``, ``ipsec`` or ``ike_debuglog``: where a record's own fields go."""
    return _NAMESPACE[family(kind)]


def protocol(kind: str) -> str | None:
    """``ikev2``, ``isakmp`` (IKEv1) or ``ipsec``: the network protocol of the record, as
    the family registry names it."""
    return PROTOCOLS.get(kind)


def tunnel_related(event: Event) -> bool:
    """IKE and IPsec records, and the syslog messages of the crypto subsystem (IOS
    ``%CRYPTO-*``, the ASA / FTD VPN message ids); not headers, other syslog, or lines no
    grammar knew."""
    if family(event.kind) != "other":
        return True
    if event.kind != "syslog":
        return False
    facility, mnemonic = getattr(event, "facility", ""), getattr(event, "mnemonic", "")
    return facility == "CRYPTO" or (
        facility in ("ASA", "FTD") and mnemonic.isdigit() and mnemonic[:3] in _VPN_MESSAGE_IDS
    )


def activity(event: Event) -> Activity:
    """A delete closes a tunnel, a session up opens one, a CREATE_CHILD_SA renews one."""
    if event.kind in _CLOSING_KINDS:
        return "close"
    if event.kind == "ikev2_session_up":
        return "open"
    if getattr(event, "exchange", None) == "CREATE_CHILD_SA":
        return "renew"
    return "other"


def _pair(endpoint: Endpoint | None) -> tuple[str, int | None] | None:
    return None if endpoint is None else (endpoint.address, endpoint.port)


def event_ends(event: Event) -> Ends:
    """Sent packets go from here to the peer, received ones the other way; an IPsec SA
    runs from its local address when outbound.  An end is only given with its address:
    a port alone names no endpoint (it stays in the record's own fields)."""
    remote = _pair(getattr(event, "remote", None))
    local_value = getattr(event, "local", None)
    local = _pair(local_value) if isinstance(local_value, Endpoint) else None
    direction = getattr(event, "direction", None)
    if direction in ("received", "inbound"):
        return Ends(remote, local)
    if direction in ("sent", "outbound"):
        return Ends(local, remote)
    return Ends(None, remote)


def direction(event: Event) -> Literal["inbound", "outbound"] | None:
    """Whether the record is of something that came in from the peer or went out to it."""
    value = getattr(event, "direction", None)
    if value in ("received", "inbound"):
        return "inbound"
    if value in ("sent", "outbound"):
        return "outbound"
    return None


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


def event_fields(event: Event, when: When) -> dict[str, Any]:
    """What goes under the record's namespace: its own fields, where it was in the input,
    the stamp as printed, and ``timestamp_inferred`` when it had none."""
    fields = rest(event) | {"kind": event.kind, "line": event.line, "end_line": event.end_line}
    if event.timestamp_raw is not None:
        fields["timestamp_raw"] = event.timestamp_raw
    if event.sequence is not None:
        fields["sequence"] = event.sequence
    if when.inferred:
        fields["timestamp_inferred"] = True
    return fields


def session_fields(session: Session, when: When) -> dict[str, Any]:
    """What goes under ``ike``: the session without its message list, as ``session`` (so
    that no session field meets an event field of the same name and another type)."""
    fields: dict[str, Any] = {
        "session": session.model_dump(
            mode="json", exclude={"kind", "messages", "lines"}, exclude_none=True
        )
    }
    if when.inferred:
        fields["timestamp_inferred"] = True
    return fields


def utc(value: datetime) -> datetime:
    """The stamp in UTC; a stamp printed without a zone is taken as UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def own_time(value: datetime | None) -> When:
    return When(None if value is None else utc(value))


def timed(
    items: Iterable[T],
    stamp: Callable[[T], datetime | None],
    *,
    now: datetime | None = None,
    lookahead: int = LOOKAHEAD,
) -> Iterator[tuple[T, When]]:
    """Each item with its time: its own stamp; else the last stamp before it in the same
    input; else (before the first stamp) the first stamp after it within ``lookahead``
    items; else ``now`` (the time of the export when not given).  Lazy, in input order;
    only the items before the first stamp wait."""
    last: datetime | None = None
    waiting: list[T] = []
    for item in items:
        own = stamp(item)
        if own is not None:
            last = utc(own)
            yield from ((early, When(last, inferred=True)) for early in waiting)
            waiting.clear()
            yield item, When(last)
        elif last is not None:
            yield item, When(last, inferred=True)
        else:
            waiting.append(item)
            if len(waiting) >= lookahead:
                last = utc(now or datetime.now(UTC))
                yield from ((early, When(last, inferred=True)) for early in waiting)
                waiting.clear()
    if waiting:
        fallback = utc(now or datetime.now(UTC))
        yield from ((early, When(fallback, inferred=True)) for early in waiting)


def session_stamp(session: Session) -> datetime | None:
    """When a session happened: its start, else its end."""
    return session.started or session.ended


def epoch_milliseconds(value: datetime) -> int:
    """Milliseconds since the epoch; a stamp without a zone is taken as UTC."""
    return (utc(value) - _EPOCH) // timedelta(milliseconds=1)


def ip_address(text: str) -> str | None:
    """``text`` as a canonical IP address, or None (a masked ``185.x.y.113``, a name):
    an index that maps the field as an address would reject the whole document."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def iso(value: datetime) -> str:
    """ISO 8601 in UTC (``...Z``); a stamp without a zone is taken as UTC."""
    return utc(value).isoformat().replace("+00:00", "Z")
