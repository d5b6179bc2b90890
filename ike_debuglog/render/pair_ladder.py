"""Both routers of a pair as columns: the two-sided ladder (text and Mermaid), the pairs
table and the ``diagnose`` report of a pair.  Each message is drawn from the router that
sent it to the one that received it, with the line number in each log; a message lost
in transit ends in an ``X`` short of its receiver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.table import Table

from ..pairing import Pair, PairMessage
from ..pairing.models import SideName

_WIDTH = 46
_EVIDENCE_SHOWN = 8


def _clock(stamp: datetime | None) -> str:
    return stamp.strftime("%H:%M:%S.%f")[:-3] if stamp else ""


def _label(message: PairMessage) -> str:
    label = message.label
    if message.message_id is not None and message.exchange and message.exchange.isupper():
        label += f" mid={message.message_id}"
    elif message.message_id:
        label += f" id={message.message_id}"
    if message.retransmission:
        label += f" (copy {message.retransmission + 1})"
    return label


def _arrow(message: PairMessage) -> str:
    label = f" {_label(message)} "
    if len(label) > _WIDTH - 6:
        label = label[: _WIDTH - 7] + "~ "
    body = label.center(_WIDTH - 4, "-")
    if message.sender == "a":
        return f"|-{body}{'X ' if message.lost else '->'}|"
    return f"|{' X' if message.lost else '<-'}{body}-|"


def _lines(message: PairMessage) -> tuple[int | None, int | None]:
    if message.sender == "a":
        return message.sent_line, message.received_line
    return message.received_line, message.sent_line


def _fate(message: PairMessage) -> str:
    if message.lost:
        return "LOST"
    if message.received_line is None and message.sent_line is not None:
        return "not received (receiver's log does not cover the time)"
    if message.sent_line is None:
        return "sender's log does not show it sent"
    return ""


def title(pair: Pair) -> str:
    version = f"IKEv{pair.ike_version}" if pair.ike_version else "IKE"
    outcome = pair.outcome + (f": {pair.reason}" if pair.reason else "")
    return (
        f"{version} pair: {pair.a.label} ({pair.a.file} lines {pair.a.first_line}-"
        f"{pair.a.last_line}, {pair.a.role}) <-> {pair.b.label} ({pair.b.file} lines "
        f"{pair.b.first_line}-{pair.b.last_line}, {pair.b.role}): {outcome}"
    )


def clock_sentence(pair: Pair) -> str:
    """``hub's clock is 2.700 s ahead of spoke's (+/- 0.004 s, from 4 + 4 messages)``."""
    a, b = pair.a.label, pair.b.label
    offset = pair.clock_offset_seconds
    if offset is None:
        return f"clock offset of {b} against {a}: unknown (no matched message with time stamps)"
    way = "ahead of" if offset >= 0 else "behind"
    text = f"{b}'s clock is {abs(offset):.3f} s {way} {a}'s"
    if pair.clock_offset_basis == "both_directions":
        return (
            f"{text} (+/- {pair.clock_offset_uncertainty_seconds:.3f} s, from "
            f"{pair.clock_matched_a_to_b} messages {a}->{b} and "
            f"{pair.clock_matched_b_to_a} {b}->{a})"
        )
    one, other = (a, b) if pair.clock_offset_basis == "a_to_b_only" else (b, a)
    count = pair.clock_matched_a_to_b or pair.clock_matched_b_to_a
    bound = "at most" if pair.clock_offset_basis == "a_to_b_only" else "at least"
    return (
        f"{text}: a bound ({bound}), from {count} messages {one}->{other} only, off by the "
        "unknown one-way delay"
    )


def text_pair_ladder(pair: Pair) -> str:
    """The pair as a text ladder: time on a's clock, a's line, the arrow, b's line."""
    a, b = pair.a.label, pair.b.label
    # One header: the time column is on a's clock, then each side's line column.
    head = f"{'a clock':>12} {'a line':>6} {a:<{_WIDTH // 2}}{b:>{_WIDTH - _WIDTH // 2}} b line"
    rows = [title(pair), clock_sentence(pair), "", head]
    for message in pair.messages:
        a_line, b_line = _lines(message)
        when = _clock(message.sent_time_a_clock or message.received_time_a_clock)
        row = (
            f"{when:>12} {a_line if a_line is not None else '':>6} {_arrow(message)} "
            f"{b_line if b_line is not None else '':<6} {_fate(message)}"
        )
        rows.append(row.rstrip())
    if pair.explanation:
        rows.append(pair.explanation)
    if pair.mismatch:
        rows.append(f"mismatch: {pair.mismatch.sentence}")
    return "\n".join(rows) + "\n"


def _mermaid(text: str) -> str:
    # Mermaid reads ';' and '#' as syntax inside messages.
    return text.replace(";", ",").replace("#", "")


