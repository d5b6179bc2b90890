"""The subcommands of ``ike-debuglog``: each reads its input, calls the library and
renders the result (the argument parser and exit handling live in :mod:`.cli`).

Exit status: 0 success, 1 (``diagnose``) when a session failed or did not complete,
2 usage or input error (raised as :class:`IkeDebuglogError`, printed as one line).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import shutil
import stat
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from pathlib import Path
from typing import IO, Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from .correlate import Correlator, Session
from .drift import drift_batches
from .errors import InputError, UsageError
from .events import Event
from .parse import _checked_files, in_workers, parse_file_batches
from .pipeline import run
from .reading import LogReader, open_log, reader_of
from .redact import Redactor
from .render import ecs, ocsf
from .render.jsonl import write_batch
from .render.ladder import mermaid_ladder, text_ladder
from .render.metrics import Metrics, serve
from .render.schema import output_schema
from .render.sessions import diagnosis, sessions_table
from .render.table import drift_table, events_table
from .scan.records import RecordBatch
from .stream import follow_reader, pipe_reader

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


#: Inputs at least this large get a progress bar (on a terminal, outside JSON mode).
PROGRESS_BYTES = 5_000_000


def wants_progress(path: str, stream: TextIO, *, json_output: bool) -> bool:
    """A progress bar only helps a person watching a long read: a large regular file, a
    terminal on stderr, and output that is not JSON for a script."""
    if json_output or path == "-" or not stream.isatty():
        return False
    try:
        info = os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size >= PROGRESS_BYTES


def _with_progress(reader: LogReader, path: str) -> Iterator[list[str]]:
    """The reader's batches of lines, advancing a progress bar on stderr by the bytes read."""
    size = os.stat(path).st_size
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(Path(path).name, total=size)
        for lines in reader.batches():
            yield lines
            progress.update(task, completed=reader.bytes_read)


def _reader(path: str) -> LogReader:
    """A file's lines, or standard input's, by the reading policy."""
    return reader_of(sys.stdin.buffer, "standard input") if path == "-" else open_log(path)


def _console(out: TextIO) -> Console:
    """Rich output as wide as the terminal, or 200 columns into a file or pipe."""
    return Console(file=out, width=None if out.isatty() else 200)


def _live_stdin(path: str) -> bool:
    if path != "-":
        return False
    stdin = sys.stdin.buffer
    return not stdin.isatty() and stat.S_ISFIFO(os.fstat(stdin.fileno()).st_mode)


def _batches(
    path: str,
    year: int | None,
    timezone: str | None,
    *,
    progress: bool = False,
    notes: list[str] | None = None,
    follow: bool = False,
) -> Iterator[RecordBatch]:
    """The event batches of one input (see :func:`_line_batches`)."""
    lines = _line_batches(path, progress=progress, notes=notes, follow=follow)
    yield from run(lines, year=year, timezone=timezone)


def _line_batches(
    path: str,
    *,
    progress: bool = False,
    notes: list[str] | None = None,
    follow: bool = False,
) -> Iterator[list[str] | None]:
    """The batches of lines of one input (``None``: a live input paused); reading notes
    (encoding, compression, replaced bytes) go to ``notes``.  An empty input is an input
    error: a collection step went wrong.  A pipe on standard input and a followed file are
    read as they come."""
    if follow:
        yield from follow_reader(path)
        return
    if _live_stdin(path):
        reading: list[LogReader] = []
        yield from pipe_reader(sys.stdin.buffer, reading=reading)
        if not reading:
            raise InputError("standard input: empty, no lines to read")
        reader = reading[0]
    else:
        reader = _reader(path)
        with closing(reader):
            show = progress and wants_progress(path, sys.stderr, json_output=False)
            yield from _with_progress(reader, path) if show else reader.batches()
    if reader.lines == 0:
        raise InputError(f"{reader.name}: empty, no lines to read")
    if notes is not None and reader.describe():
        notes.append(f"{reader.name}: {reader.describe()}")


