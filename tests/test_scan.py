"""The bulk scan gives what the exact rules give, record for record and byte for byte.

Framing in bulk against the per-line rule (``framing.analyze_line``) and the continuation
rule stated line by line below; extraction over columns against parsing each record in
Python; JSON written from the tables against pydantic's own.  Over every fixture, logs
generated in every family and framing, and fixture logs damaged the ways logs reach us.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import polars as pl
import pytest
from conftest import fixture_logs
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import YEAR, framings, records, render
from test_mutations import damaged_log

from ike_debuglog.framing import LineInfo, analyze_line
from ike_debuglog.reading import decode_line
from ike_debuglog.render.jsonl import batch_json
from ike_debuglog.scan.extract import extract
from ike_debuglog.scan.frame import BatchFramer, analyze
from ike_debuglog.scan.records import RecordBatch

FIXTURE_LINES = [
    [decode_line(raw)[0].rstrip("\r\n") for raw in log.read_bytes().split(b"\n")][:-1]
    for log in fixture_logs()
]


def _damaged(seed: int) -> list[str]:
    return [decode_line(raw)[0].rstrip("\r\n") for raw in damaged_log(random.Random(seed))]


def _generated(log: list[tuple[Any, Any]]) -> list[str]:
    return [line for record, framing in log for line in render(record, framing)]


generated_logs = st.lists(st.tuples(records, framings()), min_size=1, max_size=10).map(_generated)


# Framing -------------------------------------------------------------------------------


def _facts(lines: Sequence[str]) -> list[LineInfo]:
    frame = analyze(pl.Series(lines, dtype=pl.String), YEAR)
    return [LineInfo(*row) for row in frame.iter_rows()]


def _line_facts_agree(lines: Sequence[str]) -> None:
    assert _facts(lines) == [analyze_line(line, YEAR) for line in lines]


@pytest.mark.parametrize("lines", FIXTURE_LINES, ids=[log.stem for log in fixture_logs()])
def test_bulk_line_facts_are_the_exact_rule_on_every_fixture(lines: list[str]) -> None:
    _line_facts_agree(lines)


@given(generated_logs, st.integers(min_value=0, max_value=10**6))
def test_bulk_line_facts_are_the_exact_rule_on_generated_and_damaged_logs(
    lines: list[str], seed: int
) -> None:
    _line_facts_agree(lines)
    _line_facts_agree(_damaged(seed))


@given(st.lists(st.text(alphabet=st.characters(codec="ascii"), max_size=60), max_size=20))
def test_bulk_line_facts_are_the_exact_rule_on_any_ascii(lines: list[str]) -> None:
    _line_facts_agree([line.replace("\n", " ") for line in lines])


def _reference(lines: Sequence[str]) -> list[tuple[Any, ...]]:
    """The continuation rule, line by line: a line continues the record before it unless
    it starts one (unprefixed lines by their text; prefixed lines unless, from the same
    host, they only ever continue, come right after a payload list header without
    starting a record themselves, or have no text); blank lines belong to the record
    before them (or, before any, to the first)."""
    found: list[tuple[Any, ...]] = []
    current: dict[str, Any] | None = None
    blanks: list[int] = []
    after = False  # the line before ended a payload list header
    for number, line in enumerate(lines, start=1):
        info = analyze_line(line.lstrip("\ufeff") if number == 1 else line, YEAR)
        pieces = info.pieces.split("\n") if info.pieces else []
        header, after = after, info.ends_contents
        if info.blank:
            if current is None:
                blanks.append(number)
            else:
                current["end"] = number
            continue
        if current is not None:
            head: LineInfo = current["head"]
            if info.has_prefix:
                goes_on = info.host == head.host and (
                    not pieces
                    or (
                        bool(current["pieces"])
                        and (info.continues_only or (header and not info.starts))
                    )
                )
            else:
                goes_on = not info.starts
            if goes_on:
                current["pieces"].extend(pieces)
                current["end"] = number
                continue
            found.append(_closed(current))
        current = {"line": blanks[0] if blanks else number, "end": number, "head": info}
        current["pieces"] = pieces
        blanks = []
    if current is not None:
        found.append(_closed(current))
    elif blanks:
        found.append((blanks[0], blanks[-1], "", None, None, None))
    return found


def _closed(record: dict[str, Any]) -> tuple[Any, ...]:
    head: LineInfo = record["head"]
    text = "\n".join(record["pieces"])
    return record["line"], record["end"], text, head.timestamp_raw, head.host, head.sequence


def _framed(lines: Sequence[str], size: int) -> list[tuple[Any, ...]]:
    framer = BatchFramer(YEAR)
    frames = [
        framer.frame(pl.Series(lines[start : start + size], dtype=pl.String))
        for start in range(0, len(lines), size)
    ]
    frames.append(framer.flush())
    columns = ["line", "end_line", "lines_text", "timestamp_raw", "host", "sequence"]
    return [row for frame in frames for row in frame.select(columns).iter_rows()]


def _records_agree(lines: list[str], sizes: Sequence[int]) -> None:
    expected = _reference(lines)
    for size in sizes:
        assert _framed(lines, size) == expected, f"batches of {size} lines"


@pytest.mark.parametrize("lines", FIXTURE_LINES, ids=[log.stem for log in fixture_logs()])
def test_records_follow_the_continuation_rule_whatever_the_batches(lines: list[str]) -> None:
    _records_agree(lines, (len(lines) + 1, 7, 1))


@given(generated_logs, st.integers(min_value=0, max_value=10**6), st.integers(1, 40))
def test_records_of_generated_and_damaged_logs_whatever_the_batches(
    lines: list[str], seed: int, size: int
) -> None:
    _records_agree(lines, (len(lines) + 1, size))
    damaged = _damaged(seed)
    _records_agree(damaged, (len(damaged) + 1, size))


# Extraction and JSON -------------------------------------------------------------------


def _framed_records(lines: Sequence[str]) -> pl.DataFrame:
    framer = BatchFramer(YEAR)
    return pl.concat([framer.frame(pl.Series(lines, dtype=pl.String)), framer.flush()])


def _json(records: pl.DataFrame, *, columns: bool) -> list[str]:
    """The batch's events as JSON: read over columns, or each record in Python."""
    extracted = extract(records, YEAR, small=0 if columns else records.height + 1)
    batch = RecordBatch.of(extracted, YEAR)
    written = batch_json(batch).get_column("json").to_list()
    # The lazy models built from the rows write the same bytes.
    assert [event.model_dump_json() for event in batch.events()] == written
    return written


