"""Session models: one IKE SA negotiation, its messages, exchanges, child SAs and findings.

Field names are a public contract, documented in docs/sessions.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from ..events.base import Frozen, Proxy

Outcome = Literal["established", "failed", "incomplete"]
Party = Literal["local", "peer"]
Version = Literal[1, 2]
SessionRole = Literal["initiator", "responder"]


class SessionMessage(Frozen):
    """One IKE message of the session as the ladder draws it."""

    line: int
    timestamp: datetime | None = None
    timestamp_raw: str | None = None
    direction: Literal["sent", "received"]
    label: str
    exchange: str | None = None
    response: bool | None = None
    message_id: int | None = None
    payloads: list[str] = Field(default_factory=list)
    retransmission: bool = False


class Exchange(Frozen):
    """A request and its response (IKEv2), or the messages of one IKEv1 mode or node."""

    name: str
    message_id: int | None = None
    initiated_by: Party | None = None
    request_lines: list[int] = Field(default_factory=list)
    response_line: int | None = None
    retransmissions: int = 0
    notifies: list[str] = Field(default_factory=list)
    complete: bool = False


class ChildSa(Frozen):
    """An IPsec SA pair the session negotiated: selectors, transforms, SPIs."""

    local_proxy: Proxy | None = None
    remote_proxy: Proxy | None = None
    transforms: list[str] = Field(default_factory=list)
    spis: list[str] = Field(default_factory=list)
    established: bool = False
    lines: list[int] = Field(default_factory=list)


#: What a row of a finding's ``proposals`` is (docs/sessions.md, "Proposals").
ProposalWhat = Literal[
    "ike", "esp", "ah", "isakmp_policy", "transform_set", "traffic_selectors", "identity"
]


def _absent(value: Any) -> bool:
    # The finding fields below are left out of the JSON when empty: a finding gains them
    # only where the log printed what they hold.
    return value is None or value == []


class Proposal(Frozen):
    """One row of what a finding compares, as the log printed it: a proposal one side
    made, a peer's transform checked against one of this router's ISAKMP policies, a
    transform set, or a pair of traffic selectors."""

    #: Whose values ``attributes`` holds: this router's (``local``) or the peer's.
    side: Party
    what: ProposalWhat
    #: Proposal number (IKEv2 proposal, IKEv1 IPsec proposal) or, for ``isakmp_policy``,
    #: the number of the peer's transform.
    number: int | None = None
    #: The priority of the local ISAKMP policy the peer's transform was checked against.
    priority: int | None = None
    #: Attribute name -> value as printed (vocabulary in docs/sessions.md).
    attributes: dict[str, str] = Field(default_factory=dict)
    #: IOS's verdict on this row: true accepted, false refused, null not printed.
    accepted: bool | None = None
    #: The attributes IOS said did not match (``Hash algorithm offered does not match
    #: policy!`` gives ``hash``).
    mismatched: list[str] = Field(default_factory=list)
    line: int


class Finding(Frozen):
    """Why a session failed (or what went wrong on the way), with the lines it rests on."""

    reason: str
    summary: str
    exchange: str | None = None
    evidence: list[int]
    hint: str
    recovered: bool = False
    #: A finer cause than the reason, when the log shows one (``pfs``, ``certificate_expired``).
    cause: str | None = Field(default=None, exclude_if=_absent)
    #: What each side proposed or checked, for the reasons about proposals and selectors.
    proposals: list[Proposal] = Field(default_factory=list, exclude_if=_absent)
    #: One line naming what differs, when the log shows it; null otherwise.
    mismatch: str | None = Field(default=None, exclude_if=_absent)


class Session(Frozen):
    """One IKE SA negotiation with one peer, as the log tells it."""

    kind: Literal["session"] = "session"
    #: The session's first line: unique in a log, stable across batch and streaming.
    id: int
    host: str | None = None
    ike_version: Version | None = None
    peer: str | None = None
    peer_port: int | None = None
    local: str | None = None
    local_port: int | None = None
    role: SessionRole | None = None
    initiator_spi: str | None = None
    responder_spi: str | None = None
    session_ids: list[int] = Field(default_factory=list)
    sa_ids: list[int] = Field(default_factory=list)
    conn_ids: list[int] = Field(default_factory=list)
    first_line: int
    last_line: int
    started: datetime | None = None
    ended: datetime | None = None
    duration_seconds: float | None = None
    packets_sent: int = 0
    packets_received: int = 0
    retransmissions: int = 0
    outcome: Outcome
    reason: str | None = None
    batfish_status: str | None = None
    closed_by: Party | None = None
    findings: list[Finding] = Field(default_factory=list)
    exchanges: list[Exchange] = Field(default_factory=list)
    messages: list[SessionMessage] = Field(default_factory=list)
    child_sas: list[ChildSa] = Field(default_factory=list)
    lines: list[int] = Field(default_factory=list)
    #: Events a session that lived long let go of (``Correlator(max_events=...)``, past
    #: 10,000): not in ``messages``, ``exchanges`` or ``lines``, counted in the packets.
    events_omitted: int = Field(default=0, exclude_if=lambda value: value == 0)
