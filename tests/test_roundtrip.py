"""Round trip: logs generated from every record family the grammars know, in every
framing, interleaved, parse back to exactly the generated values."""

from __future__ import annotations

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
    assert len(events) == len(log), [e.kind for e in events]
    for event, (record, framing), span in zip(events, log, spans, strict=True):
        dumped = event.model_dump()
        expected = record[1] | framing[2]
        assert matches(expected, dumped), (expected, dumped)
        assert (event.line, event.end_line) == span
