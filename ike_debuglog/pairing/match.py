"""Which sessions of two routers are one IKE SA.

IKEv2: the initiator SPI equal (RFC 7296 3.1: the initiator chooses it, the responder
echoes it), the responder SPI equal or zero on a side that never learnt it, the
initiator on one router and the responder on the other, and the transit times of the
matched messages agreeing on one clock offset.  IKEv1 (RFC 2409) logs print no cookies on
IOS-XE 16/17: each side's address must be the other's peer (unless NAT shows in the
ports), the quick mode message ids must meet when both print some, and without them the
times must agree both ways (a later negotiation of the same tunnel gives crossing
bounds).  Two sessions of one router are never a pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..correlate import Session
from .clock import Clock
from .messages import align
from .pool import MAX_OFFSET_SECONDS, agrees, clocks, maybes, message_ids, spi
from .routers import Located

_IKE_PORT = 500


@dataclass(frozen=True, slots=True)
class Candidate:
    """Two sessions that may be one IKE SA: initiator ``a``, responder ``b``."""

    a: Located
    b: Located
    matched_on: list[str]
    message_ids: list[int]
    found: list  # type: ignore[type-arg]  # messages.align's copies
    clock: Clock

    @property
    def score(self) -> tuple[int, int, float]:
        matched = self.clock.a_to_b + self.clock.b_to_a
        return (len(self.matched_on), matched, -(self.clock.uncertainty or 0.0))


def _nat(a: Session, b: Session) -> bool:
    ports = (a.local_port, a.peer_port, b.local_port, b.peer_port)
    return any(port is not None and port != _IKE_PORT for port in ports)


def _addresses(a: Session, b: Session) -> bool | None:
    """True when each known local address is the other's peer, False when one is not,
    None when no address can be checked."""
    checks = [
        x.local == y.peer for x, y in ((a, b), (b, a)) if x.local is not None and y.peer is not None
    ]
    if not checks:
        return None
    return all(checks)


def check(a: Located, b: Located) -> Candidate | None:
    """The candidate, or None when the two sessions cannot be one IKE SA."""
    x, y = a.session, b.session
    if a.router == b.router or (x.local is not None and x.local == y.local):
        return None
    if x.role != "initiator" or y.role != "responder" or x.ike_version != y.ike_version:
        return None
    matched_on: list[str] = []
    ids: list[int] = []
    addresses = _addresses(x, y)
    if x.ike_version == 2:
        initiator_spi = spi(x.initiator_spi)
        if initiator_spi is None or initiator_spi != spi(y.initiator_spi):
            return None
        matched_on.append("initiator_spi")
        ours, theirs = spi(x.responder_spi), spi(y.responder_spi)
        if ours and theirs and ours != theirs:
            return None
        if ours and theirs:
            matched_on.append("responder_spi")
    elif addresses is False and not _nat(x, y):
        return None
    matched_on.append("roles")
    if addresses:
        matched_on.append("addresses")
    if x.peer_port == y.local_port and y.peer_port == x.local_port and x.peer_port:
        matched_on.append("ports")
    if x.ike_version == 1:
        mine, yours = message_ids(x), message_ids(y)
        if mine and yours:
            if not mine & yours:
                return None
            ids = sorted(mine & yours)
            matched_on.append("message_ids")
    found, clock = align(x, y)
    if not clock.consistent:
        return None
    if any(sent is not None and received is not None for _, _, (sent, received) in found):
        matched_on.append("message_sequence")
    if clock.basis != "none":
        matched_on.append("times")
    if x.ike_version == 1 and not ids and clock.basis != "both_directions":
        return None  # addresses and a message sequence alone: any negotiation of the tunnel
    return Candidate(a, b, matched_on, ids, found, clock)


def candidates(
    located: Sequence[Located], max_offset: float = MAX_OFFSET_SECONDS
) -> list[Candidate]:
    """Pairs, each session in one at most: the candidates that agree with their routers'
    clock first (:mod:`.pool`), then the best-supported."""
    found = maybes(located, max_offset)
    agreed = clocks(found)
    first = [c for m in found if agrees(m, agreed) if (c := check(m.a, m.b)) is not None]
    settled = {_end(side) for c in first for side in (c.a, c.b)}
    second = [
        c
        for m in found
        if not agrees(m, agreed) and _end(m.a) not in settled and _end(m.b) not in settled
        if (c := check(m.a, m.b)) is not None
    ]
    ranked = [
        *sorted(first, key=lambda c: c.score, reverse=True),
        *sorted(second, key=lambda c: c.score, reverse=True),
    ]
    taken: set[tuple[str, int, int]] = set()
    kept: list[Candidate] = []
    for candidate in ranked:
        ends = [_end(candidate.a), _end(candidate.b)]
        if any(end in taken for end in ends):
            continue
        taken.update(ends)
        kept.append(candidate)
    return kept


def _end(side: Located) -> tuple[str, int, int]:
    return (side.file, side.group, side.session.id)
