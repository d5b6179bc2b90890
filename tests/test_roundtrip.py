"""Round trip: logs generated from every record family the grammars know, in every
framing, interleaved, parse back to exactly the generated values."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from conftest import matches
from hypothesis import given
from hypothesis import strategies as st
from strategies import YEAR, Framing, Record, framings, records, render

from ike_debuglog import parse_text


@given(st.lists(st.tuples(records, framings()), min_size=1, max_size=8))
def test_generated_logs_parse_back_to_their_values(log: list[tuple[Record, Framing]]) -> None:
    lines: list[str] = []
    spans = []
    for record, framing in log:
        rendered = render(record, framing)
        spans.append((len(lines) + 1, len(lines) + len(rendered)))
        lines.extend(rendered)
    events = list(parse_text("\n".join(lines) + "\n", year=YEAR))
    dated = _dated(log)
    assert len(events) == len(log), [e.kind for e in events]
    for event, (record, framing), span, when in zip(events, log, spans, dated, strict=True):
        dumped = event.model_dump()
        expected = record[1] | framing[2] | when
        assert matches(expected, dumped), (expected, dumped)
        assert (event.line, event.end_line) == span


_PRINTED_YEAR = re.compile(r"[A-Z][a-z]{2} [ \d]\d \d{4} ")
_ISO = re.compile(r"(\d{4})-(\d\d)-\d\dT")


def _dated(log: list[tuple[Record, Framing]]) -> list[dict[str, Any]]:
    """The time stamps as the parser dates them: a stamp that prints no year follows the
    one before it, one that prints its year (or an ISO stamp) sets it (docs/fields.md,
    `timestamp`).  The framings draw each stamp on its own, in any order."""
    year, month = YEAR, None
    found: list[dict[str, Any]] = []
    for (lines, _), (first, rest, expected) in log:
        when: datetime | None = expected.get("timestamp")
        dated: dict[str, Any] = {}
        if when is not None and _PRINTED_YEAR.search(first):
            year, month = when.year, when.month
        elif when is not None:
            stamp_year = year
            if month is not None and month - when.month > 6:
                year = stamp_year = year + 1
            elif month is not None and when.month - month > 6:
                stamp_year = year - 1
            if stamp_year == year:
                month = when.month
            dated = {"timestamp": when.replace(year=stamp_year)}
        # A server that gives each line of a block a prefix of its own stamps them too.
        iso = _ISO.search(rest(1)) if len(lines) > 1 else None
        if iso is not None:
            year, month = int(iso[1]), int(iso[2])
        found.append(dated)
    return found
