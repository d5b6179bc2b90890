"""A batch of records as events: kind tables and events built in Python, in record order.

Internal stages read the tables (JSON Lines, counts, the IKEv1 step pass); callers of
``parse_*`` get pydantic events, each a lazy view of its table row that builds its
fields the first time they are read (see :class:`events.EventBase`).  The first event of
a table that is read turns the table's columns into Python values once, for all its
rows: a caller that reads one field of every event pays for each column once, not once
per event.
"""

from __future__ import annotations

import io
import json
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final

import polars as pl
from pydantic import BaseModel

from ..events import EVENT_ADAPTER, Event, EventBase
from ..events.base import set_fields, set_source
from ..framing import stamp_time
from .extract import STAMP, Extracted

#: Every event model, by kind.
MODELS: Final[dict[str, type[EventBase]]] = {
    model.model_fields["kind"].default: model
    for model in typing.get_args(typing.get_args(Event)[0])
}


class Rows:
    """A kind's table, read into Python values when its first event is built."""

    __slots__ = ("_convert", "_values", "model", "table", "year")

    def __init__(self, model: type[EventBase], table: pl.DataFrame, year: int) -> None:
        self.model = model
        self.table = table
        self.year = year
        self._values: list[tuple[Any, ...]] | None = None
        self._convert = _converter(model)

    def fields(self, row: int) -> dict[str, Any]:
        values = self._values
        if values is None:
            values = self._values = self.table.drop("_order").rows()
        return self._convert(values[row], self.year)


