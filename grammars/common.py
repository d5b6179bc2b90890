"""Pieces shared by the message grammars: endpoints and the rest of a record.

Built from ``pyparsing.Regex`` so that one grammar call does the work of many small
tokens; no process-wide pyparsing setting is touched.
"""

from __future__ import annotations

import pyparsing as pp

#: ``address:port`` with the port after the last colon, so IPv6 works:
#: ``FC00:123:123:123::1:500`` is address ``FC00:123:123:123::1``, port 500.
ENDPOINT_PATTERN = r"(?P<{name}>(?:<[^>]*>|[^\s/\],])+?):(?P<{name}_port>\d+)"


def endpoint_pattern(name: str) -> str:
    """The regex text of an ``address:port`` pair captured under ``name``."""
    return ENDPOINT_PATTERN.format(name=name)


#: Rest of the message, possibly empty.
REST = pp.Regex(r".*")
