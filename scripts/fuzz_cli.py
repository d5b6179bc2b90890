"""Fuzz the whole command line over mutated real logs, files and pipes (docs/input.md,
"Fuzzing the command line").

    python3 scripts/fuzz_cli.py --seed 1 --cases 300 --jobs 2
    python3 scripts/fuzz_cli.py --seed 11 --cases 40 --jobs 1 --modes follow,serve

Each case takes a fixture log (tests/fixtures/**/*.log) or a corpus log
(/work/shared/corpus/*.log, or --corpus), applies one to three mutations (truncate, cut
mid-line, wrap, CR, BOM, NUL, invalid UTF-8, binary junk, splice another log, a huge
line, duplicated or dropped lines), encodes it (UTF-8, UTF-8 with BOM, gzip, gzip cut
short, UTF-16 with or without BOM) and runs every subcommand on it, as a file and through
a pipe fed in random chunks (``cat x | ike-debuglog events -``) and as standard input
redirected from the file (``ike-debuglog events - < x``), each with a timeout.  Two live
modes more: ``events FILE --follow`` while a writer thread appends the case's lines in
random chunks with pauses (some inside a line, some longer than the idle second) and
rotates the file (rename and create, copytruncate, now and then inside a line), stopped
with SIGINT after a quiet period; and ``metrics --serve 0 -`` fed through a pipe and
scraped while fed and once the feed is quiet.  ``--modes`` picks among them.
It checks what docs/input.md promises:

- no traceback on stderr, exit status 0, 1 or 2, and no run past the timeout;
- exit status 2 comes with a one-line ``ike-debuglog: ...`` message;
- ``events --include-unrecognized`` covers every input line exactly once, in order;
- the same bytes give the same events from a file and from a pipe;
- ``redact`` writes as many lines as it read;
- every subcommand gives the same output and exit status from standard input (a pipe or
  a redirected file) as from the file;
- ``--follow`` gives every line written once, in order, none cut in two, and the events
  of the whole file except next to a pause longer than the idle second (where an open
  record is emitted early, as documented);
- ``--serve``: scrapes answer, counters never go down nor past ``metrics FILE``'s, the
  event counters equal them once the feed is quiet, every counter equals them once the
  pipe closed (the final counts are served until Ctrl-C, exit status 130).

Each run is ``python -m ike_debuglog.cli`` in a new process (a fork of a process that
imported the package deadlocks in polars' thread pool, so no shortcut there): about 0.8 s
a run, about twenty runs a case with every mode (a minute a case on a busy machine).  A
failing input is kept in ``--out`` (``fuzz/cli-findings/``) as ``finding-N.log`` (and a
follow case's whole file as ``finding-N.follow.log``); ``--start N --cases 1`` replays
case N.
"""

from __future__ import annotations

import argparse
import bisect
import codecs
import gzip
import itertools
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path("/work/shared/corpus")

#: Every subcommand that reads a log, with the options a case picks from.
COMMANDS: dict[str, list[list[str]]] = {
    "events": [["--include-unrecognized"], ["--format", "ecs"], ["--format", "ocsf"],
               ["--format", "table"]],
    "sessions": [[], ["--format", "jsonl"], ["--format", "ecs"], ["--format", "ocsf"]],
    "diagnose": [[]],
    "ladder": [[], ["--format", "mermaid"]],
    "metrics": [[], ["--peer-labels", "3"]],
    "redact": [["--key", "k"]],
    "drift": [[], ["--format", "jsonl"]],
}  # fmt: skip


# Mutations -------------------------------------------------------------------------------