class _Tally:
    """Events by kind and unrecognised lines, for the summary line."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.unrecognized_lines = 0

    def batch(self, batch: RecordBatch) -> None:
        kinds, unrecognized_lines = batch.counts()
        kinds.pop("unrecognized", None)
        self.counts.update(kinds)
        self.unrecognized_lines += unrecognized_lines

    def merge(self, other: _Tally) -> None:
        self.counts.update(other.counts)
        self.unrecognized_lines += other.unrecognized_lines

    def summary(self, notes: list[str]) -> str:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.counts.items()))
        total = sum(self.counts.values())
        summary = (
            f"{total} events ({kinds or 'none'}); {self.unrecognized_lines} unrecognised lines"
        )
        return "; ".join([summary, *notes])


def _events(args: argparse.Namespace) -> int:
    files: list[str] = args.file
    if args.follow and files == ["-"]:
        raise UsageError("--follow reads a file; standard input is already read as it comes")
    if len(files) > 1 and ("-" in files or args.follow):
        raise UsageError("standard input and --follow take a single input")
    notes: list[str] = []
    tally = _json_lines(args, notes) if args.format == "jsonl" else _event_documents(args, notes)
    print(tally.summary(notes), file=sys.stderr)
    return EXIT_OK


def _json_lines(args: argparse.Namespace, notes: list[str]) -> _Tally:
    """JSON Lines, written from each batch's tables; several files by worker processes."""
    files: list[str] = args.file
    out = sys.stdout.buffer
    if len(files) > 1:
        return _json_files(files, args, notes, out)
    tally = _Tally()
    live = args.follow or _live_stdin(files[0])
    for batch in _batches(files[0], args.year, args.timezone, notes=notes, follow=args.follow):
        tally.batch(batch)
        write_batch(out, batch, unrecognized=args.include_unrecognized)
        if live:
            out.flush()
    out.flush()
    return tally


def _json_files(
    files: list[str], args: argparse.Namespace, notes: list[str], out: IO[bytes]
) -> _Tally:
    checked = _checked_files(files)
    tally = _Tally()
    with tempfile.TemporaryDirectory() as spool:
        work = functools.partial(_json_file, spool=spool, unrecognized=args.include_unrecognized)
        results = (
            map(
                work,
                [str(file) for file in checked],
                [args.year] * len(checked),
                [args.timezone] * len(checked),
            )
            if args.workers == 1
            else in_workers(work, checked, args.year, args.workers, args.timezone)
        )
        for written, part, note in results:
            with open(written, "rb") as handle:
                shutil.copyfileobj(handle, out)
            os.unlink(written)
            tally.merge(part)
            notes.extend(note)
    out.flush()
    return tally


def _json_file(
    path: str, year: int | None, timezone: str | None, *, spool: str, unrecognized: bool
) -> tuple[str, _Tally, list[str]]:
    """One file's JSON Lines, each object led by its ``file``, into a file of the spool
    folder (a worker's result: a path, not the events)."""
    tally = _Tally()
    notes: list[str] = []
    handle, written = tempfile.mkstemp(dir=spool, suffix=".jsonl")
    with os.fdopen(handle, "wb") as out:
        for batch in _batches(path, year, timezone, notes=notes):
            tally.batch(batch)
            write_batch(out, batch, unrecognized=unrecognized, file=str(Path(path)))
    return written, tally, notes


def _event_documents(args: argparse.Namespace, notes: list[str]) -> _Tally:
    """A table, or ECS / OCSF documents: these are built from the events."""
    tally = _Tally()
    out = sys.stdout
    console = _console(out)
    files: list[str] = args.file
    live = args.follow or _live_stdin(files[0])
    sources: Iterable[tuple[str | None, Iterable[RecordBatch]]]
    if len(files) == 1:
        table = args.format == "table"
        one = _batches(
            files[0], args.year, args.timezone, progress=table, notes=notes, follow=args.follow
        )
        sources = [(None, one)]
    else:
        several = parse_file_batches(
            files, workers=args.workers, year=args.year, timezone=args.timezone
        )
        sources = ((str(path), batches) for path, batches in several)
    for label, batches in sources:
        kept = _kept(batches, tally, unrecognized=args.include_unrecognized)
        if args.format == "table":
            console.print(events_table(list(kept), title=label))
            continue
        # One input at a time: a record without a stamp takes its neighbour's time.
        for document in _EXPORTS[args.format][0](kept):
            if label is not None:
                document.setdefault("log", {})["file"] = {"path": label}
            out.write(_compact(document) + "\n")
            if live:
                out.flush()
    out.flush()
    return tally


