"""How the commands write: exit statuses, the console, compact JSON, the document exports
and the folder of ``--format parquet``; shared by the commands of one input
(:mod:`.commands`) and of several (:mod:`.fleet_commands`)."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console

from .correlate import Session
from .errors import UsageError
from .events import Event
from .render import ecs, ocsf

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def console_of(out: TextIO) -> Console:
    """Rich output as wide as the terminal, or 200 columns into a file or pipe."""
    return Console(file=out, width=None if out.isatty() else 200)


#: --format name: (event documents, session documents), each over one input's stream.
EXPORTS: dict[
    str,
    tuple[
        Callable[[Iterable[Event]], Iterator[dict[str, Any]]],
        Callable[[Iterable[Session]], Iterator[dict[str, Any]]],
    ],
] = {
    "ecs": (ecs.event_documents, ecs.session_documents),
    "ocsf": (ocsf.event_documents, ocsf.session_documents),
}


def compact(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def parquet_output(args: argparse.Namespace) -> Path | None:
    """The folder of ``--format parquet -o DIR`` (checked before any reading), or None."""
    if args.format != "parquet":
        if args.output is not None:
            raise UsageError("-o DIR is where --format parquet writes; other formats print")
        return None
    if args.output is None:
        raise UsageError("--format parquet writes files: give the folder with -o DIR")
    if getattr(args, "follow", False):
        raise UsageError("--follow prints events as they come; Parquet is written whole")
    from .render.parquet import output_folder  # pyarrow, only when Parquet is asked for

    return output_folder(args.output)


def sessions_summary(counts: Counter[str], more: str = "") -> str:
    """``diagnose``'s last line: ``3 sessions: 2 established, 1 failed`` (then ``more``)."""
    summary = ", ".join(
        f"{counts[o]} {o}" for o in ("established", "failed", "incomplete") if counts[o]
    )
    total = counts.total()
    noun = "session" if total == 1 else "sessions"
    return f"{total} {noun}" + (f": {summary}" if summary else "") + more
