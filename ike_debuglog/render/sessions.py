"""Sessions for people: a one-line-per-session table and the diagnosis report."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.table import Table

from ..correlate import Session

#: Evidence lines a report prints per finding (all of them are in the JSON).
_EVIDENCE_SHOWN = 8


def _duration(session: Session) -> str:
    if session.duration_seconds is None:
        return ""
    seconds = session.duration_seconds
    return f"{seconds:.3f}s" if seconds < 60 else f"{seconds / 60:.1f}min"


def spis(session: Session) -> str:
    """The SPI pair as IOS prints it, or the ISAKMP connection ids for IKEv1."""
    if session.initiator_spi:
        return f"{session.initiator_spi}/{session.responder_spi or '?'}"
    if session.conn_ids:
        return "conn " + ",".join(str(conn) for conn in session.conn_ids)
    return ""


def sessions_table(sessions: Iterable[Session]) -> Table:
    """A rich table with one row per session."""
    table = Table(show_lines=False, header_style="bold")
    for column in ("id", "host", "peer", "role", "IKE", "SPIs", "outcome", "reason", "duration",
                   "packets", "lines"):  # fmt: skip
        table.add_column(column, no_wrap=column not in ("reason", "peer"))
    for session in sessions:
        colour = {"established": "green", "failed": "red"}.get(session.outcome, "yellow")
        table.add_row(
            str(session.id),
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
            f"{session.first_line}-{session.last_line}",
        )
    return table


def diagnosis(session: Session, line_text: Callable[[int], str | None]) -> list[str]:
    """The report of one session that did not come up: what failed, why, where, what to do."""
    version = f"IKEv{session.ike_version}" if session.ike_version else "IKE version unknown"
    where = f" on {session.host}" if session.host else ""
    head = (
        f"Session {session.id}{where}: {version} with {session.peer or 'an unknown peer'}"
        f" ({session.role or 'role unknown'}), lines {session.first_line}-{session.last_line}"
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
