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
#
# A plan runs as one lazy query: each step adds columns that later steps read (the match
# of a part, where the record stands after it), so that a grammar costs one collect over
# its records whatever its length, and its expressions are built once per plan.


@dataclass
class Evaluation:
    """Where each record matched (``ok``), where the match ended, and what it named."""

    ok: pl.Series
    end: pl.Series
    groups: dict[str, pl.Series]


@dataclass
class _Result:
    """A part's outcome as expressions over the columns the steps before it added."""

    ok: pl.Expr
    end: pl.Expr
    groups: dict[str, pl.Expr]


@dataclass
class _Query:
    """A plan compiled for one target column: the steps, then the outcome."""

    steps: list[pl.Expr]
    result: _Result


def evaluate(node: Node, frame: pl.DataFrame, target: str) -> Evaluation:
    """Run a plan over the ``target`` column of ``frame``, from the start of each value."""
    done = outcome(node, frame, target, "g")
    groups = {
        name[2:]: done.get_column(name).alias(name[2:])
        for name in done.columns
        if name.startswith("g:") and name not in ("g:ok", "g:end")
    }
    return Evaluation(done.get_column("g:ok"), done.get_column("g:end"), groups)


def outcome(node: Node, frame: pl.DataFrame, target: str, key: str) -> pl.DataFrame:
    """The frame with a plan's outcome over its ``target`` column added: ``{key}:ok``,
    ``{key}:end`` and a ``{key}:{name}`` column for each group the plan names."""
    query = _query(node, target, _kept(frame))
    lazy = frame.lazy()
    for step in query.steps:
        lazy = lazy.with_columns(step)
    result = query.result
    outputs = {"ok": result.ok, "end": result.end, **result.groups}
    return lazy.select(
        *frame.columns, *(value.alias(f"{key}:{name}") for name, value in outputs.items())
    ).collect()


def shared_columns(node: Node, frame: pl.DataFrame, target: str) -> pl.DataFrame:
    """The columns that keep a shared part's evaluation (see :class:`_Shared`)."""
    shared = _find_shared(node)
    if shared is None:
        return frame
    return outcome(shared.part, frame, target, shared.key)


def _kept(frame: pl.DataFrame) -> tuple[str, ...]:
    """The columns of shared parts already evaluated over this frame."""
    return tuple(name for name in frame.columns if name.startswith("_shared"))


def _find_shared(node: Node) -> _Shared | None:
    if isinstance(node, _Shared):
        return node
    if isinstance(node, _And) and node.parts:
        return _find_shared(node.parts[0])
    return None


@cache
def _query(node: Node, target: str, kept: tuple[str, ...]) -> _Query:
    steps: list[pl.Expr] = []
    result = _Compiler(steps, pl.col(target), kept).run(node, pl.lit(0, pl.Int64), at_start=True)
    if {"ok", "end"} & set(result.groups):
        raise UnsupportedError(node)  # the names of the outcome's own columns
    return _Query(steps, result)


