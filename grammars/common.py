"""Pieces shared by the message grammars: endpoints and the rest of a record.

Built from ``pyparsing.Regex`` so that one grammar call does the work of many small
tokens; no process-wide pyparsing setting is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyparsing as pp

#: ``address:port`` with the port after the last colon, so IPv6 works:
#: ``FC00:123:123:123::1:500`` is address ``FC00:123:123:123::1``, port 500.  A masked
#: address (``<My public IP>``) is one unit; a bracket is never also a character of its
#: own, so that no text reads two ways (``<a>`` repeated was exponential).
ENDPOINT_PATTERN = r"(?P<{name}>(?:<[^<>]*>|[^\s/\],<>])+?):(?P<{name}_port>\d+)"


def endpoint_pattern(name: str) -> str:
    """The regex text of an ``address:port`` pair captured under ``name``."""
    return ENDPOINT_PATTERN.format(name=name)


#: ``.*?`` for a field that a part starting with optional blanks ends (``\s*$``, ``\s*,``):
#: it may stop after any character but never inside a run of blanks, so each run is read
#: once, not once per blank (a lazy ``.*?`` before ``\s*`` is quadratic on long runs).
LAZY_TEXT = r"(?:\S|[^\S\n]++)*?"

#: Rest of the message, possibly empty.
REST = pp.Regex(r".*")


def with_fields(element: pp.ParserElement, fill: Callable[[Any], None]) -> pp.ParserElement:
    """Attach ``fill``, which adds named results computed from the element's own (a payload
    list split into payloads, say): run as a parse action by pyparsing, and called with the
    dict of named results when the parser runs a grammar as compiled regexes."""
    element.add_parse_action(fill)
    element.fill_fields = fill  # type: ignore[attr-defined]
    return element
