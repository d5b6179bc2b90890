"""Which files are one router, and what stretch of time each router's log covers.

Stage 2 of :mod:`..fleet` rejoins a session cut across files by host and key; files that
print no host would all count as one host, so two routers' logs given together must be
told apart first: files are one router when they share a host name or, printing none, a
local address of their sessions (a rotated log of one router); every other file is a
router of its own.  A syslog-server file holding several routers is told apart by host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..correlate import Session

if TYPE_CHECKING:  # fleet (and pyarrow) load when files are read, not on import
    from ..fleet import FileResult


@dataclass(frozen=True, slots=True)
class Located:
    """A session, the file it was read from, and the router that logged it."""

    file: str
    session: Session
    #: Files of one router share this number (with ``session.host``, a router).
    group: int

    @property
    def router(self) -> tuple[int, str | None]:
        return (self.group, self.session.host)


#: (file, host) -> the first and last time stamp of that router's lines, as printed.
Coverage = dict[tuple[str, str | None], tuple[datetime, datetime]]


def _names(result: FileResult) -> set[str]:
    """What identifies the router(s) of a file: its host names, else its local addresses."""
    hosts = {h for h in result.events.column("host").unique().to_pylist() if h}
    if hosts:
        return {"host:" + h for h in hosts}
    addresses: set[str] = set()
    for table in (result.sessions, result.edge_sessions):
        addresses.update(a for a in table.column("local").unique().to_pylist() if a)
    return {"address:" + a for a in addresses}


def router_groups(results: Sequence[FileResult]) -> list[list[int]]:
    """The indexes of ``results`` grouped by router, in input order."""
    names = [_names(result) for result in results]
    groups: list[list[int]] = []
    seen: list[set[str]] = []
    for index, mine in enumerate(names):
        for k, known in enumerate(seen):
            if mine and mine & known:
                groups[k].append(index)
                known.update(mine)
                break
        else:
            groups.append([index])
            seen.append(set(mine))
    return groups


def located_sessions(results: Sequence[FileResult]) -> list[Located]:
    """Every session of the files, each router's files rejoined on their own (stage 2 of
    :mod:`..fleet` per router), in input file order then by id."""
    from ..fleet import fleet_sessions

    order = {result.source: k for k, result in enumerate(results)}
    found: list[Located] = []
    for group, indexes in enumerate(router_groups(results)):
        found.extend(
            Located(source, session, group)
            for source, session in fleet_sessions([results[k] for k in indexes])
        )
    found.sort(key=lambda item: (order.get(item.file, 0), item.session.id))
    return found


def coverage(results: Sequence[FileResult]) -> Coverage:
    """Each (file, host)'s first and last printed time stamp: whether a router's log
    covers the moment a message should have reached it."""
    import pyarrow.compute as pc

    covered: Coverage = {}
    for result in results:
        table = result.events.select(["host", "timestamp"]).filter(
            pc.is_valid(result.events.column("timestamp"))
        )
        if table.num_rows == 0:
            continue
        grouped = table.group_by("host").aggregate([("timestamp", "min"), ("timestamp", "max")])
        for row in grouped.to_pylist():
            first, last = row["timestamp_min"], row["timestamp_max"]
            covered[(result.source, row["host"])] = (_naive(first), _naive(last))
    return covered


def _naive(stamp: datetime) -> datetime:
    return stamp.replace(tzinfo=None)


__all__ = ["Coverage", "Located", "coverage", "located_sessions", "router_groups"]
