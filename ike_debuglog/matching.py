"""Running a grammar: pyparsing's objects stay the definition of every record, and the
ones built from regexes, literals, sequences, alternatives and optional parts run as one
compiled regex with pyparsing's semantics (a ``re`` match costs under a microsecond, a
``parse_string`` call about ten).  Anything else runs in pyparsing.  Tests check both
paths give the same results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pyparsing as pp

#: What a grammar found: pyparsing's results, or the same names in a dict when the parser
#: ran a regex-only grammar as compiled regexes.
Parsed = pp.ParseResults | dict[str, Any]

_Matcher = Callable[[str], dict[str, Any] | None]
_WHITESPACE = frozenset(" \t\n\r")


class _UnsupportedError(Exception):
    """The grammar uses pyparsing features the compiled path does not reproduce."""


#: pyparsing's blank skipping before an element, possessive: it never gives blanks back.
_BLANKS = "[ \t\n\r]*+"
_SCOPED_FLAGS = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x"}
_NUMBERED_REFERENCE = re.compile(r"\\[1-9]|\(\?\(\d")


_GROUP_NAME = re.compile(r"\(\?P([<=])([A-Za-z_]\w*)")


class _Flattener:
    """A grammar as the text of one regex with pyparsing's semantics: each part in an
    atomic group, so that, like pyparsing, no part gives back what it matched to let a
    later one match.  One ``re`` call then does the work of one closure per part.

    A name used by two parts (the same field in two alternatives) gets an alias group,
    merged back after the match; parse actions (:func:`with_fields`) run after the match,
    each only if its part took part, which a marker group records."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.aliases: list[tuple[str, str]] = []
        self.fills: list[tuple[str, Callable[[Any], None]]] = []

    def flatten(self, element: pp.ParserElement) -> str:
        fill = getattr(element, "fill_fields", None)
        actions = element.parseAction
        if (actions and fill is None) or len(actions) > 1 or element.resultsName:
            raise _UnsupportedError(element)
        if not element.skipWhitespace or set(element.whiteChars) != _WHITESPACE:
            raise _UnsupportedError(element)
        if fill is not None:
            if not isinstance(element, pp.Regex):
                raise _UnsupportedError(element)
            marker = f"_fill{len(self.fills)}"
            self.fills.append((marker, fill))
            return f"(?P<{marker}>{self._regex(element)})"
        if isinstance(element, pp.Suppress):
            inner = element.expr
            if isinstance(inner, pp.Regex) and inner.re.groupindex:
                raise _UnsupportedError(element)  # its names must not reach the results
            return self.flatten(inner)
        if isinstance(element, pp.Regex):
            return self._regex(element)
        if isinstance(element, pp.Literal) and type(element) is pp.Literal:
            return _BLANKS + re.escape(element.match)
        if isinstance(element, pp.And):
            return "".join(self.flatten(part) for part in element.exprs)
        if isinstance(element, pp.Opt):
            return f"(?>(?:{self.flatten(element.expr)})?)"
        if isinstance(element, pp.MatchFirst):
            return "(?>" + "|".join(self.flatten(part) for part in element.exprs) + ")"
        raise _UnsupportedError(element)

    def _regex(self, element: pp.Regex) -> str:
        pattern = element.re
        flags = pattern.flags & ~re.UNICODE
        letters = "".join(letter for flag, letter in _SCOPED_FLAGS.items() if flags & flag)
        if flags & ~sum(_SCOPED_FLAGS) or _NUMBERED_REFERENCE.search(pattern.pattern):
            raise _UnsupportedError(element)
        renamed: dict[str, str] = {}
        for name in pattern.groupindex:
            if name in self.names or name.startswith("_fill"):
                renamed[name] = alias = f"_{len(self.aliases)}_{name}"
                self.aliases.append((alias, name))
            self.names.add(name)
        text = pattern.pattern
        if renamed:
            text = _GROUP_NAME.sub(lambda hit: f"(?P{hit[1]}{renamed.get(hit[2], hit[2])}", text)
        text += "\n" if flags & re.VERBOSE else ""  # a trailing comment must not eat the ")"
        return f"{_BLANKS}(?>(?{letters}:{text}))" if letters else f"{_BLANKS}(?>{text})"


def compile_matcher(grammar: pp.ParserElement) -> _Matcher | None:
    """The grammar as one compiled regex, or None when it needs pyparsing (a numbered back
    reference, a parse action on a composite part, ...)."""
    flattener = _Flattener()
    try:
        pattern = re.compile(flattener.flatten(grammar))
    except (_UnsupportedError, re.error):
        return None
    match_at = pattern.match
    aliases = tuple(flattener.aliases)
    fills = tuple(flattener.fills)

    def match(text: str) -> dict[str, Any] | None:
        if "\t" in text:
            text = text.expandtabs()  # as pyparsing's parse_string does
        hit = match_at(text)
        if hit is None:
            return None
        found = hit.groupdict()
        for alias, name in aliases:
            value = found.pop(alias)
            if value is not None:
                found[name] = value
        for marker, fill in fills:
            if found.pop(marker) is not None:
                fill(found)
        return found

    return match


_MATCHERS: dict[int, _Matcher | None] = {}


def run(grammar: pp.ParserElement, text: str) -> Parsed | None:
    """The grammar's results for ``text``, or None.  Grammars built from regexes run as
    one compiled regex (see :class:`_Flattener`); the grammar objects stay the single
    definition of every record, and any grammar that cannot be one runs in pyparsing."""
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
