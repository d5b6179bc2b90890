"""Field specs as Polars expressions: a model's fields for a whole column of matches.

The specs of :mod:`ike_debuglog.events.spec` say how each field follows from a grammar
match; here each kind of spec has its column form.  An expression reads the match frame
the scan builds for one rule: the grammar's named results as ``g:<name>`` columns, the
family prefix's as ``p:<name>``, the row name as ``_name``, and the record's own
columns (``text``, ``_body``).  Where a value has no column form (a number too large for
64 bits, a syslog text with ``key=value`` pairs), the spec marks the row and the record
is built in Python instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import polars as pl

from ..events import Payload, spec
from ..events.ikev2 import PacketEnd, Payloads, Response, StateMessageId, Truncated
from ..events.other import SyslogFields
from ..grammars.syslog import KEY_VALUE
from .grammar import UnsupportedError
from .regex import rust
from .schema import KEY_VALUES, dtype

#: An expression for a field, and one that is true on the rows it cannot compute.
Column = tuple[pl.Expr, pl.Expr | None]

_NO: Final = pl.lit(None)


class Names:
    """The columns a rule's match frame has: what its specs may read."""

    def __init__(self, groups: set[str], prefix: set[str]) -> None:
        self.groups = groups
        self.prefix = prefix

    def group(self, name: str) -> pl.Expr:
        return pl.col(f"g:{name}") if name in self.groups else pl.lit(None, pl.String)

    def prefix_field(self, name: str) -> pl.Expr:
        return pl.col(f"p:{name}") if name in self.prefix else pl.lit(None, pl.String)


def column(field: spec.Spec, names: Names) -> Column:
    """The expression of one field's spec; raises :class:`UnsupportedError` when it has none."""
    handler = _HANDLERS.get(type(field))
    if handler is None:
        raise UnsupportedError(field)
    return handler(field, names)


def _text(raw: pl.Expr) -> pl.Expr:
    return pl.when(raw != "").then(raw)


def _number(raw: pl.Expr) -> Column:
    """``as_int``: None for None or empty; a row whose digits overflow 64 bits is marked."""
    text = _text(raw)
    value = text.cast(pl.Int64, strict=False)
    return value, text.is_not_null() & value.is_null()


def _raw(field: Any, names: Names) -> Column:
    return names.group(field.name), None


def _str(field: Any, names: Names) -> Column:
    default = "None" if field.default is None else field.default
    return names.group(field.name).fill_null(default), None


def _as_text(field: Any, names: Names) -> Column:
    return _text(names.group(field.name)), None


def _stripped(field: Any, names: Names) -> Column:
    return names.group(field.name).fill_null("").str.strip_chars(), None


def _int(field: Any, names: Names) -> Column:
    return _number(names.group(field.name))


def _first_int(field: Any, names: Names) -> Column:
    first = names.group(field.first)
    return _number(
        pl.when(_text(first).is_not_null()).then(first).otherwise(names.group(field.second))
    )


def _message_id(field: Any, names: Names) -> Column:
    value, bad = _number(names.group(field.name))
    modulus = 2**32
    return ((value % modulus) + modulus) % modulus, bad


def _spi(width: int) -> Callable[[Any, Names], Column]:
    def handler(field: Any, names: Names) -> Column:
        return _text(names.group(field.name)).str.to_uppercase().str.pad_start(width, "0"), None

    return handler


def _hex_int(field: Any, names: Names) -> Column:
    """``spec.HexInt``: a row whose digits overflow 64 bits is marked."""
    text = _text(names.group(field.name))
    value = text.str.to_integer(base=16, strict=False)
    return value, text.is_not_null() & value.is_null()


def _lower(field: Any, names: Names) -> Column:
    return _text(names.group(field.name)).str.to_lowercase(), None


def _choose(field: spec.Choose, names: Names) -> Column:
    found = names.group(field.name)
    hit = found.is_not_null() if field.equal is None else (found == field.equal).fill_null(False)
    return pl.when(hit).then(pl.lit(field.if_equal)).otherwise(pl.lit(field.other)), None