def _truncate(text: str, rng: random.Random, other: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def _cut_mid_line(text: str, rng: random.Random, other: str) -> str:
    start = rng.randrange(len(text) + 1)
    return text[:start] + text[start + rng.randrange(1, 400) :]


def _wrap(text: str, rng: random.Random, other: str) -> str:
    width = rng.choice((80, 79, 132, rng.randrange(10, 200)))
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend(line[i : i + width] for i in range(0, max(len(line), 1), width))
    return "\n".join(lines)


def _carriage_returns(text: str, rng: random.Random, other: str) -> str:
    if rng.random() < 0.5:
        return text.replace("\n", "\r\n")
    return _insert(text, rng, "\r", rng.randrange(1, 20))


def _byte_order_marks(text: str, rng: random.Random, other: str) -> str:
    return _insert(text, rng, "\ufeff", rng.randrange(1, 5), at_line_start=True)


def _nuls(text: str, rng: random.Random, other: str) -> str:
    return _insert(text, rng, "\x00" * rng.choice((1, 1, 4, 64)), rng.randrange(1, 10))


def _control_characters(text: str, rng: random.Random, other: str) -> str:
    chars = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x1b[0m\ue000\ue001\ufffd\t\x7f"
    return "".join(c + (rng.choice(chars) if rng.random() < 0.01 else "") for c in text)


def _splice(text: str, rng: random.Random, other: str) -> str:
    mine, theirs = text.split("\n"), other.split("\n")
    start = rng.randrange(len(theirs) + 1)
    block = theirs[start : start + rng.randrange(1, 40)]
    at = rng.randrange(len(mine) + 1)
    return "\n".join(mine[:at] + block + mine[at:])


def _huge_line(text: str, rng: random.Random, other: str) -> str:
    piece = rng.choice(("a", " ", "cn=a ", "ISAKMP: ", "NOTIFY(", "10.1.1.", "(", "x:", "-"))
    line = rng.choice(("", "IKEv2:", "*Nov 26 10:00:00.001: ", "cn=")) + piece * (
        rng.randrange(1_000, 150_000) // len(piece)
    )
    lines = text.split("\n")
    lines.insert(rng.randrange(len(lines) + 1), line)
    return "\n".join(lines)


def _shuffle_lines(text: str, rng: random.Random, other: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randrange(1, 10)):
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        if rng.random() < 0.5:
            lines[i], lines[j] = lines[j], lines[i]
        elif rng.random() < 0.5:
            lines.insert(i, lines[j])
        elif len(lines) > 1:
            del lines[i]
    return "\n".join(lines)


def _insert(text: str, rng: random.Random, what: str, times: int, *,
            at_line_start: bool = False) -> str:  # fmt: skip
    for _ in range(times):
        at = rng.randrange(len(text) + 1)
        if at_line_start:
            at = text.rfind("\n", 0, at) + 1
        text = text[:at] + what + text[at:]
    return text


TEXT_MUTATIONS: dict[str, Callable[[str, random.Random, str], str]] = {
    "truncate": _truncate, "cut_mid_line": _cut_mid_line, "wrap": _wrap,
    "carriage_returns": _carriage_returns, "byte_order_marks": _byte_order_marks,
    "nuls": _nuls, "control_characters": _control_characters, "splice": _splice,
    "huge_line": _huge_line, "shuffle_lines": _shuffle_lines,
}  # fmt: skip


def _junk(data: bytes, rng: random.Random) -> bytes:
    """Bytes that are no text: random junk, invalid UTF-8, Windows-1252."""
    junk = rng.choice((
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))),
        b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1", "Dépôt “quoted”".encode("cp1252"),
    ))  # fmt: skip
    at = rng.randrange(len(data) + 1)
    return data[:at] + junk + data[at:]


@dataclass
class Case:
    number: int
    source: str
    mutations: list[str]
    encoding: str
    data: bytes
    #: Lines of the decoded input (``None`` when the encoding makes it unknowable).
    lines: int | None
    #: The mutated text (junk bytes kept as surrogates), for the live modes to write.
    text: str = ""


def _line_count(data: bytes | str) -> int:
    newline = b"\n" if isinstance(data, bytes) else "\n"
    parts = data.split(newline)  # type: ignore[arg-type]
    if parts and not parts[-1]:
        parts.pop()
    return len(parts)


