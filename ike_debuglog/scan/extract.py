"""Records into events in bulk: which family and rule takes each record, and its fields.

For a batch of framed records this does what :func:`families.event_from_message` does
for one: the family by the start of the text, the family's prefix, the rules in order
(tests, grammar, model), and the model's fields by its spec, all over columns.  The
result is one table per event kind, the model's fields in the model's order.

A record is parsed in Python instead, one at a time, when the column engine cannot give
the same event: text that is not printable ASCII, a rule whose grammar or spec has no
column form (IPsec key engine blocks, ID payloads, proposals), or a value that does not
fit a column (a number of more than 64 bits).  Those events are built as pydantic
models by the same rules, and keep their place in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import polars as pl
from pydantic import TypeAdapter

from ..events import Event, Payload
from ..events.base import EventBase, payloads_from
from ..events.other import Unrecognized
from ..families import (
    FAMILIES,
    LATE_LOOKS,
    LOOKS,
    AllOf,
    AnyOf,
    Choice,
    Ends,
    Family,
    Has,
    Prefixed,
    Rule,
    Starts,
    Test,
    Unprefixed,
    event_from_message,
)
from ..framing import CONSOLE_NOISE_RE, PROMPT_RE, second_fields, stamp_time
from ..grammars.ikev2 import _payload_items
from . import build
from .frame import RECORD_SCHEMA, messages
from .grammar import (
    Node,
    UnsupportedError,
    _Optional,
    _Shared,
    _Suppress,
    outcome,
    plan,
    shared_columns,
)
from .regex import rust
from .schema import KEY_VALUES, schema

#: Columns of a record the event's span and time come from.
BASE: Final = ("line", "end_line", "timestamp", "timestamp_raw", "clock_authoritative", "host",
               "sequence")  # fmt: skip
#: Stamp parts kept beside each row, to build the datetime of a model on demand.
STAMP: Final = ("second", "fraction", "tz", "iso")
_TARGETS: Final = {"text": "text", "body": "_body", "head": "_head", "attribute": "_attribute"}
#: Below this many records a batch is parsed in Python: column work has a fixed cost per
#: operation that only pays for itself over many records (a live feed's few lines, a
#: pasted snippet).
SMALL_BATCH: Final = 512
_PLAIN_BREAK: Final = r"[^\x20-\x7e]"


@dataclass
class Extracted:
    """The events of a batch of records: one table per kind, and the events built in
    Python, each keyed by the record's place in the batch (``_order``)."""

    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    python: dict[int, Event] = field(default_factory=dict)


def extract(records: pl.DataFrame, year: int, *, small: int | None = None) -> Extracted:
    """The events of a batch of framed records (see :mod:`.frame`); a batch of fewer than
    ``small`` records (default :data:`SMALL_BATCH`) is parsed in Python."""
    if records.height < (SMALL_BATCH if small is None else small):
        ordered = records.with_columns(_order=pl.int_range(pl.len(), dtype=pl.Int64))
        return Extracted(python=_in_python(ordered, list(range(records.height)), year))
    records = records.with_columns(
        _order=pl.int_range(pl.len(), dtype=pl.Int64),
        timestamp=timestamps(records, year),
        _plain=pl.col("text").str.contains(_PLAIN_BREAK).not_(),
        _family=_family_index(),
    )
    parts: dict[str, list[pl.DataFrame]] = {}
    python: list[int] = []
    for index, family in enumerate(FAMILIES):
        subset = records.filter((pl.col("_family") == index) & pl.col("_plain"))
        if subset.is_empty():
            continue
        found, slow = _family_events(family, subset)
        for kind, table in found:
            parts.setdefault(kind, []).append(table)
        python.extend(slow)
    leftover = records.filter(pl.col("_family").is_null() & pl.col("_plain"))
    if not leftover.is_empty():
        parts.setdefault("unrecognized", []).append(_unrecognized(leftover))
    python.extend(records.filter(pl.col("_plain").not_()).get_column("_order").to_list())
    extracted = Extracted(
        tables={kind: pl.concat(tables, how="vertical") for kind, tables in parts.items()}
    )
    if python:
        extracted.python = _in_python(records, sorted(python), year)
    return extracted