def _extraction_agrees(lines: Sequence[str]) -> None:
    records = _framed_records(lines)
    assert _json(records, columns=True) == _json(records, columns=False)


@pytest.mark.parametrize("lines", FIXTURE_LINES, ids=[log.stem for log in fixture_logs()])
def test_columns_give_the_events_python_gives_on_every_fixture(lines: list[str]) -> None:
    _extraction_agrees(lines)


@given(generated_logs, st.integers(min_value=0, max_value=10**6))
def test_columns_give_the_events_python_gives_on_generated_and_damaged_logs(
    lines: list[str], seed: int
) -> None:
    _extraction_agrees(lines)
    _extraction_agrees(_damaged(seed))


@settings(max_examples=40)
@given(st.lists(st.integers(0, len(FIXTURE_LINES) - 1), min_size=2, max_size=6))
def test_columns_agree_on_fixtures_spliced_together(picks: list[int]) -> None:
    _extraction_agrees([line for pick in picks for line in FIXTURE_LINES[pick]])


def test_a_batch_travels_between_processes_as_bytes() -> None:
    lines = [line for log in FIXTURE_LINES for line in log]
    batch = RecordBatch.of(extract(_framed_records(lines), YEAR, small=0), YEAR)
    copy = RecordBatch.load(batch.dump())
    assert list(copy.events()) == list(batch.events())
    assert copy.python and copy.tables


