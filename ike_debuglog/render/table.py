"""A readable table of events for the terminal: line, time, kind and what happened."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from ..drift import DriftTemplate
from ..events import (
    Endpoint,
    EventBase,
    Ikev1Attribute,
    Ikev1Message,
    Ikev1Packet,
    Ikev1State,
    Ikev1Status,
    Ikev2Packet,
    Ikev2Payloads,
    Ikev2Policy,
    Ikev2State,
    Ikev2Status,
    IpsecSaRequest,
    IpsecValidateProposal,
    LoggingHeader,
    SyslogMessage,
    Unrecognized,
)


def _endpoint(value: Endpoint | None) -> str:
    if value is None:
        return "?"
    return value.address if value.port is None else f"{value.address}:{value.port}"


def describe(event: EventBase) -> str:
    """A one-line summary of an event, for people."""
    if isinstance(event, Ikev2Packet):
        arrow = "->" if event.direction == "sent" else "<-"
        kind = "RESPONSE" if event.response else "REQUEST"
        payloads = " ".join(p.raw for p in event.payloads or [])
        spis = f" {event.initiator_spi}/{event.responder_spi}" if event.initiator_spi else ""
        return (
            f"{arrow} {_endpoint(event.remote)} {event.exchange or '?'} {kind} "
            f"mid={event.message_id}{spis} {payloads}".rstrip()
        )
    if isinstance(event, Ikev1Packet):
        arrow = "->" if event.direction == "sent" else "<-"
        again = " (retransmission)" if event.retransmission else ""
        port = f" (local port {event.local_port})" if event.local_port is not None else ""
        return f"{arrow} {_endpoint(event.remote)} {event.state}{port}{again}"
    if isinstance(event, Ikev1State):
        return f"{event.old_state} -> {event.new_state}"
    if isinstance(event, Ikev1Status | Ikev1Message):
        return event.message
    if isinstance(event, Ikev1Attribute):
        return f"{event.attribute} {event.value}"
    if isinstance(event, Ikev2Payloads):
        return "contains " + " ".join(p.raw for p in event.payloads)
    if isinstance(event, Ikev2State):
        return f"{event.state} on {event.event} ({event.initiator_spi}/{event.responder_spi})"
    if isinstance(event, Ikev2Policy):
        values = [v for k, v in event.model_dump(exclude={"kind", "step"}).items() if k in _POLICY]
        return f"{event.step} " + " ".join(str(v) for v in values if v is not None)
    if isinstance(event, Ikev2Status):
        return event.message
    if isinstance(event, IpsecSaRequest | IpsecValidateProposal):
        proxies = ""
        if event.local_proxy and event.remote_proxy:
            proxies = (
                f" {event.local_proxy.network}/{event.local_proxy.prefix_length} <-> "
                f"{event.remote_proxy.network}/{event.remote_proxy.prefix_length}"
            )
        return (
            f"{event.direction or ''} {_endpoint(event.local)} -> {_endpoint(event.remote)}"
            f"{proxies} {' '.join(event.transforms or [])}".strip()
        )
    if isinstance(event, SyslogMessage):
        return f"%{event.facility}-{event.severity}-{event.mnemonic}: {event.message}"
    if isinstance(event, Unrecognized | LoggingHeader):
        return event.text.replace("\n", " | ")
    fields = event.model_dump(
        exclude={
            "kind",
            "line",
            "end_line",
            "timestamp",
            "timestamp_raw",
            "clock_authoritative",
            "sequence",
            "host",
            "session_id",
            "conn_id",
            "channel",
        },
        exclude_none=True,
    )
    return " ".join(f"{key}={value}" for key, value in fields.items())


_POLICY = frozenset(
    {"identity", "identity_type", "profile", "keyring", "peer_block", "policy", "local_address",
     "auth_method", "key_length", "outcome", "detail"}
)  # fmt: skip


def events_table(events: Iterable[EventBase], *, title: str | None = None) -> Table:
    """A rich table with one row per event."""
    table = Table(show_lines=False, header_style="bold", title=title)
    table.add_column("line", justify="right", no_wrap=True)
    table.add_column("time", no_wrap=True)
    table.add_column("host")
    table.add_column("kind", no_wrap=True)
    table.add_column("session", justify="right")
    table.add_column("step", no_wrap=True)
    table.add_column("what")
    for event in events:
        # IKEv2 records name their session id, IKEv1 records their ISAKMP connection id.
        session = getattr(event, "session_id", None)
        if event.kind.startswith("ikev1_"):
            session = getattr(event, "conn_id", None)
        table.add_row(
            str(event.line) if event.line == event.end_line else f"{event.line}-{event.end_line}",
            event.timestamp_raw or "",
            event.host or "",
            event.kind,
            "" if session is None else str(session),
            getattr(event, "step", None) if isinstance(event, Ikev1Packet) else "",
            describe(event),
        )
    return table


def drift_table(templates: Iterable[DriftTemplate]) -> Table:
    """The unknown crypto wording of a log, most frequent first."""
    table = Table(title="Crypto records no grammar knows", title_justify="left")
    for column, justify in (("count", "right"), ("first line", "right"), ("family", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    table.add_column("template", overflow="fold")
    for template in templates:
        table.add_row(
            str(template.count), str(template.first_line), template.family, template.template
        )
    return table
