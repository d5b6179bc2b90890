"""The commands of several logs: ``sessions`` and ``diagnose`` of many files (a result
per file in worker processes, sessions cut across a router's files rejoined, the pairs of
two routers' sessions), and ``events`` / ``sessions`` on a Dask or Spark cluster
(docs/fleet.md)."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections import Counter
from typing import Any

from . import inputs
from .correlate import Session
from .errors import UsageError
from .outputs import (
    EXIT_FAILED,
    EXIT_OK,
    EXPORTS,
    compact,
    console_of,
    parquet_output,
    sessions_summary,
)
from .pair_commands import diagnose_pairs, paired, print_pairs, write_pairs
from .pairing import Pair
from .parse import _checked_files, in_workers
from .render.sessions import diagnosis, sessions_table


def on_engine(args: argparse.Namespace, what: str) -> int:
    """``events`` or ``sessions`` of files on Dask or Spark (docs/fleet.md): the same JSON
    Lines (each event led by its ``file``) or DIR/<what>.parquet as a run here."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from .arrow import events_from_table, sessions_from_table

    files = args.file if isinstance(args.file, list) else [args.file]
    if "-" in files or getattr(args, "follow", False):
        raise UsageError("--engine reads files (or URLs), not standard input or --follow")
    if args.format not in ("jsonl", "parquet"):
        raise UsageError("--engine dask|spark writes --format jsonl or --format parquet")
    folder = parquet_output(args)
    options = {"year": args.year, "timezone": args.timezone}
    if args.engine == "dask":
        from . import dask

        tables = dask.tables(what, files, scheduler=args.scheduler, **options)
    else:
        from . import spark

        tables = spark.tables(what, files, master=args.master, **options)
    keep = getattr(args, "include_unrecognized", True)
    out = sys.stdout
    writer = None
    for whole in tables:
        drop = what == "events" and not keep
        table = whole.filter(pc.not_equal(whole["kind"], "unrecognized")) if drop else whole
        if folder is not None:
            writer = writer or pq.ParquetWriter(folder / f"{what}.parquet", table.schema)
            writer.write_table(table)
        else:
            read = events_from_table if what == "events" else sessions_from_table
            names = table["file"].to_pylist()
            for model, file in zip(read(table), names, strict=True):
                out.write("{" + f'"file":{json.dumps(file)},' + model.model_dump_json()[1:] + "\n")
    if writer is not None:
        writer.close()
    out.flush()
    return EXIT_OK


def fleet(args: argparse.Namespace) -> tuple[list[tuple[str, Session]], list[Pair]]:
    """The sessions of several files (:mod:`.fleet`: a result per file, in worker
    processes, then the sessions cut across a router's files rejoined), and the pairs of
    sessions of two routers that are one IKE SA (:mod:`.pairing`)."""
    from .engines import stage_one  # what stage 2 reads, not every event
    from .pair_commands import sessions_and_pairs

    if "-" in args.file:
        raise UsageError("standard input takes a single input")
    checked = [str(file) for file in _checked_files(args.file)]
    work = functools.partial(_file_result, stage_one)
    results = (
        map(work, checked, [args.year] * len(checked), [args.timezone] * len(checked))
        if args.workers == 1
        else in_workers(work, checked, args.year, args.workers, args.timezone)
    )
    return sessions_and_pairs(list(results))


def _file_result(make: Any, path: str, year: int | None, timezone: str | None) -> Any:
    return make(path, year=year, timezone=timezone)


def sessions_of_files(args: argparse.Namespace) -> int:
    """``sessions`` of several files, in file order, each led by its ``file``; then the
    pairs (a table, or one ``pair`` document each)."""
    found, pairs = fleet(args)
    out = sys.stdout
    if args.format == "table":
        console = console_of(out)
        for path in dict.fromkeys(path for path, _ in found):
            console.print(path)
            console.print(sessions_table([s for p, s in found if p == path]))
        print_pairs(pairs, console)
    elif args.format in EXPORTS:
        for path, session in found:
            for document in EXPORTS[args.format][1]([session]):
                document.setdefault("log", {})["file"] = {"path": path}
                out.write(compact(document) + "\n")
    elif args.format == "jsonl":
        for path, session in found:
            out.write("{" + f'"file":{json.dumps(path)},' + session.model_dump_json()[1:] + "\n")
        write_pairs(pairs, out)
    else:
        raise UsageError("several files give --format table, jsonl, ecs or ocsf")
    out.flush()
    return EXIT_OK


def diagnose_files(args: argparse.Namespace) -> int:
    """``diagnose`` of several files: each pair in trouble once, with both logs'
    evidence, then each other session in trouble under its file."""
    found, pairs = fleet(args)
    out = sys.stdout
    counts: Counter[str] = Counter(session.outcome for _, session in found)
    troubled = [(path, s) for path, s in found if s.outcome != "established"]
    shown = diagnose_pairs(pairs, out)
    together = paired(pairs)
    for path, session in troubled:
        if (path, session.id) in together:
            continue
        text = inputs.text_across(
            args.file, path, {n for f in session.findings for n in f.evidence}
        )
        out.write(f"{path}: " + "\n".join([*diagnosis(session, text.get), ""]) + "\n")
    both = f", {len(pairs)} paired ({shown} in trouble)" if pairs else ""
    out.write(sessions_summary(counts, both) + "\n")
    return EXIT_FAILED if troubled else EXIT_OK
