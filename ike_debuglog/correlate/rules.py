"""The rules that name a failure: one small function per reason (see ``reasons.py`` and
docs/sessions.md), in the order they are applied to a session's draft.

A rule reads the session's events and its draft (timeline, exchanges) and adds findings;
IKEv2 rules also mark the lines a finding explains, so that an ``IKEv2-ERROR`` left
unexplained can still be reported.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..events import (
    Event,
    Ikev1Notify,
    Ikev1Packet,
    Ikev1Retransmit,
    Ikev1Status,
    Ikev2Delete,
    Ikev2Error,
    Ikev2Policy,
    Ikev2Status,
    IpsecMessage,
    IpsecProposalRejected,
    SyslogMessage,
)
from .certificates import CertificateFacts, certificate_trouble, explain_authentication
from .draft import MODES, NOTIFY_REASONS, ZERO_SPI, Draft, finding
from .lookups import SessionLookups
from .proposals import explain

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


@dataclass
class Case:
    """A session under diagnosis: its events, its draft, the lines findings explain."""

    events: Sequence[Event]
    draft: Draft
    explained: set[int] = field(default_factory=set)


Rule = Callable[[Case], None]


# Why, not only what ---------------------------------------------------------------------


def ikev2_certificate_failed(case: Case) -> None:
    """A record says a certificate failed and nothing else explains why the IKE SA did
    not come up (IKE_AUTH, where IKEv2 peers authenticate)."""
    _certificate_failed(case, done=case.draft.established)


def ikev1_certificate_failed(case: Case) -> None:
    """A record says a certificate failed and nothing else explains why phase 1 did not
    complete (MM5/MM6 or AM2/AM3 carry the certificates)."""
    _certificate_failed(case, done=case.draft.phase1_done)


def _certificate_failed(case: Case, *, done: bool) -> None:
    """A record says a certificate failed (expired, revoked, its chain, its identity) and
    no rule above explained the failure: the authentication failed on it."""
    draft = case.draft
    if draft.findings or done:
        return
    trouble = certificate_trouble(case.events)
    if trouble is not None:
        case.explained.update(trouble.lines)
        exchange = next((x.name for x in draft.exchanges if x.name in _AUTHENTICATING), None)
        draft.findings.append(
            finding("authentication_failed", trouble.summary, trouble.lines, exchange=exchange)
        )


#: The exchanges in which the peers authenticate each other.
_AUTHENTICATING: Final = frozenset({"IKE_AUTH", "main_mode", "aggressive_mode"})


def explain_findings(case: Case) -> None:
    """Say why: what each side proposed and what differs (``proposals.py``), and for an
    authentication that failed on certificates, their cause and hint (``certificates.py``).
    Runs last, on the findings the rules made."""
    draft, events = case.draft, case.events
    if not draft.findings:
        return
    session = SessionLookups(events, draft.messages, draft.exchanges)
    facts = CertificateFacts(events)
    draft.findings[:] = [explain_authentication(explain(f, session), facts) for f in draft.findings]


# IKEv2 ---------------------------------------------------------------------------------


def _error_lines(events: Sequence[Event]) -> list[int]:
    """The lines of the errors IOS printed in a session, in order (looked up by range for
    each exchange: one pass over the events, not one per exchange)."""
    return sorted(
        event.line
        for event in events
        if isinstance(event, Ikev2Error)
        or (isinstance(event, Ikev2Status) and event.status in _AUTH_FAILURES)
        or (isinstance(event, Ikev2Policy) and event.outcome == "failed")
    )


def _between(lines: list[int], first: int, last: int) -> list[int]:
    """The numbers of sorted ``lines`` from ``first`` to ``last``."""
    return lines[bisect_left(lines, first) : bisect_right(lines, last)]


def notified_errors(case: Case) -> None:
    """An error notify in an exchange: what it means (no proposal chosen, invalid KE,
    authentication failed, TS unacceptable), with the errors IOS printed about it."""
    draft = case.draft
    if not any(exchange.notifies for exchange in draft.exchanges):
        return
    packet_lines = sorted(message.line for message in draft.messages)
    errors = _error_lines(case.events)
    # The last IKE_SA_INIT answered cleanly: an INVALID_KE_PAYLOAD before it was recovered.
    retried = max(
        (
            other.response_line or 0
            for other in draft.exchanges
            if other.name == "IKE_SA_INIT" and other.complete and not other.notifies
        ),
        default=-1,
    )
    for exchange in draft.exchanges:
        for notify in exchange.notifies:
            reason = NOTIFY_REASONS.get(notify, "error_notify")
            first = min(exchange.request_lines or [exchange.response_line or 0])
            answered = exchange.response_line or max(exchange.request_lines)
            # The errors IOS prints about it come up to the session's next message.
            after = bisect_right(packet_lines, answered)
            last = (packet_lines[after] if after < len(packet_lines) else answered + 10**9) - 1
            evidence = [*exchange.request_lines, *_between(errors, first, last)]
            if exchange.response_line is not None:
                evidence.append(exchange.response_line)
            case.explained.update(evidence)
            recovered = reason == "invalid_ke_payload" and retried > answered
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
                finding(reason, summary, evidence, exchange=exchange.name, recovered=recovered)
            )


def authentication_failed(case: Case) -> None:
    """IOS said authentication failed without a notify saying so."""
    draft = case.draft
    if any(f.reason == "authentication_failed" for f in draft.findings):
        return
    auth = [
        event.line
        for event in case.events
        if (isinstance(event, Ikev2Status) and event.status in _AUTH_FAILURES)
        or (
            isinstance(event, Ikev2Policy)
            and event.step == "peer_auth_verification"
            and event.outcome == "failed"
        )
        or (isinstance(event, Ikev2Policy) and event.step == "profile_not_found")
    ]
    if auth:
        case.explained.update(auth)
        draft.findings.append(
            finding(
                "authentication_failed",
                "the peer's authentication data failed",
                auth,
                exchange="IKE_AUTH",
            )
        )


def ikev2_peer_not_responding(case: Case) -> None:
    """Requests sent again and again, never answered."""
    draft = case.draft
    received = any(message.direction == "received" for message in draft.messages)
    internal = sorted(event.line for event in case.events if isinstance(event, Ikev2Error))
    for exchange in draft.exchanges:
        if exchange.initiated_by == "local" and not exchange.complete and exchange.retransmissions:
            if exchange.name == "IKE_SA_INIT" and received:
                continue
            errors = internal[bisect_right(internal, exchange.request_lines[0]) :]
            case.explained.update(errors)
            count = len(exchange.request_lines)
            summary = f"{count} {exchange.name} requests, no response"
            if exchange.name == "IKE_SA_INIT":
                summary += f"; the responder SPI stayed {ZERO_SPI}"
            draft.findings.append(
                finding(
                    "peer_not_responding",
                    summary,
                    [*exchange.request_lines, *errors],
                    exchange=exchange.name,
                )
            )


def deleted_by_peer(case: Case) -> None:
    """The peer deleted the IKE SA first, before it came up.  An SA that came up and was
    deleted later is established, closed by the peer (``closed_by``): a peer's reboot or
    ``clear`` is not a failure of the negotiation."""
    if case.draft.established:
        return
    deletes = [e for e in case.events if isinstance(e, Ikev2Delete) and e.sa_type == "ike"]
    if deletes and deletes[0].direction == "received":
        case.draft.findings.append(
            finding("deleted_by_peer", "the peer deleted the IKE SA", [deletes[0].line])
        )


def internal_error(case: Case) -> None:
    """An IKEv2-ERROR no other finding explains, in a session that did not come up."""
    draft = case.draft
    errors = [
        e.line for e in case.events if isinstance(e, Ikev2Error) and e.line not in case.explained
    ]
    if errors and not draft.established and not draft.findings:
        draft.findings.append(
            finding("internal_error", "IKEv2-ERROR without a known cause", errors)
        )


IKEV2_RULES: Final[tuple[Rule, ...]] = (
    notified_errors,
    authentication_failed,
    ikev2_peer_not_responding,
    deleted_by_peer,
    ikev2_certificate_failed,
    internal_error,
    explain_findings,
)


# IKEv1 ---------------------------------------------------------------------------------


def _status_lines(events: Sequence[Event], *statuses: str) -> list[int]:
    return [e.line for e in events if isinstance(e, Ikev1Status) and e.status in statuses]


def _packets(case: Case) -> list[Ikev1Packet]:
    return [e for e in case.events if isinstance(e, Ikev1Packet)]


def _ends(case: Case) -> list[int]:
    """The retransmission notices and SA deletions that end a phase 1 that failed."""
    retransmits = [e.line for e in case.events if isinstance(e, Ikev1Retransmit)]
    deletes = [
        e.line for e in case.events if e.kind == "ikev1_delete" and getattr(e, "target", "") == "sa"
    ]
    return [*retransmits, *deletes]


#: What IOS prints when a message encrypted with another key decrypts to garbage.
_UNREADABLE: Final = ("sanity check", "malformed", "reserved not zero")


def psk_mismatch(case: Case) -> None:
    """Phase 1 stuck at MM5, the first message encrypted with the pre-shared key: the
    initiator sends MM5 again and again and MM6 never comes; the responder cannot read
    the MM5 it receives (again and again), and never sends MM6."""
    if case.draft.phase1_done:
        return
    packets = _packets(case)
    received = {p.step for p in packets if p.direction == "received"}
    sent = {p.step for p in packets if p.direction == "sent"}
    mm5_sent = [p.line for p in packets if p.direction == "sent" and p.step == "MM5"]
    again = any(p.direction == "sent" and p.retransmission and p.step == "MM5" for p in packets)
    if again and "MM6" not in received:
        case.draft.findings.append(
            finding(
                "psk_mismatch",
                f"MM5 sent {len(mm5_sent)} times at MM_KEY_EXCH, MM6 never came",
                [*mm5_sent, *_ends(case)],
                exchange="main_mode",
            )
        )
        return
    mm5_received = [p.line for p in packets if p.direction == "received" and p.step == "MM5"]
    unreadable = [e.line for e in case.events if _is_unreadable(e)]
    if mm5_received and "MM6" not in sent and (unreadable or len(mm5_received) > 1):
        what = "could not be read" if unreadable else "was not answered"
        case.draft.findings.append(
            finding(
                "psk_mismatch",
                f"MM5 received {len(mm5_received)} times at MM_KEY_EXCH and {what}, MM6 never sent",
                [*mm5_received, *unreadable, *_ends(case)],
                exchange="main_mode",
            )
        )


def _is_unreadable(event: Event) -> bool:
    """A record saying a received IKEv1 message made no sense once decrypted."""
    if isinstance(event, SyslogMessage):
        return event.mnemonic == "IKMP_BAD_MESSAGE"
    text = getattr(event, "message", None) if event.kind.startswith("ikev1") else None
    return isinstance(text, str) and any(marker in text for marker in _UNREADABLE)


def ikev1_peer_not_responding(case: Case) -> None:
    """The first message sent again and again, nothing received."""
    if case.draft.phase1_done:
        return
    packets = _packets(case)
    received = {p.step for p in packets if p.direction == "received"}
    sent_again = [p for p in packets if p.direction == "sent" and p.retransmission]
    first = [p.line for p in packets if p.direction == "sent" and p.step in ("MM1", "AM1")]
    if first and not received and sent_again:
        mode = "MM1" if packets[0].step == "MM1" else "AM1"
        case.draft.findings.append(
            finding(
                "peer_not_responding",
                f"{len(first)} {mode} sent, nothing received from the peer",
                [*first, *_ends(case)],
                exchange=MODES[mode[0]],
            )
        )


def phase1_policy_mismatch(case: Case) -> None:
    """No ISAKMP policy matched the peer's proposal."""
    if case.draft.phase1_done:
        return
    events = case.events
    policy = _status_lines(
        events, "atts_not_acceptable", "no_offers_accepted", "attribute_mismatch"
    )
    refused = [
        e.line
        for e in events
        if isinstance(e, Ikev1Status) and e.status == "policy_not_acceptable" and e.phase == 1
    ]
    if refused or _status_lines(events, "no_offers_accepted"):
        case.draft.findings.append(
            finding(
                "phase1_policy_mismatch",
                "no ISAKMP policy matched the peer's proposal",
                [*policy, *refused],
                exchange="main_mode",
            )
        )


