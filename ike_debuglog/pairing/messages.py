"""Each message one side sent, matched with its reception by the other.

Messages are grouped by what they are (exchange, label, message id) and by sender; a
group whose copies were all received zips in order.  Where copies are missing (lost, or
outside a log), the copies kept are the ones in order whose transit times agree best:
with the bounds the complete groups give, then with one another (a retransmission timer
shows in both logs), then the latest sent.  A copy sent and never received is lost when
the receiver's log covers the moment it should have arrived.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations
from math import comb
from typing import Final

from ..correlate import Session, SessionMessage
from .clock import SLACK_SECONDS, Clock, estimate, seconds
from .models import PairMessage, SideName

#: The most ways of choosing which copies arrived that are tried one by one; past it
#: the first copies are taken (a group of that many copies is a router in a loop).
CHOICES: Final = 2_000

_Key = tuple[str | None, str, int | None]
_Match = tuple[SessionMessage | None, SessionMessage | None]


@dataclass(frozen=True, slots=True)
class _Group:
    sender: SideName
    sent: list[SessionMessage]
    received: list[SessionMessage]


def _key(message: SessionMessage) -> _Key:
    return (message.exchange, message.label, message.message_id)


def _groups(a: Session, b: Session) -> list[_Group]:
    groups: list[_Group] = []
    for sender, source, target in (("a", a, b), ("b", b, a)):
        sent: dict[_Key, list[SessionMessage]] = defaultdict(list)
        received: dict[_Key, list[SessionMessage]] = defaultdict(list)
        for message in source.messages:
            if message.direction == "sent":
                sent[_key(message)].append(message)
        for message in target.messages:
            if message.direction == "received":
                received[_key(message)].append(message)
        for key in dict.fromkeys([*sent, *received]):
            groups.append(_Group(sender, sent.get(key, []), received.get(key, [])))  # type: ignore[arg-type]
    return groups


def _delta(sent: SessionMessage, received: SessionMessage) -> float | None:
    if sent.timestamp is None or received.timestamp is None:
        return None
    return seconds(received.timestamp, sent.timestamp)


def _clock(groups: Sequence[_Group], matched: dict[int, list[_Match]]) -> Clock:
    deltas: dict[SideName, list[float]] = {"a": [], "b": []}
    for index, pairs in matched.items():
        for sent, received in pairs:
            if sent is not None and received is not None:
                delta = _delta(sent, received)
                if delta is not None:
                    deltas[groups[index].sender].append(delta)
    return estimate(deltas["a"], deltas["b"])


def _score(sender: SideName, pairs: list[_Match], clock: Clock) -> tuple[float, float, float]:
    """(how far the transit times break the bounds known, their spread, their sum)."""
    deltas = [d for s, r in pairs if s and r and (d := _delta(s, r)) is not None]
    if not deltas:
        return (0.0, 0.0, 0.0)
    broken = 0.0
    for delta in deltas:
        # a->b: delta = offset + delay >= low; b->a: -delta = offset - delay <= high.
        if sender == "a" and clock.low is not None:
            broken += max(0.0, clock.low - delta - SLACK_SECONDS)
        if sender == "b" and clock.high is not None:
            broken += max(0.0, -delta - clock.high - SLACK_SECONDS)
    return (broken, max(deltas) - min(deltas), sum(deltas))


def _best(group: _Group, clock: Clock) -> list[_Match]:
    """The copies that arrived, matched in order (see the module's docstring)."""
    sent, received = group.sent, group.received
    if not sent or not received:
        return []
    if len(sent) == len(received):
        return list(zip(sent, received, strict=True))
    short, long_ = (sent, received) if len(sent) < len(received) else (received, sent)
    if comb(len(long_), len(short)) > CHOICES:
        chosen = [tuple(range(len(short)))]
    else:
        chosen = list(combinations(range(len(long_)), len(short)))
    best: list[_Match] = []
    best_score: tuple[float, float, float] | None = None
    for picked in chosen:
        kept = [long_[k] for k in picked]
        pairs: list[_Match] = (
            list(zip(short, kept, strict=True))
            if short is sent
            else list(zip(kept, short, strict=True))
        )
        score = _score(group.sender, pairs, clock)
        if best_score is None or score < best_score:
            best, best_score = pairs, score
    return best


def align(a: Session, b: Session) -> tuple[list[tuple[SideName, int, _Match]], Clock]:
    """Every copy of every message of the two sessions, as (sender, n-th copy, (sent,
    received)), and the clock offset the matched ones give."""
    groups = _groups(a, b)
    settled = {
        k: _best(g, Clock())
        for k, g in enumerate(groups)
        if g.sent and len(g.sent) == len(g.received)
    }
    first = _clock(groups, settled)
    for k, group in enumerate(groups):
        if k not in settled:
            settled[k] = _best(group, first)
    clock = _clock(groups, settled)
    found: list[tuple[SideName, int, _Match]] = []
    for k, group in enumerate(groups):
        pairs = settled[k]
        took_received = {id(r) for _, r in pairs}
        by_sent = {id(s): r for s, r in pairs}
        for nth, message in enumerate(group.sent):
            found.append((group.sender, nth, (message, by_sent.get(id(message)))))
        found.extend(
            (group.sender, nth, (None, message))
            for nth, message in enumerate(group.received)
            if id(message) not in took_received
        )
    return found, clock


def _shift(stamp: datetime | None, by: float | None) -> datetime | None:
    if stamp is None or by is None:
        return None
    return stamp.replace(tzinfo=None) + timedelta(seconds=by)


def pair_messages(
    found: Sequence[tuple[SideName, int, _Match]],
    clock: Clock,
    covers: dict[SideName, tuple[datetime, datetime] | None],
) -> list[PairMessage]:
    """The messages of the pair in time order on a's clock (``covers``: each side's
    first and last stamp, to tell lost from unknown)."""
    back = None if clock.offset is None else -clock.offset
    messages: list[PairMessage] = []
    for sender, nth, (sent, received) in found:
        shown = sent or received
        assert shown is not None
        to_a = {"a": 0.0, "b": back}
        receiver: SideName = "b" if sender == "a" else "a"
        lost: bool | None = False
        if received is None:
            lost = _lost(sent, sender, receiver, clock, covers)
        messages.append(
            PairMessage(
                sender=sender,
                exchange=shown.exchange,
                label=shown.label,
                message_id=shown.message_id,
                response=shown.response,
                retransmission=nth,
                sent_line=sent.line if sent else None,
                sent_time=sent.timestamp if sent else None,
                received_line=received.line if received else None,
                received_time=received.timestamp if received else None,
                sent_time_a_clock=_shift(sent.timestamp if sent else None, to_a[sender]),
                received_time_a_clock=_shift(
                    received.timestamp if received else None, to_a[receiver]
                ),
                lost=lost,
            )
        )
    messages.sort(key=_order)
    return messages


def _lost(
    sent: SessionMessage | None,
    sender: SideName,
    receiver: SideName,
    clock: Clock,
    covers: dict[SideName, tuple[datetime, datetime] | None],
) -> bool | None:
    span = covers.get(receiver)
    if sent is None or sent.timestamp is None or clock.offset is None or span is None:
        return None
    arrival = _shift(sent.timestamp, clock.offset if sender == "a" else -clock.offset)
    assert arrival is not None
    return True if span[0] <= arrival <= span[1] else None


def _order(message: PairMessage) -> tuple[datetime, int, int]:
    when = message.sent_time_a_clock or message.received_time_a_clock or datetime.max
    a_line = message.sent_line if message.sender == "a" else message.received_line
    b_line = message.received_line if message.sender == "a" else message.sent_line
    return (when, a_line if a_line is not None else 1 << 62, b_line or 0)
