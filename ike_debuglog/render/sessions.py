"""Sessions for people: a one-line-per-session table and the diagnosis report."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.table import Table

from ..correlate import Finding, Session
from ..correlate.models import Proposal
from ..correlate.proposals import ATTRIBUTE_ORDER

#: Evidence lines a report prints per finding (all of them are in the JSON).
_EVIDENCE_SHOWN = 8
#: Rows of a finding's proposals table a report prints (all of them are in the JSON).
_PROPOSALS_SHOWN = 12


def _duration(session: Session) -> str:
    if session.duration_seconds is None:
        return ""
    seconds = session.duration_seconds
    return f"{seconds:.3f}s" if seconds < 60 else f"{seconds / 60:.1f}min"


def spis(session: Session) -> str:
    """The SPI pair as IOS prints it (IKEv2)."""
    if session.initiator_spi:
        return f"{session.initiator_spi}/{session.responder_spi or '?'}"
    return ""


def span_and_ids(session: Session) -> str:
    """Where the session is in the log and the numbers the router gave it, by which a
    user finds it in the log: ``lines 13-89, SESSION ID 31, SA ID 1`` (IKEv2), ``lines
    4-60, conn id 1004`` (IKEv1).  The session's ``id`` is its first line."""
    first, last = session.first_line, session.last_line
    found = [f"line {first}" if first == last else f"lines {first}-{last}"]
    for label, numbers in (
        ("SESSION ID", session.session_ids),
        ("SA ID", session.sa_ids),
        ("conn id", session.conn_ids),
    ):
        if numbers:
            found.append(f"{label} {','.join(str(number) for number in numbers)}")
    return ", ".join(found)


def sessions_table(sessions: Iterable[Session]) -> Table:
    """A rich table with one row per session."""
    table = Table(show_lines=False, header_style="bold")
    for column in ("session", "host", "peer", "role", "IKE", "SPIs", "outcome", "reason",
                   "duration", "packets"):  # fmt: skip
        table.add_column(column, no_wrap=column not in ("session", "reason", "peer"))
    for session in sessions:
        colour = {"established": "green", "failed": "red"}.get(session.outcome, "yellow")
        table.add_row(
            span_and_ids(session),
            session.host or "",
            session.peer or "?",
            session.role or "",
            f"v{session.ike_version}" if session.ike_version else "",
            spis(session),
            f"[{colour}]{session.outcome}[/]",
            session.reason or "",
            _duration(session),
            f"{session.packets_sent} sent, {session.packets_received} received"
            + (f", {session.retransmissions} again" if session.retransmissions else ""),
        )
    return table


def _verdict(row: Proposal) -> str:
    if row.accepted is None:
        return ""
    verdict = "accepted" if row.accepted else "refused"
    return f"{verdict}: {', '.join(row.mismatched)}" if row.mismatched else verdict


def proposals_table(finding: Finding) -> list[str]:
    """A finding's proposals as a small aligned table: whose, what, its number (and the
    ISAKMP policy it was checked against), IOS's verdict, then a column per attribute."""
    rows = finding.proposals[:_PROPOSALS_SHOWN]
    if not rows:
        return []
    names = list(dict.fromkeys(name for row in rows for name in row.attributes))
    names.sort(key=lambda n: ATTRIBUTE_ORDER.index(n) if n in ATTRIBUTE_ORDER else len(names))
    policy = any(row.priority is not None for row in rows)
    table = [["side", "what", "#", *(["policy"] if policy else []), "result", *names]]
    for row in rows:
        number = "" if row.number is None else str(row.number)
        priority = [] if not policy else ["" if row.priority is None else str(row.priority)]
        values = [row.attributes.get(name, "") for name in names]
        table.append([row.side, row.what, number, *priority, _verdict(row), *values])
    widths = [max(len(cells[i]) for cells in table) for i in range(len(table[0]))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in table
    ]
    if len(finding.proposals) > len(rows):
        text.append(f"... {len(finding.proposals) - len(rows)} more rows in the JSON")
    return text


def diagnosis(session: Session, line_text: Callable[[int], str | None]) -> list[str]:
    """The report of one session that did not come up: what failed, why, where, what to do."""
    version = f"IKEv{session.ike_version}" if session.ike_version else "IKE (version unknown)"
    where = f" on {session.host}" if session.host else ""
    head = (
        f"{version} session{where} with {session.peer or 'an unknown peer'}"
        f" ({session.role or 'role unknown'}), {span_and_ids(session)}"
    )
    lines = [head]
    if session.outcome == "incomplete":
        last = session.messages[-1].label if session.messages else "no IKE message"
        lines.append(f"  INCOMPLETE: the log ends during the negotiation (last: {last})")
    for finding in session.findings:
        if finding.recovered:
            label = f"  recovered: {finding.reason}"
        elif finding.reason == session.reason:
            label = f"  FAILED: {finding.reason}"
            if session.batfish_status:
                label += f" ({session.batfish_status})"
        else:
            label = f"  also: {finding.reason}"
        lines.append(label)
        lines.append(f"    {finding.summary}")
        if finding.mismatch:
            lines.append(f"    why: {finding.mismatch}")
        lines.extend(f"    {row}" for row in proposals_table(finding))
        shown = finding.evidence
        if len(shown) > _EVIDENCE_SHOWN:  # the first lines and the last: how it began, ended
            shown = [*shown[: _EVIDENCE_SHOWN - 2], *shown[-2:]]
        for number in shown:
            if len(finding.evidence) > len(shown) and number == shown[-2]:
                skipped = len(finding.evidence) - len(shown)
                lines.append(f"    {'...':>6}  ({skipped} more lines of evidence)")
            text = line_text(number)
            lines.append(f"    {number:>6}: {text}" if text is not None else f"    {number:>6}")
        lines.append(f"    hint: {finding.hint}")
    return lines