def timestamps(records: pl.DataFrame, year: int) -> pl.Series:
    """Each record's time stamp as the models write it in JSON (null without one).

    The calendar part is worked out once per distinct second, the fraction added in
    the column (a log has few distinct seconds and many distinct milliseconds).  The
    framer has written its year into every ``second`` that printed none (the year is
    inferred over the whole log); ``year`` only serves records framed some other way."""
    keys = records.select("second", "tz")
    distinct = keys.filter(pl.col("second").is_not_null()).unique()
    lookup = distinct.with_columns(
        _whole=pl.Series(
            [_whole_second(s, tz, year) for s, tz in distinct.iter_rows()], dtype=pl.String
        )
    )
    whole = keys.join(
        lookup, on=["second", "tz"], how="left", nulls_equal=True, maintain_order="left"
    ).get_column("_whole")
    isos = records.get_column("iso").drop_nulls().unique().to_list()
    by_iso = {text: _iso_json(text, year) for text in isos}
    micro = pl.col("fraction").str.pad_end(6, "0")
    fraction = (
        pl.when(micro.is_null() | (micro == "000000")).then(pl.lit("")).otherwise("." + micro)
    )
    stamp = pl.col("_whole")
    return (
        records.select("second", "fraction", "iso")
        .with_columns(_whole=whole)
        .select(
            pl.when(pl.col("second").is_not_null())
            .then(pl.concat_str(stamp.str.slice(0, 19), fraction, stamp.str.slice(19)))
            .otherwise(pl.col("iso").replace_strict(by_iso, default=None, return_dtype=pl.String))
        )
        .to_series()
        .alias("timestamp")
    )


_DATETIME: Final = TypeAdapter(Any)


def _whole_second(second: str, tz: str | None, year: int) -> str | None:
    """A stamp's whole second as the models write it: ``2026-11-26T08:00:01`` and ``Z``
    when the stamp is in UTC (the fraction goes in between, see :func:`timestamps`)."""
    if second_fields(second, tz, year) is None:
        return None
    moment = stamp_time(second, None, tz, None, year)
    return _DATETIME.dump_json(moment).decode().strip('"')


def _iso_json(text: str, year: int) -> str | None:
    moment = stamp_time(None, None, None, text, year)
    return None if moment is None else _DATETIME.dump_json(moment).decode().strip('"')


def _family_index() -> pl.Expr:
    expression: Any = pl
    for index, family in enumerate(FAMILIES):
        test = pl.any_horizontal(pl.col("text").str.starts_with(start) for start in family.starts)
        expression = expression.when(test).then(pl.lit(index, pl.Int64))
    return expression.otherwise(pl.lit(None, pl.Int64))  # type: ignore[no-any-return]


# One family --------------------------------------------------------------------------


def _family_events(
    family: Family, subset: pl.DataFrame
) -> tuple[list[tuple[str, pl.DataFrame]], list[int]]:
    """The tables of the events a family's rules give over its records, and the records
    to parse in Python."""
    try:
        frame = _views(family, subset)
        return _ruled(family, frame)
    except UnsupportedError:  # a test or the prefix has no column form: the family runs in Python
        return [], subset.get_column("_order").to_list()


