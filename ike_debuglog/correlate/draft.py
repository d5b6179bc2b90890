"""What a session's analysis builds before the verdict: its messages, exchanges and findings.

The IKEv2 and IKEv1 passes (``ikev2.py``, ``ikev1.py``) fill a :class:`Draft` from the
session's events, the rules (``rules.py``) add findings, and ``session.py`` turns the
draft into a :class:`Session`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from ..events import Ikev1Packet, Ikev2Packet
from .models import Exchange, Finding, Party, SessionMessage, SessionRole
from .reasons import REASONS

ZERO_SPI: Final = "0" * 16

#: Error notifies and the reason each one means.
NOTIFY_REASONS: Final[dict[str, str]] = {
    "NO_PROPOSAL_CHOSEN": "no_proposal_chosen",
    "INVALID_KE_PAYLOAD": "invalid_ke_payload",
    "AUTHENTICATION_FAILED": "authentication_failed",
    "TS_UNACCEPTABLE": "ts_unacceptable",
    "PROPOSAL_NOT_CHOSEN": "no_proposal_chosen",  # IKEv1 spelling (RFC 2408 section 3.14.1)
}

#: IKEv1 modes by the first letter of a step, and the step that completes each.
MODES: Final[dict[str, str]] = {
    "M": "main_mode",
    "A": "aggressive_mode",
    "Q": "quick_mode",
    "I": "informational",
}
_LAST_STEP: Final[dict[str, str]] = {
    "main_mode": "MM6",
    "aggressive_mode": "AM3",
    "quick_mode": "QM3",
}


@dataclass
class Draft:
    """What the version-specific pass found, before the verdict."""

    messages: list[SessionMessage] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    established: bool = False
    phase1_done: bool = False
    closed_by: Party | None = None
    role: SessionRole | None = None
    initiator_spi: str | None = None
    responder_spi: str | None = None
    peer_port: int | None = None
    local: str | None = None
    local_port: int | None = None


@dataclass
class OpenExchange:
    """An exchange being paired: IKEv2 requests and their response, or the messages of
    one IKEv1 mode (``steps``) or phase 2 node."""

    name: str
    message_id: int | None
    initiated_by: Party
    request_lines: list[int] = field(default_factory=list)
    response_line: int | None = None
    retransmissions: int = 0
    notifies: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    def freeze(self) -> Exchange:
        fields = {name: value for name, value in vars(self).items() if name != "steps"}
        return Exchange.construct_checked(**fields, complete=self._complete())

    def _complete(self) -> bool:
        if not self.steps:  # IKEv2: a response arrived
            return self.response_line is not None
        last = _LAST_STEP.get(self.name)
        return last is None or last in self.steps  # IKEv1: the mode's last message was seen


class Exchanges:
    """The exchanges of a session in the order they began, with the latest of each kind
    at hand: pairing a packet with its exchange is a look-up, not a walk back over every
    exchange (a long-lived SA carries one INFORMATIONAL exchange per DPD)."""

    def __init__(self) -> None:
        self.opened: list[OpenExchange] = []
        self._by_id: dict[tuple[str, Party | None, int | None], OpenExchange] = {}
        self._by_party: dict[tuple[str, Party], OpenExchange] = {}

    def append(self, exchange: OpenExchange) -> None:
        self.opened.append(exchange)
        name, mid, party = exchange.name, exchange.message_id, exchange.initiated_by
        self._by_id[(name, party, mid)] = exchange
        self._by_id[(name, None, mid)] = exchange
        self._by_party[(name, party)] = exchange

    def latest(
        self, name: str, message_id: int | None, initiated_by: Party | None = None
    ) -> OpenExchange | None:
        """The last exchange ``name`` begun with this message id (by this party, when
        given); with ``message_id`` None, the last by ``initiated_by`` whatever its id."""
        if message_id is None and initiated_by is not None:
            return self._by_party.get((name, initiated_by))
        return self._by_id.get((name, initiated_by, message_id))

    def last(self) -> OpenExchange | None:
        return self.opened[-1] if self.opened else None


def finding(
    reason: str,
    summary: str,
    evidence: Sequence[int],
    *,
    exchange: str | None = None,
    recovered: bool = False,
) -> Finding:
    """A finding with its reason's hint and its evidence lines in order, each once."""
    return Finding.construct_checked(
        reason=reason,
        summary=summary,
        evidence=sorted(set(evidence)),
        hint=REASONS[reason].hint,
        exchange=exchange,
        recovered=recovered,
    )


def message(
    packet: Ikev2Packet | Ikev1Packet,
    label: str,
    *,
    exchange: str | None,
    payloads: list[str],
    retransmission: bool,
    response: bool | None = None,
) -> SessionMessage:
    """A packet as a message of the session's ladder."""
    return SessionMessage.construct_checked(
        line=packet.line,
        timestamp=packet.timestamp,
        timestamp_raw=packet.timestamp_raw,
        direction=packet.direction,
        label=label,
        exchange=exchange,
        response=response,
        message_id=packet.message_id,
        payloads=payloads,
        retransmission=retransmission,
    )


__all__ = [
    "MODES",
    "NOTIFY_REASONS",
    "ZERO_SPI",
    "Draft",
    "Exchanges",
    "OpenExchange",
    "finding",
    "message",
]
