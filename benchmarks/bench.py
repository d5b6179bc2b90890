"""Throughput, stage costs and memory of ike-debuglog against bare references, one core.

    python benchmarks/bench.py --size 200MB

Generates (or reuses) a seeded log of the given size and a quarter-size one, then reports
lines/s for: (a) reading the lines, (b) one compiled regex per line for the IKEv2 packet
header, SPI and exchange lines into dicts, (c) TTP with the packet template (on a sample:
TTP holds its input in memory); the command line as users run it, each a whole process
pinned to one core: (d) ``events LOG > /dev/null``, (e) ``sessions LOG --format jsonl``,
(f) ``diagnose LOG``; (g) iterating ``parse_file`` and reading each event's kind and line;
(h) ``events a.log b.log`` on two cores against one.  Then the cost of each stage per line
(reading, framing, extraction, IKEv1 steps, models, correlation, output) and the peak RSS
of (d)-(g) at both sizes.  Prints a table and writes the figures as JSON.  Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate, parse_size  # noqa: E402

#: (b): the bare reference a script writer would use for IKEv2 packet blocks.
REFERENCE = re.compile(
    rb"IKEv2:\(SESSION ID = (?P<session>\d+),SA ID = (?P<sa>\d+)\):(?P<direction>Sending|Received) "
    rb"Packet \[(?:To|From) (?P<peer>[^:\]]+):(?P<port>\d+)"
    rb"|Initiator SPI : (?P<ispi>[0-9A-Fa-f]{16}) - Responder SPI : (?P<rspi>[0-9A-Fa-f]{16}) "
    rb"Message id: (?P<mid>\d+)"
    rb"|IKEv2 (?P<exchange>[A-Z_]+) Exchange (?P<type>REQUEST|RESPONSE)"
)

#: One core: the children run on one CPU, and Polars with one thread.
ONE_CORE = {"POLARS_MAX_THREADS": "1"}


def _environment(cores: int) -> dict[str, str]:
    """The children's environment: one core when asked, and their bytecode cached as an
    installed package has it (a shell that sets PYTHONDONTWRITEBYTECODE would otherwise
    compile every module of the package at each start, a tenth of a second)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**environment, **(ONE_CORE if cores == 1 else {})}


_ITERATE = """
import sys
from ike_debuglog import parse_file
for event in parse_file(sys.argv[1], year=2026):
    event.kind; event.line
"""

#: The stages, timed in one process over the pipeline's own parts.
_STAGES = """
import json, sys, time
from collections import Counter
import polars as pl
from ike_debuglog.correlate import Correlator
from ike_debuglog.pipeline import Pipeline, views
from ike_debuglog.reading import open_log
from ike_debuglog.render.jsonl import batch_json
import ike_debuglog.pipeline as pipeline
import ike_debuglog.scan.frame as frame

spent = Counter()
def timed(name, function):
    def run(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - started
    return run

frame.BatchFramer.frame = timed("framing", frame.BatchFramer.frame)
frame.BatchFramer.flush = timed("framing", frame.BatchFramer.flush)
pipeline.extract = timed("extraction", pipeline.extract)
pipeline.Pipeline._step = timed("ikev1 steps", pipeline.Pipeline._step)
reader = open_log(sys.argv[1])
batches = []
source = iter(reader.batches())
driver = Pipeline(year=2026)
while True:
    started = time.perf_counter()
    lines = next(source, None)
    spent["reading"] += time.perf_counter() - started
    if lines is None:
        break
    batches.extend(driver.feed(lines))
batches.extend(driver.finish())
for batch in batches:
    started = time.perf_counter()
    with open("/dev/null", "wb") as out:
        batch_json(batch).select("json").write_csv(out, include_header=False, quote_style="never")
    spent["output (JSON Lines)"] += time.perf_counter() - started
for batch in batches:
    started = time.perf_counter()
    for event in batch.events():
        event.timestamp  # builds the model
    spent["models (every event)"] += time.perf_counter() - started
correlator = Correlator()
started = time.perf_counter()
sessions = list(correlator.run_batches(batches))
spent["correlation (with its models)"] += time.perf_counter() - started
print(json.dumps({"lines": reader.lines, "seconds": dict(spent)}))
"""


def _lines_and_bytes(path: Path) -> tuple[int, int]:
    with path.open("rb") as handle:
        return sum(1 for _ in handle), path.stat().st_size


