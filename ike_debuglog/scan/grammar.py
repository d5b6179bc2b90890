"""Running a pyparsing grammar over a whole column of records at once.

The grammar objects stay the definition of every record.  A grammar built from regexes,
literals, sequences, alternatives, optional parts and ``.*?(?=X)`` skips runs here the
way pyparsing runs it, one part at a time over the column: blanks skipped before each
part, each part matched where the one before ended and never given back.  A part whose
regex does not translate to the Rust engine (lookarounds, back references), or any
other pyparsing construct, makes the grammar :class:`UnsupportedError`: its records are then
parsed one at a time in Python.

Records reach this module only when they are printable ASCII, so that character and
byte offsets agree, both engines read ``\\s``, ``\\w`` and ``\\d`` alike, and patterns run
in the engine's faster byte (ASCII) mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

import polars as pl
import pyparsing as pp

from .regex import rust

_WHITESPACE: Final = frozenset(" \t\n\r")
_BLANKS: Final = "[ \\t\\n\\r]*"
#: pyparsing's ``.*?(?=X)``: skip to the first place where X matches.
_SKIP = re.compile(r"^\.\*\?\(\?=(?P<ahead>.*)\)$", re.DOTALL)
#: A regex that also names the whole rest of the record: ``(?=(?P<body>.*))...``.
_BODY = re.compile(r"^\(\?=\(\?P<(?P<name>\w+)>\.\*\)\)(?P<rest>.*)$", re.DOTALL)


class UnsupportedError(Exception):
    """The grammar needs something the column engine does not do."""


# Plans: a grammar compiled once into nodes ----------------------------------------------


@dataclass(frozen=True)
class _Regex:
    pattern: str | None  # the Rust pattern, anchored, whole match in group `_m`; None: `.*`
    names: tuple[str, ...]
    result_name: str | None = None  # pyparsing results name of the whole match
    body: str | None = None  # group naming the text from this part to the end
    tail: str | None = None  # group naming the `(?P<tail>.*)` that ends the pattern


@dataclass(frozen=True)
class _Skip:
    ahead: str  # Rust pattern of what the skip stops before


@dataclass(frozen=True)
class _And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class _Optional:
    part: Node


@dataclass(frozen=True)
class _First:
    alternatives: tuple[Node, ...]


@dataclass(frozen=True)
class _Suppress:
    part: Node


@dataclass(frozen=True)
class _Shared:
    """A part evaluated once per family and kept in columns (the IKEv2 record context)."""

    key: str
    part: Node


Node = _Regex | _Skip | _And | _Optional | _First | _Suppress | _Shared


@cache
def plan(grammar: pp.ParserElement, shared: pp.ParserElement | None = None) -> Node:
    """The grammar as nodes the column engine runs; raises :class:`UnsupportedError`."""
    return _plan(grammar, shared)


def _plan(element: pp.ParserElement, shared: pp.ParserElement | None) -> Node:
    if shared is not None and element is shared:
        return _Shared(f"_shared{id(shared)}", _plan(element, None))
    fill = getattr(element, "fill_fields", None)
    if (element.parseAction and fill is None) or len(element.parseAction) > 1:
        raise UnsupportedError(element)
    if not element.skipWhitespace or set(element.whiteChars) != _WHITESPACE:
        raise UnsupportedError(element)
    if isinstance(element, pp.Suppress):
        return _Suppress(_plan(element.expr, shared))
    if isinstance(element, pp.Regex):
        return _regex(element.re, element.resultsName or None)
    if type(element) is pp.Literal:
        return _regex(re.compile(re.escape(element.match)), element.resultsName or None)
    if element.resultsName:
        raise UnsupportedError(element)
    if isinstance(element, pp.And):
        return _And(tuple(_plan(part, shared) for part in element.exprs))
    if isinstance(element, pp.Opt):
        return _Optional(_plan(element.expr, shared))
    if isinstance(element, pp.MatchFirst):
        return _First(tuple(_plan(part, shared) for part in element.exprs))
    raise UnsupportedError(element)


def _regex(pattern: re.Pattern[str], result_name: str | None) -> Node:
    text = pattern.pattern
    skip = _SKIP.match(text)
    if skip is not None and not pattern.flags & ~re.UNICODE:
        ahead = rust(skip["ahead"], ascii_only=True)
        if ahead is None:
            raise UnsupportedError(text)
        return _Skip(ahead)
    body = _BODY.match(text)
    name = None
    if body is not None:
        name, text = body["name"], body["rest"]
    if text == ".*" and not pattern.flags & re.DOTALL:
        return _Regex(None, (), result_name, name)  # the rest of the record (no line feeds)
    tail = _tail(text, pattern.flags)
    if tail is not None:
        # A capture of everything to the end is the text after the rest of the match:
        # the engine need not copy it (it is most of a syslog message).
        text = text[: -len(f"(?P<{tail}>.*)")]
    translated = rust(text, pattern.flags, ascii_only=True)
    if translated is None:
        raise UnsupportedError(text)
    if result_name:
        if tail is not None:
            raise UnsupportedError(text)
        translated = f"(?P<_r>{translated})"
    names = tuple(n for n in re.compile(text, pattern.flags).groupindex if n != name)
    return _Regex(f"^(?P<_m>{_BLANKS}(?:{translated}))", names, result_name, name, tail)


_TAIL = re.compile(r"\(\?P<(?P<name>\w+)>\.\*\)$")


def _tail(text: str, flags: int) -> str | None:
    """The name of a ``(?P<name>.*)`` that ends the pattern outside any group."""
    found = _TAIL.search(text)
    if found is None or flags & (re.DOTALL | re.VERBOSE):
        return None
    head = text[: found.start()]
    try:
        compiled = re.compile(head, flags)
    except re.error:
        return None  # the group sits inside another one
    if found["name"] in compiled.groupindex or head.endswith("\\"):
        return None
    return found["name"]


# Running a plan --------------------------------------------------------------------------


@dataclass
class Evaluation:
    """Where each record matched (``ok``), where the match ended, and what it named."""

    ok: pl.Series
    end: pl.Series
    groups: dict[str, pl.Series]


def evaluate(node: Node, frame: pl.DataFrame, target: str) -> Evaluation:
    """Run a plan over the ``target`` column of ``frame``, from the start of each value."""
    start = pl.Series("start", [0] * frame.height, dtype=pl.Int64)
    return _run(node, frame, frame.get_column(target), start, at_start=True)


def shared_columns(node: Node, frame: pl.DataFrame, target: str) -> pl.DataFrame:
    """The columns that keep a shared part's evaluation (see :class:`_Shared`)."""
    shared = _find_shared(node)
    if shared is None:
        return frame
    done = evaluate(shared.part, frame, target)
    return frame.with_columns(
        done.ok.alias(f"{shared.key}:ok"),
        done.end.alias(f"{shared.key}:end"),
        *(value.alias(f"{shared.key}:{name}") for name, value in done.groups.items()),
    )