def _mapped(field: spec.Mapped, names: Names) -> Column:
    table = dict(field.table)
    numbers = all(isinstance(value, int) for value in table.values())
    kind = pl.Int64 if numbers else pl.String
    return names.group(field.name).replace_strict(table, default=None, return_dtype=kind), None


def _flag(field: spec.Flag, names: Names) -> Column:
    found = names.group(field.name)
    return pl.when(found.is_not_null()).then(found == field.true), None


def _row_name(field: spec.RowName, names: Names) -> Column:
    return pl.col("_name"), None


def _const(field: spec.Const, names: Names) -> Column:
    return pl.lit(field.value_), None


def _prefix_int(field: Any, names: Names) -> Column:
    return _number(names.prefix_field(field.name))


def _prefix_raw(field: Any, names: Names) -> Column:
    return names.prefix_field(field.name), None


def _body(field: spec.Body, names: Names) -> Column:
    return pl.col("_body").str.strip_chars(), None


def _text_has(field: spec.TextHas, names: Names) -> Column:
    present = pl.col("text").str.contains(field.literal, literal=True)
    return pl.when(present).then(pl.lit(field.present)).otherwise(pl.lit(field.absent)), None


def _endpoint(address: pl.Expr, port: pl.Expr) -> Column:
    number, bad = _number(port)
    endpoint = pl.struct(address.alias("address"), number.alias("port"))
    return pl.when(_text(address).is_not_null()).then(endpoint), bad


def _endpoint_of(field: Any, names: Names) -> Column:
    return _endpoint(names.group(field.name), names.group(f"{field.name}_port"))


def _peer(field: spec.Peer, names: Names) -> Column:
    number, bad = _number(names.group(field.port))
    address = names.group(field.name).fill_null("None")
    return pl.struct(address.alias("address"), number.alias("port")), bad


def _no_blanks(field: Any, names: Names) -> Column:
    return _text(names.group(field.name)).str.replace_all(" ", "", literal=True), None


def _attribute_value(field: spec.AttributeValue, names: Names) -> Column:
    if "vpi" in names.groups:
        raise UnsupportedError("VPI values are decoded in Python")
    number, bad = _number(names.group("number"))
    value = names.group("value")
    return pl.when(value.is_not_null()).then(value).otherwise(
        number.cast(pl.String).fill_null("None")
    ), bad


def _attribute_number(field: spec.AttributeNumber, names: Names) -> Column:
    if "vpi" in names.groups:
        raise UnsupportedError("VPI values are decoded in Python")
    return _number(names.group("number"))


def _packet_end(field: PacketEnd, names: Names) -> Column:
    sent = names.group("direction") == "Sending"
    wanted = "To" if field.end == "remote" else "From"
    other = "From" if field.end == "remote" else "To"
    first, first_bad = _endpoint(names.group("first"), names.group("first_port"))
    second, second_bad = _endpoint(names.group("second"), names.group("second_port"))
    trace, trace_bad = _endpoint(names.group(field.end), names.group(f"{field.end}_port"))
    word = pl.when(sent).then(pl.lit(wanted)).otherwise(pl.lit(other))
    # A block names both ends ([To x/From y]); the dict the Python model builds keeps the
    # second of two equal words, so [To x/To y] has no From end.
    chosen = (
        pl.when(names.group("second_word") == word)
        .then(second)
        .when(names.group("first_word") == word)
        .then(first)
    )
    value = pl.when(_text(names.group("first_word")).is_not_null()).then(chosen).otherwise(trace)
    bad = pl.any_horizontal(
        *(mark.fill_null(False) for mark in (first_bad, second_bad, trace_bad) if mark is not None)
    )
    return value, bad


def _response(field: Response, names: Names) -> Column:
    found = names.group("message_type")
    return pl.when(found.is_not_null()).then(found == "RESPONSE"), None


def _truncated(field: Truncated, names: Names) -> Column:
    return (
        _text(names.group("first_word")).is_not_null() & names.group("initiator_spi").is_null()
    ), None


def _state_message_id(field: StateMessageId, names: Names) -> Column:
    raw = names.group("message_id")
    hexadecimal = (raw.str.len_chars() == 8) & raw.str.starts_with("0")
    decimal, bad = _number(raw)
    value = pl.when(hexadecimal).then(raw.str.to_integer(base=16, strict=False)).otherwise(decimal)
    return value, bad