def read_lines(path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as handle:
        for _ in handle:
            pass
    return time.perf_counter() - started


def regex_reference(path: Path) -> float:
    started = time.perf_counter()
    found = 0
    match = REFERENCE.match
    with path.open("rb") as handle:
        for line in handle:
            # Skip the stamp as a script would: the record starts after ": ".
            start = line.find(b": IKEv2:") + 2 if b"IKEv2:" in line[:60] else 0
            result = match(line, start)
            if result is not None:
                record = {k: v for k, v in result.groupdict().items() if v is not None}
                found += bool(record)
    return time.perf_counter() - started


def ttp_sample(path: Path, sample_bytes: int) -> tuple[float, int, int]:
    from importlib import resources

    from ttp import ttp

    template = (
        resources.files("ike_debuglog.grammars").joinpath("ttp", "ikev2_packet.ttp").read_text()
    )
    with path.open("r", encoding="utf-8") as handle:
        data = handle.read(sample_bytes)
    data = data[: data.rfind("\n") + 1]
    started = time.perf_counter()
    parser = ttp(data=data, template=template)
    parser.parse()
    return time.perf_counter() - started, data.count("\n"), len(data.encode())


def _pinned() -> None:
    """Run on one CPU (a child's preexec_fn)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})


def timed_process(command: list[str], *, cores: int = 1) -> dict[str, float]:
    """Wall time and peak RSS of a whole process (its output to /dev/null)."""
    environment = _environment(cores)
    wrapper = [sys.executable, str(HERE / "peak.py")]
    started = time.perf_counter()
    done = subprocess.run(
        [*wrapper, *command],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=_pinned if cores == 1 else None,
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # diagnose exits 1 when a session failed
        raise RuntimeError(f"{command}: {done.stderr[-500:]}")
    return {"seconds": seconds, "peak_rss_mb": float(done.stdout.split()[-1]) / 1024}


def _cli(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "ike_debuglog.cli", *arguments, "--year", "2026"]


def stages(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _STAGES, str(path)],
        env=_environment(1),
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=_pinned,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def report(result: dict[str, Any]) -> None:
    """Print the figures as a table."""
    rows, ratios, targets = result["rows"], result["ratios"], result["targets_met"]
    nbytes, lines = result["file"]["bytes"], result["file"]["lines"]
    small_bytes, per_line = result["file"]["quarter_bytes"], result["stages_us_per_line"]
    peaks, growth = result["peak_rss_mb"], result["rss_growth"]
    print(f"\n{nbytes / 1e6:.0f} MB, {lines} lines (quarter size: {small_bytes / 1e6:.0f} MB)\n")
    print(f"{'':26} {'lines/s':>12} {'peak RSS (full / quarter)':>28}")
    for name, values in rows.items():
        if "lines_per_s" not in values:
            continue
        rss = ""
        if "peak_rss_mb" in values:
            rss = f"{values['peak_rss_mb']:.0f} MB / {values['peak_rss_mb_quarter_size']:.0f} MB"
        print(f"{name:26} {values['lines_per_s']:>12,} {rss:>28}")
    print(f"\ntwo files, two cores: {rows['h_two_files']}")
    print("\nstage costs (us per line, one core, quarter-size log):")
    for name, value in per_line.items():
        print(f"  {name:30} {value:>8}")
    print()
    for name, value in ratios.items():
        print(f"{name:32} {value:>8}   target met: {targets[name]}")
    print(
        f"{'peak_rss_under_150mb':32} {peaks:>8.0f}   target met: {targets['peak_rss_under_150mb']}"
    )
    print(
        f"{'rss_flat (growth at 4x input)':32} {growth:>8.2f}   target met: {targets['rss_flat']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="200MB")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ike-debuglog-bench"))
    parser.add_argument("--ttp-sample", default="20MB", help="how much of the log TTP reads")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    size = parse_size(args.size)
    args.workdir.mkdir(parents=True, exist_ok=True)
    big = args.workdir / f"bench-{args.seed}-{size}.log"
    small = args.workdir / f"bench-{args.seed}-{size // 4}.log"
    twin = args.workdir / f"bench-{args.seed + 1}-{size // 4}.log"
    logs = ((big, size, args.seed), (small, size // 4, args.seed), (twin, size // 4, args.seed + 1))
    for path, wanted, seed in logs:
        if not path.exists():
            print(f"generating {path} ...", file=sys.stderr)
            generate(wanted, seed, path)
    lines, nbytes = _lines_and_bytes(big)
    small_lines, small_bytes = _lines_and_bytes(small)
    rows: dict[str, dict[str, Any]] = {}

    def row(name: str, seconds: float, count: int = lines, **extra: Any) -> None:
        rows[name] = {
            "seconds": round(seconds, 3),
            "lines_per_s": round(count / seconds),
            **{k: round(v, 1) if isinstance(v, float) else v for k, v in extra.items()},
        }
        print(f"{name}: {rows[name]}", file=sys.stderr)

    row("a_read_lines", read_lines(big))
    row("b_regex_reference", regex_reference(big))
    seconds, ttp_lines, _ = ttp_sample(big, parse_size(args.ttp_sample))
    row("c_ttp_packets", seconds, ttp_lines, sample_lines=ttp_lines)
    commands = {
        "d_events_cli": _cli("events", str(big)),
        "e_sessions_cli": _cli("sessions", str(big), "--format", "jsonl"),
        "f_diagnose_cli": _cli("diagnose", str(big)),
        "g_parse_file_kind_line": [sys.executable, "-c", _ITERATE, str(big)],
    }
    # Once first, so that the package's bytecode is cached before anything is timed.
    subprocess.run(
        [sys.executable, "-c", "import ike_debuglog.cli"], env=_environment(1), check=True
    )
    for name, command in commands.items():
        full = timed_process(command)
        quarter = timed_process([str(small) if part == str(big) else part for part in command])
        row(
            name,
            full["seconds"],
            peak_rss_mb=full["peak_rss_mb"],
            peak_rss_mb_quarter_size=quarter["peak_rss_mb"],
        )
    pair = _cli("events", str(small), str(twin))
    one = timed_process([*pair, "--workers", "1"], cores=2)
    two = timed_process([*pair, "--workers", "2"], cores=2)
    rows["h_two_files"] = {
        "workers_1_seconds": round(one["seconds"], 3),
        "workers_2_seconds": round(two["seconds"], 3),
        "speedup": round(one["seconds"] / two["seconds"], 2),
    }
    stage = stages(small)
    per_line = {
        name: round(seconds / stage["lines"] * 1e6, 3) for name, seconds in stage["seconds"].items()
    }
    reference = rows["b_regex_reference"]["lines_per_s"]
    ratios = {
        "events_vs_regex_reference": round(rows["d_events_cli"]["lines_per_s"] / reference, 3),
        "events_vs_ttp": round(
            rows["d_events_cli"]["lines_per_s"] / rows["c_ttp_packets"]["lines_per_s"], 2
        ),
        "sessions_vs_regex_reference": round(rows["e_sessions_cli"]["lines_per_s"] / reference, 3),
        "diagnose_vs_regex_reference": round(rows["f_diagnose_cli"]["lines_per_s"] / reference, 3),
        "parse_file_vs_regex_reference": round(
            rows["g_parse_file_kind_line"]["lines_per_s"] / reference, 3
        ),
        "two_files_speedup": rows["h_two_files"]["speedup"],
    }
    peaks = [rows[name]["peak_rss_mb"] for name in commands]
    growth = max(
        rows[name]["peak_rss_mb"] / rows[name]["peak_rss_mb_quarter_size"] - 1 for name in commands
    )
    targets = {
        "events_vs_regex_reference": ratios["events_vs_regex_reference"] >= 0.5,
        "events_vs_ttp": ratios["events_vs_ttp"] >= 3,
        "sessions_vs_regex_reference": ratios["sessions_vs_regex_reference"] >= 0.25,
        "diagnose_vs_regex_reference": ratios["diagnose_vs_regex_reference"] >= 0.25,
        "parse_file_vs_regex_reference": ratios["parse_file_vs_regex_reference"] >= 0.3,
        "two_files_speedup": ratios["two_files_speedup"] >= 1.7,
        "peak_rss_under_150mb": max(peaks) < 150,
        "rss_flat": growth <= 0.10,
    }
    result = {
        "file": {
            "bytes": nbytes,
            "lines": lines,
            "quarter_bytes": small_bytes,
            "quarter_lines": small_lines,
        },
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "rows": rows,
        "stages_us_per_line": per_line,
        "ratios": ratios,
        "targets_met": targets,
        "peak_rss_mb": max(peaks),
        "rss_growth": round(growth, 3),
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    report(result)
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