def make_case(number: int, seed: int, logs: list[Path]) -> Case:
    rng = random.Random(f"{seed}:{number}")
    source, other = rng.choice(logs), rng.choice(logs)
    text = source.read_text(encoding="utf-8", errors="replace")
    other_text = other.read_text(encoding="utf-8", errors="replace")
    names = rng.sample(sorted(TEXT_MUTATIONS), rng.randrange(1, 4))
    for name in names:
        text = TEXT_MUTATIONS[name](text, rng, other_text)
    encoding = rng.choice(("utf-8", "utf-8", "utf-8", "junk", "utf-8-sig", "gzip",
                           "gzip-cut", "utf-16", "utf-16-le"))  # fmt: skip
    lines: int | None = _line_count(text)
    if encoding == "junk":
        data = text.encode()
        for _ in range(rng.randrange(1, 4)):
            data = _junk(data, rng)
        lines = _line_count(data)
        text = data.decode("utf-8", "surrogateescape")
    elif encoding == "utf-8-sig":
        data = text.encode("utf-8-sig")
    elif encoding.startswith("gzip"):
        data = gzip.compress(text.encode(), mtime=0)
        if encoding == "gzip-cut":
            data, lines = data[: rng.randrange(10, max(11, len(data)))], None
    elif encoding.startswith("utf-16"):
        data = text.encode(encoding)
        lines = None if encoding == "utf-16-le" else lines  # guessed from NULs: may not be
    else:
        data = text.encode()
    return Case(number, source.name, names, encoding, data, lines, text)


# Running ------------------------------------------------------------------------------

#: How a run gets its input: a file named on the command line, a pipe fed in chunks
#: (``cat x | ike-debuglog events -``), or standard input redirected from the file
#: (``ike-debuglog events - < x``: a regular file, not a pipe).
VIAS = ("file", "pipe", "stdin-file")
#: What ``--modes`` picks from: the ways of giving input besides a named file.
MODES = ("pipe", "stdin-file", "follow", "serve")


@dataclass
class Run:
    argv: list[str]
    via: str
    returncode: int | None  # None: killed at the timeout
    stdout: bytes
    stderr: bytes
    seconds: float

    @property
    def name(self) -> str:
        shown = " ".join(self.argv[:1] + self.argv[2:])
        return shown if self.via == "file" else f"{shown} ({self.via})"


def _feed(fd: int, data: bytes, rng: random.Random) -> None:
    """Write to a pipe in random chunks with small pauses, as a live feed arrives."""
    try:
        view = memoryview(data)
        while view:
            size = rng.choice((1, 7, 512, 4096, 65536, len(view)))
            os.write(fd, view[:size])
            view = view[size:]
            if rng.random() < 0.05:
                time.sleep(0.01)
    except (BrokenPipeError, OSError):
        pass  # the reader refused the input and went away
    finally:
        os.close(fd)


def _command(argv: list[str]) -> list[str]:
    return [sys.executable, "-m", "ike_debuglog.cli", *argv]


def run_cli(argv: list[str], data: bytes, path: Path, *, via: str, timeout: float) -> Run:
    """Run the command line on ``path``, given as ``via`` says (``-`` for standard input)."""
    rng = random.Random(len(data))
    argv = [argv[0], str(path) if via == "file" else "-", *argv[1:]]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            open(path if via == "stdin-file" else os.devnull, "rb") as stdin:  # fmt: skip
        started = time.monotonic()
        process = subprocess.Popen(
            _command(argv), cwd=ROOT, stdout=out, stderr=err,
            stdin=subprocess.PIPE if via == "pipe" else stdin,
        )  # fmt: skip
        feeder = None
        if via == "pipe":
            assert process.stdin is not None
            feeder = threading.Thread(
                target=_feed, args=(os.dup(process.stdin.fileno()), data, rng), daemon=True
            )
            process.stdin.close()
            feeder.start()
        returncode = _waited(process, timeout)
        if feeder is not None:
            feeder.join(timeout=5)
        out.seek(0)
        err.seek(0)
        return Run(argv, via, returncode, out.read(), err.read(), time.monotonic() - started)


# Checks -------------------------------------------------------------------------------


@dataclass
class Result:
    case: int
    runs: int = 0
    findings: list[str] = field(default_factory=list)


def _check_run(run: Run, statuses: tuple[int, ...] = (0, 1, 2)) -> list[str]:
    stderr = run.stderr.decode("utf-8", "replace")
    if run.returncode is None:
        return [f"{run.name}: no answer within the timeout ({run.seconds:.0f} s)"]
    problems = []
    if "Traceback (most recent call last)" in stderr:
        last = stderr.strip().splitlines()[-1]
        problems.append(f"{run.name}: traceback: {last}")
    if run.returncode not in statuses:
        problems.append(f"{run.name}: exit status {run.returncode}")
    if run.returncode == 2 and not any(
        line.startswith(("ike-debuglog: ", "usage: ")) for line in stderr.splitlines()
    ):
        problems.append(f"{run.name}: exit status 2 without a message: {stderr[-200:]!r}")
    return problems


