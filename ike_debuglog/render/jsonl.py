"""JSON Lines: one event per line, field names as documented in docs/fields.md.

A batch is written from its tables: each row as its model's JSON (the fields in the
model's order, written the way pydantic writes them; a test holds the two equal byte
for byte), the events built in Python by pydantic itself, all in record order.
"""

from __future__ import annotations

import json
from typing import IO, Final

import polars as pl

from ..events import EventBase
from ..scan.records import MODELS, RecordBatch
from ..scan.schema import dict_fields, schema

_JSON: Final = pl.Schema({"_order": pl.Int64, "json": pl.String})


def to_json_line(event: EventBase) -> str:
    """One event as a compact JSON object, without a line ending."""
    return event.model_dump_json()


def table_json(kind: str, table: pl.DataFrame) -> pl.DataFrame:
    """``_order`` and each row of a kind's table as JSON."""
    model = MODELS[kind]
    names = list(schema(model))
    objects = dict_fields(model)
    if not objects:
        return table.select("_order", json=pl.struct(names).struct.json_encode())
    # Arrow has no object with free keys: a dict field (syslog's ``fields``, the last
    # field of its model) is written apart and put in place of its list of pairs.
    (last,) = objects
    if names[-1] != last:  # pragma: no cover - a model with a dict field elsewhere
        raise ValueError(f"{kind}: a dict field must come last")
    head = pl.struct(names[:-1]).struct.json_encode().str.strip_suffix("}")
    pairs = pl.col(last)
    if table.select(pairs.list.len().max()).item() in (0, None):
        value: pl.Expr = pl.lit("{}")
    else:
        value = pl.when(pairs.list.len() == 0).then(pl.lit("{}")).otherwise(_object(pairs))
    return table.select(
        "_order", json=pl.concat_str(head, pl.lit(f',"{last}":'), value, pl.lit("}"))
    )


def _object(pairs: pl.Expr) -> pl.Expr:
    """A list of key/value structs as a JSON object (a ``dict[str, str]`` field)."""
    member = pl.concat_str(
        _string(pl.element().struct.field("key")),
        pl.lit(":"),
        _string(pl.element().struct.field("value")),
    )
    return pl.concat_str(pl.lit("{"), pairs.list.eval(member).list.join(","), pl.lit("}"))


def _string(text: pl.Expr) -> pl.Expr:
    """A string as a JSON string literal (escaped as pydantic escapes it)."""
    encoded = pl.struct(text.alias("s")).struct.json_encode()
    return encoded.str.slice(5, encoded.str.len_bytes() - 6)  # {"s":...}


def batch_json(batch: RecordBatch, *, unrecognized: bool = True) -> pl.DataFrame:
    """``_order`` and the JSON of every event of a batch, in record order
    (``unrecognized=False`` leaves unrecognised records out)."""
    parts = [
        table_json(kind, table)
        for kind, table in batch.tables.items()
        if unrecognized or kind != "unrecognized"
    ]
    python = [
        (order, event.model_dump_json())
        for order, event in batch.python.items()
        if unrecognized or event.kind != "unrecognized"
    ]
    if python:
        parts.append(pl.DataFrame(python, schema=_JSON, orient="row"))
    if not parts:
        return pl.DataFrame(schema=_JSON)
    return pl.concat(parts).sort("_order")


def write_batch(
    out: IO[bytes], batch: RecordBatch, *, unrecognized: bool = True, file: str | None = None
) -> None:
    """Write a batch's events as JSON Lines (each object led by ``"file"`` when given)."""
    lines = batch_json(batch, unrecognized=unrecognized)
    if lines.is_empty():
        return
    if file is not None:
        head = "{" + f'"file":{json.dumps(file)},'
        lines = lines.with_columns(json=pl.lit(head) + pl.col("json").str.slice(1))
    try:
        lines.select("json").write_csv(out, include_header=False, quote_style="never")
    except OSError as error:
        if "Broken pipe" in str(error):  # Polars reports it without its errno
            raise BrokenPipeError(*error.args) from error
        raise


__all__ = ["batch_json", "table_json", "to_json_line", "write_batch"]
