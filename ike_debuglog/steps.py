"""IKEv1 packet steps: the place of each packet in Main, Aggressive or Quick Mode.

Main Mode is six messages and Aggressive Mode three (RFC 2409 section 5), Quick Mode three
(section 5.5); informational exchanges (DPD, deletes, notifies) carry their own message id
(section 5.7, RFC 3706).  A packet line prints only the coarse state (``MM_KEY_EXCH``,
``QM_IDLE``), and the same state covers several messages: a responder sends both MM4 and
MM6 in ``MM_KEY_EXCH``, and every quick mode and informational packet says ``QM_IDLE``.
The records around a packet settle it: the phase 2 message id that the following
``processing ... payload`` or ``Node N, Input = ...`` records name (0 in phase 1), whether
that node carries an SA (quick mode) or a DELETE/NOTIFY (informational), and how far the
exchange has gone.

Sent packets are settled by what came before them.  A received packet is held back until
the records after it settle it (at most ``horizon`` events later, or when the next packet
of its session arrives), so events still come out in input order.  Sessions are told
apart by host and peer address; records without an address join the session their ISAKMP
connection id was last seen with on that host (the keys of :mod:`ike_debuglog.keys`, the
index the correlator keeps its sessions in too).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NamedTuple

from .events import Event
from .events.ikev1 import Step
from .keys import SessionKeys

#: (role, direction, state) to step, for the states that name one message.
_TABLE: Final[dict[tuple[str | None, str | None, str | None], Step]] = {
    ("initiator", "sent", "MM_NO_STATE"): "MM1",
    ("initiator", "received", "MM_NO_STATE"): "MM2",
    ("initiator", "sent", "MM_SA_SETUP"): "MM3",
    ("initiator", "received", "MM_SA_SETUP"): "MM4",
    ("initiator", "sent", "MM_KEY_EXCH"): "MM5",
    ("initiator", "received", "MM_KEY_EXCH"): "MM6",
    ("initiator", "sent", "AG_NO_STATE"): "AM1",
    ("initiator", "sent", "AG_INIT_EXCH"): "AM1",
    ("initiator", "received", "AG_NO_STATE"): "AM2",
    ("initiator", "received", "AG_INIT_EXCH"): "AM2",
    ("responder", "received", "NEW SA"): "MM1",
    ("responder", "received", "MM_NO_STATE"): "MM1",
    ("responder", "sent", "MM_NO_STATE"): "MM2",
    ("responder", "sent", "MM_SA_SETUP"): "MM2",
    ("responder", "received", "MM_SA_SETUP"): "MM3",
    ("responder", "sent", "MM_KEY_EXCH"): "MM4",
    ("responder", "received", "MM_KEY_EXCH"): "MM5",
    ("responder", "received", "AG_NO_STATE"): "AM1",
    ("responder", "sent", "AG_NO_STATE"): "AM2",
    ("responder", "sent", "AG_INIT_EXCH"): "AM2",
    ("responder", "received", "AG_INIT_EXCH"): "AM3",
}

#: The phase 1 message that follows each one.
_NEXT: Final[dict[str, Step]] = {
    "MM1": "MM2", "MM2": "MM3", "MM3": "MM4", "MM4": "MM5", "MM5": "MM6",
    "AM1": "AM2", "AM2": "AM3",
}  # fmt: skip

_QUICK_MODE_STEPS: Final[tuple[Step, Step, Step]] = ("QM1", "QM2", "QM3")

#: States in which a responder sees the first message of a new SA: MM1, or AM1 when the
#: message carries a key exchange, nonce or identity.
_FIRST_STATES: Final = frozenset({"NEW SA", "MM_NO_STATE", "AG_NO_STATE"})
_AGGRESSIVE_PAYLOADS: Final = frozenset({"KE", "NONCE", "ID"})
#: Quick mode carries these notifies; any other makes its message informational.
_QUICK_MODE_NOTIFIES: Final = frozenset({"RESPONDER_LIFETIME", "REPLAY_STATUS"})
#: A proposal was refused: the next message sent is the informational that says so.
_REJECTIONS: Final = frozenset({"no_offers_accepted", "policy_not_acceptable"})
_QUICK_MODE_INPUTS: Final = frozenset(
    {"IKE_QM_EXCH", "IKE_INIT_QM", "IKE_GOT_SPI", "IPSEC_INSTALL_DONE"}
)

NodeKind = Literal["qm", "info"]

#: How many sessions (peers) and phase 2 nodes per session the step pass remembers.
_SESSIONS_KEPT: Final = 10_000
_NODES_KEPT: Final = 64


@dataclass(slots=True)
class _Node:
    """A phase 2 message id: quick mode or informational, and its packets so far."""

    kind: NodeKind | None = None
    packets: int = 0


class View(NamedTuple):
    """What the step pass reads of an IKEv1 record (None where the kind has no such
    field): the record's place in the stream, its kind, host and connection id, and the
    fields of packets, status records, payloads, notifies, inputs and deletes."""

    index: int  # type: ignore[assignment]  # a field, not tuple.index
    kind: str
    host: str | None = None
    conn_id: int | None = None
    peer: str | None = None
    direction: str | None = None
    state: str | None = None
    role: str | None = None
    message_id: int | None = None
    status: str | None = None
    payload: str | None = None
    notify: str | None = None
    input: str | None = None
    target: str | None = None
    reason: str | None = None


#: The columns a view reads from each kind's table (see :func:`View`).
VIEW_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "ikev1_packet": ("host", "conn_id", "peer", "direction", "state", "role", "message_id"),
    "ikev1_status": ("host", "conn_id", "message_id", "status"),
    "ikev1_payload": ("host", "conn_id", "message_id", "payload"),
    "ikev1_notify": ("host", "conn_id", "message_id", "notify"),
    "ikev1_input": ("host", "conn_id", "message_id", "input"),
    "ikev1_delete": ("host", "conn_id", "message_id", "target", "reason"),
}


def view_of(index: int, event: Event) -> View | None:
    """The view of an event (None when the step pass does not read it)."""
    kind = event.kind
    if not kind.startswith("ikev1_"):
        return None
    names = VIEW_FIELDS.get(kind, ("host", "conn_id"))
    values: dict[str, Any] = {}
    for name in names:
        if name == "peer":
            values[name] = event.remote.address  # type: ignore[union-attr]
        else:
            values[name] = getattr(event, name, None)
    return View(index, kind, **values)


#: A packet's step, whether it was a retransmission, and its message id.
Settled = tuple[int, Step | None, bool, int | None]


@dataclass(slots=True)
class _Pending:
    """A received packet waiting for the records that say what it was."""

    packet: View
    session: _Session
    node: int | None = None
    retransmission: bool = False
    done: bool = False


@dataclass(slots=True)
class _Session:
    """What is known of one IKE SA negotiation with one peer."""

    peer: str | None = None
    phase1_step: Step | None = None
    last_sent: Step | None = None
    last_received: Step | None = None
    last_sent_node: int | None = None
    last_received_node: int | None = None
    rejected: bool = False
    retransmit: bool = False
    current_node: int | None = None
    nodes: dict[int, _Node] = field(default_factory=dict)
    pending: _Pending | None = None


class StepPass:
    """Works out the step of each IKEv1 packet from the records around it.

    Feed the views of a stream's IKEv1 records in order (:meth:`feed`), then
    :meth:`flush` at its end; each returns the packets it settled.  A received packet
    is settled by the records after it, by the next packet of its session, or when
    ``horizon`` more records of any kind have gone by (``index`` counts them).
    """

    def __init__(self, horizon: int = 64) -> None:
        self.horizon = horizon
        # Bounded: a fleet's log names peers without end; the oldest are forgotten.
        self._keys: SessionKeys[_Session] = SessionKeys(2 * _SESSIONS_KEPT)
        self._waiting: deque[_Pending] = deque()
        self._settled: list[Settled] = []

    @property
    def waiting(self) -> int | None:
        """The index of the first packet still waiting, or None."""
        for pending in self._waiting:
            if not pending.done:
                return pending.packet.index
        return None

    def feed(self, view: View) -> list[Settled]:
        """Take the next IKEv1 record; returns the packets now settled."""
        self._expire(view.index - 1)
        if view.kind == "ikev1_packet":
            self._packet(view)
        else:
            session = self._session_of(view)
            if session is not None:
                self._learn(session, view)
        self._expire(view.index)
        return self._take()

    def tick(self, index: int) -> list[Settled]:
        """A record the pass does not read went by (it counts for ``horizon``)."""
        self._expire(index)
        return self._take()

    def flush(self) -> list[Settled]:
        """Settle every packet still waiting (the input ended, or went quiet)."""
        for pending in self._waiting:
            if not pending.done:
                self._settle(pending, None)
        self._waiting.clear()
        return self._take()

    def _expire(self, index: int) -> None:
        """Settle, with what is known, the packets ``horizon`` records old at ``index``."""
        waiting = self._waiting
        while waiting and (waiting[0].done or index - waiting[0].packet.index >= self.horizon):
            pending = waiting.popleft()
            if not pending.done:
                self._settle(pending, None)

    def _take(self) -> list[Settled]:
        settled, self._settled = self._settled, []
        return settled

    # Sessions ----------------------------------------------------------------------

    def _session_of(self, view: View) -> _Session | None:
        conn_id, keys = view.conn_id, self._keys
        session = keys.get(view.host, "conn", conn_id) if conn_id is not None else None
        if session is None:
            session = keys.last(view.host, "ikev1")
        if session is None and conn_id is not None:
            # Records before the first packet (a log cut after "beginning Quick Mode"):
            # keep what they say until a packet names the peer.
            session = _Session(peer=None)
            keys.bind(view.host, "conn", conn_id, session)
        return session

    def _packet(self, packet: View) -> None:
        host, keys = packet.host, self._keys
        session = keys.get(host, "peer", packet.peer)
        if session is None:
            waiting = keys.get(host, "conn", packet.conn_id)
            unclaimed = waiting is not None and waiting.peer is None
            session = waiting if waiting is not None and unclaimed else _Session()
            session.peer = packet.peer
            keys.bind(host, "peer", packet.peer, session)
        keys.bind(host, "conn", packet.conn_id, session)
        keys.set_last(host, "ikev1", session)
        if session.pending is not None and not session.pending.done:
            self._settle(session.pending, None)
        pending = _Pending(packet, session)
        if packet.state is None:
            self._settle(pending, None)  # ASA prints no state: no step either
        elif packet.direction == "sent":
            self._settle_sent(pending)
        else:
            session.pending = pending
            self._waiting.append(pending)

    # What records tell -------------------------------------------------------------

    def _learn(self, session: _Session, event: View) -> None:
        pending = session.pending if session.pending and not session.pending.done else None
        kind = event.kind
        if kind == "ikev1_retransmit":
            session.retransmit = True
            return
        if kind == "ikev1_status":
            if event.status == "duplicate_packet" and pending is not None:
                # The peer sent its last message again: same step as before.
                pending.retransmission = True
                pending.node = session.last_received_node
                self._settle(pending, session.last_received or self._phase1(pending))
            elif event.status in _REJECTIONS:
                session.rejected = True
            elif event.message_id is not None and event.status in ("quick_mode_begin", "new_node"):
                node = self._node(session, event.message_id)
                if event.status == "quick_mode_begin":
                    node.kind = "qm"
                self._by_message_id(pending, event.message_id, None)
            return
        node_kind: NodeKind | None = None
        message_id: int | None = None
        payload: str | None = None
        if kind == "ikev1_payload":
            message_id, payload = event.message_id, event.payload
            node_kind = "qm" if payload == "SA" else "info" if payload == "DELETE" else None
        elif kind == "ikev1_notify":
            message_id = event.message_id
            node_kind = "qm" if event.notify in _QUICK_MODE_NOTIFIES else "info"
        elif kind == "ikev1_input":
            message_id = event.message_id
            given = event.input or ""
            if given in _QUICK_MODE_INPUTS:
                node_kind = "qm"
            elif given.startswith("IKE_INFO"):
                node_kind = "info"
                if message_id is None:
                    if pending is not None and pending.node is None:
                        self._settle(pending, "INFO")
                    return
            elif message_id is None and given in ("IKE_MM_EXCH", "IKE_AM_EXCH"):
                if pending is not None:
                    aggressive = given == "IKE_AM_EXCH"
                    self._settle(pending, self._phase1(pending, aggressive=aggressive))
                return
        elif kind == "ikev1_delete" and event.target == "node":
            message_id = event.message_id
            reason = (event.reason or "").lower()
            node_kind = (
                "info" if "informational" in reason else "qm" if reason.startswith("qm") else None
            )
        if message_id is None:
            return
        if message_id != 0:
            node = self._node(session, message_id)
            if node_kind is not None and node.kind is None:
                node.kind = node_kind
        self._by_message_id(pending, message_id, payload)

    def _node(self, session: _Session, message_id: int) -> _Node:
        session.current_node = message_id
        node = session.nodes.get(message_id)
        if node is None:
            node = session.nodes[message_id] = _Node()
            if len(session.nodes) > _NODES_KEPT:  # DPD makes a node every few seconds
                del session.nodes[next(iter(session.nodes))]
        return node

    def _by_message_id(
        self, pending: _Pending | None, message_id: int, payload: str | None
    ) -> None:
        if pending is None:
            return
        if message_id == 0:
            first = pending.packet.state in _FIRST_STATES and pending.packet.role != "initiator"
            if not first:
                self._settle(pending, self._phase1(pending))
            elif payload in _AGGRESSIVE_PAYLOADS:
                self._settle(pending, self._phase1(pending, aggressive=True))
            return
        pending.node = message_id
        node = pending.session.nodes.get(message_id)
        if node is not None and node.kind is not None:
            self._settle(pending, self._phase2(node))

    # Steps -------------------------------------------------------------------------

    def _phase1(self, pending: _Pending, *, aggressive: bool = False) -> Step | None:
        packet, session = pending.packet, pending.session
        if aggressive and packet.state in _FIRST_STATES:
            return "AM1"
        step = _TABLE.get((packet.role, packet.direction, packet.state))
        done = session.phase1_step
        # One state names two messages: a responder sends MM4 and MM6 in MM_KEY_EXCH, an
        # aggressive mode initiator AM1 and AM3 in AG_INIT_EXCH.
        if step == "MM4" and done in ("MM5", "MM6"):
            step = "MM6"
        elif step == "AM1" and packet.direction == "sent" and done in ("AM2", "AM3"):
            step = "AM3"
        elif step is None and done is not None:
            step = _NEXT.get(done)
        return step

    @staticmethod
    def _phase2(node: _Node) -> Step:
        if node.kind == "qm" and node.packets < 3:
            node.packets += 1
            return _QUICK_MODE_STEPS[node.packets - 1]
        return "INFO"

    def _settle_sent(self, pending: _Pending) -> None:
        packet, session = pending.packet, pending.session
        if session.retransmit and session.last_sent is not None:
            session.retransmit = False
            pending.retransmission = True
            pending.node = session.last_sent_node
            self._settle(pending, session.last_sent)
            return
        session.retransmit = False
        step: Step | None
        if session.rejected:
            session.rejected = False
            pending.node = session.current_node if packet.state == "QM_IDLE" else None
            step = "INFO"
        elif (packet.state or "").startswith("QM"):
            if (
                session.phase1_step == "MM5"
                and packet.role == "responder"
                and session.current_node is None
            ):
                step = "MM6"
            elif session.current_node is None:
                step = None
            else:
                pending.node = session.current_node
                step = self._phase2(session.nodes[session.current_node])
        else:
            step = self._phase1(pending)
        self._settle(pending, step)

    def _settle(self, pending: _Pending, step: Step | None) -> None:
        packet, session = pending.packet, pending.session
        received = packet.direction == "received"
        known = packet.state is not None and packet.state[:2] != "QM"
        if step is None and received and pending.node is None and known:
            step = self._phase1(pending)
        if step is not None and step[0] in "MA":
            session.phase1_step = step
        if step is not None:
            if packet.direction == "sent":
                session.last_sent, session.last_sent_node = step, pending.node
            else:
                session.last_received, session.last_received_node = step, pending.node
        if session.pending is pending:
            session.pending = None
        # Phase 1 messages carry message id 0; a phase 2 message the node it belongs to.
        message_id = packet.message_id
        if message_id is None and step is not None:
            message_id = 0 if step[0] in "MA" else pending.node
        pending.done = True
        self._settled.append((packet.index, step, pending.retransmission, message_id))


class Ikev1Steps:
    """Fills in ``step``, ``retransmission`` and ``message_id`` of IKEv1 packet events, in
    stream order: :class:`StepPass` over events.

    Feed every event with :meth:`feed` and call :meth:`flush` at the end of input; both
    yield the events that are ready, unchanged except for IKEv1 packets.
    """

    def __init__(self, horizon: int = 64) -> None:
        self._pass = StepPass(horizon)
        self._index = 0
        self._queue: deque[tuple[int, Event]] = deque()
        self._steps: dict[int, Settled] = {}

    def run(self, events: Iterable[Event]) -> Iterator[Event]:
        """All events of a stream, with IKEv1 steps filled in."""
        for event in events:
            yield from self.feed(event)
        yield from self.flush()

    def feed(self, event: Event) -> Iterator[Event]:
        """Take one event; yield the events now ready, in input order."""
        index = self._index
        self._index += 1
        view = view_of(index, event)
        settled = self._pass.tick(index) if view is None else self._pass.feed(view)
        self._queue.append((index, event))
        yield from self._release(settled)

    def flush(self) -> Iterator[Event]:
        """Settle every packet still waiting (the input ended) and yield the rest."""
        yield from self._release(self._pass.flush())

    def _release(self, settled: list[Settled]) -> Iterator[Event]:
        for found in settled:
            self._steps[found[0]] = found
        waiting = self._pass.waiting
        queue = self._queue
        while queue and (waiting is None or queue[0][0] < waiting):
            index, event = queue.popleft()
            if index in self._steps:
                _, step, retransmission, message_id = self._steps.pop(index)
                event = event.model_copy(
                    update={
                        "step": step,
                        "retransmission": retransmission,
                        "message_id": message_id,
                    }
                )
            yield event


__all__ = ["VIEW_FIELDS", "Ikev1Steps", "Settled", "StepPass", "View", "view_of"]
