"""From the events of one session to its timeline, exchanges, child SAs and diagnosis.

A pure function of the session's events, so batch and streaming correlation agree by
construction; the rules that name a failure are listed in docs/sessions.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from .. import registry
from ..events import (
    Event,
    Ikev1IpsecSas,
    Ikev1Notify,
    Ikev1Packet,
    Ikev1Retransmit,
    Ikev1State,
    Ikev1Status,
    Ikev2Delete,
    Ikev2Error,
    Ikev2Packet,
    Ikev2Payloads,
    Ikev2Policy,
    Ikev2Retransmit,
    Ikev2SessionUp,
    Ikev2State,
    Ikev2Status,
    IpsecCreateSa,
    IpsecMessage,
    IpsecProposalRejected,
    IpsecSaRequest,
    IpsecValidateProposal,
    SyslogMessage,
)
from ..events.base import Proxy
from .models import (
    ChildSa,
    Exchange,
    Finding,
    Outcome,
    Party,
    Session,
    SessionMessage,
    SessionRole,
    Version,
)
from .reasons import REASONS, batfish_status

ZERO_SPI: Final = "0" * 16

#: Error notifies and the reason each one means.
_NOTIFY_REASONS: Final[dict[str, str]] = {
    "NO_PROPOSAL_CHOSEN": "no_proposal_chosen",
    "INVALID_KE_PAYLOAD": "invalid_ke_payload",
    "AUTHENTICATION_FAILED": "authentication_failed",
    "TS_UNACCEPTABLE": "ts_unacceptable",
    "PROPOSAL_NOT_CHOSEN": "no_proposal_chosen",  # IKEv1 spelling (RFC 2408 section 3.14.1)
}

#: IKEv2 internal records that say authentication failed.
_AUTH_FAILURES: Final = frozenset(
    {
        "verify_auth_failed",
        "ike_sa_auth_failed",
        "auth_value_mismatch",
        "auth_exchange_failed",
        "auth_method_mismatch",
        "auth_failure_notify_sent",
    }
)

#: Priority of reasons when several findings fail a session: the cause before its effects.
_LOW_PRIORITY: Final = frozenset({"deleted_by_peer", "internal_error", "error_notify"})


@dataclass
class _Draft:
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


def _finding(
    reason: str,
    summary: str,
    evidence: Sequence[int],
    *,
    exchange: str | None = None,
    recovered: bool = False,
) -> Finding:
    return Finding.construct_checked(
        reason=reason,
        summary=summary,
        evidence=sorted(set(evidence)),
        hint=REASONS[reason].hint,
        exchange=exchange,
        recovered=recovered,
    )


def _message(
    packet: Ikev2Packet | Ikev1Packet,
    label: str,
    *,
    exchange: str | None,
    payloads: list[str],
    retransmission: bool,
    response: bool | None = None,
) -> SessionMessage:
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


#: IKEv1 modes by the first letter of a step, and the step that completes each.
_MODES: Final[dict[str, str]] = {
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

# IKEv2 ---------------------------------------------------------------------------------


@dataclass
class _Open:
    """An IKEv2 exchange being paired."""

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


def _error_notifies(packet: Ikev2Packet) -> list[str]:
    return [
        payload.notify or f"Unknown - {payload.notify_code}"
        for payload in packet.payloads or []
        if payload.notify_code is not None and registry.is_error_notify(payload.notify_code)
    ]


def _ikev2(events: Sequence[Event]) -> _Draft:
    draft = _Draft()
    exchanges: list[_Open] = []
    retransmit_pending = False
    inner: list[str] | None = None
    seen_requests: set[tuple[str | None, int | None, str]] = set()
    for event in events:
        if isinstance(event, Ikev2Retransmit):
            retransmit_pending = True
        elif isinstance(event, Ikev2Payloads):
            inner = [payload.raw for payload in event.payloads]
        elif isinstance(event, Ikev2Packet):
            _ikev2_packet(
                draft, exchanges, event, again=retransmit_pending, seen=seen_requests, inner=inner
            )
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
    draft.exchanges = [exchange.freeze() for exchange in exchanges]
    for exchange in draft.exchanges:
        if exchange.name == "IKE_SA_INIT" and exchange.complete and not exchange.notifies:
            draft.phase1_done = True
        if exchange.name == "IKE_AUTH" and exchange.complete and not exchange.notifies:
            draft.established = draft.phase1_done = True
        if exchange.name in ("INFORMATIONAL", "CREATE_CHILD_SA") and exchange.complete:
            draft.phase1_done = True  # only an established IKE SA carries these
            draft.established = draft.established or not exchange.notifies
    _ikev2_findings(draft, events)
    return draft


def _ikev2_packet(
    draft: _Draft,
    exchanges: list[_Open],
    packet: Ikev2Packet,
    *,
    again: bool,
    seen: set[tuple[str | None, int | None, str]],
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
    key = (packet.exchange, packet.message_id, initiated_by)
    current = next(
        (
            exchange
            for exchange in reversed(exchanges)
            if exchange.name == name
            and exchange.initiated_by == initiated_by
            and (packet.message_id is None or exchange.message_id == packet.message_id)
        ),
        None,
    )
    # A request sent again before any response is a retransmission; after a response
    # (INVALID_KE_PAYLOAD, RFC 7296 section 1.2) it is a new attempt.
    again = (
        not response
        and (current is None or current.response_line is None)
        and ((sent and retransmit_pending) or (key in seen and packet.message_id is not None))
    )
    notifies = _error_notifies(packet)
    label = name if packet.response is None else f"{name} {'response' if response else 'request'}"
    payloads = [payload.raw for payload in packet.payloads or []]
    if sent and inner and payloads in (["ENCR"], ["SK"]):
        # IOS lists what it encrypts just before sending ("Building packet for encryption").
        payloads = [f"{payloads[0]}[{' '.join(inner)}]"]
    draft.messages.append(
        _message(
            packet,
            label,
            exchange=packet.exchange,
            response=packet.response,
            payloads=payloads,
            retransmission=again,
        )
    )
    if not response:
        if again and current is not None:
            current.request_lines.append(packet.line)
            current.retransmissions += 1
        else:
            current = _Open(name, packet.message_id, initiated_by, [packet.line])
            exchanges.append(current)
        seen.add(key)
    elif current is not None and current.response_line is None:
        current.response_line = packet.line
    else:
        current = _Open(name, packet.message_id, initiated_by, [], packet.line)
        exchanges.append(current)
    for notify in notifies:
        if notify not in current.notifies:
            current.notifies.append(notify)


def _errors_between(events: Sequence[Event], first: int, last: int) -> list[int]:
    return [
        event.line
        for event in events
        if first <= event.line <= last
        and (
            isinstance(event, Ikev2Error)
            or (isinstance(event, Ikev2Status) and event.status in _AUTH_FAILURES)
            or (isinstance(event, Ikev2Policy) and event.outcome == "failed")
        )
    ]


def _ikev2_findings(draft: _Draft, events: Sequence[Event]) -> None:
    explained: set[int] = set()
    packet_lines = [message.line for message in draft.messages]
    for exchange in draft.exchanges:
        for notify in exchange.notifies:
            reason = _NOTIFY_REASONS.get(notify, "error_notify")
            first = min(exchange.request_lines or [exchange.response_line or 0])
            answered = exchange.response_line or max(exchange.request_lines)
            # The errors IOS prints about it come up to the session's next message.
            last = min((n for n in packet_lines if n > answered), default=answered + 10**9) - 1
            evidence = [*exchange.request_lines, *_errors_between(events, first, last)]
            if exchange.response_line is not None:
                evidence.append(exchange.response_line)
            explained.update(evidence)
            recovered = reason == "invalid_ke_payload" and any(
                other.name == "IKE_SA_INIT" and other.complete and not other.notifies
                for other in draft.exchanges
                if (other.response_line or 0) > answered
            )
            what = {
                "no_proposal_chosen": "the IKE SA proposal"
                if exchange.name == "IKE_SA_INIT"
                else "the child SA proposal",
            }.get(reason, "")
            side = "sent" if (exchange.initiated_by == "peer") else "received"
            summary = f"{notify} {side} in {exchange.name}" + (
                f": {what} was refused" if what else ""
            )
            if recovered:
                summary += "; the initiator retried with the group asked for"
            draft.findings.append(
                _finding(reason, summary, evidence, exchange=exchange.name, recovered=recovered)
            )
    if not any(f.reason == "authentication_failed" for f in draft.findings):
        auth = [
            event.line
            for event in events
            if (isinstance(event, Ikev2Status) and event.status in _AUTH_FAILURES)
            or (
                isinstance(event, Ikev2Policy)
                and event.step == "peer_auth_verification"
                and event.outcome == "failed"
            )
            or (isinstance(event, Ikev2Policy) and event.step == "profile_not_found")
        ]
        if auth:
            explained.update(auth)
            draft.findings.append(
                _finding(
                    "authentication_failed",
                    "the peer's authentication data failed",
                    auth,
                    exchange="IKE_AUTH",
                )
            )
    received = any(message.direction == "received" for message in draft.messages)
    for exchange in draft.exchanges:
        if exchange.initiated_by == "local" and not exchange.complete and exchange.retransmissions:
            if exchange.name == "IKE_SA_INIT" and received:
                continue
            errors = [
                event.line
                for event in events
                if isinstance(event, Ikev2Error) and event.line > exchange.request_lines[0]
            ]
            explained.update(errors)
            count = len(exchange.request_lines)
            summary = f"{count} {exchange.name} requests, no response"
            if exchange.name == "IKE_SA_INIT":
                summary += f"; the responder SPI stayed {ZERO_SPI}"
            draft.findings.append(
                _finding(
                    "peer_not_responding",
                    summary,
                    [*exchange.request_lines, *errors],
                    exchange=exchange.name,
                )
            )
    deletes = [e for e in events if isinstance(e, Ikev2Delete) and e.sa_type == "ike"]
    if deletes and deletes[0].direction == "received":
        draft.findings.append(
            _finding("deleted_by_peer", "the peer deleted the IKE SA", [deletes[0].line])
        )
    errors = [e.line for e in events if isinstance(e, Ikev2Error) and e.line not in explained]
    if errors and not draft.established and not draft.findings:
        draft.findings.append(
            _finding("internal_error", "IKEv2-ERROR without a known cause", errors)
        )


# IKEv1 ---------------------------------------------------------------------------------


def _ikev1(events: Sequence[Event]) -> _Draft:
    draft = _Draft()
    opened: list[_Open] = []
    for event in events:
        if isinstance(event, Ikev1Packet):
            _ikev1_packet(draft, opened, event)
        elif (isinstance(event, Ikev1State) and event.new_state == "IKE_P1_COMPLETE") or (
            isinstance(event, Ikev1Status) and event.status == "sa_authenticated"
        ):
            draft.phase1_done = True
    draft.exchanges = [exchange.freeze() for exchange in opened]
    steps = {step for exchange in opened for step in exchange.steps}
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
    _ikev1_findings(draft, events)
    return draft


def _ikev1_packet(draft: _Draft, opened: list[_Open], packet: Ikev1Packet) -> None:
    draft.role = draft.role or packet.role
    draft.peer_port = draft.peer_port or packet.remote.port
    draft.local_port = draft.local_port or packet.local_port
    step = packet.step
    draft.messages.append(
        _message(
            packet,
            step or packet.state or f"message id {packet.message_id}",
            exchange=_MODES.get(step[0]) if step else None,
            payloads=packet.payload_names or [],
            retransmission=packet.retransmission,
        )
    )
    if step is None:
        return
    name = _MODES[step[0]]
    sent = packet.direction == "sent"
    mid = packet.message_id
    if mid is not None and step[0] in "QI":
        # Phase 2: the message id (node) pairs the messages of one exchange.
        current = next(
            (o for o in reversed(opened) if o.name == name and o.message_id == mid), None
        )
        starts = current is None
    else:
        current = opened[-1] if opened and opened[-1].name == name else None
        starts = step in ("MM1", "AM1", "QM1", "INFO") and not packet.retransmission
        starts = starts and (current is None or step in current.steps or name == "informational")
    if current is None or starts:
        current = _Open(name, mid, "local" if sent else "peer")
        opened.append(current)
    if packet.retransmission:
        current.retransmissions += 1
    if sent == (current.initiated_by == "local"):
        current.request_lines.append(packet.line)
    else:
        current.response_line = packet.line
    if step not in current.steps:
        current.steps.append(step)


def _status_lines(events: Sequence[Event], *statuses: str) -> list[int]:
    return [e.line for e in events if isinstance(e, Ikev1Status) and e.status in statuses]


def _ikev1_findings(draft: _Draft, events: Sequence[Event]) -> None:
    packets = [e for e in events if isinstance(e, Ikev1Packet)]
    steps_received = {p.step for p in packets if p.direction == "received"}
    sent_again = [p for p in packets if p.direction == "sent" and p.retransmission]
    deletes = [
        e.line for e in events if e.kind == "ikev1_delete" and getattr(e, "target", "") == "sa"
    ]
    retransmits = [e.line for e in events if isinstance(e, Ikev1Retransmit)]
    if not draft.phase1_done:
        mm5 = [p.line for p in packets if p.direction == "sent" and p.step == "MM5"]
        if any(p.step == "MM5" for p in sent_again) and "MM6" not in steps_received:
            draft.findings.append(
                _finding(
                    "psk_mismatch",
                    f"MM5 sent {len(mm5)} times at MM_KEY_EXCH, MM6 never came",
                    [*mm5, *retransmits, *deletes],
                    exchange="main_mode",
                )
            )
        first = [p.line for p in packets if p.direction == "sent" and p.step in ("MM1", "AM1")]
        if first and not steps_received and sent_again:
            mode = "MM1" if packets[0].step == "MM1" else "AM1"
            draft.findings.append(
                _finding(
                    "peer_not_responding",
                    f"{len(first)} {mode} sent, nothing received from the peer",
                    [*first, *retransmits, *deletes],
                    exchange=_MODES[mode[0]],
                )
            )
        policy = _status_lines(
            events, "atts_not_acceptable", "no_offers_accepted", "attribute_mismatch"
        )
        refused = [
            e.line
            for e in events
            if isinstance(e, Ikev1Status) and e.status == "policy_not_acceptable" and e.phase == 1
        ]
        if refused or _status_lines(events, "no_offers_accepted"):
            draft.findings.append(
                _finding(
                    "phase1_policy_mismatch",
                    "no ISAKMP policy matched the peer's proposal",
                    [*policy, *refused],
                    exchange="main_mode",
                )
            )
        missing = _status_lines(
            events,
            "psk_not_found",
            "no_cert_or_psk",
            "main_mode_refused",
            "sa_request_failed",
            "kmi_error",
        )
        if missing:
            draft.findings.append(
                _finding("psk_not_configured", "no pre-shared key for this peer", missing)
            )
    # IOS prints error 32 when the proxy identities are refused, 256 when the transforms are.
    proxies = [
        e.line
        for e in events
        if (isinstance(e, IpsecMessage) and "proxy identities not supported" in e.message)
        or (isinstance(e, Ikev1Status) and e.status == "proxy_identities_not_supported")
        or (
            isinstance(e, Ikev1Status) and e.status == "proposal_invalidated" and e.error_code == 32
        )
    ]
    phase2_refused = [
        e.line
        for e in events
        if isinstance(e, Ikev1Status)
        and (
            e.status == "proposal_invalidated"
            or (e.status == "policy_not_acceptable" and e.phase == 2)
        )
    ]
    if proxies:
        draft.findings.append(
            _finding(
                "proxy_identities_not_supported",
                "the peer's proxy identities (crypto ACL) are not configured here",
                [*proxies, *phase2_refused],
                exchange="quick_mode",
            )
        )
    elif phase2_refused or any(isinstance(e, IpsecProposalRejected) for e in events):
        rejected = [e.line for e in events if isinstance(e, IpsecProposalRejected)]
        draft.findings.append(
            _finding(
                "transform_mismatch",
                "no transform set matched the peer's IPsec proposal",
                [*rejected, *phase2_refused],
                exchange="quick_mode",
            )
        )
    for event in events:
        if isinstance(event, Ikev1Notify) and event.direction == "received":
            reason = _NOTIFY_REASONS.get(event.notify)
            if reason is not None and not draft.findings:
                draft.findings.append(
                    _finding(
                        reason,
                        f"{event.notify} received from the peer",
                        [event.line],
                        exchange="quick_mode" if event.protocol == 3 else None,
                    )
                )


# Child SAs ------------------------------------------------------------------------------


@dataclass
class _Child:
    local_proxy: Proxy | None
    remote_proxy: Proxy | None
    transforms: list[str] = field(default_factory=list)
    spis: list[str] = field(default_factory=list)
    established: bool = False
    lines: list[int] = field(default_factory=list)

    def add_spi(self, spi: str | None) -> None:
        self.established = True
        if spi and spi not in self.spis:
            self.spis.append(spi)


def _child_sas(events: Sequence[Event]) -> list[ChildSa]:
    """The IPsec SAs: selectors and transforms from the key engine requests, SPIs from the
    SAs created (``IPSEC(create_sa)``, ``Creating IPSec SAs``, ``Successfully installed``)."""
    children: list[_Child] = []

    def child_for(local: Proxy | None, remote: Proxy | None) -> _Child:
        for child in reversed(children):
            if local is None or (child.local_proxy, child.remote_proxy) == (local, remote):
                return child
        children.append(_Child(local, remote))
        return children[-1]

    for event in events:
        if isinstance(event, IpsecSaRequest | IpsecValidateProposal):
            child = child_for(event.local_proxy, event.remote_proxy)
            transforms = [t for t in event.transforms or [] if t.upper() != "NONE"]
            child.transforms = transforms or child.transforms
        elif isinstance(event, IpsecCreateSa) and children:
            child = child_for(event.local_proxy, event.remote_proxy)
            child.add_spi(event.spi_hex)
        elif isinstance(event, Ikev1IpsecSas) and event.sas:
            child = child_for(None, None)
            for sa in event.sas:
                child.add_spi(sa.spi_hex)
        elif isinstance(event, Ikev1Status) and event.status == "ipsec_sa_installed" and event.spi:
            child = child_for(None, None)
            child.add_spi(event.spi)
        else:
            continue
        child.lines.append(event.line)
    return [ChildSa.construct_checked(**vars(child)) for child in children]


# The session ---------------------------------------------------------------------------


def build_session(events: Sequence[Event], version: Version | None, peer: str | None) -> Session:
    """The session made of ``events`` (in input order); its id is its first line, unique
    in the log and the same whether sessions were correlated in a batch or streamed."""
    if version == 2:
        draft = _ikev2(events)
    elif version == 1:
        draft = _ikev1(events)
    else:
        draft = _Draft()
    failures = [f for f in draft.findings if not f.recovered]
    failures.sort(key=lambda f: (f.reason in _LOW_PRIORITY, f.evidence[0] if f.evidence else 0))
    reason = failures[0].reason if failures else None
    outcome: Outcome
    if reason is not None:
        outcome = "failed"
    elif draft.established:
        outcome = "established"
    else:
        outcome = "incomplete"
    stamps = [e.timestamp for e in events if e.timestamp is not None]
    started, ended = (stamps[0], stamps[-1]) if stamps else (None, None)
    duration = None
    if (
        started is not None
        and ended is not None
        and (started.tzinfo is None) == (ended.tzinfo is None)
    ):
        duration = round((ended - started).total_seconds(), 6)
    local = draft.local or next(
        (
            e.local.address
            for e in events
            if isinstance(e, IpsecSaRequest | IpsecValidateProposal) and e.local
        ),
        None,
    )
    syslog_peer = next(
        (
            e.fields.get("peer")
            for e in events
            if isinstance(e, SyslogMessage) and e.fields.get("peer")
        ),
        None,
    )
    return Session.construct_checked(
        id=events[0].line,
        host=events[0].host,
        ike_version=version,
        peer=peer or syslog_peer,
        peer_port=draft.peer_port,
        local=local,
        local_port=draft.local_port,
        role=draft.role,
        initiator_spi=draft.initiator_spi,
        responder_spi=draft.responder_spi,
        session_ids=sorted(
            {
                sid
                for e in events
                # kind first: a missing attribute is slow to ask a pydantic model for
                if e.kind.startswith("ikev2")
                and (sid := getattr(e, "session_id", None)) is not None
            }
        ),
        conn_ids=sorted(
            {
                cid
                for e in events
                if e.kind.startswith("ikev1") and (cid := getattr(e, "conn_id", None))
            }
        ),
        first_line=events[0].line,
        last_line=events[-1].end_line,
        started=started,
        ended=ended,
        duration_seconds=duration,
        packets_sent=sum(1 for m in draft.messages if m.direction == "sent"),
        packets_received=sum(1 for m in draft.messages if m.direction == "received"),
        retransmissions=sum(1 for m in draft.messages if m.retransmission),
        outcome=outcome,
        reason=reason,
        batfish_status=batfish_status(
            reason, established=draft.established, phase1_done=draft.phase1_done
        )
        if outcome != "incomplete"
        else None,
        closed_by=draft.closed_by,
        findings=draft.findings,
        exchanges=draft.exchanges,
        messages=draft.messages,
        child_sas=_child_sas(events),
        lines=[e.line for e in events],
    )
