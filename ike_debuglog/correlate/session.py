"""From the events of one session to its verdict: outcome, reason, times, counts.

A pure function of the session's events, so batch and streaming correlation agree by
construction; the rules that name a failure are in ``rules.py`` and docs/sessions.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..events import Event, IpsecSaRequest, IpsecValidateProposal, SyslogMessage
from .child_sas import child_sas
from .draft import Draft
from .ikev1 import ikev1_draft
from .ikev2 import ikev2_draft
from .models import Outcome, Session, Version
from .reasons import batfish_status
from .rules import IKEV1_RULES, IKEV2_RULES, apply

#: Priority of reasons when several findings fail a session: the cause before its effects.
_LOW_PRIORITY: Final = frozenset({"deleted_by_peer", "internal_error", "error_notify"})


def build_session(events: Sequence[Event], version: Version | None, peer: str | None) -> Session:
    """The session made of ``events`` (in input order); its id is its first line, unique
    in the log and the same whether sessions were correlated in a batch or streamed."""
    if version == 2:
        draft = ikev2_draft(events)
        apply(IKEV2_RULES, events, draft)
    elif version == 1:
        draft = ikev1_draft(events)
        apply(IKEV1_RULES, events, draft)
    else:
        draft = Draft()
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
    stamps = [e.timestamp for e in events if e.timestamp is not None]
    started, ended = (stamps[0], stamps[-1]) if stamps else (None, None)
    duration = None
    if (
        started is not None
        and ended is not None
        and (started.tzinfo is None) == (ended.tzinfo is None)
    ):
        duration = round((ended - started).total_seconds(), 6)
    local = draft.local or next(
        (
            e.local.address
            for e in events
            if isinstance(e, IpsecSaRequest | IpsecValidateProposal) and e.local
        ),
        None,
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
        packets_sent=sum(1 for m in draft.messages if m.direction == "sent"),
        packets_received=sum(1 for m in draft.messages if m.direction == "received"),
        retransmissions=sum(1 for m in draft.messages if m.retransmission),
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


__all__ = ["build_session"]