def _spans(output: bytes) -> list[dict[str, Any]]:
    # not splitlines: JSON strings may hold U+2028 or U+0085 as they are
    return [json.loads(line) for line in filter(None, output.decode("utf-8").split("\n"))]


def _check_events(run: Run, lines: int | None) -> list[str]:
    """Every line in exactly one event, in order, and as many as the input has."""
    if run.returncode not in (0, 130):
        return []
    covered = 0
    for event in _spans(run.stdout):
        if event["line"] != covered + 1 or event["end_line"] < event["line"]:
            return [f"{run.name}: span {event['line']}-{event['end_line']} after line {covered}"]
        covered = event["end_line"]
    if lines is not None and covered != lines:
        return [f"{run.name}: {covered} of {lines} lines"]
    return []


def _check_redact(run: Run, case: Case) -> list[str]:
    if run.returncode != 0 or case.lines is None:
        return []
    written = _line_count(run.stdout.decode("utf-8", "replace"))
    if written != case.lines:
        return [f"{run.name}: {written} lines out of {case.lines}"]
    return []


def _check_same(run: Run, reference: Run) -> list[str]:
    """The same bytes give the same output and exit status however they arrive."""
    if run.returncode is None or reference.returncode is None:
        return []
    if run.returncode != reference.returncode:
        return [f"{run.name}: exit status {run.returncode}, {reference.returncode} from the file"]
    if run.stdout != reference.stdout and _timeless(run.stdout) != _timeless(reference.stdout):
        return [f"{run.name}: other output than from the file"]
    return []


#: A document's time when nothing in its input had one: the time it was written
#: (docs/exports.md, Time), so two runs differ there and only there.
_NOW_FIELDS: Final = ("@timestamp", "time")


def _timeless(output: bytes) -> list[Any] | bytes:
    """ECS / OCSF documents without the times taken from the clock (flagged inferred)."""
    try:
        documents = [json.loads(line) for line in output.splitlines() if line.strip()]
    except ValueError:
        return output
    for document in documents:
        if isinstance(document, dict) and "timestamp_inferred" in json.dumps(document):
            for name in _NOW_FIELDS:
                document.pop(name, None)
    return documents


def run_case(case: Case, workdir: Path, timeout: float, modes: set[str]) -> Result:
    rng = random.Random(case.number)
    path = workdir / f"case-{case.number}.log"
    path.write_bytes(case.data)
    result = Result(case.number)
    for command, variants in COMMANDS.items():
        options = rng.choice(variants)
        if command == "events":
            options = ["--include-unrecognized"]
        piped = command in ("events", "redact") or rng.random() < 0.3
        vias = [via for via in VIAS if via == "file" or (via in modes and (piped or via != "pipe"))]
        reference: Run | None = None
        for via in vias:
            run = run_cli([command, *options], case.data, path, via=via, timeout=timeout)
            result.runs += 1
            result.findings += _check_run(run)
            if command == "events":
                result.findings += _check_events(run, case.lines)
            if command == "redact":
                result.findings += _check_redact(run, case)
            if reference is None:
                reference = run
            else:
                result.findings += _check_same(run, reference)
        if command == "metrics" and "serve" in modes and reference is not None:
            result.runs += 1
            result.findings += check_serve(case, options, reference, timeout)
    if "follow" in modes:
        result.runs += 2
        result.findings += check_follow(case, workdir, timeout)
    if result.findings:
        path.replace(workdir / f"finding-{case.number}.log")
    else:
        path.unlink()
    return result


# Following a file -----------------------------------------------------------------------

#: Lines a follow case writes at most (it writes them slowly).
FOLLOW_LINES = 400
#: Seconds without a new line after which ``--follow`` emits the open record (stream.py).
IDLE = 1.0
#: Seconds of quiet after the writer finished, before the follower is stopped.
QUIET_SECONDS = 2.5


@dataclass
class Writing:
    """What the writer of a followed file will do, and what the follower should see."""

    #: ("write", bytes), ("sleep", seconds), ("rename", None) or ("copytruncate", None)
    actions: list[tuple[str, Any]]
    #: The file's text incarnation by incarnation, as one file: what ``events`` should find.
    reference: bytes
    lines: int
    #: Lines a pause of more than IDLE came before or inside: an open record may be
    #: emitted there, so the events may differ from the file's there (docs/input.md).
    pauses: set[int]
    rotations: list[str]


