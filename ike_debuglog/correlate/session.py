"""From the events of one session to its verdict: outcome, reason, times, counts.

A pure function of the session's events, so batch and streaming correlation agree by
construction; the rules that name a failure are in ``rules.py`` and docs/sessions.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from ..events import Event, Ikev1Message, IpsecSaRequest, IpsecValidateProposal, SyslogMessage
from .child_sas import child_sas
from .draft import Draft
from .ikev1 import ikev1_draft
from .ikev2 import ikev2_draft
from .models import Outcome, Session, Version
from .reasons import batfish_status
from .rules import IKEV1_RULES, IKEV2_RULES, apply

#: Priority of reasons when several findings fail a session: the cause before its effects.
_LOW_PRIORITY: Final = frozenset({"deleted_by_peer", "internal_error", "error_notify"})


@dataclass(slots=True)
class Omitted:
    """What a long-lived session let go of (``Correlator(max_events=...)``): its events
    and packets, still counted in the session."""

    events: int = 0
    sent: int = 0
    received: int = 0
    retransmissions: int = 0

    def add(self, events: Sequence[Event], version: Version | None) -> None:
        self.events += len(events)
        for message in _draft(events, version).messages:
            self.sent += message.direction == "sent"
            self.received += message.direction == "received"
            self.retransmissions += message.retransmission


def _draft(events: Sequence[Event], version: Version | None) -> Draft:
    if version == 2:
        return ikev2_draft(events)
    if version == 1:
        return ikev1_draft(events)
    return Draft()


def build_session(
    events: Sequence[Event],
    version: Version | None,
    peer: str | None,
    omitted: Omitted | None = None,
) -> Session:
    """The session made of ``events`` (in input order); its id is its first line, unique
    in the log and the same whether sessions were correlated in a batch or streamed.
    ``omitted``: what the session let go of, counted in its packets."""
    draft = _draft(events, version)
    if version == 2:
        apply(IKEV2_RULES, events, draft)
    elif version == 1:
        apply(IKEV1_RULES, events, draft)
    gone = omitted or Omitted()
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
    started, ended = _span(events)
    duration = None
    if started is not None and ended is not None:
        duration = round((ended - started).total_seconds(), 6)
    local = (
        draft.local
        or next(
            (
                e.local.address
                for e in events
                if isinstance(e, IpsecSaRequest | IpsecValidateProposal) and e.local
            ),
            None,
        )
        or _inserted_peer(events, peer)
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
        sa_ids=sorted(
            {
                said
                for e in events
                if e.kind.startswith("ikev2") and (said := getattr(e, "sa_id", None)) is not None
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
        packets_sent=gone.sent + sum(1 for m in draft.messages if m.direction == "sent"),
        packets_received=gone.received
        + sum(1 for m in draft.messages if m.direction == "received"),
        retransmissions=gone.retransmissions + sum(1 for m in draft.messages if m.retransmission),
        events_omitted=gone.events,
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
        child_sas=child_sas(events),
        lines=[e.line for e in events],
    )


def _span(events: Sequence[Event]) -> tuple[datetime | None, datetime | None]:
    """The first and last moment of a session: the earliest and the latest stamp, so time
    never runs backwards (interleaved hosts, a clock set back).  Stamps with and without a
    zone do not compare: those of the first event's kind are used."""
    stamps = [e.timestamp for e in events if e.timestamp is not None]
    if not stamps:
        return None, None
    aware = stamps[0].tzinfo is not None
    alike = [stamp for stamp in stamps if (stamp.tzinfo is not None) == aware]
    return min(alike), max(alike)


#: ``Trying to insert a peer <local>/<peer>/<port>/``: where an IKEv1 responder's log may
#: name its own address, and nowhere else.
_INSERT_PEER: Final = re.compile(r"Trying to insert a peer ([^/\s]+)/([^/\s]+)/")


def _inserted_peer(events: Sequence[Event], peer: str | None) -> str | None:
    for event in events:
        if isinstance(event, Ikev1Message):
            found = _INSERT_PEER.match(event.message)
            if found is not None and found[2] == peer:
                return found[1]
    return None


__all__ = ["Omitted", "build_session"]
