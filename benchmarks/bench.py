"""Throughput and memory of ike-debuglog against bare references, on one generated log.

    python benchmarks/bench.py --size 200MB

Generates (or reuses) a seeded log of the given size and a quarter-size one, then reports
lines/s and MB/s for: (a) reading the lines, (b) one compiled regex per line for the IKEv2
packet header, SPI and exchange lines into dicts, (c) TTP with the packet template (on a
sample: TTP holds its input in memory), (d) ``parse_file`` producing every event, (e)
``parse_file`` and the streaming correlator; and the peak RSS of (d) and (e) at both sizes,
each measured in a fresh process.  Prints a table and writes the figures as JSON.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
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

_CHILD = """
import sys, time
from ike_debuglog import Correlator, parse_file
started = time.perf_counter()
events = sessions = 0
if sys.argv[2] == "events":
    for _ in parse_file(sys.argv[1], year=2026):
        events += 1
else:
    correlator = Correlator()
    def counted():
        global events
        for event in parse_file(sys.argv[1], year=2026):
            events += 1
            yield event
    for _ in correlator.run(counted()):
        sessions += 1
seconds = time.perf_counter() - started
# VmHWM: the peak of this process image. ru_maxrss would also count the parent's memory
# copied at fork time, before exec.
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(seconds, events, sessions, peak)
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


def child(path: Path, mode: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), mode], capture_output=True, text=True, check=True
    ).stdout.split()
    seconds, events, sessions, rss_kb = output
    return {
        "seconds": float(seconds),
        "events": int(events),
        "sessions": int(sessions),
        "peak_rss_mb": int(rss_kb) / 1024,
    }


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
    for path, wanted in ((big, size), (small, size // 4)):
        if not path.exists():
            print(f"generating {path} ...", file=sys.stderr)
            generate(wanted, args.seed, path)
    lines, nbytes = _lines_and_bytes(big)
    small_lines, small_bytes = _lines_and_bytes(small)
    rows: dict[str, dict[str, Any]] = {}

    def row(
        name: str, seconds: float, count: int = lines, size_bytes: int = nbytes, **extra: Any
    ) -> None:
        rows[name] = {
            "seconds": round(seconds, 3),
            "lines_per_s": round(count / seconds),
            "mb_per_s": round(size_bytes / seconds / 1e6, 2),
            **extra,
        }
        print(f"{name}: {rows[name]}", file=sys.stderr)

    row("a_read_lines", read_lines(big))
    row("b_regex_reference", regex_reference(big))
    seconds, ttp_lines, ttp_bytes = ttp_sample(big, parse_size(args.ttp_sample))
    row("c_ttp_packets", seconds, ttp_lines, ttp_bytes, sample_lines=ttp_lines)
    for name, mode in (("d_parse_file", "events"), ("e_parse_and_correlate", "sessions")):
        full = child(big, mode)
        part = child(small, mode)
        row(
            name,
            full["seconds"],
            events=full["events"],
            sessions=full["sessions"],
            peak_rss_mb=round(full["peak_rss_mb"], 1),
            peak_rss_mb_quarter_size=round(part["peak_rss_mb"], 1),
        )
    d, e = rows["d_parse_file"], rows["e_parse_and_correlate"]
    ratios = {
        "events_vs_regex_reference": round(
            d["lines_per_s"] / rows["b_regex_reference"]["lines_per_s"], 3
        ),
        "events_vs_ttp": round(d["lines_per_s"] / rows["c_ttp_packets"]["lines_per_s"], 2),
        "correlation_overhead": round(e["seconds"] / d["seconds"] - 1, 3),
        "rss_growth_4x_input": round(e["peak_rss_mb"] / e["peak_rss_mb_quarter_size"] - 1, 3),
    }
    targets = {
        "events_vs_regex_reference": ratios["events_vs_regex_reference"] >= 0.5,
        "events_vs_ttp": ratios["events_vs_ttp"] >= 3,
        "correlation_overhead": ratios["correlation_overhead"] <= 0.25,
        "peak_rss_under_150mb": max(d["peak_rss_mb"], e["peak_rss_mb"]) < 150,
        "rss_flat": abs(ratios["rss_growth_4x_input"]) <= 0.10,
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
        "ratios": ratios,
        "targets_met": targets,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\n{nbytes / 1e6:.0f} MB, {lines} lines (quarter size: {small_bytes / 1e6:.0f} MB)\n")
    print(f"{'':24} {'lines/s':>12} {'MB/s':>8} {'peak RSS (full / quarter)':>28}")
    for name, values in rows.items():
        rss = ""
        if "peak_rss_mb" in values:
            rss = f"{values['peak_rss_mb']:.0f} MB / {values['peak_rss_mb_quarter_size']:.0f} MB"
        print(f"{name:24} {values['lines_per_s']:>12,} {values['mb_per_s']:>8} {rss:>28}")
    print()
    for name, value in ratios.items():
        print(f"{name:28} {value:>8}   target met: {targets.get(name, targets.get('rss_flat'))}")
    print(f"{'peak_rss_under_150mb':28} {'':>8}   target met: {targets['peak_rss_under_150mb']}")
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