def _ended_lines(text: str) -> list[str]:
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def plan_writing(case: Case, rng: random.Random) -> Writing:
    """Cut the case's first lines into file incarnations at rotation points (some inside a
    line), then into chunks written with pauses, a few longer than IDLE (some inside a
    line).  Each incarnation starts with its byte order mark, if the encoding has one."""
    codec = {"utf-8-sig": "utf-8-sig", "utf-16": "utf-16"}.get(case.encoding, "utf-8")
    lines = _ended_lines(case.text)[:FOLLOW_LINES] or ["\n"]
    lines[-1] = lines[-1] if lines[-1].endswith("\n") else lines[-1] + "\n"  # see the docs
    cuts = sorted(rng.sample(range(1, len(lines)), min(len(lines) - 1, rng.choice((0, 1, 2, 3)))))
    incarnations, start = [], 0
    styles = [rng.choice(("rename", "copytruncate")) for _ in cuts]
    for cut in [*cuts, len(lines)]:
        incarnations.append("".join(lines[start:cut]))
        start = cut
    for i in range(len(incarnations) - 1):  # a rotation inside a line, now and then
        tail = incarnations[i].split("\n")[-2] if incarnations[i].count("\n") else ""
        if len(tail) > 1 and rng.random() < 0.2:
            at = rng.randrange(1, len(tail))
            incarnations[i] = incarnations[i][: -1 - len(tail) + at]
            incarnations[i + 1] = tail[at:] + "\n" + incarnations[i + 1]
    actions: list[tuple[str, Any]] = []
    boundaries: list[tuple[int, int]] = []  # (action, the line it falls before or inside)
    seen = 0
    for i, text in enumerate(incarnations):
        if i:
            style = styles[i - 1]
            # The follower reads what is there (< IDLE) and, after a rename, finds the new
            # file before the next rotation: two renames within one poll (0.1 s) lose the
            # file in between, as they do to `tail -F` (docs/input.md); logrotate is slower.
            actions.append(("sleep", 0.6))
            actions.append((style, None))
            if style == "rename" and rng.random() < 0.5:
                actions.append(("sleep", rng.uniform(0, 0.5)))  # not created again yet
        encoder = codecs.getincrementalencoder(codec)("surrogateescape")
        pieces = [encoder.encode(line) for line in _ended_lines(text)]
        data, ends = b"".join(pieces), list(itertools.accumulate(map(len, pieces)))
        if not text.endswith("\n"):
            ends.pop()  # the last line is only finished by the rotation that follows
        at = 0
        while at < len(data):
            size = rng.choice((1, 3, 17, 200, 4096, 65536, len(data) - at))
            actions.append(("write", data[at : at + size]))
            at += size
            boundaries.append((len(actions), seen + bisect.bisect_right(ends, at) + 1))
            if rng.random() < 0.03:
                actions.append(("sleep", rng.uniform(0.01, 0.3)))
        seen += len(pieces)
    pauses = set()
    chosen = rng.sample(boundaries, min(len(boundaries), rng.choice((1, 1, 2))))
    for index, line in sorted(chosen, reverse=True):
        actions.insert(index, ("sleep", rng.uniform(IDLE + 0.1, IDLE + 0.8)))
        pauses.add(line)
    whole = "".join(text if text.endswith("\n") else text + "\n" for text in incarnations)
    reference = whole.encode(codec, "surrogateescape")
    return Writing(actions, reference, seen, pauses, styles)


