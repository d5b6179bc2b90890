"""The fleet benchmark: one set of generated logs through one process, ``--workers 2``,
a Dask LocalCluster of 2 workers and Spark ``local[2]``, for events and sessions.

    python benchmarks/fleet.py                      # 8 files, 240 MB in all
    python benchmarks/fleet.py --size 40MB --files 8 --engines local,workers,dask

Prints wall time, MB/s and lines/s per way, and what they imply for a day of a 10,000
router fleet (``--per-router``: the log volume one router writes in a day).  Every way
does the whole job: events are built as Arrow tables (the engines' partitions), sessions
go through stage 1 per file and stage 2 (``ike_debuglog.engines.stage_one`` / ``stage_two``,
which the engines run too).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from multiprocessing import get_context
from pathlib import Path

from ike_debuglog import fleet
from ike_debuglog.arrow import batch_table
from ike_debuglog.engines import stage_one, stage_two
from ike_debuglog.pipeline import run
from ike_debuglog.reading import open_log

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate, parse_size

YEAR = 2026
ROUTERS = 10_000


def make_logs(folder: Path, size: int, files: int, seed: int) -> tuple[list[str], int]:
    """``files`` seeded logs of ``size`` bytes in all; returns their paths and lines."""
    paths, lines = [], 0
    for number in range(files):
        path = folder / f"router-{number:02d}.log"
        lines += generate(size // files, seed + number, path)
        paths.append(str(path))
    return paths, lines


def _file_events(path: str) -> int:
    with closing(open_log(path)) as reader:
        return sum(batch_table(b).num_rows for b in run(reader.batches(), year=YEAR))


def _file_result(path: str) -> fleet.FileResult:
    return stage_one(path, year=YEAR)


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))


def local_events(paths: list[str], workers: int) -> int:
    if workers == 1:
        return sum(map(_file_events, paths))
    with _pool(workers) as pool:
        return sum(pool.map(_file_events, paths))


def local_sessions(paths: list[str], workers: int) -> int:
    if workers == 1:
        results = list(map(_file_result, paths))
    else:
        with _pool(workers) as pool:
            results = list(pool.map(_file_result, paths))
    return int(stage_two(results).num_rows)


def cli_events(paths: list[str], workers: int) -> int:
    """``ike-debuglog events FILES --workers N`` into /dev/null (JSON Lines written)."""
    command = ["ike-debuglog", "events", *paths, "--year", str(YEAR), "--workers", str(workers)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return -1


class Dask:
    def __init__(self) -> None:
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        self.client = Client(self.cluster)

    def events(self, paths: list[str]) -> int:
        from ike_debuglog import dask

        frame = dask.events(paths, client=self.client, year=YEAR)
        return int(sum(frame.map_partitions(len).compute()))

    def sessions(self, paths: list[str]) -> int:
        from ike_debuglog import dask

        return len(dask.sessions(paths, client=self.client, year=YEAR).compute())

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


class Spark:
    def __init__(self) -> None:
        from pyspark.sql import SparkSession

        os.environ["PYSPARK_PYTHON"] = sys.executable
        self.spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            # One file per task: the default packs small files into one partition.
            .config("spark.sql.files.openCostInBytes", str(1 << 30))
            .getOrCreate()
        )

    def events(self, paths: list[str]) -> int:
        from ike_debuglog import spark

        return int(spark.events(self.spark, paths, year=YEAR).count())

    def sessions(self, paths: list[str]) -> int:
        from ike_debuglog import spark

        return int(spark.sessions(self.spark, paths, year=YEAR).count())

    def close(self) -> None:
        self.spark.stop()


def timed(work: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    found = work()
    return time.perf_counter() - start, found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="240MB", help="all the logs together (240MB, 1GB)")
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--engines", default="local,workers,dask,spark", help="which ways, comma-separated"
    )
    parser.add_argument(
        "--per-router", default="20MB", help="log volume of one router in a day (20MB)"
    )
    args = parser.parse_args(argv)
    wanted = args.engines.split(",")
    per_router = parse_size(args.per_router)
    with tempfile.TemporaryDirectory() as folder:
        paths, lines = make_logs(Path(folder), parse_size(args.size), args.files, args.seed)
        size = sum(Path(path).stat().st_size for path in paths)
        print(f"{len(paths)} files, {size / 1e6:.0f} MB, {lines} lines; {os.cpu_count()} CPUs")
        rows: list[tuple[str, str, float, int]] = []
        ways: list[tuple[str, Callable[[list[str]], int], Callable[[list[str]], int]]] = []
        closers = []
        if "local" in wanted:
            ways.append(
                ("one process", lambda p: local_events(p, 1), lambda p: local_sessions(p, 1))
            )
        if "workers" in wanted:
            ways.append(
                ("--workers 2", lambda p: local_events(p, 2), lambda p: local_sessions(p, 2))
            )
        if "cli" in wanted:
            ways.append(("CLI --workers 2", lambda p: cli_events(p, 2), lambda p: -1))
        if "dask" in wanted:
            dask = Dask()
            closers.append(dask.close)
            ways.append(("Dask LocalCluster(2)", dask.events, dask.sessions))
        if "spark" in wanted:
            spark = Spark()
            closers.append(spark.close)
            ways.append(("Spark local[2]", spark.events, spark.sessions))
        try:
            for name, events, sessions in ways:
                for what, work in (("events", events), ("sessions", sessions)):
                    seconds, found = timed(lambda work=work: work(paths))  # type: ignore[misc]
                    rows.append((name, what, seconds, found))
                    print(f"  {name:22} {what:9} {seconds:7.1f} s  ({found} rows)", flush=True)
        finally:
            for close in closers:
                close()
    fleet_bytes = ROUTERS * per_router
    print()
    print(
        f"| way | stage | wall s | MB/s | lines/s | 10,000 routers x {per_router / 1e6:.0f} MB/day: "
        "hours at this rate | core-hours |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, what, seconds, _ in rows:
        rate = size / seconds
        hours = fleet_bytes / rate / 3600
        print(
            f"| {name} | {what} | {seconds:.1f} | {rate / 1e6:.2f} | {lines / seconds:,.0f} "
            f"| {hours:,.1f} | {hours * (1 if name == 'one process' else 2):,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
