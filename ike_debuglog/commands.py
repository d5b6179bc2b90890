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
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import IO, Final

from . import fleet_commands, inputs
from .correlate import Correlator, Session
from .drift import drift_batches
from .errors import UsageError
from .events import Event
from .outputs import (
    EXIT_FAILED,
    EXIT_OK,
    EXPORTS,
    compact,
    console_of,
    parquet_output,
    sessions_summary,
)
from .pair_commands import (
    HostSessions,
    diagnose_pairs,
    draw_pairs,
    paired,
    print_pairs,
    write_pairs,
)
from .parse import _checked_files, in_workers, parse_file_batches
from .pipeline import run
from .reading import open_log
from .redact import Redactor
from .render.jsonl import write_batch
from .render.ladder import mermaid_ladder, text_ladder
from .render.metrics import Metrics, serve
from .render.report import Report
from .render.schema import output_schema
from .render.sessions import diagnosis, sessions_table
from .render.table import drift_table, events_table
from .scan.records import RecordBatch
from .stream import follow_reader
from .urls import expanded, is_url


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
    if args.engine != "local":
        return fleet_commands.on_engine(args, "events")
    files: list[str] = args.file
    if any(map(is_url, files)):
        args.file = files = expanded(map(inputs.local, files) if args.follow else files)
    if args.follow and files == ["-"]:
        raise UsageError("--follow reads a file; standard input is already read as it comes")
    if len(files) > 1 and ("-" in files or args.follow):
        raise UsageError("standard input and --follow take a single input")
    notes: list[str] = []
    folder = parquet_output(args)
    if folder is not None:
        tally = _parquet_events(args, notes, folder)
    elif args.format == "jsonl":
        tally = _json_lines(args, notes)
    else:
        tally = _event_documents(args, notes)
    print(tally.summary(notes), file=sys.stderr)
    return EXIT_OK


def _json_lines(args: argparse.Namespace, notes: list[str]) -> _Tally:
    """JSON Lines, written from each batch's tables; several files by worker processes."""
    files: list[str] = args.file
    out = sys.stdout.buffer
    if len(files) > 1:
        return _json_files(files, args, notes, out)
    tally = _Tally()
    live = args.follow or inputs.live_stdin(files[0])
    for batch in inputs.batches(
        files[0], args.year, args.timezone, notes=notes, follow=args.follow
    ):
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
        for batch in inputs.batches(path, year, timezone, notes=notes):
            tally.batch(batch)
            write_batch(out, batch, unrecognized=unrecognized, file=path)
    return written, tally, notes