def _find_shared(node: Node) -> _Shared | None:
    if isinstance(node, _Shared):
        return node
    if isinstance(node, _And) and node.parts:
        return _find_shared(node.parts[0])
    return None


def _run(node: Node, frame: pl.DataFrame, target: pl.Series, start: pl.Series,
         *, at_start: bool = False) -> Evaluation:  # fmt: skip
    if isinstance(node, _Regex):
        return _run_regex(node, target, start, at_start=at_start)
    if isinstance(node, _Skip):
        return _run_skip(node, target, start)
    if isinstance(node, _Suppress):
        inner = _run(node.part, frame, target, start, at_start=at_start)
        return Evaluation(inner.ok, inner.end, {})
    if isinstance(node, _Shared):
        key = node.key
        if at_start and f"{key}:ok" in frame.columns:
            names = [c for c in frame.columns if c.startswith(key + ":")]
            groups = {c.split(":", 1)[1]: frame.get_column(c) for c in names}
            ok, end = groups.pop("ok"), groups.pop("end")
            return Evaluation(ok, end, groups)
        return _run(node.part, frame, target, start, at_start=at_start)
    if isinstance(node, _And):
        return _run_and(node, frame, target, start, at_start=at_start)
    if isinstance(node, _Optional):
        inner = _run(node.part, frame, target, start, at_start=at_start)
        ok = inner.ok
        return Evaluation(
            pl.Series([True] * len(ok), dtype=pl.Boolean),
            _where(ok, inner.end, start),
            {name: _where(ok, value, None) for name, value in inner.groups.items()},
        )
    return _run_first(node, frame, target, start, at_start=at_start)