def mermaid_pair_ladder(pair: Pair) -> str:
    """The pair as a Mermaid ``sequenceDiagram``, one participant per router."""
    lines = [
        "sequenceDiagram",
        f"    title {_mermaid(title(pair))}",
        f"    participant A as {_mermaid(pair.a.label + ' (' + pair.a.file + ')')}",
        f"    participant B as {_mermaid(pair.b.label + ' (' + pair.b.file + ')')}",
        f"    Note over A,B: {_mermaid(clock_sentence(pair))}",
    ]
    for message in pair.messages:
        source, target = ("A", "B") if message.sender == "a" else ("B", "A")
        arrow = "-x" if message.lost else "->>"
        a_line, b_line = _lines(message)
        where = f"{pair.a.label} line {a_line or '-'}, {pair.b.label} line {b_line or '-'}"
        when = _clock(message.sent_time_a_clock or message.received_time_a_clock)
        fate = " LOST" if message.lost else ""
        text = f"{_label(message)}{fate} [{where}{', ' + when if when else ''}]"
        lines.append(f"    {source}{arrow}{target}: {_mermaid(text)}")
    if pair.reason:
        lines.append(f"    Note over A,B: {_mermaid(pair.outcome + ': ' + pair.reason)}")
    return "\n".join(lines) + "\n"


def pairs_table(pairs: list[Pair]) -> Table:
    """One row per pair: both sides, the key, the offset, what was lost, the verdict."""
    table = Table(title="pairs")
    for column in (
        "a (initiator)",
        "b (responder)",
        "paired on",
        "b - a clock",
        "lost",
        "outcome",
        "reason",
    ):
        table.add_column(column)
    for pair in pairs:
        offset = pair.clock_offset_seconds
        clock = "" if offset is None else f"{offset:+.3f}s"
        if pair.clock_offset_uncertainty_seconds is not None:
            clock += f" +/-{pair.clock_offset_uncertainty_seconds:.3f}"
        elif offset is not None:
            clock += " (bound)"
        table.add_row(
            f"{pair.a.label} {pair.a.file}:{pair.a.first_line}",
            f"{pair.b.label} {pair.b.file}:{pair.b.first_line}",
            ", ".join(pair.key.matched_on),
            clock,
            f"{pair.lost_a_to_b} a->b, {pair.lost_b_to_a} b->a",
            pair.outcome,
            pair.reason or "",
        )
    return table


def pair_diagnosis(pair: Pair, line_text: Callable[[SideName, int], str | None]) -> list[str]:
    """The report of a pair: the verdict from both logs, each side's own, the clock,
    what was lost, the mismatch and the evidence of both files, each line labelled."""
    lines = [title(pair)]
    for side in (pair.a, pair.b):
        own = side.outcome + (f": {side.reason}" if side.reason else "")
        lines.append(f"  {side.label} alone: {own}")
    if pair.reason:
        refused = pair.a.label if pair.refused_by == "a" else pair.b.label
        by = f", refused by {refused}" if pair.refused_by else ""
        where = f" in {pair.exchange}" if pair.exchange else ""
        lines.append(f"  {pair.outcome.upper()}: {pair.reason}{where}{by}")
    if pair.explanation:
        lines.append(f"  why: {pair.explanation}")
    lines.append(f"  clock: {clock_sentence(pair)}")
    for message in pair.messages:
        if message.lost:
            sender, receiver = (pair.a, pair.b) if message.sender == "a" else (pair.b, pair.a)
            lines.append(
                f"  lost: {_label(message)} sent by {sender.label} ({sender.file} line "
                f"{message.sent_line}, {_clock(message.sent_time)}) never reached "
                f"{receiver.label}"
            )
    if pair.mismatch:
        mismatch = pair.mismatch
        offerer = pair.a if mismatch.offered_by == "a" else pair.b
        expecter = pair.b if mismatch.offered_by == "a" else pair.a
        lines.append(f"  mismatch: {mismatch.sentence}")
        lines.append(
            f"    {'attribute':<16} {offerer.label + ' offers':<32} "
            f"{expecter.label + ' expects':<32} differs"
        )
        for row in mismatch.rows:
            differs = {True: "yes", False: "no", None: "?"}[row.differs]
            lines.append(
                f"    {row.attribute:<16} {row.offered or '(not printed)':<32} "
                f"{row.expected or '(not printed)':<32} {differs}"
            )
    for finding in pair.findings:
        side = pair.a if finding.side == "a" else pair.b
        lines.append(f"  {side.label}: {finding.reason}: {finding.summary}")
        shown = finding.evidence[:_EVIDENCE_SHOWN]
        for number in shown:
            text = line_text(finding.side, number)
            lines.append(f"    {side.file}:{number}: {text if text is not None else ''}".rstrip())
        if len(finding.evidence) > len(shown):
            lines.append(f"    ... {len(finding.evidence) - len(shown)} more lines of evidence")
        lines.append(f"    hint: {finding.hint}")
    return lines