def _ruled(family: Family, frame: pl.DataFrame) -> tuple[list[tuple[str, pl.DataFrame]], list[int]]:
    """Each record tries the first rule whose test holds; the records of one rule are
    read together, and a record its grammar does not take goes on to the next rule."""
    chain = _chain(family)
    frame = frame.with_columns(_at=_first_rule(chain))
    matched: dict[type[EventBase], list[pl.DataFrame]] = {}
    python: list[int] = []
    missed: list[pl.DataFrame] = []
    while not frame.is_empty():
        tried: list[pl.DataFrame] = []
        for (at,), group in frame.partition_by("_at", as_dict=True, maintain_order=True).items():
            if at is None:
                missed.append(group)
                continue
            rule, resume = chain[at]
            node = _compiled(rule, family)
            if node is None:
                python.extend(group.get_column("_order").to_list())
                continue
            done = outcome(node, group, _TARGETS[rule.on], "g")
            matched.setdefault(rule.model, []).append(
                done.filter(pl.col("g:ok"))
                .drop("g:ok", "g:end")
                .with_columns(_name=pl.lit(rule.name, pl.String))
            )
            failed = done.filter(pl.col("g:ok").not_()).select(group.columns)
            if not failed.is_empty():
                (missed if rule.final else tried).append(failed.with_columns(_from=pl.lit(resume)))
        frame = _next_rules(tried, chain)
    found: list[tuple[str, pl.DataFrame]] = []
    prefix = _prefix_names(family)
    for model, frames in matched.items():
        table, slow = _rows(model, pl.concat(frames, how="diagonal_relaxed"), prefix)
        if not table.is_empty():
            found.append((_kind(model), table))
        python.extend(slow)
    rest = pl.concat(missed, how="diagonal_relaxed") if missed else None
    if rest is not None and not rest.is_empty():
        found.append(("unrecognized", _unrecognized(rest)))
    return found, python


def _chain(family: Family) -> list[tuple[Rule, int]]:
    """The family's rules in the order they are tried, each with where the search goes
    on when its grammar does not match: the next rule, or the one after its choice."""
    chain: list[tuple[Rule, int]] = []
    for item in family.rules:
        rules = item.rules if isinstance(item, Choice) else (item,)
        after = len(chain) + len(rules)
        chain.extend((rule, after if isinstance(item, Choice) else len(chain) + 1 + i)
                     for i, rule in enumerate(rules))  # fmt: skip
    return chain


def _first_rule(chain: list[tuple[Rule, int]]) -> pl.Expr:
    """The place in the chain of the first rule whose test holds.

    Most tests look for a literal: those of one target are found in one pass for all
    rules (Aho-Corasick over the literals), the others are tested one by one."""
    literals: dict[str, dict[str, int]] = {}
    others: list[pl.Expr] = []
    for index, (rule, _) in enumerate(chain):
        test = rule.when
        if isinstance(test, Has) and test.within is None:
            places = literals.setdefault(_TARGETS[test.on], {})
            places.setdefault(test.literal, index)
        else:
            others.append(pl.when(_test(test)).then(pl.lit(index, pl.Int64)))
    for column, places in literals.items():
        found = pl.col(column).str.extract_many(list(places), overlapping=True)
        lowest = found.list.eval(
            pl.element().replace_strict(places, default=None, return_dtype=pl.Int64)
        ).list.min()
        others.append(lowest)
    return pl.min_horizontal(others) if len(others) > 1 else others[0]


def _next_rules(tried: list[pl.DataFrame], chain: list[tuple[Rule, int]]) -> pl.DataFrame:
    """Records whose rule did not match, with the next rule whose test holds."""
    if not tried:
        return pl.DataFrame()
    frame = pl.concat(tried, how="diagonal_relaxed")
    later = (
        pl.when(_test(rule.when) & (pl.lit(index) >= pl.col("_from"))).then(pl.lit(index, pl.Int64))
        for index, (rule, _) in enumerate(chain)
    )
    return frame.with_columns(_at=pl.coalesce(later)).drop("_from")


def _views(family: Family, subset: pl.DataFrame) -> pl.DataFrame:
    """The record with what the rules read: the prefix's fields, the text after it (the
    body), the body without leading dots (the head), the head without ``SA ``."""
    frame = subset
    if family.prefix is not None:
        pattern = rust(family.prefix.re, ascii_only=True)
        if pattern is None:
            raise UnsupportedError(family.prefix)
        names = list(family.prefix.re.groupindex)
        found = frame.get_column("text").str.extract_groups(f"^(?P<_m>{pattern})").struct.unnest()
        end = found.get_column("_m").str.len_bytes()
        frame = frame.with_columns(
            *(found.get_column(name).alias(f"p:{name}") for name in names),
            _prefixed=found.get_column("_m").is_not_null(),
            _body=pl.col("text").str.slice(end),
        ).with_columns(_head=pl.col("_body").str.strip_chars_start(".! "))
        frame = frame.with_columns(_attribute=pl.col("_head").str.strip_prefix("SA "))
    if family.shared is not None:
        for rule in family.every_rule():
            try:
                node = plan(rule.grammar, family.shared)
            except UnsupportedError:
                continue
            return shared_columns(node, frame, "text")
    return frame


