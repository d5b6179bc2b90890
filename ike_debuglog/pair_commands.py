"""The commands' share of pairing (``sessions``, ``diagnose``, ``ladder`` of several
logs): the sessions of each router, the pairs among them, and their output.  Argument
handling stays in cli.py and commands.py."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from rich.console import Console

from .correlate import Session
from .inputs import lines_at
from .pairing import Coverage, Located, Pair, coverage, located_sessions, pair_sessions
from .pairing.models import SideName
from .reading import open_log
from .render.pair_ladder import mermaid_pair_ladder, pair_diagnosis, pairs_table, text_pair_ladder

if TYPE_CHECKING:
    from .fleet import FileResult  # pyarrow: imported when several files are read


def sessions_and_pairs(
    results: Sequence[FileResult],
) -> tuple[list[tuple[str, Session]], list[Pair]]:
    """Every session as (file, session), each router's files rejoined apart from the
    other routers', and the pairs among them."""
    located = located_sessions(results)
    return [(item.file, item.session) for item in located], pair_sessions(
        located, coverage(results)
    )


def write_pairs(pairs: Sequence[Pair], out: TextIO) -> None:
    """One ``pair`` document per line."""
    for pair in pairs:
        out.write(pair.model_dump_json() + "\n")


def print_pairs(pairs: Sequence[Pair], console: Console) -> None:
    if pairs:
        console.print(pairs_table(list(pairs)))


def paired(pairs: Sequence[Pair]) -> set[tuple[str, int]]:
    """(file, session id) of every session that is half of a pair."""
    return {(side.file, side.session_id) for pair in pairs for side in (pair.a, pair.b)}


def _texts(pair: Pair) -> dict[SideName, dict[int, str]]:
    """The evidence lines of each side, from its own file."""
    texts: dict[SideName, dict[int, str]] = {}
    for name, side in (("a", pair.a), ("b", pair.b)):
        wanted = {n for f in pair.findings if f.side == name for n in f.evidence}
        found: dict[int, str] = {}
        if wanted:
            with closing(open_log(side.file)) as reader:
                found = lines_at(reader, wanted)
        texts[name] = found  # type: ignore[index]
    return texts


def _quoted(texts: dict[SideName, dict[int, str]]) -> Callable[[SideName, int], str | None]:
    return lambda side, number: texts[side].get(number)


def diagnose_pairs(
    pairs: Sequence[Pair],
    out: TextIO,
    line_text: Callable[[SideName, int], str | None] | None = None,
) -> int:
    """Each pair that did not come up, once, with both logs' evidence (``line_text``:
    where to find it, else each side's file read again); how many."""
    shown = 0
    for pair in pairs:
        if pair.outcome == "established":
            continue
        lines = pair_diagnosis(pair, line_text or _quoted(_texts(pair)))
        out.write("\n".join([*lines, ""]) + "\n")
        shown += 1
    return shown


def draw_pairs(pairs: Sequence[Pair], session: int | None, mermaid: bool) -> str:
    """The two-sided ladders (``session``: only the pair holding that session id)."""
    if session is not None:
        pairs = [p for p in pairs if session in (p.a.session_id, p.b.session_id)]
    draw = mermaid_pair_ladder if mermaid else text_pair_ladder
    return "\n".join(draw(pair) for pair in pairs)


class HostSessions:
    """The sessions of one file that may name several routers (a syslog server's file),
    spooled as they stream by, and paired across its hosts at the end.  A file that names
    one host or none pairs nothing and costs the spool only; one that names several is
    read back whole (pairing needs every session)."""

    def __init__(self, file: str) -> None:
        self.file = file
        # Lives across the stream; pairs() closes it.
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._hosts: dict[str, tuple[datetime, datetime]] = {}

    def add(self, session: Session) -> Session:
        """Keep ``session`` (and its span, for the host's coverage); give it back."""
        host = session.host
        if host is None:
            return session
        if session.started is not None and session.ended is not None:
            start, end = session.started.replace(tzinfo=None), session.ended.replace(tzinfo=None)
            first, last = self._hosts.get(host, (start, end))
            self._hosts[host] = (min(first, start), max(last, end))
        else:
            self._hosts.setdefault(host, (datetime.max, datetime.min))
        if session.role is not None:
            self._spool.write(session.model_dump_json() + "\n")
        return session

    def pairs(self) -> list[Pair]:
        """The pairs across hosts (none when the file names fewer than two)."""
        with closing(self._spool):
            if len(self._hosts) < 2:
                return []
            self._spool.seek(0)
            located = [
                Located(self.file, Session.model_validate_json(line), 0) for line in self._spool
            ]
        covered: Coverage = {(self.file, host): span for host, span in self._hosts.items()}
        return pair_sessions(located, covered)
