"""Compare this tree's output with another version's, byte for byte.

    python scripts/compare_cores.py 95cc590 --generated 4 --damaged 200

Runs ``events`` and ``sessions --format jsonl`` of both versions (the other one taken from
git at REF, run from a scratch folder in this environment) over every fixture, seeded
generated logs of every family and framing (benchmarks/generate.py), and fixture logs
damaged the ways tests/test_mutations.py damages them; prints each difference and exits
1 if there is one.  Made to check a change of the parsing core against the core before it.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

COMMANDS = (["events"], ["sessions", "--format", "jsonl"])


def _checkout(ref: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref, "ike_debuglog", "grammars"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="tar")
    return into


def _run(tree: Path, command: list[str], log: Path) -> bytes:
    environment = dict(os.environ, PYTHONPATH=str(tree))
    return subprocess.run(
        [sys.executable, "-m", "ike_debuglog.cli", *command, str(log), "--year", "2026"],
        env=environment,
        capture_output=True,
        cwd=tree,
        check=False,
    ).stdout


def _inputs(scratch: Path, generated: int, damaged: int) -> Iterator[Path]:
    yield from sorted((ROOT / "tests" / "fixtures").rglob("*.log"))
    from generate import generate

    for seed in range(generated):
        path = scratch / f"generated-{seed}.log"
        generate(2_000_000, seed, path)
        yield path
    from test_mutations import damaged_log

    rng = random.Random(1)
    for number in range(damaged):
        lines = damaged_log(rng)
        path = scratch / f"damaged-{number}.log"
        path.write_bytes(b"\n".join(lines) + b"\n")
        yield path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref", help="the other version: a commit, tag or branch")
    parser.add_argument("--generated", type=int, default=2, help="generated logs (2 MB each)")
    parser.add_argument("--damaged", type=int, default=100, help="damaged fixture logs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        other = _checkout(args.ref, scratch / "other")
        differences = checked = 0
        for log in _inputs(scratch, args.generated, args.damaged):
            for command in COMMANDS:
                checked += 1
                if _run(other, command, log) != _run(ROOT, command, log):
                    differences += 1
                    print(f"differs: {' '.join(command)} {log.name}")
    print(f"{checked} runs, {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
