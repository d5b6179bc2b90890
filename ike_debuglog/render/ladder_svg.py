"""Ladders as inline SVG, for the HTML report: lanes (routers) and arrows (messages)
between any two of them, so that one router's view of a session and a pair of routers'
(docs/pairing.md) are drawn alike; lost messages end in a cross."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..correlate import Session, SessionMessage
from ..pairing import Pair

#: Messages a ladder draws.
ARROWS: Final = 150


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Lane:
    """A column of the ladder: a router (``title``) and what it is here (``note``)."""

    title: str
    note: str = ""


@dataclass(frozen=True)
class Arrow:
    """One message from lane ``start`` to lane ``end``.  ``lines`` are where each side
    logged it (``52``, or ``hub 52`` / ``spoke 17`` when paired); a ``lost`` message
    was sent and never received, and stops half way."""

    start: int
    end: int
    label: str
    lines: tuple[str, ...]
    time: str = ""
    payloads: str = ""
    again: bool = False
    lost: bool = False


_LADDER_WIDTH: Final = 760


_GUTTER: Final = 150


_ROW: Final = 44


_HEAD: Final = 54


def fit(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "\u2026"


def ladder_svg(lanes: Sequence[Lane], arrows: Sequence[Arrow], notes: Sequence[str] = ()) -> str:
    """The ladder as inline SVG: a lane per router, an arrow per message (dashed when
    retransmitted, cut short with a cross when lost), time and line numbers on the left,
    and ``notes`` (the findings) across the lanes at the bottom."""
    span = (_LADDER_WIDTH - _GUTTER - 140) / max(len(lanes) - 1, 1)
    xs = [_GUTTER + 70 + span * i for i in range(len(lanes))]
    height = _HEAD + _ROW * len(arrows) + 30 * len(notes) + 16
    parts = [
        f'<svg class="ladder" viewBox="0 0 {_LADDER_WIDTH} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>ladder</title>'
    ]
    for x, lane in zip(xs, lanes, strict=True):
        parts.append(
            f'<text class="lane" x="{x:.0f}" y="16">{_e(fit(lane.title, 34))}</text>'
            f'<text class="lane-note" x="{x:.0f}" y="32">{_e(fit(lane.note, 40))}</text>'
            f'<line class="life" x1="{x:.0f}" y1="40" x2="{x:.0f}" y2="{height - 8}"/>'
        )
    for row, arrow in enumerate(arrows):
        parts.append(_arrow_svg(arrow, xs, _HEAD + _ROW * row + 22))
    top = _HEAD + _ROW * len(arrows)
    for row, note in enumerate(notes):
        y = top + 30 * row
        parts.append(
            f'<rect class="note" x="{xs[0] - 10:.0f}" y="{y:.0f}" '
            f'width="{xs[-1] - xs[0] + 20:.0f}" height="24" rx="4"/>'
            f'<text class="note-text" x="{(xs[0] + xs[-1]) / 2:.0f}" y="{y + 16:.0f}">'
            f"{_e(fit(note, 90))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _arrow_svg(arrow: Arrow, xs: Sequence[float], y: float) -> str:
    x1, x2 = xs[arrow.start], xs[arrow.end]
    tip = x1 + (x2 - x1) / 2 if arrow.lost else x2
    way = 1 if x2 > x1 else -1
    kind = "msg again" if arrow.again else "msg"
    label = arrow.label + (" (again)" if arrow.again else "") + (" (lost)" if arrow.lost else "")
    middle = (x1 + x2) / 2
    full = " ".join(part for part in (label, arrow.payloads) if part)
    parts = [
        f'<g class="{kind}"><title>{_e(full)}</title>',
        f'<text class="when" x="4" y="{y - 4:.0f}">{_e(fit(arrow.time, 22))}</text>',
        f'<text class="where" x="4" y="{y + 10:.0f}">line {_e(fit(" / ".join(arrow.lines), 20))}'
        "</text>",
        f'<text class="label" x="{middle:.0f}" y="{y - 6:.0f}">{_e(fit(label, 56))}</text>',
        f'<line x1="{x1:.0f}" y1="{y:.0f}" x2="{tip:.0f}" y2="{y:.0f}"/>',
    ]
    if arrow.lost:
        parts.append(f'<path class="cross" d="M{tip - 6:.0f} {y - 6:.0f}l12 12m0 -12l-12 12"/>')
    else:
        parts.append(f'<path class="head" d="M{tip:.0f} {y:.0f}l{-10 * way} -5v10z"/>')
    if arrow.payloads:
        parts.append(
            f'<text class="payloads" x="{middle:.0f}" y="{y + 14:.0f}">'
            f"{_e(fit(arrow.payloads, 80))}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _clock(message: SessionMessage) -> str:
    if message.timestamp is not None:
        return message.timestamp.strftime("%H:%M:%S.%f")[:-3]
    return message.timestamp_raw or ""


def _message_label(message: SessionMessage) -> str:
    label = message.label
    if message.message_id is not None and message.exchange and message.exchange.isupper():
        label += f" mid={message.message_id}"
    return label


def one_sided_ladder(session: Session) -> tuple[list[Lane], list[Arrow]]:
    """The lanes (this router, the peer) and arrows of a session seen from one side."""
    local = session.local or "this router"
    if session.local and session.local_port is not None:
        local += f":{session.local_port}"
    peer = session.peer or "peer"
    if session.peer and session.peer_port is not None:
        peer += f":{session.peer_port}"
    lanes = [
        Lane(local, f"{session.host or 'this router'}, {session.role or 'role unknown'}"),
        Lane(peer, "peer"),
    ]
    arrows = [
        Arrow(
            start=0 if message.direction == "sent" else 1,
            end=1 if message.direction == "sent" else 0,
            label=_message_label(message),
            lines=(str(message.line),),
            time=_clock(message),
            payloads=" ".join(message.payloads),
            again=message.retransmission,
        )
        for message in session.messages[:ARROWS]
    ]
    return lanes, arrows


def two_sided_ladder(pair: Pair) -> tuple[list[Lane], list[Arrow]]:
    """The lanes (router a, router b) and arrows of a pair: each message from its sender
    to its receiver, with both logs' line numbers, lost ones cut short."""
    lanes = [
        Lane(pair.a.label, f"{pair.a.role or 'role unknown'}, {pair.a.file}"),
        Lane(pair.b.label, f"{pair.b.role or 'role unknown'}, {pair.b.file}"),
    ]
    arrows = []
    for message in pair.messages[:ARROWS]:
        a_line, b_line = (
            (message.sent_line, message.received_line)
            if message.sender == "a"
            else (message.received_line, message.sent_line)
        )
        label = message.label
        if message.message_id is not None and message.exchange and message.exchange.isupper():
            label += f" mid={message.message_id}"
        when = message.sent_time_a_clock or message.received_time_a_clock
        arrows.append(
            Arrow(
                start=0 if message.sender == "a" else 1,
                end=1 if message.sender == "a" else 0,
                label=label,
                lines=(str(a_line or "-"), str(b_line or "-")),  # a's lane is the left one
                time=when.strftime("%H:%M:%S.%f")[:-3] if when else "",
                payloads=f"{pair.a.label} line {a_line or '-'}, {pair.b.label} line "
                f"{b_line or '-'}" + (" (lost)" if message.lost else ""),
                again=message.retransmission > 0,
                lost=bool(message.lost),
            )
        )
    return lanes, arrows