def _kept(batches: Iterable[RecordBatch], tally: _Tally, *, unrecognized: bool) -> Iterator[Event]:
    """The events to show, counted batch by batch (unrecognised lines only if asked)."""
    for batch in batches:
        tally.batch(batch)
        for event in batch.events():
            if unrecognized or event.kind != "unrecognized":
                yield event


#: --format name: (event documents, session documents), each over one input's stream.
_EXPORTS: dict[
    str,
    tuple[
        Callable[[Iterable[Event]], Iterator[dict[str, Any]]],
        Callable[[Iterable[Session]], Iterator[dict[str, Any]]],
    ],
] = {
    "ecs": (ecs.event_documents, ecs.session_documents),
    "ocsf": (ocsf.event_documents, ocsf.session_documents),
}


def _compact(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _sessions_of(args: argparse.Namespace) -> Iterator[Session]:
    table = getattr(args, "format", "text") in ("table", "text")
    return Correlator().run_batches(_batches(args.file, args.year, args.timezone, progress=table))


def _sessions(args: argparse.Namespace) -> int:
    out = sys.stdout
    if args.format != "table":
        sessions = _sessions_of(args)  # streamed: each session as soon as it ends
        if args.format in _EXPORTS:
            for document in _EXPORTS[args.format][1](sessions):
                out.write(_compact(document) + "\n")
        else:
            for session in sessions:
                out.write(session.model_dump_json() + "\n")
        out.flush()
        return EXIT_OK
    found = sorted(_sessions_of(args), key=lambda session: session.id)
    _console(out).print(sessions_table(found))
    return EXIT_OK


def _lines(lines: Iterable[str], wanted: set[int]) -> dict[int, str]:
    """The text of the given line numbers, in one pass over the input's lines."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(wanted)
    for number, line in enumerate(lines, start=1):
        if number in wanted:
            found[number] = line.strip()
        if number >= last:
            break
    return found


def _kept_lines(
    source: Iterable[list[str] | None], copy: IO[str] | None
) -> Iterator[list[str] | None]:
    """The batches of lines of ``source``, each line also written to ``copy`` (if any) as
    it goes by: the evidence ``diagnose`` quotes, from an input that cannot be read twice
    (standard input, a named pipe, ``<(...)``)."""
    for lines in source:
        if lines is not None and copy is not None:
            copy.writelines(line.replace("\n", " ") + "\n" for line in lines)
        yield lines


def _regular_file(path: str) -> bool:
    try:
        return path != "-" and stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _diagnose(args: argparse.Namespace) -> int:
    # Sessions stream by: the established are counted, the others spooled to disk as they
    # are emitted (memory holds an offset per session in trouble and the evidence line
    # numbers, not the sessions); the lines of an input that cannot be read twice go to a
    # copy as they are read.
    counts: Counter[str] = Counter()
    troubled: list[tuple[int, int]] = []  # (session id, offset in the spool)
    wanted: set[int] = set()
    out = sys.stdout
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace", newline="\n") as copy,
        tempfile.TemporaryFile("w+b") as spool,
    ):
        again = _regular_file(args.file)  # a file is read again for its evidence, not copied
        lines = _kept_lines(
            _line_batches(args.file, progress=args.file != "-"), None if again else copy
        )
        for session in Correlator().run_batches(run(lines, year=args.year, timezone=args.timezone)):
            counts[session.outcome] += 1
            if session.outcome != "established":
                troubled.append((session.id, spool.tell()))
                spool.write(session.model_dump_json().encode() + b"\n")
                wanted.update(n for f in session.findings for n in f.evidence)
        if again:
            with closing(open_log(args.file)) as reader:  # the same lines the parser read
                text = _lines(reader, wanted)
        else:
            copy.seek(0)
            text = _lines(copy, wanted)
        for _, offset in sorted(troubled):
            spool.seek(offset)
            session = Session.model_validate_json(spool.readline())
            out.write("\n".join([*diagnosis(session, text.get), ""]) + "\n")
    summary = ", ".join(
        f"{counts[o]} {o}" for o in ("established", "failed", "incomplete") if counts[o]
    )
    total = counts.total()
    noun = "session" if total == 1 else "sessions"
    out.write(f"{total} {noun}" + (f": {summary}" if summary else "") + "\n")
    return EXIT_FAILED if troubled else EXIT_OK


def _ladder(args: argparse.Namespace) -> int:
    sessions = sorted(_sessions_of(args), key=lambda session: session.id)
    if args.session is not None:
        sessions = [session for session in sessions if session.id == args.session]
        if not sessions:
            raise UsageError(f"no session {args.session}; `ike-debuglog sessions` lists them")
    draw = mermaid_ladder if args.format == "mermaid" else text_ladder
    sys.stdout.write("\n".join(draw(session) for session in sessions))
    return EXIT_OK


def _drift(args: argparse.Namespace) -> int:
    found = drift_batches(
        _batches(args.file, args.year, args.timezone, progress=args.format == "table")
    )
    out = sys.stdout
    if args.format == "jsonl":
        out.writelines(template.model_dump_json() + "\n" for template in found)
    else:
        _console(out).print(drift_table(found))
    return EXIT_OK


def _count(batches: Iterable[RecordBatch], metrics: Metrics, *, live: bool) -> None:
    """Count the events of each batch, then the sessions as the correlator emits them.
    Live, a session also counts as soon as its verdict is final (asked after every batch,
    so a failure counts when its line arrives, not once the session is emitted); a whole
    file needs no such haste, and asking costs a session built once more."""
    correlator = Correlator(watch=live)

    def observed() -> Iterator[RecordBatch]:
        for batch in batches:
            metrics.observe_batch(batch)
            yield batch
            if live:
                correlator.settle(metrics.settle)  # the batch is correlated: its verdicts

    for session in correlator.run_batches(observed()):
        metrics.observe_session(session)


def _metrics(args: argparse.Namespace) -> int:
    metrics = Metrics(peer_labels=args.peer_labels)
    if args.serve is None:
        batches = _batches(args.file, args.year, args.timezone, progress=False)
        _count(batches, metrics, live=False)
        sys.stdout.write(metrics.exposition().decode())
        return EXIT_OK
    if args.file == "-":
        live = run(pipe_reader(sys.stdin.buffer), year=args.year, timezone=args.timezone)
    else:
        open_log(args.file).close()  # a missing or binary file is an error before serving
        live = run(follow_reader(args.file), year=args.year, timezone=args.timezone)
    try:
        server = serve(metrics, args.serve, args.bind)
    except (OSError, OverflowError) as error:
        why = getattr(error, "strerror", None) or error
        raise UsageError(f"cannot serve on {args.bind}:{args.serve}: {why}") from error
    port = server.server_address[1]  # the one taken, with --serve 0
    print(f"serving http://{args.bind}:{port}/metrics", file=sys.stderr, flush=True)
    _count(live, metrics, live=True)
    return EXIT_OK


def _redact(args: argparse.Namespace) -> int:
    redactor = Redactor(args.key.encode() if args.key is not None else None)
    if args.mapping is not None:
        _writable(args.mapping)  # before the log is written, not after
    with closing(_reader(args.file)) as reader:
        sys.stdout.writelines(redactor.lines(reader))
    sys.stdout.flush()
    if args.mapping is not None:
        text = json.dumps(redactor.mapping, indent=2) + "\n"
        try:
            args.mapping.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{args.mapping}: cannot write ({error.strerror})") from error
    return EXIT_OK


def _writable(path: Path) -> None:
    """A file can be written at ``path``: its folder exists and it is not a folder."""
    if path.is_dir():
        raise UsageError(f"{path}: is a directory; give a file name for --mapping")
    if not path.parent.is_dir():
        raise UsageError(f"{path.parent}: no such folder for --mapping")


def _schema(args: argparse.Namespace) -> int:
    sys.stdout.write(json.dumps(output_schema(args.model), indent=2) + "\n")
    return EXIT_OK


COMMANDS = {
    "events": _events,
    "sessions": _sessions,
    "diagnose": _diagnose,
    "ladder": _ladder,
    "drift": _drift,
    "metrics": _metrics,
    "redact": _redact,
    "schema": _schema,
}
