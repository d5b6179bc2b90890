"""Rewrite tests/fixtures/**/<case>.expected.jsonl (events) and <case>.sessions.jsonl
(correlated sessions) from the library's current output.

Run ``python scripts/regen_expected.py [LOG ...]`` after a deliberate change (every fixture,
or only the logs named), then read every diff (``git diff tests/fixtures``) before
committing it: the expectations are the review.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from ike_debuglog import correlate, parse_file
from ike_debuglog.render.jsonl import to_json_line

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def main(argv: list[str]) -> int:
    logs = [Path(arg).resolve() for arg in argv] or sorted(FIXTURES.rglob("*.log"))
    for log in logs:
        meta = yaml.safe_load(log.with_suffix(".meta.yaml").read_text(encoding="utf-8"))
        events = list(parse_file(log, year=meta["year"]))
        lines = [to_json_line(event) + "\n" for event in events]
        log.with_suffix(".expected.jsonl").write_text("".join(lines), encoding="utf-8")
        sessions = [session.model_dump_json() + "\n" for session in correlate(events)]
        log.with_suffix(".sessions.jsonl").write_text("".join(sessions), encoding="utf-8")
        print(f"{log.relative_to(FIXTURES)}: {len(lines)} events, {len(sessions)} sessions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
