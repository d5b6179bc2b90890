"""The ``ike-debuglog`` command: argument handling only; each subcommand is a function in
:mod:`.commands`.

Exit status: 0 success, 2 usage or input error (one line on stderr, no traceback);
``diagnose`` returns 1 when a session failed or did not complete.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .commands import COMMANDS
from .errors import IkeDebuglogError, UsageError
from .framing import checked_zone
from .inputs import INTERRUPTED
from .outputs import EXIT_OK, EXIT_USAGE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ike-debuglog",
        description="Turn Cisco IOS / IOS-XE IKE and IPsec debug output into typed events.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    events = commands.add_parser("events", help="print the events of a log (JSON Lines by default)")
    events.add_argument(
        "file",
        nargs="+",
        help="log file(s) or URL(s) (s3://bucket/*.log.gz, https://...: a URL glob is "
        "expanded), or - for standard input; several are parsed in parallel",
    )
    events.add_argument(
        "--workers",
        type=_count_of_workers,
        default=None,
        help="processes for several files (default: CPUs)",
    )
    events.add_argument(
        "--format",
        choices=("jsonl", "table", "ecs", "ocsf", "parquet"),
        default="jsonl",
        help="JSON Lines (default), a table, Elastic (ECS) / OCSF documents, one per line, "
        "or DIR/events.parquet (with -o DIR)",
    )
    _parquet_folder(events)
    _engine(events)
    events.add_argument(
        "--include-unrecognized", action="store_true", help="also print the lines no grammar knows"
    )
    events.add_argument(
        "--follow",
        action="store_true",
        help="keep reading as the file grows (like tail -f) and print events as they come",
    )
    _year(events)
    sessions = _reads_a_log(
        commands, "sessions", help="one line per IKE session: peer, role, SPIs, outcome, reason"
    )
    sessions.add_argument(
        "--format",
        choices=("table", "jsonl", "ecs", "ocsf", "parquet"),
        default="table",
        help="a table (default), JSON Lines, Elastic (ECS) / OCSF documents, one per line, "
        "or DIR/sessions.parquet (with -o DIR)",
    )
    _parquet_folder(sessions)
    _engine(sessions)
    _reads_a_log(
        commands,
        "diagnose",
        help="report the sessions that failed or did not complete, with evidence and hints "
        "(exit 0: all established, 1: some did not come up)",
    )
    ladder = _reads_a_log(
        commands, "ladder", help="draw a session's exchanges between the two peers"
    )
    ladder.add_argument(
        "--session", type=int, default=None, help="the session's first line (its id in `sessions`)"
    )
    ladder.add_argument("--format", choices=("text", "mermaid"), default="text")
    drift = _reads_a_log(
        commands,
        "drift",
        help="list the crypto debug wording no grammar knows, as templates with counts",
    )
    drift.add_argument("--format", choices=("table", "jsonl"), default="table")
    metrics = _reads_a_log(
        commands,
        "metrics",
        help="Prometheus metrics of a log: sessions by outcome, retransmissions, error "
        "notifies, packets (text exposition, or served over HTTP with --serve)",
    )
    metrics.add_argument(
        "--serve",
        type=_port,
        metavar="PORT",
        default=None,
        help="serve /metrics on this port while following the file (or standard input)",
    )
    metrics.add_argument(
        "--bind", default="127.0.0.1", help="address to serve on (default: 127.0.0.1)"
    )
    metrics.add_argument(
        "--peer-labels",
        type=_count_of_peers,
        metavar="N",
        default=0,
        help="label sessions and retransmissions by peer for the first N peers seen, the "
        'rest as peer="other" (default: 0, no peer label)',
    )
    redact = _reads_a_log(
        commands,
        "redact",
        help="write the log with addresses, host names, identities, users and key names "
        "replaced by consistent pseudonyms (SPIs and structure kept)",
    )
    redact.add_argument(
        "--key",
        default=None,
        help="secret that makes pseudonyms repeatable across runs (default: random per run)",
    )
    redact.add_argument(
        "--mapping",
        type=Path,
        default=None,
        help="also write what became what to this JSON file (keep it private)",
    )
    report = commands.add_parser(
        "report",
        help="write one self-contained HTML page: summary, sessions table, and per session "
        "its ladder, findings with their evidence, proposals and hint",
    )
    report.add_argument("file", nargs="+", help="log file(s), or - for standard input")
    report.add_argument(
        "-o", "--output", required=True, help="the HTML file to write (- for standard output)"
    )
    report.add_argument(
        "--details",
        type=_whole_number("a number of sessions", 0),
        default=200,
        metavar="N",
        help="detailed sections for at most N sessions, failed first (default: 200); "
        "the table lists them all",
    )
    _year(report)
    schema = commands.add_parser(
        "schema", help="print the JSON Schema of the events and sessions this tool writes"
    )
    schema.add_argument("--model", choices=("all", "event", "session", "pair"), default="all")
    return parser


def _reads_a_log(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], name: str, **options: Any
) -> argparse.ArgumentParser:
    """A subcommand that reads one log: its file argument and --year."""
    command = commands.add_parser(name, **options)
    if name in ("sessions", "diagnose", "ladder"):  # several files: rejoined, then paired
        command.add_argument("file", nargs="+", help="log file(s) or URL(s), or - for stdin")
        command.add_argument(
            "--workers",
            type=_count_of_workers,
            default=None,
            help="processes for several files (default: CPUs)",
        )
    else:
        command.add_argument("file", help="log file or URL (s3://, https://...), or - for stdin")
    _year(command)
    return command


def _engine(command: argparse.ArgumentParser) -> None:
    """--engine and where it runs: the files of a fleet run on Dask or Spark
    (docs/fleet.md); the output is the same as here."""
    command.add_argument(
        "--engine",
        choices=("local", "dask", "spark"),
        default="local",
        help="where several files are read: here (default), a Dask cluster (the [dask] "
        "extra) or Spark (the [spark] extra); JSON Lines or Parquet output",
    )
    command.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="with --engine dask: the scheduler (tcp://host:8786; default: a LocalCluster)",
    )
    command.add_argument(
        "--master",
        default="local[2]",
        help="with --engine spark: the Spark master (default: local[2])",
    )


def _parquet_folder(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="DIR",
        default=None,
        help="the folder --format parquet writes to (created if missing)",
    )


def _year(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--year",
        type=int,
        default=None,
        help="year of the first time stamp that prints none; later ones follow the log, "
        "Dec 31 -> Jan 1 is the next year (default: the current year)",
    )
    command.add_argument(
        "--timezone",
        type=_zone,
        default=None,
        metavar="ZONE",
        help="IANA time zone (Europe/Paris, UTC) of time stamps that print no zone or one "
        "not known (default: none; they stay local times without an offset)",
    )


def _whole_number(what: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (none: no upper bound),
    or a one-line error naming ``what`` it should be."""
    bounds = f"{low} or more" if high is None else f"{low} to {high}"

    def read(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"not {what}: {text!r} ({bounds})")
        return number

    return read


_count_of_peers = _whole_number("a number of peers", 0)
_count_of_workers = _whole_number("a number of processes", 1)
_port = _whole_number("a TCP port", 0, 65535)


def _zone(text: str) -> str:
    try:
        return checked_zone(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    INTERRUPTED.clear()
    try:
        status = COMMANDS[args.command](args)
    except IkeDebuglogError as error:
        print(f"ike-debuglog: {error}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`ike-debuglog events big.log | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    return 130 if INTERRUPTED.is_set() else status


if __name__ == "__main__":
    sys.exit(main())
