"""Ladder (sequence) diagrams of a session: the two peers side by side and each message
as an arrow between them, as the initiator/responder figures of RFC 7296 and RFC 2409
draw an exchange.  Plain text for the terminal, Mermaid ``sequenceDiagram`` for docs."""

from __future__ import annotations

from ..correlate import Session, SessionMessage
from .sessions import span_and_ids

_WIDTH = 44


def _label(message: SessionMessage) -> str:
    label = message.label
    if message.message_id is not None and message.exchange and message.exchange.isupper():
        label += f" mid={message.message_id}"
    if message.retransmission:
        label += " (again)"
    return label


def _arrow(message: SessionMessage) -> str:
    label = f" {_label(message)} "
    if len(label) > _WIDTH - 4:
        label = label[: _WIDTH - 5] + "~ "
    if message.direction == "sent":
        body = label.center(_WIDTH - 2, "-")
        return f"|{body}>|"
    body = label.center(_WIDTH - 2, "-")
    return f"|<{body}|"


def _ends(session: Session) -> tuple[str, str]:
    local = session.local or "local"
    if session.local_port is not None and session.local:
        local += f":{session.local_port}"
    peer = session.peer or "peer"
    if session.peer_port is not None:
        peer += f":{session.peer_port}"
    role = session.role or "role unknown"
    return f"{local} (this router, {role})", f"{peer} (peer)"


def _title(session: Session) -> str:
    """``IKEv2 session on R1 (lines 15-41, SESSION ID 41, SA ID 1): established``: the line
    span (``--session`` takes its first line) and the numbers the router printed."""
    version = f"IKEv{session.ike_version}" if session.ike_version else "IKE"
    outcome = session.outcome + (f": {session.reason}" if session.reason else "")
    where = f" on {session.host}" if session.host else ""
    return f"{version} session{where} ({span_and_ids(session)}): {outcome}"


def text_ladder(session: Session) -> str:
    """The session as a text ladder: time, line, arrow and payloads of every message."""
    local, peer = _ends(session)
    stamp_width = max([len(m.timestamp_raw or "") for m in session.messages] + [4])
    pad = " " * (stamp_width + 8)
    lines = [_title(session), "", f"{pad}{local}", f"{pad}{'':<{_WIDTH - len(peer)}}{peer}"]
    for message in session.messages:
        payloads = " ".join(message.payloads)
        stamp = (message.timestamp_raw or "").rjust(stamp_width)
        lines.append(f"{stamp} {message.line:>6} {_arrow(message)} {payloads}".rstrip())
    for finding in session.findings:
        state = "recovered" if finding.recovered else "finding"
        lines.append(f"{state}: {finding.reason}: {finding.summary}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    # Mermaid reads ';' and '#' as syntax inside messages.
    return text.replace(";", ",").replace("#", "")


def mermaid_ladder(session: Session) -> str:
    """The session as a Mermaid ``sequenceDiagram``."""
    local, peer = _ends(session)
    lines = [
        "sequenceDiagram",
        f"    title {_mermaid_text(_title(session))}",
        f"    participant L as {_mermaid_text(local)}",
        f"    participant P as {_mermaid_text(peer)}",
    ]
    for message in session.messages:
        arrow = "-x" if message.retransmission else "->>"
        source, target = ("L", "P") if message.direction == "sent" else ("P", "L")
        text = _label(message)
        if message.payloads:
            text += f": {' '.join(message.payloads)}"
        when = (
            f" [line {message.line}{', ' + message.timestamp_raw if message.timestamp_raw else ''}]"
        )
        lines.append(f"    {source}{arrow}{target}: {_mermaid_text(text + when)}")
    for finding in session.findings:
        state = "recovered" if finding.recovered else "failed"
        lines.append(f"    Note over L,P: {state}: {finding.reason}")
    return "\n".join(lines) + "\n"