def write_followed(path: Path, writing: Writing) -> None:
    """The writer: a logger appending to ``path``, rotated by logrotate as planned."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    fd = os.open(path, flags)
    try:
        for action, value in writing.actions:
            if action == "write":
                os.write(fd, value)
            elif action == "sleep":
                time.sleep(value)
            elif action == "copytruncate":
                os.truncate(path, 0)  # the copy itself does not matter to the follower
            else:
                os.close(fd)
                os.replace(path, path.with_name(path.name + ".1"))
                fd = os.open(path, flags)
    finally:
        os.close(fd)


def check_follow(case: Case, workdir: Path, timeout: float) -> list[str]:
    """``events FILE --follow``: stopped with SIGINT after the writer finished and a quiet
    period; every line written once, in order, none cut in two, and the events of the
    file written at once, except where the writer paused longer than IDLE."""
    rng = random.Random(f"follow:{case.number}")
    writing = plan_writing(case, rng)
    path = workdir / f"follow-{case.number}.log"
    path.write_bytes(b"")
    argv = ["events", str(path), "--follow", "--include-unrecognized"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(_command(argv), cwd=ROOT, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL)  # fmt: skip
        _wait_open(process, path)  # else the first lines may be truncated away unseen
        time.sleep(rng.uniform(0, 0.5))
        writer = threading.Thread(target=write_followed, args=(path, writing))
        writer.start()
        writer.join()
        time.sleep(QUIET_SECONDS)
        process.send_signal(signal.SIGINT)
        run = _ended(process, argv, "follow", out=out, err=err, started=started, timeout=timeout)
    for rotated in (path, path.with_name(path.name + ".1")):
        rotated.unlink(missing_ok=True)
    reference_path = workdir / f"follow-{case.number}.reference.log"
    reference_path.write_bytes(writing.reference)
    whole = run_cli(["events", "--include-unrecognized"], writing.reference, reference_path,
                    via="file", timeout=timeout)  # fmt: skip
    what = f" ({'+'.join(writing.rotations) or 'no rotation'}, pauses at {sorted(writing.pauses)})"
    # The bytes refused (binary, NUL bytes: as `events FILE` refuses them) end it with 2.
    refused = b"not a log" in run.stderr
    statuses = (0, 130, 2) if refused else (0, 130)
    findings = [f + what for f in _check_run(run, statuses) + _check_events(run, writing.lines)]
    if not findings and run.returncode in (0, 130) and whole.returncode == 0:
        findings += _compare_follow(_spans(run.stdout), _spans(whole.stdout), writing)
    if findings:
        reference_path.replace(workdir / f"finding-{case.number}.follow.log")
    else:
        reference_path.unlink()
    return findings


def _wait_open(process: subprocess.Popen[bytes], path: Path, seconds: float = 60) -> None:
    """Until the process has ``path`` open (Linux ``/proc``): starting it takes a second
    or more on a busy machine."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            descriptors = list(Path(f"/proc/{process.pid}/fd").iterdir())
            if any(os.readlink(fd) == str(path.resolve()) for fd in descriptors):
                return
        except OSError:
            pass  # a descriptor closed while we looked
        time.sleep(0.05)


#: An IKEv1 packet's step and message id come from the lines after it (and a
#: retransmission's from the packet it repeats): a long pause settles them with what has
#: arrived, so after one they may be null where the file has them (docs/input.md).
_SETTLED_AT_A_PAUSE: Final = ("step", "message_id")


def _settled(event: dict[str, Any], writing: Writing) -> dict[str, Any]:
    if not writing.pauses or event.get("kind") != "ikev1_packet":
        return event
    return {k: v for k, v in event.items() if k not in _SETTLED_AT_A_PAUSE}


def _compare_follow(live: list[dict[str, Any]], whole: list[dict[str, Any]],
                    writing: Writing) -> list[str]:  # fmt: skip
    """Events that differ from the file's, away from the writer's long pauses."""
    mine = {(e["line"], e["end_line"]): e for e in live}
    theirs = {(e["line"], e["end_line"]): e for e in whole}
    differing = [span for span in mine.keys() ^ theirs.keys()]
    differing += [
        span
        for span in mine.keys() & theirs.keys()
        if _settled(mine[span], writing) != _settled(theirs[span], writing)
    ]
    unexplained = sorted(
        (first, last) for first, last in differing
        if not any(first <= line <= last + 1 for line in writing.pauses)
    )  # fmt: skip
    if unexplained:
        first, last = unexplained[0]
        return [f"follow: {len(unexplained)} events differ from the file's, first at lines "
                f"{first}-{last} ({'+'.join(writing.rotations) or 'no rotation'}, pauses at "
                f"{sorted(writing.pauses)})"]  # fmt: skip
    return []


# Serving metrics from a pipe --------------------------------------------------------------

#: Counters that count events, not sessions: final once the input has been quiet.
EVENT_COUNTERS = ("ike_debuglog_events_total", "ike_debuglog_unrecognized_lines_total",
                  "ike_packets_total", "ike_notify_errors_total")  # fmt: skip