#: The column type of a payload list.
PAYLOADS: Final = dtype(list[Payload])


def _payloads(field: Payloads, names: Names) -> Column:
    # The list is read once per distinct list text, in Python (extract.payload_lists).
    found = pl.col("_payloads")
    return (found.fill_null(pl.lit([], dtype=PAYLOADS)) if field.always else found), None


def _syslog_fields(field: SyslogFields, names: Names) -> Column:
    if "message" not in names.groups:
        raise UnsupportedError(field)
    # The `key=value` pairs are read over the column (key_value_lists); the fields of
    # session status messages and of crypto messages that name a peer, in Python.
    special = names.group("facility").eq("CRYPTO") | names.group("mnemonic").is_in(
        ["IKEV2_SESSION_STATUS", "ISAKMP_ON_OFF"]
    )
    return pl.col("_fields"), special


#: ``key=value`` pairs in a syslog message (grammars/syslog.py).
_KEY_VALUE: Final = rust(KEY_VALUE.re, ascii_only=True)


def key_value_lists(messages: pl.Series) -> pl.Series:
    """The ``key=value`` pairs of each message as ``syslog.key_values`` reads them: keys
    lower-cased with ``_`` for blanks, a full stop after a value dropped, a key named
    twice keeping its first place and its last value."""
    if _KEY_VALUE is None:  # pragma: no cover - the pattern is written to translate
        raise UnsupportedError(KEY_VALUE)
    rows = pl.DataFrame({"m": messages}).with_row_index("row")
    pairs = (
        rows.filter(pl.col("m").str.contains("=", literal=True))
        .select("row", pair=pl.col("m").str.extract_all(_KEY_VALUE))
        .explode("pair")
        .drop_nulls("pair")
        .with_row_index("place")
        .with_columns(pl.col("pair").str.extract_groups(f"^(?:{_KEY_VALUE})").alias("kv"))
        .unnest("kv")
        .select(
            "row",
            "place",
            key=pl.col("key").str.replace_all(" ", "_", literal=True).str.to_lowercase(),
            value=pl.when(pl.col("value").str.strip_suffix(".") == "")
            .then(pl.col("value"))
            .otherwise(pl.col("value").str.strip_suffix(".")),
        )
        .group_by("row", "key")
        .agg(pl.col("place").first(), pl.col("value").last())
        .sort("row", "place")
        .group_by("row", maintain_order=True)
        .agg(fields=pl.struct("key", "value"))
    )
    found = rows.join(pairs, on="row", how="left", maintain_order="left").get_column("fields")
    return found.fill_null(pl.lit([], dtype=KEY_VALUES)).cast(KEY_VALUES)


_HANDLERS: Final[dict[type, Callable[[Any, Names], Column]]] = {
    spec.Raw: _raw,
    spec.Str: _str,
    spec.Text: _as_text,
    spec.Stripped: _stripped,
    spec.Int: _int,
    spec.FirstInt: _first_int,
    spec.MessageId: _message_id,
    spec.Spi: _spi(16),
    spec.Spi32: _spi(8),
    spec.HexInt: _hex_int,
    spec.Lower: _lower,
    spec.Choose: _choose,
    spec.Mapped: _mapped,
    spec.Flag: _flag,
    spec.RowName: _row_name,
    spec.Const: _const,
    spec.PrefixInt: _prefix_int,
    spec.PrefixRaw: _prefix_raw,
    spec.Body: _body,
    spec.TextHas: _text_has,
    spec.EndpointOf: _endpoint_of,
    spec.Peer: _peer,
    spec.NoBlanks: _no_blanks,
    spec.AttributeValue: _attribute_value,
    spec.AttributeNumber: _attribute_number,
    PacketEnd: _packet_end,
    Response: _response,
    Truncated: _truncated,
    StateMessageId: _state_message_id,
    Payloads: _payloads,
    SyslogFields: _syslog_fields,
}


__all__ = ["PAYLOADS", "Column", "Names", "column", "key_value_lists"]
