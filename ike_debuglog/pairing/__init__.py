"""Both routers of a tunnel: sessions of two logs paired into one IKE SA seen from both
ends, with the clock offset between the logs, what was lost in transit, one verdict
from both sides' evidence and the mismatch side by side (docs/pairing.md).

Pairing comes after the sessions of each file (and the rejoin of a router's rotated
files): ``located_sessions(results)`` then ``pair_sessions(located, coverage(results))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import PurePath

from ..correlate import Session
from .match import Candidate, candidates
from .messages import pair_messages
from .mismatch import side_by_side
from .models import (
    MismatchRow,
    Pair,
    PairFinding,
    PairKey,
    PairMessage,
    PairMismatch,
    PairSide,
    SideName,
)
from .pool import MAX_OFFSET_SECONDS
from .routers import Coverage, Located, coverage, located_sessions, router_groups
from .verdict import exchange, explanation, outcome, reason, refused_by

__all__ = [
    "Coverage",
    "Located",
    "MismatchRow",
    "Pair",
    "PairFinding",
    "PairKey",
    "PairMessage",
    "PairMismatch",
    "PairSide",
    "coverage",
    "located_sessions",
    "pair_files",
    "pair_sessions",
    "router_groups",
]


def _label(item: Located) -> str:
    return item.session.host or PurePath(item.file).stem


def _side(item: Located, label: str) -> PairSide:
    session = item.session
    return PairSide(
        file=item.file,
        host=session.host,
        session_id=session.id,
        first_line=session.first_line,
        last_line=session.last_line,
        role=session.role,
        address=session.local,
        port=session.local_port,
        peer=session.peer,
        label=label,
        outcome=session.outcome,
        reason=session.reason,
    )


def _endpoint(address: str | None, port: int | None) -> str | None:
    if address is None:
        return None
    return f"{address}:{port}" if port is not None else address


def _key(candidate: Candidate) -> PairKey:
    x, y = candidate.a.session, candidate.b.session
    return PairKey(
        initiator_spi=x.initiator_spi if x.ike_version == 2 else None,
        responder_spi=(y.responder_spi or x.responder_spi) if x.ike_version == 2 else None,
        initiator=_endpoint(x.local or y.peer, x.local_port or y.peer_port),
        responder=_endpoint(y.local or x.peer, y.local_port or x.peer_port),
        message_ids=candidate.message_ids,
        matched_on=candidate.matched_on,
    )


def _covers(item: Located, covered: Coverage) -> tuple[datetime, datetime] | None:
    span = covered.get((item.file, item.session.host))
    if span is not None:
        return span
    session = item.session  # no coverage given: the session's own span
    if session.started is None or session.ended is None:
        return None
    return (session.started.replace(tzinfo=None), session.ended.replace(tzinfo=None))


def _pair(candidate: Candidate, covered: Coverage) -> Pair:
    sessions: dict[SideName, Session] = {"a": candidate.a.session, "b": candidate.b.session}
    labels: dict[SideName, str] = {"a": _label(candidate.a), "b": _label(candidate.b)}
    if labels["a"] == labels["b"]:
        labels = {"a": labels["a"] + " (a)", "b": labels["b"] + " (b)"}
    clock = candidate.clock
    messages = pair_messages(
        candidate.found,
        clock,
        {"a": _covers(candidate.a, covered), "b": _covers(candidate.b, covered)},
    )
    refuser = refused_by(sessions)
    why = reason(sessions, refuser) if outcome(*sessions.values()) != "established" else None
    mismatch = side_by_side(sessions, labels, why, refuser)
    if mismatch is not None and mismatch.what == "pre_shared_key" and any(m.lost for m in messages):
        mismatch = None  # the key is proven different only when the messages arrived
    return Pair(
        ike_version=sessions["a"].ike_version,
        a=_side(candidate.a, labels["a"]),
        b=_side(candidate.b, labels["b"]),
        key=_key(candidate),
        outcome=outcome(sessions["a"], sessions["b"]),
        reason=why,
        refused_by=refuser if why else None,
        exchange=exchange(sessions, why),
        explanation=explanation(
            messages, labels, refuser, why, mismatch.sentence if mismatch else None
        ),
        findings=[
            PairFinding(side=side, **finding.model_dump())
            for side in ("a", "b")
            for finding in sessions[side].findings
        ],
        clock_offset_seconds=clock.offset,
        clock_offset_uncertainty_seconds=clock.uncertainty,
        clock_offset_low_seconds=clock.low,
        clock_offset_high_seconds=clock.high,
        clock_offset_basis=clock.basis,
        clock_matched_a_to_b=clock.a_to_b,
        clock_matched_b_to_a=clock.b_to_a,
        messages=messages,
        lost_a_to_b=sum(1 for m in messages if m.lost and m.sender == "a"),
        lost_b_to_a=sum(1 for m in messages if m.lost and m.sender == "b"),
        mismatch=mismatch,
    )


def pair_files(
    paths: Sequence[str], *, year: int | None = None, timezone: str | None = None
) -> list[Pair]:
    """The pairs among the logs of several routers (files or URLs; a syslog server's file
    pairs its hosts): each file read whole, in this process."""
    from ..fleet import file_result

    results = [file_result(path, year=year, timezone=timezone) for path in paths]
    return pair_sessions(located_sessions(results), coverage(results))


def pair_sessions(
    located: Sequence[Located],
    covered: Coverage | None = None,
    *,
    max_offset_seconds: float = MAX_OFFSET_SECONDS,
) -> list[Pair]:
    """The pairs among sessions of several routers (needs them all: a batch step), in
    the order of a's file and first line.  ``covered``: each log's first and last stamp
    (:func:`coverage`), to tell a lost message from one the receiver's log does not
    reach; without it a session's own span is used.  ``max_offset_seconds``: how far apart
    two routers' clocks may be for IKEv1 sessions that share no quick mode message id."""
    pairs = [_pair(c, covered or {}) for c in candidates(located, max_offset_seconds)]
    order = {item.file: k for k, item in enumerate(located)}
    pairs.sort(key=lambda p: (order.get(p.a.file, 0), p.a.session_id))
    return pairs
