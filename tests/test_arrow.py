"""The Arrow schema and Parquet output: round trips, one type per field, the fast path
against the models, the CLI."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import fixture_logs, load_meta
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from strategies import YEAR

from ike_debuglog import parse_file
from ike_debuglog.arrow import (
    EVENTS_SCHEMA,
    OFFSET,
    SESSIONS_SCHEMA,
    batch_table,
    events_from_table,
    events_table,
    sessions_from_table,
    sessions_table,
)
from ike_debuglog.cli import main
from ike_debuglog.correlate import Correlator, Session
from ike_debuglog.pipeline import run
from ike_debuglog.reading import open_log
from ike_debuglog.render.schema import output_schema
from ike_debuglog.scan.extract import extract
from ike_debuglog.scan.frame import BatchFramer
from ike_debuglog.scan.records import MODELS, RecordBatch

ROOT = Path(__file__).parent.parent
LOGS = fixture_logs()
IDS = [log.stem for log in LOGS]
ZONED = ROOT / "tests" / "fixtures" / "asa" / "pastebin-ygakczt3-ftd-ikev1-syslog-pri-iso8601.log"


def _year(log: Path) -> int:
    # Cases of several logs (paired/) keep one meta file per case, not per log.
    meta = log.with_suffix(".meta.yaml")
    return int(load_meta(log)["year"]) if meta.exists() else YEAR


def _lines(log: Path) -> list[str]:
    reader = open_log(log)
    try:
        return [line for batch in reader.batches() for line in batch]
    finally:
        reader.close()


# The schema ----------------------------------------------------------------------------


def _json_types(node: Any, definitions: dict[str, Any]) -> set[str]:
    """The JSON types a JSON Schema node allows (null aside), references followed."""
    if "$ref" in node:
        return _json_types(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
    if "anyOf" in node:
        return set().union(*(_json_types(part, definitions) for part in node["anyOf"]))
    if "const" in node and "type" not in node:
        return {type(node["const"]).__name__}
    if "enum" in node and "type" not in node:
        return {type(value).__name__ for value in node["enum"]}
    kind = node.get("type")
    if kind is None or kind == "null":
        return set()
    return {kind} if isinstance(kind, str) else set(kind) - {"null"}


#: The Arrow type family each JSON type becomes.
_ARROW_OF_JSON = {
    "string": (pa.types.is_string, pa.types.is_timestamp),
    "str": (pa.types.is_string,),
    "integer": (pa.types.is_int64, pa.types.is_uint64),
    "int": (pa.types.is_int64,),
    "boolean": (pa.types.is_boolean,),
    "number": (pa.types.is_floating,),
    "array": (pa.types.is_list,),
    "object": (pa.types.is_struct, pa.types.is_map),
}


def _check_columns(schema: pa.Schema, definition: dict[str, Any], defs: dict[str, Any]) -> int:
    """Every property of a JSON Schema object has its column, of the JSON type's Arrow
    family (the JSON contract holds one type per field name: so does Arrow)."""
    checked = 0
    for name, node in definition["properties"].items():
        types_ = _json_types(node, defs)
        assert types_, name
        arrow = schema.field(name).type
        for json_type in types_:
            assert any(test(arrow) for test in _ARROW_OF_JSON[json_type]), (name, json_type, arrow)
        checked += 1
    return checked


def test_every_field_of_every_event_model_is_a_column_of_its_json_type() -> None:
    document = output_schema("event")
    defs = document["$defs"]
    kinds = {model.__name__ for model in MODELS.values()}
    assert len(kinds) == len(MODELS) > 30
    checked = sum(_check_columns(EVENTS_SCHEMA, defs[name], defs) for name in kinds)
    assert checked > 200
    assert EVENTS_SCHEMA.names[:2] == ["file", "kind"]
    assert len(set(EVENTS_SCHEMA.names)) == len(EVENTS_SCHEMA.names)


def test_every_field_of_the_session_is_a_column_of_its_json_type() -> None:
    defs = output_schema("session")["$defs"]
    assert _check_columns(SESSIONS_SCHEMA, defs["Session"], defs) == len(Session.model_fields)


def test_no_column_holds_anything_the_models_do_not() -> None:
    """The other way round: every column is a model field (or its offset, or ``file``)."""
    fields = {"file"} | {name for model in MODELS.values() for name in model.model_fields}
    for name in EVENTS_SCHEMA.names:
        assert name in fields or name.removesuffix(OFFSET) in fields, name
    sessions = {"file", *Session.model_fields}
    assert all(n in sessions or n.removesuffix(OFFSET) in sessions for n in SESSIONS_SCHEMA.names)


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [found for a in typing.get_args(annotation) for found in _nested_models(a)]


def test_nested_models_are_structs_with_all_their_fields() -> None:
    def struct_of(arrow: pa.DataType) -> pa.StructType:
        while pa.types.is_list(arrow):
            arrow = arrow.value_type
        assert pa.types.is_struct(arrow)
        return arrow

    pairs = [(EVENTS_SCHEMA, m) for m in MODELS.values()] + [(SESSIONS_SCHEMA, Session)]
    seen = 0
    for schema, model in pairs:
        for name, info in model.model_fields.items():
            for nested in _nested_models(info.annotation):
                struct = struct_of(schema.field(name).type)
                names = {struct.field(i).name for i in range(struct.num_fields)}
                assert set(nested.model_fields) <= names, (name, nested)
                seen += 1
    assert seen > 10


def test_every_column_is_named_in_docs_arrow() -> None:
    text = (ROOT / "docs" / "arrow.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([a-z_]+)`", text))
    columns = set(EVENTS_SCHEMA.names) | set(SESSIONS_SCHEMA.names)
    for schema in (EVENTS_SCHEMA, SESSIONS_SCHEMA):
        for field in schema:
            arrow = field.type
            while pa.types.is_list(arrow):
                arrow = arrow.value_type
            if pa.types.is_struct(arrow):
                columns |= {arrow.field(i).name for i in range(arrow.num_fields)}
    assert sorted(columns - named) == []


# Round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_events_round_trip_through_arrow_and_parquet(log: Path, tmp_path: Path) -> None:
    events = list(parse_file(log, year=_year(log)))
    table = events_table(events, file=log.name)
    assert table.schema == EVENTS_SCHEMA
    assert table.num_rows == len(events) > 0
    assert events_from_table(table) == events
    pq.write_table(table, tmp_path / "e.parquet")
    again = pq.read_table(tmp_path / "e.parquet")
    assert again.schema == EVENTS_SCHEMA
    back = events_from_table(again)
    assert back == events
    assert [e.model_dump_json() for e in back] == [e.model_dump_json() for e in events]


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_sessions_round_trip_through_arrow_and_parquet(log: Path, tmp_path: Path) -> None:
    sessions = list(Correlator().run(parse_file(log, year=_year(log))))
    table = sessions_table(sessions)
    assert table.schema == SESSIONS_SCHEMA
    assert sessions_from_table(table) == sessions
    pq.write_table(table, tmp_path / "s.parquet")
    back = sessions_from_table(pq.read_table(tmp_path / "s.parquet"))
    assert [s.model_dump_json() for s in back] == [s.model_dump_json() for s in sessions]


@pytest.mark.parametrize("zone", [None, "Europe/Paris", "America/Los_Angeles", "UTC"])
def test_time_stamps_keep_their_wall_clock_and_offset(zone: str | None) -> None:
    log = (
        ROOT
        / "tests"
        / "fixtures"
        / "ikev1"
        / "composed-initiator-psk-mismatch-mm5-retransmits.log"
    )
    events = list(parse_file(log, year=_year(log), timezone=zone))
    stamped = [e for e in events if e.timestamp is not None]
    assert stamped
    table = events_table(events)
    walls = table.column("timestamp").to_pylist()
    offsets = table.column("timestamp" + OFFSET).to_pylist()
    for event, wall, offset in zip(events, walls, offsets, strict=True):
        stamp = event.timestamp
        if stamp is None:
            assert wall is None and offset is None
            continue
        assert wall == stamp.replace(tzinfo=None)  # the clock as printed
        utc = stamp.utcoffset()
        assert offset == (None if utc is None else utc.total_seconds())
    assert events_from_table(table) == events
    assert [e.model_dump_json() for e in events_from_table(table)] == [
        e.model_dump_json() for e in events
    ]


def test_a_log_that_names_its_zone_gives_offsets() -> None:
    table = events_table(parse_file(ZONED, year=_year(ZONED)))
    offsets = set(table.column("timestamp" + OFFSET).drop_null().to_pylist())
    assert offsets  # the ISO stamps of this FTD log carry their zone
    assert events_from_table(table) == list(parse_file(ZONED, year=_year(ZONED)))


# The fast path -------------------------------------------------------------------------


def _framed(lines: list[str], year: int) -> Any:
    framer = BatchFramer(year)
    return pl.concat([framer.frame(pl.Series(lines, dtype=pl.String)), framer.flush()])


def _fast_equals_models(batch: RecordBatch) -> pa.Table:
    fast = batch_table(batch, file="a.log")
    assert fast.schema == EVENTS_SCHEMA
    assert fast.equals(events_table(batch.events(), file="a.log"))
    kept = batch_table(batch, unrecognized=False)
    assert kept.equals(events_table(e for e in batch.events() if e.kind != "unrecognized"))
    return fast


@pytest.mark.parametrize("log", LOGS, ids=IDS)
def test_the_fast_path_is_the_model_path_on_every_fixture(log: Path) -> None:
    year = _year(log)
    records = _framed(_lines(log), year)
    _fast_equals_models(RecordBatch.of(extract(records, year, small=0), year))
    python = RecordBatch.of(extract(records, year, small=records.height + 1), year)
    assert not python.tables
    _fast_equals_models(python)
    for batch in run([_lines(log)], year=year):  # as the pipeline gives them
        _fast_equals_models(batch)


def test_the_fast_path_keeps_zones_and_options() -> None:
    for zone in (None, "Asia/Kolkata", "America/St_Johns"):
        lines = _lines(ROOT / "examples" / "syslog-server.log")
        for batch in run([lines], year=YEAR, timezone=zone):
            table = _fast_equals_models(batch)
            assert table.num_rows == len(batch)


@settings(max_examples=30)
@given(st.lists(st.integers(0, len(LOGS) - 1), min_size=2, max_size=5), st.booleans())
def test_the_fast_path_on_fixtures_spliced_together(picks: list[int], columns: bool) -> None:
    lines = [line for pick in picks for line in _lines(LOGS[pick])]
    records = _framed(lines, YEAR)
    small = 0 if columns else records.height + 1
    batch = RecordBatch.of(extract(records, YEAR, small=small), YEAR)
    assert bool(batch.tables) == columns
    _fast_equals_models(batch)


def test_an_empty_batch_is_an_empty_table() -> None:
    assert batch_table(RecordBatch()).equals(EVENTS_SCHEMA.empty_table())


# The command line ----------------------------------------------------------------------


def _jsonl(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines()]


def test_events_parquet_has_a_row_per_json_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = LOGS[0]
    year = str(_year(log))
    expected = _jsonl(capsys, "events", str(log), "--year", year)
    assert (
        main(["events", str(log), "--year", year, "--format", "parquet", "-o", str(tmp_path)]) == 0
    )
    frame = pl.read_parquet(tmp_path / "events.parquet")
    assert frame.height == len(expected)
    assert frame.get_column("kind").to_list() == [e["kind"] for e in expected]
    assert frame.get_column("file").null_count() == frame.height
    back = events_from_table(pq.read_table(tmp_path / "events.parquet"))
    assert [json.loads(e.model_dump_json()) for e in back] == expected


def test_events_of_several_files_name_their_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = [str(LOGS[0]), str(LOGS[1])]
    expected = _jsonl(capsys, "events", *logs, "--year", "2026", "--workers", "1")
    out = tmp_path / "new" / "folder"
    argv = [
        "events",
        *logs,
        "--year",
        "2026",
        "--workers",
        "1",
        "--format",
        "parquet",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    table = pq.read_table(out / "events.parquet")
    assert table.num_rows == len(expected)
    assert table.column("file").to_pylist() == [e["file"] for e in expected]
    assert table.column("line").to_pylist() == [e["line"] for e in expected]


def test_sessions_parquet_gives_the_verdicts_of_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for log in LOGS[:12]:
        year = str(_year(log))
        expected = _jsonl(capsys, "sessions", str(log), "--year", year, "--format", "jsonl")
        argv = ["sessions", str(log), "--year", year, "--format", "parquet", "-o", str(tmp_path)]
        assert main(argv) == 0
        frame = pl.read_parquet(tmp_path / "sessions.parquet")
        assert frame.height == len(expected)
        assert frame.get_column("outcome").to_list() == [s["outcome"] for s in expected]
        assert frame.get_column("reason").to_list() == [s["reason"] for s in expected]
        back = sessions_from_table(pq.read_table(tmp_path / "sessions.parquet"))
        assert [json.loads(s.model_dump_json()) for s in back] == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["events", "{log}", "--format", "parquet"], "-o"),
        (["sessions", "{log}", "--format", "parquet"], "-o"),
        (["events", "{log}", "--format", "parquet", "-o", "{file}"], "not a folder"),
        (["sessions", "{log}", "--format", "parquet", "-o", "{file}/below"], "cannot write"),
        (["events", "{log}", "-o", "{tmp}"], "--format parquet"),
    ],
)
def test_parquet_usage_errors(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    values = {"log": str(LOGS[0]), "file": str(afile), "tmp": str(tmp_path)}
    assert main([part.format(**values) for part in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "events.parquet").exists()


def test_a_folder_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        probe = locked / "probe"
        try:
            probe.write_text("")
        except OSError:
            pass
        else:  # pragma: no cover - running as root
            pytest.skip("root writes anywhere")
        argv = ["events", str(LOGS[0]), "--format", "parquet", "-o", str(locked)]
        assert main(argv) == 2
        assert "cannot write" in capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_time_columns_are_the_wall_clock(tmp_path: Path) -> None:
    """Readers see the printed clock; with its offset they get UTC."""
    table = events_table(parse_file(ZONED, year=_year(ZONED)))
    pq.write_table(table, tmp_path / "z.parquet")
    frame = pl.read_parquet(tmp_path / "z.parquet").drop_nulls("timestamp_utc_offset")
    assert frame.height
    utc = frame.select(
        pl.col("timestamp") - pl.duration(seconds=pl.col("timestamp_utc_offset"))
    ).to_series()
    zoned = [
        e.timestamp
        for e in parse_file(ZONED, year=_year(ZONED))
        if e.timestamp is not None and e.timestamp.utcoffset() is not None
    ]
    assert utc.to_list() == [(s - s.utcoffset()).replace(tzinfo=None) for s in zoned]  # type: ignore[operator]


def test_the_command_line_imports_pyarrow_only_for_what_needs_it() -> None:
    # pyarrow costs 0.2 s and 60 MB at start-up: `events`, `sessions` of one file and the
    # other commands never pay it (the benchmark times whole commands).
    import subprocess
    import sys

    code = "import sys, ike_debuglog.cli; print('pyarrow' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


_HUGE = (
    "*Nov 26 10:00:00.001: IKEv2:(SESSION ID = {sid},SA ID = 1):Sending Packet "
    "[To 198.51.100.20:500/From 192.0.2.1:500/VRF i0:f0]\n"
    "Initiator SPI : 6B2E91D4C07A3F58 - Responder SPI : 0000000000000000 Message id: {mid}\n"
    "IKEv2 IKE_SA_INIT Exchange REQUEST\nPayload contents:\n SA KE N\n\n"
)


@pytest.mark.parametrize(
    ("sid", "mid"),
    [
        ("1", str(1 << 63)),
        (str(1 << 63), "0"),
        ("1", "184467440737095516160"),
        ("99" * 10, "7"),
    ],
)
@pytest.mark.parametrize("copies", [0, 40])  # alone (Python), amid a large batch (columns)
def test_a_number_past_64_bits_is_unrecognised_and_parquet_holds(
    tmp_path: Path, sid: str, mid: str, copies: int
) -> None:
    # IOS prints no such number; a hostile one made the Arrow conversion crash.
    example = (ROOT / "examples" / "show-logging-ikev2.log").read_text()
    log = tmp_path / "huge.log"
    log.write_text(example * copies + _HUGE.format(sid=sid, mid=mid) + example * (copies // 4))
    events = list(parse_file(log, year=2026))
    (odd,) = [e for e in events if f"ID = {sid},SA" in getattr(e, "text", "") and mid in e.text]
    assert odd.kind == "unrecognized"
    assert main(["events", str(log), "--year", "2026", "--format", "parquet",
                 "--include-unrecognized", "-o", str(tmp_path / "out")]) == 0  # fmt: skip
    read = pq.read_table(tmp_path / "out" / "events.parquet")
    assert read.num_rows == len(events)