def _test(test: Test | None) -> pl.Expr:
    """A rule's test over the family's frame (see families.holds)."""
    if test is None:
        return pl.lit(True)
    if isinstance(test, AnyOf):
        return pl.any_horizontal(*(_test(part) for part in test.tests))
    if isinstance(test, AllOf):
        return pl.all_horizontal(*(_test(part) for part in test.tests))
    if isinstance(test, Unprefixed):
        return pl.col("_prefixed").not_()
    if isinstance(test, Prefixed):
        present = pl.col("_prefixed")
        if test.field is not None:
            value = pl.col(f"p:{test.field}")
            present = present & value.is_not_null() & (value != "")
        return present
    if isinstance(test, Has | Starts | Ends):
        column = _TARGETS[test.on]
        target = pl.col(column)
        if isinstance(test, Starts):
            found = pl.any_horizontal(*(target.str.starts_with(p) for p in test.prefixes))
        else:
            if test.within is not None:
                target = target.str.slice(0, test.within)
            found = (
                target.str.contains(test.literal, literal=True)
                if isinstance(test, Has)
                else target.str.ends_with(test.suffix)
            )
        return found.fill_null(False)
    raise UnsupportedError(test)


@cache
def _compiled(rule: Rule, family: Family) -> Node | None:
    """A rule's grammar plan, or None: the rule runs in Python (its grammar or its
    model's fields have no column form)."""
    spec = vars(rule.model).get("SPEC")  # its own: a model that inherits one builds in Python
    if spec is None or rule.build is not None:
        return None
    try:
        node = plan(rule.grammar, family.shared)
        _fields(rule.model, frozenset(_group_names(node)), _prefix_names(family))
    except UnsupportedError:
        return None
    return node


def _prefix_names(family: Family) -> frozenset[str]:
    return frozenset(family.prefix.re.groupindex) if family.prefix is not None else frozenset()


@cache
def _fields(
    model: type[EventBase], groups: frozenset[str], prefix: frozenset[str]
) -> dict[str, build.Column]:
    """A model's field expressions over a match frame with these named results."""
    names = build.Names(set(groups), set(prefix))
    return {name: build.column(value, names) for name, value in vars(model)["SPEC"].items()}


def _group_names(node: Node) -> set[str]:
    found: set[str] = set()
    for value in getattr(node, "names", ()):
        found.add(value)
    for name in ("result_name", "body", "tail"):
        value = getattr(node, name, None)
        if value:
            found.add(value)
    for child in (
        *getattr(node, "parts", ()),
        *getattr(node, "alternatives", ()),
        *((node.part,) if isinstance(node, _Optional | _Suppress | _Shared) else ()),
    ):
        found |= _group_names(child)
    return found


def _kind(model: type[EventBase]) -> str:
    return str(model.model_fields["kind"].default)


# Rows --------------------------------------------------------------------------------


def _rows(
    model: type[EventBase], matched: pl.DataFrame, prefix: frozenset[str]
) -> tuple[pl.DataFrame, list[int]]:
    """The kind table rows of a model's matches (those of all its rules at once), and the
    records whose values do not fit a column (built in Python)."""
    if matched.is_empty():
        return matched, []
    groups = frozenset(c[2:] for c in matched.columns if c.startswith("g:"))
    columns, bad = _table_of(model, groups, prefix)
    matched = matched.with_columns(
        _payloads=payload_lists(matched.get_column("g:payload_text"))
        if "g:payload_text" in matched.columns
        else pl.lit(None, build.PAYLOADS),
        _fields=build.key_value_lists(matched.get_column("g:message"))
        if "g:message" in matched.columns and "fields" in _fields(model, groups, prefix)
        else pl.lit(None, KEY_VALUES),
    )
    if bad is None:
        return matched.select(columns), []
    flagged = matched.with_columns(_bad=bad)
    slow = flagged.filter(pl.col("_bad")).get_column("_order").to_list()
    return flagged.filter(pl.col("_bad").not_()).select(columns), slow


