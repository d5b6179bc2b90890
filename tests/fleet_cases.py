"""What tests/test_dask.py and tests/test_spark.py compare: the same files through one
process and through an engine, by counts and by verdict per session key."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from conftest import fixture_logs

from ike_debuglog import correlate, fleet, parse_file
from ike_debuglog.arrow import EVENTS_SCHEMA, SESSIONS_SCHEMA, sessions_table
from ike_debuglog.pairing.routers import located_sessions

YEAR = 2026
_GENERATOR = Path(__file__).parent.parent / "benchmarks" / "generate.py"


def _generate() -> Any:
    spec = importlib.util.spec_from_file_location("generate", _GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generated_set(folder: Path, *, files: int = 4, size: int = 300_000) -> list[str]:
    """Seeded generated logs (benchmarks/generate.py), a few hundred kB each."""
    generate = _generate()
    paths = []
    for seed in range(files):
        path = folder / f"generated-{seed}.log"
        generate.generate(size, seed, path)
        paths.append(str(path))
    return paths


def cut_log(folder: Path, *, size: int = 300_000) -> tuple[str, list[str], int]:
    """A generated log, whole and cut in two at a record boundary near its middle (a log
    rotated mid-negotiation): (whole, [first half, second half], last line of the first)."""
    whole = folder / "whole.log"
    _generate().generate(size, 99, whole)
    lines = whole.read_text(encoding="ascii").splitlines(keepends=True)
    cut = next(n for n in range(len(lines) // 2, len(lines)) if re.match(r"\d{6}: ", lines[n]))
    halves = [folder / "rotated-1.log", folder / "rotated-2.log"]
    halves[0].write_text("".join(lines[:cut]), encoding="ascii")
    halves[1].write_text("".join(lines[cut:]), encoding="ascii")
    return str(whole), [str(half) for half in halves], cut


def inputs(folder: Path) -> list[str]:
    """Every fixture log and the generated set."""
    return [str(path) for path in fixture_logs()] + generated_set(folder)


def event_counts_here(files: Iterable[str]) -> Counter[tuple[str, str]]:
    """(file, kind) -> events, by parse_file in this process."""
    return Counter((file, event.kind) for file in files for event in parse_file(file, year=YEAR))


def event_counts(table: pa.Table) -> Counter[tuple[str, str]]:
    rows = zip(table["file"].to_pylist(), table["kind"].to_pylist(), strict=True)
    return Counter(rows)


def sessions_here(files: Iterable[str]) -> pa.Table:
    """The sessions of the files as ``ike-debuglog sessions FILES...`` finds them in one
    process: stage 1 per file, then each router's files rejoined."""
    found = located_sessions([fleet.file_result(file, year=YEAR) for file in files])
    return pa.concat_tables(sessions_table([item.session], file=item.file) for item in found)


def _wall(value: Any) -> Any:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def verdicts(table: pa.Table) -> Counter[tuple[Any, ...]]:
    """(host, version, peer, SPIs, start, outcome, reason) of each session: what must not
    depend on the engine (line numbers aside: a file's own)."""
    names = ("host", "ike_version", "peer", "initiator_spi", "responder_spi", "started")
    rows = table.select([*names, "outcome", "reason"]).to_pylist()
    return Counter(tuple(_wall(row[name]) for name in row) for row in rows)


def verdicts_of_models(files: Iterable[str]) -> Counter[tuple[Any, ...]]:
    """The same for each file correlated alone by the public API, in this process."""
    found: Counter[tuple[Any, ...]] = Counter()
    for file in files:
        for s in correlate(parse_file(file, year=YEAR)):
            key = (s.host, s.ike_version, s.peer, s.initiator_spi, s.responder_spi)
            found[(*key, _wall(s.started), s.outcome, s.reason)] += 1
    return found


def cut_sessions(whole: str, cut: int) -> int:
    """Sessions of the whole log with lines on both sides of the cut."""
    return sum(
        1 for s in correlate(parse_file(whole, year=YEAR)) if min(s.lines) <= cut < max(s.lines)
    )


def conformed(table: pa.Table, what: str) -> pa.Table:
    """An engine's table in the Arrow schema (Spark's decimal SPIs back to uint64)."""
    return table.cast(EVENTS_SCHEMA if what == "events" else SESSIONS_SCHEMA)


def writes_what_one_process_writes(
    command: str, files: list[str], engine: list[str], capsys: Any
) -> None:
    """``command`` on five of ``files`` with the ``engine`` options prints what it prints
    in one process, byte for byte."""
    from ike_debuglog import cli

    chosen = files[:3] + files[-2:]
    here = [command, *chosen, "--year", str(YEAR), "--format", "jsonl"]
    assert cli.main([*here, "--workers", "1"]) == 0
    expected = capsys.readouterr().out
    assert cli.main([*here, *engine]) == 0
    assert capsys.readouterr().out == expected
    assert expected.count("\n") > (1000 if command == "events" else 50)
