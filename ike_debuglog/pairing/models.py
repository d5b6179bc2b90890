"""The ``pair`` document: one IKE SA seen from both routers.

Field names are a public contract, documented in docs/pairing.md (a test checks that
every field is there).  Side ``a`` is the IKE SA's initiator, ``b`` its responder; times
``*_a_clock`` are on a's printed clock, so the two logs read on one axis.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from ..correlate.models import Finding, Outcome, SessionRole, Version
from ..events.base import Frozen

#: Which router of the pair: ``a`` (the initiator) or ``b`` (the responder).
SideName = Literal["a", "b"]
#: What the clock offset rests on: send/receive pairs in both directions (an estimate with
#: an uncertainty), one direction only (a bound, off by the unknown one-way delay), none.
ClockBasis = Literal["both_directions", "a_to_b_only", "b_to_a_only", "none"]
MismatchWhat = Literal["ike", "esp", "traffic_selectors", "pre_shared_key", "identity"]


class PairSide(Frozen):
    """One router's session of the pair, and that log's own verdict."""

    file: str
    host: str | None = None
    #: The session's ``id`` in that log (its first line).
    session_id: int
    first_line: int
    last_line: int
    role: SessionRole | None = None
    #: This router's address and port, as its log prints them (null when it never does).
    address: str | None = None
    port: int | None = None
    #: The other router's address as this one sees it (after NAT: may differ from the
    #: other side's ``address``).
    peer: str | None = None
    #: How the text output names this router: the host, else the file's name.
    label: str
    outcome: Outcome
    reason: str | None = None


class PairKey(Frozen):
    """What the two sessions were paired on."""

    initiator_spi: str | None = None
    responder_spi: str | None = None
    #: ``address:port`` of the initiator and of the responder.
    initiator: str | None = None
    responder: str | None = None
    #: IKEv1 quick mode (and informational) message ids both logs print.
    message_ids: list[int] = Field(default_factory=list)
    #: ISAKMP cookies, when the logs print them (IOS-XE 16/17 debug lines do not).
    cookies: str | None = None
    #: The facts that held, in the order checked: ``initiator_spi``, ``responder_spi``,
    #: ``roles``, ``addresses``, ``ports``, ``message_ids``, ``message_sequence``, ``times``.
    matched_on: list[str] = Field(default_factory=list)


class PairMessage(Frozen):
    """One IKE message (one copy of it), from the line that sent it to the line that
    received it."""

    sender: SideName
    exchange: str | None = None
    label: str
    message_id: int | None = None
    response: bool | None = None
    #: The n-th copy the sender sent of this message: 0 the first, 1 the first
    #: retransmission (or re-sent response), ...
    retransmission: int = 0
    sent_line: int | None = None
    sent_time: datetime | None = None
    received_line: int | None = None
    received_time: datetime | None = None
    #: ``sent_time`` and ``received_time`` on a's clock (b's stamps minus the offset).
    sent_time_a_clock: datetime | None = None
    received_time_a_clock: datetime | None = None
    #: true: sent and never received although the receiver's log covers that time; false:
    #: received; null: not received and the receiver's log does not cover the time (or the
    #: clock offset is unknown), so nothing is known.
    lost: bool | None = None


class MismatchRow(Frozen):
    """One attribute: what one side offered and what the other expected."""

    attribute: str
    offered: str | None = None
    expected: str | None = None
    #: null when one of the two is not in the logs.
    differs: bool | None = None


class PairMismatch(Frozen):
    """What one side offered next to what the other expected."""

    what: MismatchWhat
    offered_by: SideName
    expected_by: SideName
    rows: list[MismatchRow] = Field(default_factory=list)
    #: The attributes that differ, where both values are known, or where the refusing side's
    #: log proves it refused that attribute (the key, the PFS group, the identity).
    differing: list[str] = Field(default_factory=list)
    #: false when what the refusing side expected is configuration no debug line prints.
    expected_in_logs: bool = True
    #: One line: ``spoke offers AES-CBC-128 / SHA256 / group 14, hub expects ...``.
    sentence: str
    #: The lines each side prints the values on.
    lines_a: list[int] = Field(default_factory=list)
    lines_b: list[int] = Field(default_factory=list)


class PairFinding(Finding):
    """A finding of one side's session (its evidence lines are that side's file)."""

    side: SideName


class Pair(Frozen):
    """One IKE SA negotiation seen from both routers."""

    kind: Literal["pair"] = "pair"
    ike_version: Version | None = None
    a: PairSide
    b: PairSide
    key: PairKey
    outcome: Outcome
    reason: str | None = None
    #: The side whose log refuses the negotiation (sends the error notify), if any.
    refused_by: SideName | None = None
    exchange: str | None = None
    #: One or two sentences that need both logs: what was lost, who refused what.
    explanation: str | None = None
    findings: list[PairFinding] = Field(default_factory=list)
    #: b's printed clock minus a's, in seconds; with ``clock_offset_basis`` one-directional
    #: it is the bound (the true offset is that minus the unknown one-way delay for
    #: ``a_to_b_only``, plus it for ``b_to_a_only``).
    clock_offset_seconds: float | None = None
    #: Half the width of the bounds (both directions only): the offset is within
    #: ``clock_offset_seconds`` plus or minus this.
    clock_offset_uncertainty_seconds: float | None = None
    #: The tightest bounds the matched messages give: b->a messages a low bound, a->b a
    #: high bound (null where no message gives one).
    clock_offset_low_seconds: float | None = None
    clock_offset_high_seconds: float | None = None
    clock_offset_basis: ClockBasis = "none"
    #: How many messages sent by one side were matched with their reception by the other.
    clock_matched_a_to_b: int = 0
    clock_matched_b_to_a: int = 0
    messages: list[PairMessage] = Field(default_factory=list)
    lost_a_to_b: int = 0
    lost_b_to_a: int = 0
    mismatch: PairMismatch | None = None
