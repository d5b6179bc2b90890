"""An IKEv2 session's timeline: its messages, exchanges paired by message id (RFC 7296
section 2.2), SPIs, role, and whether the IKE SA came up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from .. import registry
from ..events import (
    Event,
    Ikev2Delete,
    Ikev2Packet,
    Ikev2Payloads,
    Ikev2Retransmit,
    Ikev2SessionUp,
    Ikev2State,
    SyslogMessage,
)
from .draft import ZERO_SPI, Draft, Exchanges, OpenExchange, message
from .models import Party


def error_notifies(packet: Ikev2Packet) -> list[str]:
    """The error notifies (below 16384) a packet carries."""
    return [
        payload.notify or f"Unknown - {payload.notify_code}"
        for payload in packet.payloads or []
        if payload.notify_code is not None and registry.is_error_notify(payload.notify_code)
    ]


#: Notifies in a response that ask the initiator for a new request under the same message
#: id: what follows them is a new attempt, not a retransmission (RFC 7296 sections 1.3, 2.6).
_RETRY_NOTIFIES: Final = frozenset({"INVALID_KE_PAYLOAD", "COOKIE"})

_Key = tuple[str | None, int | None, Party]
_Spis = tuple[str | None, str | None]


@dataclass
class _Seen:
    """What the pass remembers of each exchange key (exchange, message id, initiator): the
    SPIs of its last request and response, and whether that response asked for a retry."""

    requests: dict[_Key, _Spis] = field(default_factory=dict)
    responses: dict[_Key, _Spis] = field(default_factory=dict)
    retry: set[_Key] = field(default_factory=set)


def ikev2_draft(events: Sequence[Event]) -> Draft:
    """The timeline of an IKEv2 session (its findings come from ``rules.py``)."""
    draft = Draft()
    exchanges = Exchanges()
    retransmit_pending = False
    inner: list[str] | None = None
    seen = _Seen()
    for event in events:
        if isinstance(event, Ikev2Retransmit):
            retransmit_pending = True
        elif isinstance(event, Ikev2Payloads):
            inner = [payload.raw for payload in event.payloads]
        elif isinstance(event, Ikev2Packet):
            _packet(draft, exchanges, event, again=retransmit_pending, seen=seen, inner=inner)
            retransmit_pending = retransmit_pending and event.direction != "sent"
            inner = None
        elif isinstance(event, Ikev2State) and draft.initiator_spi is None:
            draft.initiator_spi = event.initiator_spi
        elif isinstance(event, Ikev2SessionUp) or (
            isinstance(event, SyslogMessage)
            and event.mnemonic == "IKEV2_SESSION_STATUS"
            and event.fields.get("state") == "UP"
        ):
            draft.established = True
            draft.phase1_done = True
        elif isinstance(event, Ikev2Delete) and event.sa_type == "ike":
            draft.closed_by = "local" if event.direction == "sent" else "peer"
            draft.initiator_spi = draft.initiator_spi or event.initiator_spi
            if draft.responder_spi in (None, ZERO_SPI):
                draft.responder_spi = event.responder_spi
    draft.exchanges = [exchange.freeze() for exchange in exchanges.opened]
    # A log that starts after IKE_AUTH shows the SA up by the exchanges it carries; one
    # that shows IKE_AUTH goes by its answer (a peer may delete the SA instead).
    auth_seen = any(exchange.name == "IKE_AUTH" for exchange in draft.exchanges)
    for exchange in draft.exchanges:
        if exchange.name == "IKE_SA_INIT" and exchange.complete and not exchange.notifies:
            draft.phase1_done = True
        if exchange.name == "IKE_AUTH" and exchange.complete and not exchange.notifies:
            draft.established = draft.phase1_done = True
        if exchange.name in ("INFORMATIONAL", "CREATE_CHILD_SA") and exchange.complete:
            draft.phase1_done = True  # only an established IKE SA carries these
            if not auth_seen:
                draft.established = draft.established or not exchange.notifies
    return draft


def _packet(
    draft: Draft,
    exchanges: Exchanges,
    packet: Ikev2Packet,
    *,
    again: bool,
    seen: _Seen,
    inner: list[str] | None,
) -> None:
    """One packet into the timeline and its exchange; ``again`` when IOS said it is
    retransmitting."""
    retransmit_pending = again
    sent = packet.direction == "sent"
    if packet.remote is not None:
        draft.peer_port = draft.peer_port or packet.remote.port
    if packet.local is not None:
        draft.local, draft.local_port = packet.local.address, packet.local.port
    if packet.initiator_spi and draft.initiator_spi is None:
        draft.initiator_spi = packet.initiator_spi
    if (
        packet.responder_spi
        and packet.responder_spi != ZERO_SPI
        and draft.responder_spi in (None, ZERO_SPI)
    ) or (packet.responder_spi and draft.responder_spi is None):
        draft.responder_spi = packet.responder_spi
    name = packet.exchange or "?"
    response = bool(packet.response)
    initiated_by: Party = "local" if sent != response else "peer"
    if name in ("IKE_SA_INIT", "IKE_AUTH") and not response and draft.role is None:
        draft.role = "initiator" if sent else "responder"
    key: _Key = (packet.exchange, packet.message_id, initiated_by)
    current = exchanges.latest(name, packet.message_id, initiated_by)
    again = _again(packet, current, key, seen, retransmit_pending=retransmit_pending)
    notifies = error_notifies(packet)
    label = name if packet.response is None else f"{name} {'response' if response else 'request'}"
    payloads = [payload.raw for payload in packet.payloads or []]
    if sent and inner and payloads in (["ENCR"], ["SK"]):
        # IOS lists what it encrypts just before sending ("Building packet for encryption").
        payloads = [f"{payloads[0]}[{' '.join(inner)}]"]
    draft.messages.append(
        message(
            packet,
            label,
            exchange=packet.exchange,
            response=packet.response,
            payloads=payloads,
            retransmission=again,
        )
    )
    if again and current is not None:
        if not response:
            current.request_lines.append(packet.line)
        current.retransmissions += 1
    elif not response:
        current = OpenExchange(name, packet.message_id, initiated_by, [packet.line])
        exchanges.append(current)
    elif current is not None and current.response_line is None:
        current.response_line = packet.line
    else:
        current = OpenExchange(name, packet.message_id, initiated_by, [], packet.line)
        exchanges.append(current)
    _remember(seen, key, packet)
    for notify in notifies:
        if notify not in current.notifies:
            current.notifies.append(notify)


def _again(
    packet: Ikev2Packet,
    current: OpenExchange | None,
    key: _Key,
    seen: _Seen,
    *,
    retransmit_pending: bool,
) -> bool:
    """Whether a packet repeats one of its exchange (``current``, the latest of its key)."""
    sent = packet.direction == "sent"
    spis = (packet.initiator_spi, packet.responder_spi)
    answered = current is not None and current.response_line is not None
    if packet.response:
        # A responder answers a retransmitted request by sending its response again (RFC
        # 7296 section 2.1; IOS prints "Retransmitting packet" first).
        return (
            sent and answered and packet.message_id is not None and seen.responses.get(key) == spis
        )
    if not answered:
        # A request sent again before any response is a retransmission.
        return (sent and retransmit_pending) or (
            key in seen.requests and packet.message_id is not None
        )
    # After a response, the peer's same request (same message id and SPIs) is a
    # retransmission: the response was lost on the way.  Ours is a new attempt (after
    # INVALID_KE_PAYLOAD, RFC 7296 section 1.2), and so is the peer's after a response
    # that asked for one.
    return (
        not sent
        and packet.message_id is not None
        and key not in seen.retry
        and seen.requests.get(key) == spis
    )


def _remember(seen: _Seen, key: _Key, packet: Ikev2Packet) -> None:
    """Note the packet's SPIs under its key, and whether a response asks for a retry."""
    spis = (packet.initiator_spi, packet.responder_spi)
    if not packet.response:
        seen.requests[key] = spis
        return
    seen.responses[key] = spis
    seen.retry.discard(key)
    if any(p.notify in _RETRY_NOTIFIES for p in packet.payloads or []):
        seen.retry.add(key)


__all__ = ["error_notifies", "ikev2_draft"]
