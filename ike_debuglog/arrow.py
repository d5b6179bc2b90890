"""Events and sessions as Arrow tables: one stable schema each, for Parquet and engines.

The schemas are built from the pydantic models, so that a field added to a model is a
column at once (and a test that docs/arrow.md names it).  Every event kind shares one
wide table: ``file``, ``kind``, then the union of all the kinds' fields, one Arrow type
per field name (the JSON contract already gives one JSON type per name, docs/fields.md).
Nested models are structs, lists of models lists of structs, ``dict[str, str]`` a
``map<string, string>``, enumerations their name (string) beside their ``_code`` (int).

Time: a log that names its zone gives aware stamps, one that does not gives local ones,
and an Arrow timestamp column is either zoned or not.  Each datetime field ``x`` is kept
as ``x`` (``timestamp[us]``, the wall clock as printed) and ``x_utc_offset`` (int32
seconds east of UTC; null for a local time): ``x - x_utc_offset`` is UTC when the offset
is there, and the pair gives back the very datetime (see docs/arrow.md).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final, Literal

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from .correlate.models import Session
from .events import Event
from .scan.records import MODELS, RecordBatch
from .scan.schema import dict_fields
from .scan.schema import schema as column_schema

#: The suffix of the column that holds a datetime field's offset from UTC.
OFFSET: Final = "_utc_offset"

#: Field names whose integers do not fit a signed 64-bit column: IOS prints some IKEv1
#: notify SPIs as unsigned 64-bit decimals (9223503292995197928).
UNSIGNED: Final = frozenset({"spi"})

_SIMPLE: Final[dict[Any, pa.DataType]] = {
    str: pa.string(),
    int: pa.int64(),
    bool: pa.bool_(),
    float: pa.float64(),
}


def _optional(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``None``, and whether it allowed ``None``."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(arguments) != 1:
            raise TypeError(f"no Arrow type for {annotation}")
        return arguments[0], True
    return annotation, False


def _fields(name: str, annotation: Any) -> list[pa.Field]:
    """The Arrow field(s) of a model field: a datetime is two (wall clock, offset)."""
    inner, optional = _optional(annotation)
    if inner is datetime:
        return [
            pa.field(name, pa.timestamp("us"), nullable=optional),
            pa.field(name + OFFSET, pa.int32()),
        ]
    if name in UNSIGNED and inner is int:
        return [pa.field(name, pa.uint64(), nullable=optional)]
    return [pa.field(name, arrow_type(inner), nullable=optional)]


def arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a field annotation (``None`` aside)."""
    annotation, _ = _optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is Literal:
        values = typing.get_args(annotation)
        return pa.int64() if all(isinstance(v, int) for v in values) else pa.string()
    if origin is list:
        return pa.list_(arrow_type(typing.get_args(annotation)[0]))
    if origin is dict:
        return pa.map_(pa.string(), pa.string())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pa.struct(_struct_fields(annotation))
    if annotation in _SIMPLE:
        return _SIMPLE[annotation]
    raise TypeError(f"no Arrow type for {annotation}")


def _struct_fields(model: type[BaseModel]) -> list[pa.Field]:
    # Inside a struct every value may be null: the struct itself may be.
    return [
        field.with_nullable(True)
        for name, info in model.model_fields.items()
        for field in _fields(name, info.annotation)
    ]


def _model_fields(model: type[BaseModel]) -> list[pa.Field]:
    return [f for n, i in model.model_fields.items() for f in _fields(n, i.annotation)]


_FILE: Final = pa.field("file", pa.string())


def _events_schema() -> pa.Schema:
    """``file``, then every kind's fields in first-seen order, one type per name; a column
    is non-null only where every kind has the field and none allows null."""
    columns: dict[str, pa.Field] = {}
    seen: dict[str, int] = {}
    for model in MODELS.values():
        for field in _model_fields(model):
            known = columns.get(field.name)
            if known is not None and not known.type.equals(field.type):
                raise TypeError(f"{field.name}: {known.type} in one kind, {field.type} in another")
            nullable = field.nullable or (known is not None and known.nullable)
            columns[field.name] = field.with_nullable(nullable)
            seen[field.name] = seen.get(field.name, 0) + 1
    fields = [
        field if seen[name] == len(MODELS) else field.with_nullable(True)
        for name, field in columns.items()
    ]
    return pa.schema([_FILE, *fields])


