"""The clock offset between two routers, from messages one sent and the other received.

A message a sends at a's stamp ``s`` and b receives at b's stamp ``r`` gives
``r - s = offset + delay``: as the one-way delay is never negative, the offset (b's clock
minus a's) is at most ``r - s``.  A message b sends gives ``r - s = -offset + delay``, so
the offset is at least ``s - r``.  The tightest bounds of both directions hold the
offset; their midpoint is the estimate and half their width its uncertainty (the delays
both ways alike, it is exact).  With one direction only, the bound is all there is.
The offset is between the printed clocks: stamps are read as printed, zone or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .models import ClockBasis

#: Stamps print milliseconds: bounds that cross by less than this still agree.
SLACK_SECONDS = 0.002


@dataclass(frozen=True, slots=True)
class Clock:
    """An offset estimate and what it rests on (the fields of the ``pair`` document)."""

    offset: float | None = None
    uncertainty: float | None = None
    low: float | None = None
    high: float | None = None
    basis: ClockBasis = "none"
    a_to_b: int = 0
    b_to_a: int = 0

    @property
    def consistent(self) -> bool:
        """False when the bounds cross: the messages matched are not one negotiation."""
        return self.low is None or self.high is None or self.low <= self.high + SLACK_SECONDS


def seconds(later: datetime, earlier: datetime) -> float:
    """``later - earlier`` between printed clocks (a zone, if printed, is not applied)."""
    return (later.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds()


def estimate(a_to_b: Sequence[float], b_to_a: Sequence[float]) -> Clock:
    """The offset from ``received - sent`` of the messages a sent (``a_to_b``) and of those
    b sent (``b_to_a``), each in its own router's clock."""
    high = min(a_to_b) if a_to_b else None
    low = max(-delta for delta in b_to_a) if b_to_a else None
    ab, ba = len(a_to_b), len(b_to_a)
    if high is not None and low is not None:
        return Clock(
            round((low + high) / 2, 6),
            round(abs(high - low) / 2, 6),
            round(low, 6),
            round(high, 6),
            "both_directions",
            ab,
            ba,
        )
    if high is not None:
        return Clock(round(high, 6), None, None, round(high, 6), "a_to_b_only", ab, ba)
    if low is not None:
        return Clock(round(low, 6), None, round(low, 6), None, "b_to_a_only", ab, ba)
    return Clock(a_to_b=ab, b_to_a=ba)