def _event_documents(args: argparse.Namespace, notes: list[str]) -> _Tally:
    """A table, or ECS / OCSF documents: these are built from the events."""
    tally = _Tally()
    out = sys.stdout
    console = console_of(out)
    files: list[str] = args.file
    live = args.follow or inputs.live_stdin(files[0])
    sources: Iterable[tuple[str | None, Iterable[RecordBatch]]]
    if len(files) == 1:
        table = args.format == "table"
        one = inputs.batches(
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
        for document in EXPORTS[args.format][0](kept):
            if label is not None:
                document.setdefault("log", {})["file"] = {"path": label}
            out.write(compact(document) + "\n")
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


def _sessions_of(args: argparse.Namespace) -> Iterator[Session]:
    table = getattr(args, "format", "text") in ("table", "text")
    return Correlator().run_batches(
        inputs.batches(args.file, args.year, args.timezone, progress=table)
    )


def _parquet_events(args: argparse.Namespace, notes: list[str], folder: Path) -> _Tally:
    """DIR/events.parquet, batch by batch; several files each fill the ``file`` column."""
    tally = _Tally()
    files: list[str] = args.file
    sources: Iterable[tuple[str | None, Iterable[RecordBatch]]]
    if len(files) == 1:
        sources = [(None, inputs.batches(files[0], args.year, args.timezone, notes=notes))]
    else:
        several = parse_file_batches(
            files, workers=args.workers, year=args.year, timezone=args.timezone
        )
        sources = ((str(path), batches) for path, batches in several)
    from .render.parquet import write_events  # pyarrow: imported for Parquet only

    write_events(folder, sources, unrecognized=args.include_unrecognized, seen=tally.batch)
    return tally


def _sessions(args: argparse.Namespace) -> int:
    if args.engine != "local":
        return fleet_commands.on_engine(args, "sessions")
    args.file = expanded(args.file)  # a URL glob names several files
    if len(args.file) > 1:
        return fleet_commands.sessions_of_files(args)
    args.file = args.file[0]  # one file: streamed, as always
    folder = parquet_output(args)
    if folder is not None:
        from .render.parquet import write_sessions

        write_sessions(folder, _sessions_of(args))
        return EXIT_OK
    out = sys.stdout
    hosts = HostSessions(args.file)  # a syslog server's file: its routers paired at the end
    if args.format != "table":
        sessions = _sessions_of(args)  # streamed: each session as soon as it ends
        if args.format in EXPORTS:
            for document in EXPORTS[args.format][1](sessions):
                out.write(compact(document) + "\n")
        else:
            for session in map(hosts.add, sessions):
                out.write(session.model_dump_json() + "\n")
            write_pairs(hosts.pairs(), out)
        out.flush()
        return EXIT_OK
    console = console_of(out)
    for page in _pages(map(hosts.add, _sessions_of(args))):
        console.print(sessions_table(sorted(page, key=lambda session: session.id)))
    print_pairs(hosts.pairs(), console)
    return EXIT_OK


#: The sessions table is printed in pages of this many sessions, so that what it holds is
#: bounded like the stream (a table of a million sessions is read page by page anyway).
TABLE_PAGE: Final = 5_000


def _pages(sessions: Iterable[Session]) -> Iterator[list[Session]]:
    page: list[Session] = []
    pages = 0
    for session in sessions:
        page.append(session)
        if len(page) == TABLE_PAGE:
            yield page
            page, pages = [], pages + 1
    if page or not pages:  # no session at all: one empty table, its header
        yield page


def _diagnose(args: argparse.Namespace) -> int:
    args.file = expanded(args.file)  # a URL glob names several files
    if len(args.file) > 1:
        return fleet_commands.diagnose_files(args)
    args.file = args.file[0]  # one file: streamed, as always
    # Sessions stream by: the established are counted, the others spooled to disk as they
    # are emitted (memory holds an offset per session in trouble and the evidence line
    # numbers, not the sessions); the lines of an input that cannot be read twice go to a
    # copy as they are read.
    counts: Counter[str] = Counter()
    troubled: list[tuple[int, int]] = []  # (session id, offset in the spool)
    wanted: set[int] = set()
    out = sys.stdout
    with ExitStack() as stack:
        spool = stack.enter_context(tempfile.TemporaryFile("w+b"))
        quoted = inputs.Quoted(args.file, stack)
        lines = quoted.lines()
        hosts = HostSessions(args.file)  # a syslog server's file: its routers paired
        for session in Correlator().run_batches(run(lines, year=args.year, timezone=args.timezone)):
            counts[session.outcome] += 1
            hosts.add(session)
            if session.outcome != "established":
                troubled.append((session.id, spool.tell()))
                spool.write(session.model_dump_json().encode() + b"\n")
                wanted.update(n for f in session.findings for n in f.evidence)
        pairs = hosts.pairs()
        wanted.update(n for pair in pairs for f in pair.findings for n in f.evidence)
        text = quoted.text(wanted)
        diagnose_pairs(pairs, out, lambda _, number: text.get(number))
        together = {session_id for _, session_id in paired(pairs)}
        for session_id, offset in sorted(troubled):
            if session_id in together:
                continue
            spool.seek(offset)
            session = Session.model_validate_json(spool.readline())
            out.write("\n".join([*diagnosis(session, text.get), ""]) + "\n")
    out.write(sessions_summary(counts) + "\n")
    return EXIT_FAILED if troubled else EXIT_OK


def _ladder(args: argparse.Namespace) -> int:
    if len(args.file) > 1:  # both routers of a tunnel: two-sided ladders
        _, pairs = fleet_commands.fleet(args)
        if not pairs:
            raise UsageError("no session of one log is the same IKE SA as one of another")
        sys.stdout.write(draw_pairs(pairs, args.session, args.format == "mermaid"))
        return EXIT_OK
    args.file = args.file[0]
    hosts = HostSessions(args.file)  # a syslog server's file: its routers paired
    sessions = sorted(map(hosts.add, _sessions_of(args)), key=lambda session: session.id)
    pairs = hosts.pairs()
    together = {session_id for _, session_id in paired(pairs)}
    sessions = [session for session in sessions if session.id not in together]
    if args.session is not None:
        sessions = [session for session in sessions if session.id == args.session]
        pairs = [p for p in pairs if args.session in (p.a.session_id, p.b.session_id)]
        if not sessions and not pairs:
            raise UsageError(f"no session {args.session}; `ike-debuglog sessions` lists them")
    draw = mermaid_ladder if args.format == "mermaid" else text_ladder
    drawn = [draw_pairs(pairs, None, args.format == "mermaid")] if pairs else []
    sys.stdout.write("\n".join([*drawn, *(draw(session) for session in sessions)]))
    return EXIT_OK


def _drift(args: argparse.Namespace) -> int:
    found = drift_batches(
        inputs.batches(args.file, args.year, args.timezone, progress=args.format == "table")
    )
    out = sys.stdout
    if args.format == "jsonl":
        out.writelines(template.model_dump_json() + "\n" for template in found)
    else:
        console_of(out).print(drift_table(found))
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
        batches = inputs.batches(args.file, args.year, args.timezone, progress=False)
        _count(batches, metrics, live=False)
        sys.stdout.write(metrics.exposition().decode())
        return EXIT_OK
    if args.file == "-":  # a pipe as it comes, by the reading rules of every command
        live = inputs.batches(args.file, args.year, args.timezone)
    else:
        open_log(
            inputs.local(args.file)
        ).close()  # a missing or binary file: an error before serving
        live = run(follow_reader(args.file), year=args.year, timezone=args.timezone)
    try:
        server = serve(metrics, args.serve, args.bind)
    except (OSError, OverflowError) as error:
        why = getattr(error, "strerror", None) or error
        raise UsageError(f"cannot serve on {args.bind}:{args.serve}: {why}") from error
    port = server.server_address[1]  # the one taken, with --serve 0
    print(f"serving http://{args.bind}:{port}/metrics", file=sys.stderr, flush=True)
    _count(live, metrics, live=True)
    # A pipe that closed (a `show logging` dump piped in): its final counts, the sessions
    # only the end of input settles included, are served until the process is stopped.
    print("input ended; serving the final counts until interrupted", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)


def _redact(args: argparse.Namespace) -> int:
    redactor = Redactor(args.key.encode() if args.key is not None else None)
    if args.mapping is not None:
        _writable(args.mapping)  # before the log is written, not after
    with closing(inputs.open_input(args.file)) as reader:
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


def _report(args: argparse.Namespace) -> int:
    # Each input streams through the correlator once; the report keeps a small row per
    # session and the sessions it details.  Their evidence is quoted afterwards, from the
    # file read again or from the copy of an input that cannot be read twice.
    files: list[str] = args.file
    if files.count("-") > 1:
        raise UsageError("standard input can be read only once")
    output = Path(args.output)
    if args.output != "-" and (output.is_dir() or not output.parent.is_dir()):
        raise UsageError(f"{output}: cannot write a file there (before reading the logs)")
    report = Report(details=args.details)
    with ExitStack() as stack:
        quoted = [inputs.Quoted(path, stack) for path in files]
        for index, source in enumerate(quoted):
            batches = run(source.lines(), year=args.year, timezone=args.timezone)
            for session in Correlator().run_batches(batches):
                report.add(index, session)
        texts = [source.text(report.wanted(index)) for index, source in enumerate(quoted)]
        names = ["standard input" if path == "-" else path for path in files]
        page = report.html(names, texts)
    if args.output == "-":
        sys.stdout.write(page)
        sys.stdout.flush()
    else:
        try:
            Path(args.output).write_text(page, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{args.output}: cannot write ({error.strerror})") from error
    return EXIT_OK


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
    "report": _report,
    "schema": _schema,
}