@dataclass
class RecordBatch:
    """The events of one batch of records, in order."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    python: dict[int, Event] = field(default_factory=dict)
    year: int = 0

    @classmethod
    def of(cls, extracted: Extracted, year: int) -> RecordBatch:
        return cls(extracted.tables, extracted.python, year)

    def __len__(self) -> int:
        return sum(table.height for table in self.tables.values()) + len(self.python)

    def dump(self) -> bytes:
        """The batch as bytes for another process: each table in Arrow IPC, the events
        built in Python as their JSON (never pickled models)."""
        out = io.BytesIO()
        python = pl.DataFrame(
            {
                "_order": list(self.python),
                "json": [e.model_dump_json() for e in self.python.values()],
            },
            schema={"_order": pl.Int64, "json": pl.String},
        )
        parts = [(kind, _ipc(table)) for kind, table in [("", python), *self.tables.items()]]
        out.write(json.dumps([self.year, [(kind, len(data)) for kind, data in parts]]).encode())
        out.write(b"\n")
        for _, data in parts:
            out.write(data)
        return out.getvalue()

    @classmethod
    def load(cls, data: bytes) -> RecordBatch:
        """A batch from :meth:`dump`."""
        head, _, body = data.partition(b"\n")
        year, sizes = json.loads(head)
        batch = cls(year=year)
        at = 0
        for kind, size in sizes:
            table = pl.read_ipc(io.BytesIO(body[at : at + size]))
            at += size
            if kind:
                batch.tables[kind] = table
            else:
                batch.python = {
                    order: EVENT_ADAPTER.validate_json(text) for order, text in table.iter_rows()
                }
        return batch

    def timestamps(self, orders: list[int]) -> dict[int, datetime | None]:
        """The time stamps of the records at ``orders``."""
        found: dict[int, datetime | None] = {}
        if not orders:
            return found
        stamps = [f"_{name}" for name in STAMP]
        for table in self.tables.values():
            rows = table.filter(pl.col("_order").is_in(orders)).select("_order", *stamps)
            for order, second, fraction, tz, iso in rows.iter_rows():
                found[order] = stamp_time(second, fraction, tz, iso, self.year)
        for order in orders:
            if order in self.python:
                found[order] = self.python[order].timestamp
        return found

    def set_steps(self, settled: list[tuple[int, Any, bool, int | None]]) -> None:
        """Fill in the step, retransmission flag and message id of IKEv1 packets, by their
        place in the batch (see :mod:`ike_debuglog.steps`)."""
        in_python = [item for item in settled if item[0] in self.python]
        for order, step, retransmission, message_id in in_python:
            self.python[order] = self.python[order].model_copy(
                update={"step": step, "retransmission": retransmission, "message_id": message_id}
            )
        rows = [item for item in settled if item[0] not in self.python]
        if not rows:
            return
        update = pl.DataFrame(
            rows,
            schema={"_order": pl.Int64, "step": pl.String, "retransmission": pl.Boolean,
                    "message_id": pl.Int64},
            orient="row",
        )  # fmt: skip
        table = self.tables["ikev1_packet"]
        self.tables["ikev1_packet"] = table.update(update, on="_order", include_nulls=True)

    def spans(self) -> pl.DataFrame:
        """``_order``, ``kind``, ``line``, ``end_line`` and the table row of every record,
        in record order (``_row`` is null for events built in Python)."""
        parts = [
            table.select(
                "_order", "kind", "line", "end_line", _row=pl.int_range(pl.len(), dtype=pl.Int64)
            )
            for table in self.tables.values()
        ]
        if self.python:
            parts.append(
                pl.DataFrame(
                    [(o, e.kind, e.line, e.end_line, None) for o, e in self.python.items()],
                    schema=_SPANS,
                    orient="row",
                )
            )
        if not parts:
            return pl.DataFrame(schema=_SPANS)
        return pl.concat(parts).sort("_order")

    def counts(self) -> tuple[dict[str, int], int]:
        """How many events of each kind the batch holds, and how many lines its
        unrecognised records span."""
        spans = self.spans()
        kinds = dict(spans.get_column("kind").value_counts().iter_rows())
        unknown = spans.filter(pl.col("kind") == "unrecognized")
        lines = int((unknown.get_column("end_line") - unknown.get_column("line") + 1).sum())
        return kinds, lines

    def events(self, orders: list[int] | None = None) -> Iterator[Event]:
        """The batch's events in record order (only those at ``orders``, sorted, when
        given): lazy views of table rows, and the events built in Python as they are."""
        rows = {kind: Rows(MODELS[kind], table, self.year) for kind, table in self.tables.items()}
        models = {kind: MODELS[kind] for kind in self.tables}
        python = self.python
        new = object.__new__
        spans = self.spans()
        if orders is not None:
            spans = spans.filter(pl.col("_order").is_in(orders))
        for order, kind, line, end_line, row in spans.iter_rows():
            if row is None:
                yield python[order]
                continue
            event = new(models[kind])
            set_fields(event, {"kind": kind, "line": line, "end_line": end_line})
            set_source(event, (rows[kind], row))
            yield event  # type: ignore[misc]


_SPANS: Final = pl.Schema(
    {
        "_order": pl.Int64,
        "kind": pl.String,
        "line": pl.Int64,
        "end_line": pl.Int64,
        "_row": pl.Int64,
    }
)


def _ipc(table: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    table.write_ipc(out)
    return out.getvalue()


# From a row to a model's fields ------------------------------------------------------------


@cache
def _converter(model: type[EventBase]) -> Callable[[tuple[Any, ...], int], dict[str, Any]]:
    """A function from a table row (the model's fields, then the stamp parts) to the
    model's field values."""
    names = list(model.model_fields)
    converters = [_value_converter(info.annotation) for info in model.model_fields.values()]
    width = len(names)
    stamp_at = names.index("timestamp")

    def convert(row: tuple[Any, ...], year: int) -> dict[str, Any]:
        values = {
            name: value if convert is None else convert(value)
            for name, convert, value in zip(names, converters, row, strict=False)
        }
        second, fraction, tz, iso = row[width : width + len(STAMP)]
        values[names[stamp_at]] = stamp_time(second, fraction, tz, iso, year)
        return values

    return convert


def _value_converter(annotation: Any) -> Callable[[Any], Any] | None:
    """How a column's Python value becomes the field's value (None: as it is)."""
    origin = typing.get_origin(annotation)
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, __import__("types").UnionType):
        return _value_converter(arguments[0]) if len(arguments) == 1 else None
    if origin is list:
        inner = _value_converter(arguments[0])
        if inner is None:
            return None
        return lambda items: None if items is None else [inner(item) for item in items]
    if origin is dict:
        return lambda pairs: None if pairs is None else {p["key"]: p["value"] for p in pairs}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        model = annotation
        fields = {
            name: _value_converter(info.annotation) for name, info in model.model_fields.items()
        }

        def build(value: dict[str, Any] | None) -> Any:
            if value is None:
                return None
            return model.construct_checked(  # type: ignore[attr-defined]
                **{k: v if fields[k] is None else fields[k](v) for k, v in value.items()}  # type: ignore[misc]
            )

        return build
    if annotation is datetime:
        return None  # built from the stamp parts
    return None


__all__ = ["MODELS", "RecordBatch", "Rows"]