def _samples(exposition: bytes) -> dict[str, float]:
    samples = {}
    for line in exposition.decode("utf-8", "replace").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def _scrape(port: int) -> dict[str, float] | str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=15) as answer:
            return _samples(answer.read())
    except OSError as error:
        return str(error)


def check_serve(case: Case, options: list[str], whole: Run, timeout: float) -> list[str]:
    """``metrics --serve 0 -`` fed through a pipe, scraped while fed and after a quiet
    period: counters never go down nor past ``metrics FILE``'s, the event counters equal
    them once the input is quiet, and all equal them once the pipe closed."""
    rng = random.Random(f"serve:{case.number}")
    argv = ["metrics", "--serve", "0", "-", *options]
    name = " ".join(argv) + " (pipe)"
    final = _samples(whole.stdout) if whole.returncode == 0 else None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(_command(argv), cwd=ROOT, stdout=out, stderr=err,
                                   stdin=subprocess.PIPE)  # fmt: skip
        assert process.stdin is not None
        port = _served_port(err, process)
        scrapes: list[dict[str, float] | str] = []
        view, at_scrape = memoryview(case.data), {rng.randrange(8), rng.randrange(8, 16)}
        try:
            for chunk in range(16):
                size = -(-len(case.data) // 16)
                process.stdin.write(view[chunk * size : (chunk + 1) * size])
                process.stdin.flush()
                time.sleep(rng.choice((0, 0, 0.01, 0.1)))
                if port is not None and chunk in at_scrape:
                    scrapes.append(_scrape(port))
            time.sleep(QUIET_SECONDS)
            quiet = _scrape(port) if port is not None else None
            process.stdin.close()
        except OSError:
            quiet = None  # the input was refused and the reader went away
        ended = None
        if port is not None and _said(err, process, b"input ended"):
            ended = _scrape(port)  # the final counts, served until the process is stopped
            process.send_signal(signal.SIGINT)
        run = _ended(process, argv, "pipe", out=out, err=err, started=started, timeout=timeout)
    findings = _check_run(run, (130, 2) if ended is not None else (2,))
    if port is None or final is None or ended is None:
        return findings
    if not isinstance(ended, dict) or not _same_counts(ended, final, case.data):
        findings.append(f"{name}: once the input ended, the counts served are not "
                        "`metrics FILE`'s")  # fmt: skip
    return findings + _scrape_findings(name, scrapes, quiet, final)


def _same_counts(served: dict[str, float], final: dict[str, float], data: bytes) -> bool:
    """The final counts equal the file's; but for a last line without its line end after
    the quiet period: the record before it was given at the pause, so that piece of a
    line is a record of its own, one unrecognised line more (docs/input.md)."""
    differ = {k for k in served.keys() | final.keys() if served.get(k) != final.get(k)}
    held = {'ike_debuglog_events_total{kind="unrecognized"}',
            "ike_debuglog_unrecognized_lines_total"}  # fmt: skip
    return not differ or (
        not data.endswith(b"\n")
        and differ <= held
        and all(abs(served.get(k, 0.0) - final.get(k, 0.0)) <= 1 for k in differ)
    )


def _scrape_findings(
    name: str,
    scrapes: list[dict[str, float] | str],
    quiet: dict[str, float] | str | None,
    final: dict[str, float],
) -> list[str]:
    """Counters never go down nor past the file's; the event counters equal the file's
    once the feed is quiet (but for one record waiting for the rest of its block)."""
    findings: list[str] = []
    for number, scrape in enumerate([*scrapes, quiet]):
        if not isinstance(scrape, dict):
            findings.append(f"{name}: scrape {number + 1} failed: {scrape}")
            continue
        for series, value in scrape.items():
            if value > final.get(series, 0.0):
                findings.append(f"{name}: scrape {number + 1}: {series} {value} > "
                                f"{final.get(series, 0.0)} in the end")  # fmt: skip
                break
        for earlier in scrapes[:number]:
            if isinstance(earlier, dict) and any(
                value < earlier.get(series, 0.0) for series, value in scrape.items()
            ):
                findings.append(f"{name}: scrape {number + 1}: a counter went down")
                break
    if isinstance(quiet, dict):
        short = [s for s, v in final.items() if s.startswith(EVENT_COUNTERS) and quiet.get(s) != v]
        events = [s for s in final if s.startswith(EVENT_COUNTERS[0])]
        held = sum(final[s] - quiet.get(s, 0.0) for s in events)
        lines = final.get(EVENT_COUNTERS[1], 0.0) - quiet.get(EVENT_COUNTERS[1], 0.0)
        # One record may wait for the rest of its block, one line for its line end
        # (docs/input.md): nothing more.
        if short and (held > 1 or lines > 1 or (held, lines) == (0, 0)):
            findings.append(f"{name}: after a quiet period, {len(short)} event counters are "
                            f"not the file's, e.g. {short[0]} {quiet.get(short[0])} "
                            f"!= {final[short[0]]}")  # fmt: skip
    return findings


def _ended(
    process: subprocess.Popen[bytes],
    argv: list[str],
    via: str,
    *,
    out: IO[bytes],
    err: IO[bytes],
    started: float,
    timeout: float,
) -> Run:
    """The run of a process asked to stop: its status (None past the timeout, killed)
    and what it wrote."""
    returncode = _waited(process, timeout)
    out.seek(0)
    err.seek(0)
    return Run(argv, via, returncode, out.read(), err.read(), time.monotonic() - started)


def _waited(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    """The process's exit status, or None when it ran past ``timeout`` (then killed)."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None


def _said(err: IO[bytes], process: subprocess.Popen[bytes], what: bytes) -> bool:
    """Whether the process says ``what`` on stderr within a minute, still running."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        err.seek(0)
        if what in err.read():
            return True
        time.sleep(0.1)
    return False


def _served_port(err: IO[bytes], process: subprocess.Popen[bytes]) -> int | None:
    """The port ``--serve 0`` prints on stderr (``serving http://ADDR:PORT/metrics``)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        err.seek(0)
        found = re.search(rb"serving http://[^ ]*:(\d+)/metrics", err.read())
        if found:
            return int(found.group(1))
        time.sleep(0.1)
    return None


# Driver -------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=200, help="how many mutated inputs")
    parser.add_argument("--start", type=int, default=0, help="first case number (to replay one)")
    parser.add_argument("--minutes", type=float, default=None, help="stop after this long")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=ROOT / "fuzz" / "cli-findings")
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"comma-separated, of {', '.join(MODES)} (default: all)",
    )
    args = parser.parse_args()
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        # Started in the background (``cmd &``): the shell ignores SIGINT there, children
        # inherit that, and a followed run would never stop.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    modes = set(args.modes.split(",")) - {""}
    if modes - set(MODES):
        parser.error(f"unknown modes: {', '.join(sorted(modes - set(MODES)))}")

    logs = sorted((ROOT / "tests" / "fixtures").glob("**/*.log"))
    logs += sorted(args.corpus.glob("*.log")) if args.corpus.is_dir() else []
    args.out.mkdir(parents=True, exist_ok=True)

    def work(number: int) -> tuple[Case, Result]:
        case = make_case(number, args.seed, logs)
        return case, run_case(case, args.out, args.timeout, modes)

    deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
    started, runs, tried = time.monotonic(), 0, Counter[str]()
    findings: list[tuple[int, str]] = []
    numbers = range(args.start, args.start + args.cases)
    with ThreadPoolExecutor(args.jobs) as pool:
        for case, result in pool.map(work, numbers):
            runs += result.runs
            tried.update(case.mutations)
            tried[f"encoding {case.encoding}"] += 1
            for finding in result.findings:
                findings.append((case.number, finding))
                print(f"case {case.number} ({case.source}, {'+'.join(case.mutations)}, "
                      f"{case.encoding}): {finding}", flush=True)  # fmt: skip
            if deadline is not None and time.monotonic() > deadline:
                pool.shutdown(cancel_futures=True)
                break
    cases = len({n for n, _ in findings})
    print(json.dumps({
        "seed": args.seed, "modes": sorted(modes),
        "cases": sum(v for k, v in tried.items() if k.startswith("encoding")),
        "runs": runs, "seconds": round(time.monotonic() - started),
        "cases_with_findings": cases, "findings": len(findings),
        "tried": dict(sorted(tried.items())),
    }, indent=2))  # fmt: skip
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
