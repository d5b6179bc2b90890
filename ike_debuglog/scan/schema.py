"""Column types of the event models: one Polars (Arrow) type per field, from the model.

A kind's table holds its model's fields in the model's order, so that a row written as
JSON reads like the model's own JSON and a model built from a row is the model the
grammar match gives.  Nested models are structs, lists of models lists of structs, and
a ``dict[str, str]`` (syslog ``fields``) a list of key/value structs: Arrow has no
object with free keys that JSON writers render as one.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from functools import cache
from typing import Any, Final, Literal

import polars as pl
from pydantic import BaseModel

#: A ``dict[str, str]`` field as a column.
KEY_VALUES: Final = pl.List(pl.Struct({"key": pl.String, "value": pl.String}))


def dtype(annotation: Any) -> pl.DataType:
    """The column type of a field annotation."""
    origin = typing.get_origin(annotation)
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        if len(arguments) != 1:
            raise TypeError(f"no column type for {annotation}")
        return dtype(arguments[0])
    if origin is Literal:
        values = typing.get_args(annotation)
        return pl.Int64() if all(isinstance(v, int) for v in values) else pl.String()
    if origin is list:
        return pl.List(dtype(arguments[0]))
    if origin is dict:
        return KEY_VALUES
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return pl.Struct(schema(annotation))
    simple: dict[Any, pl.DataType] = {
        str: pl.String(),
        int: pl.Int64(),
        bool: pl.Boolean(),
        float: pl.Float64(),
        datetime: pl.String(),  # written as the model's JSON writes it
    }
    if annotation in simple:
        return simple[annotation]
    raise TypeError(f"no column type for {annotation}")


@cache
def schema(model: type[BaseModel]) -> dict[str, pl.DataType]:
    """Field name to column type, in the model's field order."""
    return {name: dtype(info.annotation) for name, info in model.model_fields.items()}


def dict_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The model's ``dict`` fields, written as JSON objects."""
    return tuple(name for name, kind in schema(model).items() if kind == KEY_VALUES)


__all__ = ["KEY_VALUES", "dict_fields", "dtype", "schema"]
