"""Events and sessions of many logs on a Dask cluster (the ``[dask]`` extra).

One file is one task, never split: a packet block and the IKEv1 step pass span lines,
and the year of a stamp that prints none follows the file from its first line.  Stage 1
(:func:`stage_one`) runs per file on the workers; stage 2 (:func:`stage_two`, the rule
of a run in one process: each router's files apart, then the sessions a file boundary
cut rejoined) in one more task, from the files' sessions and edges (their events stay on
the workers).  :mod:`ike_debuglog.spark` runs the same two stages.  Nothing is computed until the
caller asks: both functions return lazy Dask DataFrames with the Arrow schema's types
(:class:`pandas.ArrowDtype` columns, so nested payloads and findings survive).

>>> from ike_debuglog.dask import sessions
>>> frame = sessions(["s3://logs/2026/11/27/*.log.gz"])  # a LocalCluster by default
>>> frame.groupby("outcome").size().compute()
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from . import fleet
from .arrow import EVENTS_SCHEMA, SESSIONS_SCHEMA
from .engines import file_events, stage_one, stage_two
from .errors import UsageError
from .urls import expanded

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client


def events(
    paths_or_urls: str | Sequence[str],
    *,
    client: Client | None = None,
    year: int | None = None,
    timezone: str | None = None,
) -> dd.DataFrame:
    """The events of every log, one partition per file, in the order given (URL globs
    expanded first).  ``client``: the Dask client to run on (default: the current one,
    or a :class:`distributed.LocalCluster` started on first use); ``year`` and
    ``timezone`` are every file's own, as for :func:`ike_debuglog.parse_file`."""
    import dask.dataframe as dd

    _client(client)
    files = _files(paths_or_urls)
    return dd.from_map(
        _events_frame,
        files,
        year=year,
        timezone=timezone,
        meta=_frame(EVENTS_SCHEMA.empty_table()),
        enforce_metadata=False,
        label="ike-debuglog-events",
    )


def sessions(
    paths_or_urls: str | Sequence[str],
    *,
    client: Client | None = None,
    year: int | None = None,
    timezone: str | None = None,
) -> dd.DataFrame:
    """The sessions of every log, in one partition: stage 1 a task per file, stage 2
    (which must see every session: overlapping dumps hold some twice) the task that
    makes the partition."""
    import dask.dataframe as dd
    from dask.delayed import delayed

    _client(client)
    results = [
        delayed(stage_one, pure=True)(file, year=year, timezone=timezone)
        for file in _files(paths_or_urls)
    ]
    rejoined = delayed(_rejoined_frame, pure=True)(results)
    return dd.from_delayed(
        [rejoined], meta=_frame(SESSIONS_SCHEMA.empty_table()), verify_meta=False
    )


def _files(paths_or_urls: str | Sequence[str]) -> list[str]:
    given = [paths_or_urls] if isinstance(paths_or_urls, str) else list(paths_or_urls)
    files = expanded(str(path) for path in given)
    if not files:
        raise UsageError("no log files to read")
    return files


def _frame(table: pa.Table) -> pd.DataFrame:
    """A pandas frame with one :class:`pandas.ArrowDtype` per column: structs, lists and
    timestamps keep the Arrow schema's types (NumPy types would flatten them to objects)."""
    import pandas as pd

    return table.to_pandas(types_mapper=pd.ArrowDtype, ignore_metadata=True)


def _events_frame(source: str, *, year: int | None, timezone: str | None) -> pd.DataFrame:
    return _frame(file_events(source, year=year, timezone=timezone))


def _rejoined_frame(results: list[fleet.FileResult]) -> pd.DataFrame:
    return _frame(stage_two(results))


def _client(client: Client | None) -> Client:
    """The client to run on: the one given, the current one, or a new LocalCluster's
    (kept for the life of the process, as ``Client()`` does)."""
    from distributed import Client, default_client

    if client is not None:
        return client
    try:
        return default_client()
    except ValueError:
        return Client(processes=True, dashboard_address=None)


@contextmanager
def connected(scheduler: str | None = None, *, workers: int | None = None) -> Iterator[Client]:
    """A client for the command line: to ``scheduler`` (``tcp://host:8786``), or to a
    LocalCluster of ``workers`` processes (default: one per CPU) closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    options: dict[str, Any] = {"dashboard_address": None, "threads_per_worker": 1}
    if workers is not None:
        options["n_workers"] = workers
    with LocalCluster(**options) as cluster, Client(cluster) as client:
        yield client


__all__ = ["connected", "events", "sessions"]


def tables(
    what: str,
    files: Sequence[str],
    *,
    scheduler: str | None = None,
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[pa.Table]:
    """For the command line: the ``events`` or ``sessions`` of the files as Arrow tables
    of the :mod:`ike_debuglog.arrow` schemas, partition by partition in file order, on
    ``scheduler`` or a LocalCluster started for the run."""
    make = events if what == "events" else sessions
    schema = EVENTS_SCHEMA if what == "events" else SESSIONS_SCHEMA
    with connected(scheduler) as client:
        frame = make(files, client=client, year=year, timezone=timezone)
        for future in client.compute(frame.to_delayed()):
            part = pa.Table.from_pandas(future.result(), preserve_index=False)
            yield part.cast(schema)
