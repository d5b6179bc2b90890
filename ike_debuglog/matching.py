"""Running a grammar: pyparsing's objects stay the definition of every record, and the
ones built from regexes, literals, sequences, alternatives and optional parts run as
compiled regexes with pyparsing's semantics (ten to thirty times faster on this hot path).
Anything else runs in pyparsing.  Tests check both paths give the same results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pyparsing as pp

from .events.base import Parsed

_Matcher = Callable[[str], dict[str, Any] | None]
#: A compiled grammar element: (text, position, results so far) to the position after it.
_Step = Callable[[str, int, dict[str, Any]], int | None]
_WHITESPACE = frozenset(" \t\n\r")


class _UnsupportedError(Exception):
    """The grammar uses pyparsing features the compiled path does not reproduce."""


def _skip(text: str, position: int) -> int:
    size = len(text)
    while position < size and text[position] in _WHITESPACE:
        position += 1
    return position


def _compile(element: pp.ParserElement, *, keep: bool = True) -> _Step:
    """An element as a function over compiled regexes with pyparsing's semantics: blanks
    skipped before each element, every named group of a kept regex set (None when it did
    not take part), optional parts rolled back when they fail.  Only regexes, literals,
    sequences, alternatives, optional parts, suppression and :func:`with_fields` are
    supported; anything else raises :class:`_UnsupportedError`."""
    fill = getattr(element, "fill_fields", None)
    actions = element.parseAction
    if (actions and fill is None) or len(actions) > 1 or element.resultsName:
        raise _UnsupportedError(element)
    if not element.skipWhitespace or set(element.whiteChars) != _WHITESPACE:
        raise _UnsupportedError(element)
    if isinstance(element, pp.Suppress):
        return _compile(element.expr, keep=False)
    if isinstance(element, pp.Regex):
        pattern = element.re

        def regex(text: str, position: int, found: dict[str, Any]) -> int | None:
            hit = pattern.match(text, _skip(text, position))
            if hit is None:
                return None
            if keep:
                found.update(hit.groupdict())
                if fill is not None:
                    fill(found)
            return hit.end()

        return regex
    if isinstance(element, pp.Literal) and type(element) is pp.Literal and fill is None:
        literal = element.match

        def exact(text: str, position: int, found: dict[str, Any]) -> int | None:
            start = _skip(text, position)
            return start + len(literal) if text.startswith(literal, start) else None

        return exact
    if fill is not None:
        raise _UnsupportedError(element)
    if isinstance(element, pp.And):
        steps = [_compile(part, keep=keep) for part in element.exprs]

        def sequence(text: str, position: int, found: dict[str, Any]) -> int | None:
            for part in steps:
                after = part(text, position, found)
                if after is None:
                    return None
                position = after
            return position

        return sequence
    if isinstance(element, pp.MatchFirst | pp.Opt):
        optional = isinstance(element, pp.Opt)
        inner: list[pp.ParserElement] = (
            [element.expr] if isinstance(element, pp.Opt) else list(element.exprs)
        )
        choices = [_compile(part, keep=keep) for part in inner]

        def first(text: str, position: int, found: dict[str, Any]) -> int | None:
            for choice in choices:
                trial: dict[str, Any] = {}
                after = choice(text, position, trial)
                if after is not None:
                    found.update(trial)
                    return after
            return position if optional else None

        return first
    raise _UnsupportedError(element)


def compile_matcher(grammar: pp.ParserElement) -> _Matcher | None:
    """The compiled form of ``grammar``, or None when it needs pyparsing."""
    try:
        step = _compile(grammar)
    except _UnsupportedError:
        return None

    def match(text: str) -> dict[str, Any] | None:
        if "\t" in text:
            text = text.expandtabs()  # as pyparsing's parse_string does
        found: dict[str, Any] = {}
        return None if step(text, 0, found) is None else found

    return match


_MATCHERS: dict[int, _Matcher | None] = {}


def run(grammar: pp.ParserElement, text: str) -> Parsed | None:
    """The grammar's results for ``text``, or None.  Grammars built from regexes run as
    compiled regexes (ten to thirty times faster than pyparsing's machinery for the same
    results, see :func:`_compile`); the grammar objects stay the single definition of
    every record, and any grammar the compiled path does not cover runs in pyparsing."""
    key = id(grammar)
    if key not in _MATCHERS:
        _MATCHERS[key] = compile_matcher(grammar)
    fast = _MATCHERS[key]
    if fast is not None:
        return fast(text)
    try:
        return grammar.parse_string(text)
    except pp.ParseBaseException:
        return None


def items(result: Parsed) -> Iterable[tuple[str, Any]]:
    """The named results as pairs, whichever path produced them."""
    return result.items() if isinstance(result, dict) else result.as_dict().items()
