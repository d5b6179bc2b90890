"""The ``ike-debuglog`` command: argument handling, reading, rendering; no parsing logic.

Exit status: 0 success, 2 usage or input error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence

from rich.console import Console

from . import __version__
from .errors import IkeDebuglogError
from .events import Event
from .parse import parse_file, parse_lines
from .render.jsonl import to_json_line
from .render.table import events_table

EXIT_OK = 0
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ike-debuglog",
        description="Turn Cisco IOS / IOS-XE IKE and IPsec debug output into typed events.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    events = commands.add_parser("events", help="print the events of a log (JSON Lines by default)")
    events.add_argument("file", help="log file, or - for standard input")
    events.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    events.add_argument(
        "--include-unrecognized", action="store_true", help="also print the lines no grammar knows"
    )
    events.add_argument(
        "--year", type=int, default=None, help="year for time stamps that print none (default: now)"
    )
    return parser


def _read(path: str, year: int | None) -> Iterator[Event]:
    if path == "-":
        return parse_lines(sys.stdin.buffer, year=year)
    return parse_file(path, year=year)


def _summary(counts: Counter[str], unrecognized_lines: int) -> str:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
    total = sum(counts.values())
    return f"{total} events ({kinds or 'none'}); {unrecognized_lines} unrecognised lines"


def _events(args: argparse.Namespace) -> int:
    counts: Counter[str] = Counter()
    unrecognized_lines = 0
    shown: list[Event] = []
    out = sys.stdout
    for event in _read(args.file, args.year):
        if event.kind == "unrecognized":
            unrecognized_lines += event.end_line - event.line + 1
            if not args.include_unrecognized:
                continue
        else:
            counts[event.kind] += 1
        if args.format == "table":
            shown.append(event)
        else:
            out.write(to_json_line(event) + "\n")
    if args.format == "table":
        Console(file=out, width=None if out.isatty() else 200).print(events_table(shown))
    out.flush()
    print(_summary(counts, unrecognized_lines), file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return _events(args)
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


if __name__ == "__main__":
    sys.exit(main())
