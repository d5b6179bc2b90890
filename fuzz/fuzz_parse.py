"""Coverage-guided fuzz target for framing, grammars, steps and correlation (atheris).

Run it (docs/input.md, Fuzzing)::

    python3 -m pip install '.[fuzz]'
    mkdir -p fuzz/corpus && cp tests/fixtures/*/*.log fuzz/corpus/
    python3 fuzz/fuzz_parse.py fuzz/corpus -max_len=65536 -max_total_time=1800

Each input is split into lines and parsed end to end; :func:`check` asserts what the
library promises for any input: no exception, and event spans that cover every line
exactly once.  A crashing input is written to ``crash-*``: keep it in
``tests/fuzz_regressions/``, which a test replays through :func:`check`.
"""

from __future__ import annotations

import sys

from ike_debuglog import correlate, parse_lines


def check(data: bytes) -> None:
    """Parse ``data`` end to end; raise AssertionError if a line is lost or counted twice."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    events = list(parse_lines(lines, year=2026))
    covered = 0
    for event in events:
        if event.line != covered + 1 or event.end_line < event.line:
            raise AssertionError(f"span {event.line}-{event.end_line} after line {covered}")
        covered = event.end_line
    if covered != len(lines):
        raise AssertionError(f"{covered} of {len(lines)} lines accounted for")
    correlate(events)


def main() -> None:
    import atheris  # only the fuzzer needs it; the regression test imports check alone

    atheris.instrument_all()
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