def _run_and(node: _And, frame: pl.DataFrame, target: pl.Series, start: pl.Series,
             *, at_start: bool) -> Evaluation:  # fmt: skip
    ok = pl.Series([True] * len(target), dtype=pl.Boolean)
    position = start
    groups: dict[str, pl.Series] = {}
    for index, part in enumerate(node.parts):
        done = _run(part, frame, target, position, at_start=at_start and index == 0)
        ok = ok & done.ok
        position = _where(done.ok, done.end, position)
        for name, value in done.groups.items():
            groups[name] = value if name not in groups else _coalesce(value, groups[name])
    return Evaluation(ok, position, groups)


def _run_first(node: _First, frame: pl.DataFrame, target: pl.Series, start: pl.Series,
               *, at_start: bool) -> Evaluation:  # fmt: skip
    ok = pl.Series([False] * len(target), dtype=pl.Boolean)
    end = start
    groups: dict[str, pl.Series] = {}
    for alternative in node.alternatives:
        done = _run(alternative, frame, target, start, at_start=at_start)
        taken = done.ok & ~ok
        end = _where(taken, done.end, end)
        for name, value in done.groups.items():
            chosen = _where(taken, value, None)
            groups[name] = chosen if name not in groups else _coalesce(chosen, groups[name])
        ok = ok | done.ok
    return Evaluation(ok, end, groups)


def _rest(target: pl.Series, start: pl.Series, *, at_start: bool) -> pl.Series:
    if at_start:
        return target
    return (
        pl.DataFrame({"t": target, "s": start})
        .select(pl.col("t").str.slice(pl.col("s")))
        .to_series()
    )


def _run_regex(node: _Regex, target: pl.Series, start: pl.Series, *, at_start: bool) -> Evaluation:
    rest = _rest(target, start, at_start=at_start)
    groups: dict[str, pl.Series] = {}
    if node.body is not None or node.pattern is None:
        after_blanks = rest.str.strip_chars_start(" \t\n\r")
        if node.body is not None:
            groups[node.body] = after_blanks
    if node.pattern is None:  # `.*`: the rest of the record
        if node.result_name:
            groups[node.result_name] = after_blanks
        everything = pl.Series([True] * len(rest), dtype=pl.Boolean)
        return Evaluation(everything, start + rest.str.len_bytes(), groups)
    found = rest.str.extract_groups(node.pattern).struct.unnest()
    whole = found.get_column("_m")
    groups |= {name: found.get_column(name) for name in node.names}
    if node.result_name:
        groups[node.result_name] = found.get_column("_r")
    length = whole.str.len_bytes()
    if node.tail is not None:
        tail = pl.DataFrame({"r": rest, "n": length}).select(pl.col("r").str.slice(pl.col("n")))
        groups[node.tail] = tail.to_series().zip_with(whole.is_not_null(), _nothing(rest))
        length = pl.Series([None] * len(rest), dtype=pl.UInt32).zip_with(
            whole.is_null(), rest.str.len_bytes()
        )
    return Evaluation(whole.is_not_null(), start + length.fill_null(0), groups)


def _nothing(like: pl.Series) -> pl.Series:
    return pl.Series(like.name, [None] * len(like), dtype=like.dtype)


def _run_skip(node: _Skip, target: pl.Series, start: pl.Series) -> Evaluation:
    rest = _rest(target, start, at_start=False).str.strip_chars_start(" \t\n\r")
    lead = target.str.len_bytes() - start - rest.str.len_bytes()
    found = rest.str.find(node.ahead)
    return Evaluation(found.is_not_null(), start + lead + found.fill_null(0), {})


def _where(mask: pl.Series, value: pl.Series, other: pl.Series | None) -> pl.Series:
    if other is None:
        other = pl.Series(value.name, [None] * len(value), dtype=value.dtype)
    return value.zip_with(mask.fill_null(False), other)


def _coalesce(first: pl.Series, second: pl.Series) -> pl.Series:
    return pl.DataFrame({"a": first, "b": second}).select(pl.coalesce("a", "b")).to_series()


__all__ = ["Evaluation", "Node", "UnsupportedError", "evaluate", "plan", "shared_columns"]
