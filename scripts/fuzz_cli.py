"""Fuzz the whole command line over mutated real logs, files and pipes (docs/input.md,
"Fuzzing the command line").

    python3 scripts/fuzz_cli.py --seed 1 --cases 300 --jobs 2

Each case takes a fixture log (tests/fixtures/**/*.log) or a corpus log
(/work/shared/corpus/*.log, or --corpus), applies one to three mutations (truncate, cut
mid-line, wrap, CR, BOM, NUL, invalid UTF-8, binary junk, splice another log, a huge
line, duplicated or dropped lines), encodes it (UTF-8, UTF-8 with BOM, gzip, gzip cut
short, UTF-16 with or without BOM) and runs every subcommand on it, as a file and through
a pipe fed in random chunks (``cat x | ike-debuglog events -``), each with a timeout.
It checks what docs/input.md promises:

- no traceback on stderr, exit status 0, 1 or 2, and no run past the timeout;
- exit status 2 comes with a one-line ``ike-debuglog: ...`` message;
- ``events --include-unrecognized`` covers every input line exactly once, in order;
- the same bytes give the same events from a file and from a pipe;
- ``redact`` writes as many lines as it read.

Each run is ``python -m ike_debuglog.cli`` in a new process (a fork of a process that
imported the package deadlocks in polars' thread pool, so no shortcut there): about 0.8 s
a run, ten runs a case.  A failing input is kept in ``--out`` (``fuzz/cli-findings/``) as
``finding-N.log``; ``--start N --cases 1`` replays case N.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

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
    return Case(number, source.name, names, encoding, data, lines)


# Running ------------------------------------------------------------------------------


@dataclass
class Run:
    argv: list[str]
    piped: bool
    returncode: int | None  # None: killed at the timeout
    stdout: bytes
    stderr: bytes
    seconds: float


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


def run_cli(argv: list[str], data: bytes, *, piped: bool, timeout: float) -> Run:
    """Run the command line; through a pipe fed in chunks when ``piped``."""
    rng = random.Random(len(data))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "ike_debuglog.cli", *argv], cwd=ROOT, stdout=out,
            stderr=err, stdin=subprocess.PIPE if piped else subprocess.DEVNULL,
        )  # fmt: skip
        feeder = None
        if piped:
            assert process.stdin is not None
            feeder = threading.Thread(
                target=_feed, args=(os.dup(process.stdin.fileno()), data, rng), daemon=True
            )
            process.stdin.close()
            feeder.start()
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            returncode = None
        if feeder is not None:
            feeder.join(timeout=5)
        out.seek(0)
        err.seek(0)
        return Run(argv, piped, returncode, out.read(), err.read(), time.monotonic() - started)


# Checks -------------------------------------------------------------------------------


@dataclass
class Result:
    case: int
    runs: int = 0
    findings: list[str] = field(default_factory=list)


def _check_run(run: Run, case: Case) -> list[str]:
    name = f"{' '.join(run.argv[:1] + run.argv[2:])}{' (pipe)' if run.piped else ''}"
    stderr = run.stderr.decode("utf-8", "replace")
    if run.returncode is None:
        return [f"{name}: no answer within the timeout ({run.seconds:.0f} s)"]
    problems = []
    if "Traceback (most recent call last)" in stderr:
        last = stderr.strip().splitlines()[-1]
        problems.append(f"{name}: traceback: {last}")
    if run.returncode not in (0, 1, 2):
        problems.append(f"{name}: exit status {run.returncode}")
    if run.returncode == 2 and not any(
        line.startswith(("ike-debuglog: ", "usage: ")) for line in stderr.splitlines()
    ):
        problems.append(f"{name}: exit status 2 without a message: {stderr[-200:]!r}")
    return problems


def _check_events(run: Run, case: Case) -> list[str]:
    """Every line in exactly one event, in order, and as many as the input has."""
    if run.returncode != 0:
        return []
    covered = 0
    for line in filter(None, run.stdout.decode("utf-8").split("\n")):  # not splitlines:
        # JSON strings may hold U+2028 or U+0085 as they are, which splitlines cuts at
        event = json.loads(line)
        if event["line"] != covered + 1 or event["end_line"] < event["line"]:
            where = "pipe" if run.piped else "file"
            return [f"events ({where}): span {event['line']}-{event['end_line']} after "
                    f"line {covered}"]  # fmt: skip
        covered = event["end_line"]
    if case.lines is not None and covered != case.lines:
        return [f"events ({'pipe' if run.piped else 'file'}): {covered} of {case.lines} lines"]
    return []


def _check_redact(run: Run, case: Case) -> list[str]:
    if run.returncode != 0 or case.lines is None:
        return []
    written = _line_count(run.stdout.decode("utf-8", "replace"))
    if written != case.lines:
        return [f"redact{' (pipe)' if run.piped else ''}: {written} lines out of {case.lines}"]
    return []


def run_case(case: Case, workdir: Path, timeout: float) -> Result:
    rng = random.Random(case.number)
    path = workdir / f"case-{case.number}.log"
    path.write_bytes(case.data)
    result = Result(case.number)
    outputs: dict[tuple[str, bool], Run] = {}
    for command, variants in COMMANDS.items():
        options = rng.choice(variants)
        for piped in (False, True) if command in ("events", "redact") or rng.random() < 0.3 \
                else (False,):  # fmt: skip
            argv = [command, "-" if piped else str(path), *options]
            if command == "events":
                argv = [command, "-" if piped else str(path), "--include-unrecognized"]
            run = run_cli(argv, case.data, piped=piped, timeout=timeout)
            result.runs += 1
            result.findings += _check_run(run, case)
            if command == "events":
                result.findings += _check_events(run, case)
            if command == "redact":
                result.findings += _check_redact(run, case)
            outputs[(command, piped)] = run
    file_run, pipe_run = outputs[("events", False)], outputs[("events", True)]
    if (file_run.returncode, pipe_run.returncode) == (0, 0) and file_run.stdout != pipe_run.stdout:
        result.findings.append("events: a pipe gives other events than the file")
    if result.findings:
        path.replace(workdir / f"finding-{case.number}.log")
    else:
        path.unlink()
    return result


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
    args = parser.parse_args()

    logs = sorted((ROOT / "tests" / "fixtures").glob("**/*.log"))
    logs += sorted(args.corpus.glob("*.log")) if args.corpus.is_dir() else []
    args.out.mkdir(parents=True, exist_ok=True)

    def work(number: int) -> tuple[Case, Result]:
        case = make_case(number, args.seed, logs)
        return case, run_case(case, args.out, args.timeout)

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
        "seed": args.seed, "cases": sum(v for k, v in tried.items() if k.startswith("encoding")),
        "runs": runs, "seconds": round(time.monotonic() - started),
        "cases_with_findings": cases, "findings": len(findings),
        "tried": dict(sorted(tried.items())),
    }, indent=2))  # fmt: skip
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