#: One table for every event kind (docs/arrow.md).
EVENTS_SCHEMA: Final = _events_schema()
#: One row per session (docs/arrow.md).
SESSIONS_SCHEMA: Final = pa.schema([_FILE, *_model_fields(Session)])


# Models to rows ---------------------------------------------------------------------------


def _utc_offset(value: datetime) -> int | None:
    offset = value.utcoffset()
    return None if offset is None else int(offset.total_seconds())


def _row(model: BaseModel) -> dict[str, Any]:
    """A model's fields as Arrow values: nested models as dicts, datetimes split."""
    row: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, datetime):
            row[name] = value.replace(tzinfo=None)
            row[name + OFFSET] = _utc_offset(value)
        else:
            row[name] = _value(value)
    return row


def _value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _row(value)
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return list(value.items())
    return value


def _event_row(event: Event) -> dict[str, Any]:
    """An event's fields as Arrow values: pydantic's own dump (nested models as dicts), the
    time stamp split (events have no other datetime)."""
    row = event.model_dump()
    stamp = row["timestamp"]
    if stamp is not None:
        row["timestamp"] = stamp.replace(tzinfo=None)
        row["timestamp" + OFFSET] = _utc_offset(stamp)
    return row


def _table(
    rows: list[dict[str, Any]], schema: pa.Schema, file: str | None, **extra: list[Any]
) -> pa.Table:
    for row in rows:
        row["file"] = file
    table = pa.Table.from_pylist(rows, schema=schema)
    for name, values in extra.items():
        table = table.append_column(name, pa.array(values, pa.int64()))
    return table


def events_table(events: Iterable[Event], *, file: str | None = None) -> pa.Table:
    """Events as a table of :data:`EVENTS_SCHEMA`, built from the models (the reference
    for :func:`batch_table`, which reads a batch's columns instead)."""
    return _table([_event_row(event) for event in events], EVENTS_SCHEMA, file)


def sessions_table(sessions: Iterable[Session], *, file: str | None = None) -> pa.Table:
    """Sessions as a table of :data:`SESSIONS_SCHEMA`."""
    # Not pydantic's dump: it leaves out a finding's empty fields (``exclude_if``).
    return _table([_row(session) for session in sessions], SESSIONS_SCHEMA, file)


# Rows to models ---------------------------------------------------------------------------


def _fields_back(model: type[BaseModel], row: dict[str, Any]) -> dict[str, Any]:
    """The model's field values from a row (or struct) of its columns."""
    return {name: back(row.get(name), row.get(offset)) for name, offset, back in _converters(model)}


_Back = Callable[[Any, Any], Any]


@functools.cache
def _converters(model: type[BaseModel]) -> tuple[tuple[str, str, _Back], ...]:
    """Per field: its name, its offset column's, and how a value comes back (worked out
    once per model from its annotations, not once per value)."""
    return tuple(
        (name, name + OFFSET, _converter(info.annotation))
        for name, info in model.model_fields.items()
    )


def _converter(annotation: Any) -> _Back:
    inner, _ = _optional(annotation)
    if inner is datetime:
        return _time_back
    origin = typing.get_origin(inner)
    if origin is list:
        (item,) = typing.get_args(inner)
        element = _converter(item)
        return lambda value, _: None if value is None else [element(v, None) for v in value]
    if origin is dict:
        return lambda value, _: None if value is None else dict(value)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        model = inner
        return lambda value, _: None if value is None else _fields_back(model, value)
    return lambda value, _: value


def _time_back(value: Any, offset: int | None) -> Any:
    if value is None or offset is None:
        return value
    zone = UTC if offset == 0 else timezone(timedelta(seconds=offset))
    return value.replace(tzinfo=zone)


def events_from_table(table: pa.Table) -> list[Event]:
    """The events of a table of :data:`EVENTS_SCHEMA` (validated: the table may come from
    anywhere), equal to the events it was made from."""
    events: list[Event] = []
    for row in table.to_pylist():
        model = MODELS[row["kind"]]
        events.append(model.model_validate(_fields_back(model, row)))  # type: ignore[arg-type]
    return events


