"""Python regular expressions as Polars (Rust ``regex`` crate) expressions.

The grammars are written for Python's ``re`` (and pyparsing on top of it); the bulk scan
runs them in Polars, whose engine is the Rust ``regex`` crate: linear time by construction,
and no backtracking constructs.  A pattern translates when it uses none of those: atomic
groups and possessive quantifiers become their plain forms (the engine never gives back a
match, so at the place a grammar part is run on its own both find the same match),
lookarounds and back references do not translate, and the caller falls back to Python.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

import polars as pl

_FLAGS: Final = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s", re.VERBOSE: "x"}
_UNSUPPORTED_FLAGS: Final = ~(re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE | re.UNICODE)
_QUANTIFIERS: Final = frozenset("*+?}")
_VERBOSE_BLANKS: Final = frozenset(" \t\n\r\f\v")


class UntranslatableError(ValueError):
    """The pattern needs a construct the Rust engine does not have."""


#: In ASCII mode (text known to be printable ASCII), every class and every shorthand that
#: could match a byte outside ASCII is kept inside it: the byte-oriented engine then
#: accepts the pattern, and runs about twice as fast as its Unicode form.
_ASCII: Final = "\\x00-\\x7F"
_ASCII_ANY: Final = {False: "[\\x00-\\x09\\x0B-\\x7F]", True: "[\\x00-\\x7F]"}
#: Negated shorthands within ASCII: what is left of ASCII without the class.
_ASCII_NEGATED: Final = {
    "\\S": f"[{_ASCII}--\\s]",
    "\\W": f"[{_ASCII}--\\w]",
    "\\D": f"[{_ASCII}--\\d]",
}


def _translate(pattern: str, verbose: bool, ascii_only: bool = False, dotall: bool = False) -> str:
    out: list[str] = []
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\":
            escape = _escape(pattern[i : i + 2], in_class=False)
            out.append(_ASCII_NEGATED.get(escape, escape) if ascii_only else escape)
            i += 2
        elif char == "[":
            i, negated, items = _char_class(pattern, i, ascii_only=ascii_only)
            if negated and ascii_only:
                out.append(f"[{_ASCII}--[{items}]]")
            else:
                out.append(f"[^{items}]" if negated else f"[{items}]")
        elif char == "." and ascii_only:
            out.append(_ASCII_ANY[dotall])
            i += 1
        elif verbose and char == "#":
            end = pattern.find("\n", i)
            i = size if end < 0 else end
        elif verbose and char in _VERBOSE_BLANKS:
            i += 1  # verbose patterns are written out plain: Rust's verbose mode also
            # drops blanks inside classes, Python's keeps them
        elif char == "(" and pattern[i + 1 : i + 2] == "?":
            i = _group(pattern, i, out)
        elif char == "+" and out and _after_quantifier(out):
            i += 1  # possessive: the plain quantifier
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _escape(escape: str, *, in_class: bool) -> str:
    if len(escape) < 2:
        raise UntranslatableError("trailing backslash")
    if in_class:
        return escape
    if escape[1].isdigit():
        raise UntranslatableError("back reference")
    return r"\z" if escape[1] == "Z" else escape


def _char_class(pattern: str, i: int, *, ascii_only: bool) -> tuple[int, bool, str]:
    """The class that opens at ``i``: where it ends, whether it is negated, its items."""
    out: list[str] = []
    i += 1
    negated = pattern[i : i + 1] == "^"
    if negated:
        i += 1
    if pattern[i : i + 1] == "]":
        out.append(r"\]")  # `[]...]`: a literal bracket first in the class
        i += 1
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escape = _escape(pattern[i : i + 2], in_class=True)
            out.append(_ASCII_NEGATED.get(escape, escape) if ascii_only else escape)
            i += 2
        elif char == "]":
            return i + 1, negated, "".join(out)
        elif char == "[":
            out.append(r"\[")  # a literal in Python, a nested class in Rust
            i += 1
        elif char in "&~-" and pattern[i + 1 : i + 2] == char:
            out.append("\\" + char)  # set operators in Rust
            i += 1
        else:
            out.append(char)
            i += 1
    raise UntranslatableError("unclosed class")


def _group(pattern: str, i: int, out: list[str]) -> int:
    """Copy the group construct that opens at ``i`` (``(?``); returns where it goes on."""
    construct = pattern[i + 2 : i + 4]
    if construct.startswith(">"):
        out.append("(?:")
        return i + 3
    if construct.startswith(("=", "!", "<=", "<!", "(", "P=")):
        raise UntranslatableError("lookaround, conditional or back reference")
    out.append("(")
    return i + 1


def _after_quantifier(out: list[str]) -> bool:
    last = out[-1]
    if last in _QUANTIFIERS and not (len(out) > 1 and out[-2].endswith("\\")):
        # `x++`, `x*+`, `x?+`, `x{2}+`; but `\++` is an escaped plus, then a quantifier.
        return not (last == "?" and len(out) > 1 and out[-2] in ("(",))
    return False


def translate(pattern: str, flags: int = 0, *, ascii_only: bool = False) -> str:
    """The Rust form of a Python pattern; raises :class:`UntranslatableError`.

    ``ascii_only``: for text known to be printable ASCII, where both engines read every
    class alike; the pattern runs in the engine's faster byte mode."""
    if flags & _UNSUPPORTED_FLAGS:
        raise UntranslatableError("flags")
    if ascii_only and flags & re.IGNORECASE:
        raise UntranslatableError("case folding in ASCII mode")
    letters = "".join(
        letter for flag, letter in _FLAGS.items() if flags & flag and flag != re.VERBOSE
    )
    if ascii_only:
        letters += "-u"
    body = _translate(pattern, bool(flags & re.VERBOSE), ascii_only, bool(flags & re.DOTALL))
    return f"(?{letters}){body}" if letters else body


@cache
def compiles(pattern: str) -> bool:
    """Whether Polars accepts the pattern (its engine rejects some Python spellings)."""
    try:
        pl.Series("probe", [""], dtype=pl.String).str.contains(pattern)
    except pl.exceptions.ComputeError:
        return False
    return True


def rust(pattern: str | re.Pattern[str], flags: int = 0, *, ascii_only: bool = False) -> str | None:
    """The pattern for Polars, or None when it does not translate or compile there."""
    text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    if isinstance(pattern, re.Pattern):
        flags = pattern.flags
    try:
        translated = translate(text, flags, ascii_only=ascii_only)
    except UntranslatableError:
        return None
    return translated if compiles(translated) else None


__all__ = ["UntranslatableError", "rust", "translate"]
