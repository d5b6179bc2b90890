"""One verdict for the pair, from both logs: who refused, the most specific reason
either side gives, and what only the two logs together show (messages lost in transit)."""

from __future__ import annotations

from collections.abc import Sequence

from ..correlate import Session
from ..correlate.models import Outcome
from .models import PairMessage, SideName

#: Error notifies (RFC 7296 3.10.1 error types, RFC 2408 3.14.1 for IKEv1): the side that
#: sends one refuses the negotiation.
ERROR_NOTIFIES = frozenset(
    {
        "NO_PROPOSAL_CHOSEN",
        "PROPOSAL_NOT_CHOSEN",
        "TS_UNACCEPTABLE",
        "AUTHENTICATION_FAILED",
        "INVALID_KE_PAYLOAD",
        "INVALID_SYNTAX",
        "INVALID_ID_INFORMATION",
        "SINGLE_PAIR_REQUIRED",
        "NO_ADDITIONAL_SAS",
        "INTERNAL_ADDRESS_FAILURE",
        "FAILED_CP_REQUIRED",
        "INVALID_PAYLOAD_TYPE",
        "ATTRIBUTES_NOT_SUPPORTED",
        "INVALID_SPI",
        "INVALID_MESSAGE_ID",
    }
)
#: Reasons one side gives when it cannot see the cause (the peer's log may name it).
GENERIC = frozenset(
    {
        "peer_not_responding",
        "no_proposal_chosen",
        "internal_error",
        "error_notify",
        "deleted_by_peer",
    }
)


def _sent_notifies(session: Session) -> set[str]:
    by_exchange = {(e.name, e.message_id): set(e.notifies) for e in session.exchanges}
    found: set[str] = set()
    for message in session.messages:
        if message.direction != "sent":
            continue
        found.update(p[len("NOTIFY(") : -1] for p in message.payloads if p.startswith("NOTIFY("))
        if message.exchange == "informational":  # IKEv1: the notify is the message
            found.update(by_exchange.get((message.exchange, message.message_id), set()))
    return found


def refused_by(sessions: dict[SideName, Session]) -> SideName | None:
    """The side that sent an error notify (the responder first)."""
    for side in ("b", "a"):
        if _sent_notifies(sessions[side]) & ERROR_NOTIFIES:
            return side
    return None


def outcome(a: Session, b: Session) -> Outcome:
    outcomes = {a.outcome, b.outcome}
    if "failed" in outcomes:
        return "failed"
    return "established" if "established" in outcomes else "incomplete"


def reason(sessions: dict[SideName, Session], refuser: SideName | None) -> str | None:
    """The refuser's reason, else a's, else b's; a specific one before a generic one."""
    order: list[SideName] = [refuser] if refuser else []
    order += [side for side in ("a", "b") if side not in order]
    reasons = [r for side in order if (r := sessions[side].reason)]
    specific = [r for r in reasons if r not in GENERIC]
    return next(iter(specific or reasons), None)


def exchange(sessions: dict[SideName, Session], why: str | None) -> str | None:
    for side in ("b", "a"):
        for finding in sessions[side].findings:
            if finding.reason == why and finding.exchange:
                return finding.exchange
    return None


def explanation(
    messages: Sequence[PairMessage],
    labels: dict[SideName, str],
    refuser: SideName | None,
    why: str | None,
    mismatch: str | None,
) -> str | None:
    """What needs both logs: how many messages each way arrived, what was lost, who
    refused."""
    parts: list[str] = []
    for sender, receiver in (("a", "b"), ("b", "a")):
        mine = [m for m in messages if m.sender == sender and m.sent_line is not None]
        got = [m for m in mine if m.received_line is not None]
        lost = [m for m in mine if m.lost]
        if not lost:
            continue
        if not got and sender == "b" and any(m.received_line for m in messages if m.sender == "a"):
            parts.append(
                f"{labels['b']} answered and {labels['a']} never got the answer: "
                f"{len(lost)} of {len(mine)} messages {labels['b']} sent were lost on the way "
                f"(the log of {labels['a']} covers the time); look at the way back from "
                f"{labels['b']} to {labels['a']}: a firewall, NAT or asymmetric route that "
                f"lets the requests through drops the answers (UDP 500 and 4500)"
            )
        else:
            parts.append(
                f"{labels[receiver]} received {len(got)} of the {len(mine)} messages "  # type: ignore[index]
                f"{labels[sender]} sent; {len(lost)} lost on the way "  # type: ignore[index]
                f"(the log of {labels[receiver]} covers the time)"  # type: ignore[index]
            )
    if refuser and why:
        parts.append(f"{labels[refuser]} refused ({why})" + (f": {mismatch}" if mismatch else ""))
    return "; ".join(parts) + "." if parts else None