def sessions_from_table(table: pa.Table) -> list[Session]:
    """The sessions of a table of :data:`SESSIONS_SCHEMA`, equal to those it was made from."""
    return [Session.model_validate(_fields_back(Session, row)) for row in table.to_pylist()]


# A batch's columns to a table ------------------------------------------------------------

#: A time stamp's zone as the JSON (and a kind table) writes it: ``Z``, ``+01:00``.
_ZONE: Final = r"(Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)$"


def _stamps(name: str) -> list[pl.Expr]:
    """A column of JSON time stamps (``2026-10-25T20:37:02.888000+01:00``, ``...Z`` or
    local) as the wall clock (``name``) and the offset from UTC in seconds (null if local)."""
    text = pl.col(name)
    zone = text.str.extract(_ZONE)
    wall = text.str.slice(0, text.str.len_bytes() - zone.str.len_bytes().fill_null(0))
    sign = pl.when(zone.str.starts_with("-")).then(-1).otherwise(1)
    hours, minutes, seconds = (
        zone.str.slice(start, 2).cast(pl.Int32, strict=False).fill_null(0) for start in (1, 4, 7)
    )
    offset = (
        pl.when(zone.is_null())
        .then(None)
        .when(zone == "Z")
        .then(0)
        .otherwise(sign * (hours * 3600 + minutes * 60 + seconds))
    )
    return [
        wall.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us").alias(name),
        offset.cast(pl.Int32).alias(name + OFFSET),
    ]


def _key_values(column: pa.Array) -> pa.Array:
    """A list of key/value structs (a kind table's ``dict`` column) as a map."""
    column = column.cast(pa.large_list(pa.struct([("key", pa.string()), ("value", pa.string())])))
    pairs = column.flatten()
    offsets = pc.cast(column.offsets, pa.int32())
    return pa.MapArray.from_arrays(
        offsets, pairs.field("key"), pairs.field("value"), mask=column.is_null()
    )


def _kind_table(kind: str, table: pl.DataFrame, file: str | None) -> pa.Table:
    """A kind's table conformed to :data:`EVENTS_SCHEMA`, with its ``_order``."""
    model = MODELS[kind]
    names = list(column_schema(model))
    source = table.select("_order", *names).with_columns(_stamps("timestamp")).to_arrow()
    rows = source.num_rows
    columns: dict[str, pa.Array] = {}
    for name in source.column_names:
        column = source.column(name).combine_chunks()
        if name in dict_fields(model):
            columns[name] = _key_values(column)
        else:
            columns[name] = column
    arrays = [
        (columns[f.name].cast(f.type) if f.name in columns else pa.nulls(rows, f.type))
        for f in EVENTS_SCHEMA
    ]
    arrays[0] = _file_column(rows, file)
    conformed = pa.Table.from_arrays(arrays, schema=EVENTS_SCHEMA)
    return conformed.append_column("_order", source.column("_order").cast(pa.int64()))


def _file_column(rows: int, file: str | None) -> pa.Array:
    empty = pa.nulls(rows, pa.string())
    return empty if file is None else empty.fill_null(file)


def batch_table(
    batch: RecordBatch, *, file: str | None = None, unrecognized: bool = True
) -> pa.Table:
    """A batch's events as a table of :data:`EVENTS_SCHEMA`, read from its kind tables
    without a pydantic model per event (only the events built in Python, a few, go
    through :func:`events_table`); ``unrecognized=False`` leaves unrecognised records out."""
    parts = [
        _kind_table(kind, table, file)
        for kind, table in batch.tables.items()
        if unrecognized or kind != "unrecognized"
    ]
    python = [
        (order, event)
        for order, event in batch.python.items()
        if unrecognized or event.kind != "unrecognized"
    ]
    if python:
        orders = [order for order, _ in python]
        rows = [_event_row(event) for _, event in python]
        parts.append(_table(rows, EVENTS_SCHEMA, file, _order=orders))
    if not parts:
        return EVENTS_SCHEMA.empty_table()
    whole = pa.concat_tables(parts)
    ordered = whole.take(pc.sort_indices(whole.column("_order")))
    return ordered.drop_columns("_order")


__all__ = [
    "EVENTS_SCHEMA",
    "OFFSET",
    "SESSIONS_SCHEMA",
    "batch_table",
    "events_from_table",
    "events_table",
    "sessions_from_table",
    "sessions_table",
]