def psk_not_configured(case: Case) -> None:
    """No pre-shared key (or certificate) for this peer."""
    if case.draft.phase1_done:
        return
    missing = _status_lines(
        case.events,
        "psk_not_found",
        "no_cert_or_psk",
        "main_mode_refused",
        "sa_request_failed",
        "kmi_error",
    )
    if missing:
        case.draft.findings.append(
            finding("psk_not_configured", "no pre-shared key for this peer", missing)
        )


def phase2_refused(case: Case) -> None:
    """Quick mode refused: the proxy identities (crypto ACL), else the transforms."""
    events = case.events
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
    refused = [
        e.line
        for e in events
        if isinstance(e, Ikev1Status)
        and (
            e.status == "proposal_invalidated"
            or (e.status == "policy_not_acceptable" and e.phase == 2)
        )
    ]
    if proxies:
        case.draft.findings.append(
            finding(
                "proxy_identities_not_supported",
                "the peer's proxy identities (crypto ACL) are not configured here",
                [*proxies, *refused],
                exchange="quick_mode",
            )
        )
    elif refused or any(isinstance(e, IpsecProposalRejected) for e in events):
        rejected = [e.line for e in events if isinstance(e, IpsecProposalRejected)]
        case.draft.findings.append(
            finding(
                "transform_mismatch",
                "no transform set matched the peer's IPsec proposal",
                [*rejected, *refused],
                exchange="quick_mode",
            )
        )


def notify_received(case: Case) -> None:
    """An error notify from the peer, when nothing else explains the failure."""
    for event in case.events:
        if isinstance(event, Ikev1Notify) and event.direction == "received":
            reason = NOTIFY_REASONS.get(event.notify)
            if reason is not None and not case.draft.findings:
                case.draft.findings.append(
                    finding(
                        reason,
                        f"{event.notify} received from the peer",
                        [event.line],
                        exchange="quick_mode" if event.protocol_code == 3 else None,
                    )
                )


IKEV1_RULES: Final[tuple[Rule, ...]] = (
    psk_mismatch,
    ikev1_peer_not_responding,
    phase1_policy_mismatch,
    psk_not_configured,
    phase2_refused,
    notify_received,
    ikev1_certificate_failed,
    explain_findings,
)


def apply(rules: Sequence[Rule], events: Sequence[Event], draft: Draft) -> None:
    """Add the findings of ``rules`` to the draft, in order."""
    case = Case(events, draft)
    for rule in rules:
        rule(case)


__all__ = ["IKEV1_RULES", "IKEV2_RULES", "Case", "Rule", "apply"]