# Lazy events ---------------------------------------------------------------------------


def _lazy_events() -> list[Any]:
    records = _framed_records(FIXTURE_LINES[0])
    events = list(RecordBatch.of(extract(records, YEAR, small=0), YEAR).events())
    assert any(_is_lazy(event) for event in events)
    return events


def _is_lazy(event: Any) -> bool:
    try:
        return object.__getattribute__(event, "_source") is not None
    except AttributeError:
        return False


def test_kind_and_span_are_read_without_building_the_event() -> None:
    for event in _lazy_events():
        lazy = _is_lazy(event)
        assert event.kind and event.line <= event.end_line
        assert _is_lazy(event) == lazy


def test_a_lazy_event_is_its_model_whole() -> None:
    import copy
    import pickle

    from ike_debuglog import EVENT_ADAPTER

    built = list(
        RecordBatch.of(extract(_framed_records(FIXTURE_LINES[0]), YEAR, small=10**9), YEAR).events()
    )
    for event, whole in zip(_lazy_events(), built, strict=True):
        assert type(event) is type(whole)
        assert event == whole and whole == event
        assert repr(event) == repr(whole)
    for check in (
        lambda e: e.model_dump(),
        EVENT_ADAPTER.dump_json,
        lambda e: pickle.loads(pickle.dumps(e)),
        copy.deepcopy,
        dict,
        lambda e: e.model_copy(update={"line": 0}).model_dump(exclude={"line"}),
    ):
        for event, whole in zip(_lazy_events(), built, strict=True):
            assert check(event) == check(whole)


# Grammars over columns -------------------------------------------------------------------


def _rules() -> list[tuple[str, Any, Any]]:
    from ike_debuglog.families import FAMILIES
    from ike_debuglog.scan.grammar import UnsupportedError, plan

    found = []
    for family in FAMILIES:
        for rule in family.every_rule():
            try:
                node = plan(rule.grammar, family.shared)
            except UnsupportedError:
                continue
            found.append((f"{family.name}/{rule.model.__name__}/{rule.name}", rule, node))
    return found


RULES = _rules()
TEXTS = sorted(
    {
        text
        for lines in FIXTURE_LINES
        for text in _framed_records(lines).get_column("text").to_list()
        if text.isascii() and text.isprintable()
    }
)


def _grammar_agrees(rule: Any, node: Any, texts: list[str]) -> None:
    from ike_debuglog.matching import items, run
    from ike_debuglog.scan.grammar import evaluate

    done = evaluate(node, pl.DataFrame({"text": texts}, schema={"text": pl.String}), "text")
    for index, text in enumerate(texts):
        expected = run(rule.grammar, text)
        assert bool(done.ok[index]) == (expected is not None), text
        if expected is None:
            continue
        # Results computed from a part (payload lists, transforms) are Python's own.
        want = {k: v for k, v in items(expected) if isinstance(v, str)}
        got = {k: v[index] for k, v in done.groups.items() if v[index] is not None}
        assert got == want, text


def test_most_rules_run_over_columns() -> None:
    assert len(RULES) >= 150


@pytest.mark.parametrize(("name", "rule", "node"), RULES, ids=[name for name, _, _ in RULES])
def test_a_grammar_over_columns_matches_as_in_python_on_every_fixture_record(
    name: str, rule: Any, node: Any
) -> None:
    _grammar_agrees(rule, node, TEXTS)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0),
            st.integers(min_value=0, max_value=300),
            st.text(alphabet=" :()[]=.-,0123456789ABCDEFxyz'%/", max_size=10),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_grammars_over_columns_match_as_in_python_on_damaged_records(
    cuts: list[tuple[int, int, str]],
) -> None:
    texts = []
    for index, cut, junk in cuts:
        text = TEXTS[index % len(TEXTS)]
        texts.append(text[:cut] + junk + text[cut:])
    for _, rule, node in RULES:
        _grammar_agrees(rule, node, texts)