@cache
def _table_of(
    model: type[EventBase], groups: frozenset[str], prefix: frozenset[str]
) -> tuple[list[pl.Expr], pl.Expr | None]:
    """The columns of a model's kind table over its matches, and the test of the rows
    whose values do not fit a column (None: every row fits)."""
    fields = _fields(model, groups, prefix)
    bad = [mark.fill_null(False) for _, mark in fields.values() if mark is not None]
    values = {name: value for name, (value, _) in fields.items()}
    return _columns(model, values), pl.any_horizontal(*bad) if bad else None


def table(model: type[EventBase], frame: pl.DataFrame, values: dict[str, pl.Expr]) -> pl.DataFrame:
    """A kind table: ``_order``, the model's fields in its order, the stamp parts."""
    return frame.select(_columns(model, values))


def _columns(model: type[EventBase], values: dict[str, pl.Expr]) -> list[pl.Expr]:
    columns = [pl.col("_order")]
    for name, kind in schema(model).items():
        if name == "kind":
            value = pl.lit(_kind(model))
        elif name in BASE:
            value = pl.col(name)
        elif name in values:
            value = values[name]
        else:
            value = pl.lit(_default(model, name))
        columns.append(value.cast(kind).alias(name))
    return [*columns, *(pl.col(name).alias(f"_{name}") for name in STAMP)]


def _default(model: type[EventBase], name: str) -> Any:
    info = model.model_fields[name]
    return info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]


_PAYLOAD_LIST: Final = TypeAdapter(list[Payload])


def payload_lists(texts: pl.Series) -> pl.Series:
    """The payload list of each ``Payload contents:`` text (None where none was printed),
    read in Python once per distinct text: a log repeats the same few."""
    distinct = texts.drop_nulls().unique().to_list()
    lists = {
        text: [p.model_dump() for p in payloads_from(_payload_items(text)) or []]  # type: ignore[arg-type]
        for text in distinct
    }
    keys = pl.DataFrame({"t": distinct}, schema={"t": pl.String})
    values = pl.Series("v", [lists[t] for t in distinct], dtype=build.PAYLOADS)
    lookup = keys.with_columns(v=values)
    return (
        pl.DataFrame({"t": texts})
        .join(lookup, on="t", how="left", maintain_order="left")
        .get_column("v")
    )


# Unrecognised records ------------------------------------------------------------------


_PROMPT: Final = rust(PROMPT_RE, ascii_only=True)
_NOISE: Final = rust(CONSOLE_NOISE_RE, ascii_only=True)


def _unrecognized(frame: pl.DataFrame) -> pl.DataFrame:
    """Records no rule took: their lines as they are, and what they look like."""
    return frame.select(_unrecognized_columns())


@cache
def _unrecognized_columns() -> list[pl.Expr]:
    text = pl.col("text")
    look: Any = pl
    for name, starts in LOOKS:
        look = look.when(pl.any_horizontal(text.str.starts_with(s) for s in starts)).then(
            pl.lit(name)
        )
    look = look.when(text.str.contains(f"^(?:{_PROMPT})") | text.str.contains(f"^(?:{_NOISE})"))
    look = look.then(pl.lit("console"))
    for name, starts in LATE_LOOKS:
        look = look.when(pl.any_horizontal(text.str.starts_with(s) for s in starts)).then(
            pl.lit(name)
        )
    values = {"text": pl.col("lines_text"), "family": look.otherwise(pl.lit(None, pl.String))}
    return _columns(Unrecognized, values)


# Records parsed in Python --------------------------------------------------------------


def _in_python(records: pl.DataFrame, orders: list[int], year: int) -> dict[int, Event]:
    if len(orders) < records.height:
        records = records.filter(pl.col("_order").is_in(orders))
    framed = messages(records.select(list(RECORD_SCHEMA)), year)
    return {
        order: event_from_message(message)
        for order, message in zip(records.get_column("_order").to_list(), framed, strict=True)
    }


__all__ = ["BASE", "STAMP", "Extracted", "extract", "payload_lists", "table", "timestamps"]
