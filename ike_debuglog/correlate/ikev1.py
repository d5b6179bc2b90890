"""An IKEv1 session's timeline: Main, Aggressive and Quick Mode exchanges from the packets'
steps (RFC 2409 section 5), and whether phase 1 and phase 2 completed."""

from __future__ import annotations

from collections.abc import Sequence

from .. import registry
from ..events import Event, Ikev1IpsecSas, Ikev1Notify, Ikev1Packet, Ikev1State, Ikev1Status
from .draft import MODES, Draft, Exchanges, OpenExchange, message


def ikev1_draft(events: Sequence[Event]) -> Draft:
    """The timeline of an IKEv1 session (its findings come from ``rules.py``)."""
    draft = Draft()
    exchanges = Exchanges()
    seen: set[tuple[str, str, int | None]] = set()
    outgoing: list[Ikev1Notify] = []
    for event in events:
        if isinstance(event, Ikev1Packet):
            _packet(draft, exchanges, event, _again(seen, event))
            if event.step == "INFO" and event.direction == "sent":
                outgoing = _notified(exchanges, outgoing)
        elif isinstance(event, Ikev1Notify) and registry.is_ikev1_error_notify(event.notify):
            if event.direction == "sent":
                outgoing.append(event)
            else:
                _notified(exchanges, [event])
        elif (isinstance(event, Ikev1State) and event.new_state == "IKE_P1_COMPLETE") or (
            isinstance(event, Ikev1Status) and event.status == "sa_authenticated"
        ):
            draft.phase1_done = True
    draft.exchanges = [exchange.freeze() for exchange in exchanges.opened]
    steps = {step for exchange in exchanges.opened for step in exchange.steps}
    # Quick mode, and informational messages in QM_IDLE, travel under an established ISAKMP
    # SA (an informational in MM_NO_STATE is the refusal of phase 1).
    protected = any(
        isinstance(e, Ikev1Packet) and e.step == "INFO" and (e.state or "").startswith("QM")
        for e in events
    )
    draft.phase1_done = (
        draft.phase1_done or protected or bool(steps & {"MM6", "AM3", "QM1", "QM2", "QM3"})
    )
    phase2 = bool(steps & {"QM1", "QM2", "QM3"})
    phase2_done = "QM3" in steps or any(
        (isinstance(e, Ikev1State) and e.new_state == "IKE_QM_PHASE2_COMPLETE")
        or (isinstance(e, Ikev1Status) and e.status == "ipsec_sa_installed")
        or isinstance(e, Ikev1IpsecSas)
        for e in events
    )
    draft.established = draft.phase1_done and (phase2_done or not phase2)
    return draft


def _notified(exchanges: Exchanges, notifies: list[Ikev1Notify]) -> list[Ikev1Notify]:
    """Put error notifies into the informational exchange that carried them (by message
    id, else the latest); the notifies it did not place.  IOS prints a notify it sends
    before the packet (``Sending NOTIFY``) and one it receives after (``processing
    NOTIFY``), so both are placed once their packet is in an exchange."""
    left = []
    for notify in notifies:
        latest = exchanges.last()
        if notify.message_id is not None:
            latest = exchanges.latest("informational", notify.message_id)
        if latest is None or latest.name != "informational":
            left.append(notify)
        elif notify.notify not in latest.notifies:
            latest.notifies.append(notify.notify)
    return left


def _again(seen: set[tuple[str, str, int | None]], packet: Ikev1Packet) -> bool:
    """Whether a packet repeats one seen before: our own resend (the step pass says so), or
    the same Main, Aggressive or Quick Mode message received twice (the peer's resend; a
    quick mode message is the same by its message id)."""
    step = packet.step
    if packet.retransmission or step is None or step[0] not in "MAQ":
        return packet.retransmission
    key = (packet.direction, step, packet.message_id if step[0] == "Q" else None)
    if key in seen:
        return packet.direction == "received"
    seen.add(key)
    return False


def _packet(draft: Draft, exchanges: Exchanges, packet: Ikev1Packet, again: bool) -> None:
    draft.role = draft.role or packet.role
    draft.peer_port = draft.peer_port or packet.remote.port
    draft.local_port = draft.local_port or packet.local_port
    step = packet.step
    draft.messages.append(
        message(
            packet,
            step or packet.state or f"message id {packet.message_id}",
            exchange=MODES.get(step[0]) if step else None,
            payloads=packet.payload_names or [],
            retransmission=again,
        )
    )
    if step is None:
        return
    name = MODES[step[0]]
    sent = packet.direction == "sent"
    mid = packet.message_id
    if mid is not None and step[0] in "QI":
        # Phase 2: the message id (node) pairs the messages of one exchange.
        current = exchanges.latest(name, mid)
        starts = current is None
    else:
        last = exchanges.last()
        current = last if last is not None and last.name == name else None
        starts = step in ("MM1", "AM1", "QM1", "INFO") and not again
        starts = starts and (current is None or step in current.steps or name == "informational")
    if current is None or starts:
        current = OpenExchange(name, mid, "local" if sent else "peer")
        exchanges.append(current)
    if again:
        current.retransmissions += 1
    if sent == (current.initiated_by == "local"):
        current.request_lines.append(packet.line)
    else:
        current.response_line = packet.line
    if step not in current.steps:
        current.steps.append(step)


__all__ = ["ikev1_draft"]