@dataclass
class _Compiler:
    """Builds a plan's steps; each :meth:`keep` adds a column the steps after it read."""

    steps: list[pl.Expr]
    target: pl.Expr
    kept: tuple[str, ...]

    def keep(self, expression: pl.Expr) -> pl.Expr:
        name = f"_q{len(self.steps)}"
        self.steps.append(expression.alias(name))
        return pl.col(name)

    def run(self, node: Node, start: pl.Expr, *, at_start: bool = False) -> _Result:
        if isinstance(node, _Regex):
            return self.regex(node, start, at_start=at_start)
        if isinstance(node, _Skip):
            return self.skip(node, start)
        if isinstance(node, _Suppress):
            inner = self.run(node.part, start, at_start=at_start)
            return _Result(inner.ok, inner.end, {})
        if isinstance(node, _Shared):
            prefix = node.key + ":"
            if at_start and prefix + "ok" in self.kept:
                groups = {c[len(prefix) :]: pl.col(c) for c in self.kept if c.startswith(prefix)}
                ok, end = groups.pop("ok"), groups.pop("end")
                return _Result(ok, end, groups)
            return self.run(node.part, start, at_start=at_start)
        if isinstance(node, _And):
            return self.sequence(node, start, at_start=at_start)
        if isinstance(node, _Optional):
            inner = self.run(node.part, start, at_start=at_start)
            ok = self.keep(inner.ok)
            return _Result(
                pl.lit(True),
                self.keep(_where(ok, inner.end, start)),
                {name: _where(ok, value, None) for name, value in inner.groups.items()},
            )
        return self.first(node, start, at_start=at_start)

    def sequence(self, node: _And, start: pl.Expr, *, at_start: bool) -> _Result:
        ok: pl.Expr = pl.lit(True)
        position = start
        groups: dict[str, pl.Expr] = {}
        for index, part in enumerate(node.parts):
            done = self.run(part, position, at_start=at_start and index == 0)
            ok = self.keep(ok & done.ok)
            position = self.keep(_where(done.ok, done.end, position))
            for name, value in done.groups.items():
                groups[name] = value if name not in groups else pl.coalesce(value, groups[name])
        return _Result(ok, position, groups)

    def first(self, node: _First, start: pl.Expr, *, at_start: bool) -> _Result:
        ok: pl.Expr = pl.lit(False)
        end = start
        groups: dict[str, pl.Expr] = {}
        for alternative in node.alternatives:
            done = self.run(alternative, start, at_start=at_start)
            taken = self.keep(done.ok & ~ok)
            end = self.keep(_where(taken, done.end, end))
            for name, value in done.groups.items():
                chosen = _where(taken, value, None)
                groups[name] = chosen if name not in groups else pl.coalesce(chosen, groups[name])
            ok = self.keep(ok | done.ok)
        return _Result(ok, end, groups)

    def rest(self, start: pl.Expr, *, at_start: bool) -> pl.Expr:
        return self.target if at_start else self.target.str.slice(start)

    def regex(self, node: _Regex, start: pl.Expr, *, at_start: bool) -> _Result:
        rest = self.rest(start, at_start=at_start)
        groups: dict[str, pl.Expr] = {}
        if node.body is not None or node.pattern is None:
            after_blanks = self.keep(rest.str.strip_chars_start(" \t\n\r"))
            if node.body is not None:
                groups[node.body] = after_blanks
        if node.pattern is None:  # `.*`: the rest of the record
            if node.result_name:
                groups[node.result_name] = after_blanks
            return _Result(pl.lit(True), start + rest.str.len_bytes(), groups)
        found = self.keep(rest.str.extract_groups(node.pattern))
        whole = found.struct.field("_m")
        groups |= {name: found.struct.field(name) for name in node.names}
        if node.result_name:
            groups[node.result_name] = found.struct.field("_r")
        length = whole.str.len_bytes()
        if node.tail is not None:
            matched = whole.is_not_null()
            groups[node.tail] = self.keep(pl.when(matched).then(rest.str.slice(length)))
            length = pl.when(matched).then(rest.str.len_bytes())
        return _Result(whole.is_not_null(), start + length.fill_null(0), groups)

    def skip(self, node: _Skip, start: pl.Expr) -> _Result:
        rest = self.keep(self.rest(start, at_start=False).str.strip_chars_start(" \t\n\r"))
        lead = self.target.str.len_bytes() - start - rest.str.len_bytes()
        found = self.keep(rest.str.find(node.ahead))
        return _Result(found.is_not_null(), start + lead + found.fill_null(0), {})


def _where(mask: pl.Expr, value: pl.Expr, other: pl.Expr | None) -> pl.Expr:
    chosen = pl.when(mask.fill_null(False)).then(value)
    return chosen if other is None else chosen.otherwise(other)


__all__ = [
    "Evaluation", "Node", "UnsupportedError", "evaluate", "outcome", "plan", "shared_columns",
]  # fmt: skip
