"""Which sessions are worth checking as a pair, cheaply, before :func:`.match.check`
aligns their messages.

IKEv2 sessions meet on their initiator SPI.  IKEv1 sessions meet on a quick mode message
id both print or, printing none, on time: a responder session that started within
``max_offset`` seconds of the initiator's, the two routers' clocks being at most that far
apart.  A router that retries a refused main mode every minute gives each of its sessions
dozens of look-alike partners on the other router; what tells the true ones apart is
that the two routers have one clock offset: each candidate gets a rough offset from its
first message matched each way, the offset most candidates of a router pair agree on is
the pair's clock, and candidates far from it are checked only for sessions that found
nothing nearer.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from ..correlate import Session, SessionMessage
from .clock import seconds
from .routers import Located

#: How far apart two routers' printed clocks may be for IKEv1 sessions that share no
#: quick mode message id to be paired (IKEv2 and shared ids are not bounded).
MAX_OFFSET_SECONDS: Final = 3600.0
#: Rough offsets closer than this are one clock (IOS retries are seconds apart: 2 s in
#: IKEv2, 10 s in IKEv1 main mode, a new negotiation a minute later).
AGREE_SECONDS: Final = 1.0
_ZERO = "0" * 16


@dataclass(frozen=True, slots=True)
class Maybe:
    """Two sessions worth checking, initiator first, and their rough offset (b - a)."""

    a: Located
    b: Located
    rough: float | None

    @property
    def routers(self) -> tuple[Hashable, Hashable]:
        return (self.a.router, self.b.router)


def spi(value: str | None) -> str | None:
    """An SPI as a key: upper case, None when absent or zero."""
    return None if not value or value.strip("0") == "" else value.upper()


def message_ids(session: Session) -> set[int]:
    """The IKEv1 quick mode and informational message ids a session prints."""
    return {
        m.message_id
        for m in session.messages
        if m.exchange in ("quick_mode", "informational") and m.message_id
    }


def _key(message: SessionMessage) -> tuple[str | None, str, int | None]:
    return (message.exchange, message.label, message.message_id)


def _first_delta(sender: Session, receiver: Session) -> float | None:
    """``received - sent`` of the first message ``sender`` sent that ``receiver`` got."""
    got: dict[tuple[str | None, str, int | None], datetime] = {}
    for message in receiver.messages:
        if message.direction == "received" and message.timestamp is not None:
            got.setdefault(_key(message), message.timestamp)
    for message in sender.messages:
        if message.direction == "sent" and message.timestamp is not None:
            arrived = got.get(_key(message))
            if arrived is not None:
                return seconds(arrived, message.timestamp)
    return None


def rough_offset(a: Session, b: Session) -> float | None:
    """b's clock minus a's from the first message each way (midpoint of the two), or
    from one way."""
    there, back = _first_delta(a, b), _first_delta(b, a)
    if there is not None and back is not None:
        return (there - back) / 2
    if there is not None:
        return there
    return -back if back is not None else None


def _start(session: Session) -> datetime | None:
    return session.started.replace(tzinfo=None) if session.started else None


def _near(
    item: Located, timed: list[tuple[datetime, int, Located]], max_offset: float
) -> list[Located]:
    start = _start(item.session)
    if start is None:
        return []
    window = timedelta(seconds=max_offset)
    low = bisect_left(timed, (start - window,), key=lambda t: t[:1])
    high = bisect_right(timed, (start + window,), key=lambda t: t[:1])
    return [other for _, _, other in timed[low:high]]


def maybes(located: Sequence[Located], max_offset: float = MAX_OFFSET_SECONDS) -> list[Maybe]:
    """Every (initiator, responder) worth checking, once, with its rough offset."""
    by_spi: dict[str, list[Located]] = defaultdict(list)
    by_id: dict[int, list[Located]] = defaultdict(list)
    timed: list[tuple[datetime, int, Located]] = []
    for number, item in enumerate(located):
        session = item.session
        if session.role != "responder":
            continue
        if session.ike_version == 2 and (key := spi(session.initiator_spi)):
            by_spi[key].append(item)
        elif session.ike_version == 1:
            for identifier in message_ids(session):
                by_id[identifier].append(item)
            if (start := _start(session)) is not None:
                timed.append((start, number, item))
    timed.sort(key=lambda t: (t[0], t[1]))
    found: list[Maybe] = []
    for item in located:
        session = item.session
        if session.role != "initiator":
            continue
        others: dict[int, Located] = {}
        if session.ike_version == 2:
            others.update((id(o), o) for o in by_spi.get(spi(session.initiator_spi) or "", []))
        elif session.ike_version == 1:
            for identifier in message_ids(session):
                others.update((id(o), o) for o in by_id.get(identifier, []))
            others.update((id(o), o) for o in _near(item, timed, max_offset))
        found.extend(
            Maybe(item, other, rough_offset(session, other.session))
            for other in others.values()
            if other.router != item.router
        )
    return found


def clocks(found: Sequence[Maybe]) -> dict[tuple[Hashable, Hashable], float]:
    """Per pair of routers, the rough offset most candidates agree on (within
    :data:`AGREE_SECONDS`)."""
    by_routers: dict[tuple[Hashable, Hashable], list[float]] = defaultdict(list)
    for maybe in found:
        if maybe.rough is not None:
            by_routers[maybe.routers].append(maybe.rough)
    agreed: dict[tuple[Hashable, Hashable], float] = {}
    for routers, offsets in by_routers.items():
        offsets.sort()
        best, best_count, low = offsets[0], 0, 0
        for high, value in enumerate(offsets):
            while value - offsets[low] > 2 * AGREE_SECONDS:
                low += 1
            if high - low + 1 > best_count:
                best_count = high - low + 1
                best = offsets[(low + high) // 2]
        agreed[routers] = best
    return agreed


def agrees(maybe: Maybe, agreed: dict[tuple[Hashable, Hashable], float]) -> bool:
    """Whether a candidate's rough offset is the clock of its two routers (or unknown)."""
    clock = agreed.get(maybe.routers)
    return maybe.rough is None or clock is None or abs(maybe.rough - clock) <= AGREE_SECONDS
