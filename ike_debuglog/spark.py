"""Events and sessions of many logs on PySpark (the ``[spark]`` extra).

Spark lists the logs (``binaryFile``: globs, partition folders, ``pathGlobFilter``;
one row per file, so a file is never split: a packet block, the IKEv1 step pass and the
year of stamps that print none see the whole file) and ``mapInArrow`` runs stage 1 on
the executors (:mod:`ike_debuglog.fleet`), with the Arrow schemas of
:mod:`ike_debuglog.arrow` as Spark schemas.  The executors open each file by its URL
through fsspec and stream it (Spark's ``content`` column is never read: it would hold a
file whole, and stops at 2 GB).  Stage 2, the rejoin of sessions cut across files,
runs on the driver over the files' sessions and edges.

>>> from ike_debuglog.spark import sessions
>>> frame = sessions(spark, ["s3://logs/2026/11/27/*.log.gz"], year=2026)
>>> frame.groupBy("outcome").count().show()
"""

from __future__ import annotations

import dataclasses
import functools
import os
import pickle
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from . import fleet
from .arrow import EVENTS_SCHEMA, SESSIONS_SCHEMA
from .engines import file_events, stage_one, stage_two
from .urls import is_url

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


def events(
    spark: SparkSession,
    paths: str | Sequence[str],
    *,
    year: int | None = None,
    timezone: str | None = None,
) -> DataFrame:
    """The events of every log (paths, globs or URLs Spark can list: ``s3://``,
    ``dbfs:/``, ``hdfs://``), as a DataFrame of :data:`~ike_debuglog.arrow.EVENTS_SCHEMA`
    (``spi``, unsigned 64-bit, as ``decimal(20,0)``).  ``year`` and ``timezone`` are
    every file's own, as for :func:`ike_debuglog.parse_file`."""
    names = _names(paths)
    work = functools.partial(_events_batches, names=names, year=year, timezone=timezone)
    return _files(spark, paths).mapInArrow(work, spark_schema(EVENTS_SCHEMA))


def sessions(
    spark: SparkSession,
    paths: str | Sequence[str],
    *,
    year: int | None = None,
    timezone: str | None = None,
) -> DataFrame:
    """The sessions of every log, complete within a file or rejoined across files, as a
    DataFrame of :data:`~ike_debuglog.arrow.SESSIONS_SCHEMA`.

    Runs when called: stage 1 is one Spark job (a task per partition of files, a file
    per row), its results (sessions and edges, not events) come back to the driver,
    which rejoins them as a run in one process does (:func:`ike_debuglog.engines.stage_two`);
    the frame holds the result."""
    names = _names(paths)
    work = functools.partial(_results, names=names, year=year, timezone=timezone)
    stage = _files(spark, paths).mapInArrow(work, "result binary")
    results = [pickle.loads(row.result) for row in stage.collect()]  # our own, pickled above
    given = list(names.values())
    results.sort(key=lambda result: _place(result.source, given))
    table = stage_two(results)
    chunks = [(_ipc(chunk),) for chunk in _chunks(table)]
    rows = spark.createDataFrame(chunks, "sessions binary")
    return rows.mapInArrow(_sessions_batches, spark_schema(SESSIONS_SCHEMA))


def _files(spark: SparkSession, paths: str | Sequence[str]) -> DataFrame:
    """One row per file: its URL (the content is left unread)."""
    wanted = [paths] if isinstance(paths, str) else list(paths)
    return spark.read.format("binaryFile").load(wanted).select("path")


def source_of(path: str) -> str:
    """The name fsspec opens a path Spark lists by: a local ``file:/x`` is ``/x`` (as the
    one-process run names it), ``dbfs:/x`` is Databricks' FUSE mount ``/dbfs/x``, other
    URLs (``s3://``, ``s3a://``, ``gs://``, ``hdfs://``) as they are."""
    if path.startswith("file:"):
        return "/" + path.removeprefix("file:").lstrip("/")
    if path.startswith("dbfs:"):
        return "/dbfs/" + path.removeprefix("dbfs:").lstrip("/")
    return path


def _names(paths: str | Sequence[str]) -> dict[str, str]:
    """The local files given by name, by absolute path: their rows are labelled with the
    name given, as a run here labels them (Spark lists absolute ``file:`` URLs)."""
    wanted = [paths] if isinstance(paths, str) else list(paths)
    return {os.path.abspath(p): p for p in wanted if not is_url(p) and os.path.isfile(p)}


def _place(name: str, given: list[str]) -> tuple[int, str]:
    """Where a file comes in the order given (files Spark found by a glob: after, by name)."""
    return (given.index(name), "") if name in given else (len(given), name)


def _sources(batches: Iterator[pa.RecordBatch], names: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(what to open, how to label it) of each file of the batches."""
    for batch in batches:
        for path in batch.column("path").to_pylist():
            source = source_of(path)
            yield source, names.get(source, source)


def _labelled(result: fleet.FileResult, label: str) -> fleet.FileResult:
    """A file's result under the name it was given."""
    tables = {
        "events": result.events,
        "sessions": result.sessions,
        "edges": result.edges,
        "edge_sessions": result.edge_sessions,
    }
    if label != result.source:
        for key, table in tables.items():
            named = pa.array([label] * table.num_rows, pa.string())
            tables[key] = table.set_column(0, "file", named)
    return dataclasses.replace(result, source=label, **tables)


def _events_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    names: dict[str, str],
    year: int | None,
    timezone: str | None,
) -> Iterator[pa.RecordBatch]:
    """Stage 1 for events, on an executor: each file's events, read from the batches'
    columns (no model per event), in Spark's types."""
    for source, label in _sources(batches, names):
        table = file_events(source, year=year, timezone=timezone, file=label)
        yield from _for_spark(table).to_batches()


def _results(
    batches: Iterator[pa.RecordBatch],
    *,
    names: dict[str, str],
    year: int | None,
    timezone: str | None,
) -> Iterator[pa.RecordBatch]:
    """Stage 1 for sessions, on an executor: per file, what stage 2 reads of its result
    (pickled, for the driver)."""
    for source, label in _sources(batches, names):
        slim = _labelled(stage_one(source, year=year, timezone=timezone), label)
        yield pa.RecordBatch.from_pydict({"result": [pickle.dumps(slim)]}, schema=_RESULT)


_RESULT = pa.schema([("result", pa.binary())])


def _chunks(table: pa.Table, rows: int = 10_000) -> list[pa.Table]:
    """A table in pieces, each a row of its own (a Spark row holds under 2 GB)."""
    return [table.slice(start, rows) for start in range(0, max(table.num_rows, 1), rows)]


def _sessions_batches(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Sessions kept as Arrow IPC, as rows of Spark's schema."""
    for batch in batches:
        for data in batch.column("sessions").to_pylist():
            with pa.ipc.open_stream(data) as reader:
                yield from _for_spark(reader.read_all()).to_batches()


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _spark_type(kind: pa.DataType) -> pa.DataType:
    """Spark has no unsigned integers: a uint64 (an IKEv1 notify SPI) is a decimal(20,0),
    which holds every value exactly."""
    return pa.decimal128(20, 0) if pa.types.is_uint64(kind) else kind


def _spark_arrow(schema: pa.Schema) -> pa.Schema:
    return pa.schema([field.with_type(_spark_type(field.type)) for field in schema])


def _for_spark(table: pa.Table) -> pa.Table:
    return table.cast(_spark_arrow(table.schema))


def _in_order(table: pa.Table, given: list[str]) -> pa.Table:
    """Events in the order of the files given, each file's in line order (Spark lists
    files largest first)."""
    files = table.column("file").to_pylist()
    order = sorted(range(len(files)), key=lambda row: _place(files[row], given))
    return table.take(pa.array(order, pa.int64()))


def spark_schema(schema: pa.Schema) -> StructType:
    """The Spark schema of an Arrow schema of :mod:`ike_debuglog.arrow`."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(_spark_arrow(schema))


__all__ = ["events", "sessions", "source_of", "spark_schema"]


def tables(
    what: str,
    files: Sequence[str],
    *,
    master: str = "local[2]",
    year: int | None = None,
    timezone: str | None = None,
) -> Iterator[pa.Table]:
    """For the command line: the ``events`` or ``sessions`` of the files as one Arrow
    table of the :mod:`ike_debuglog.arrow` schemas, on the active Spark session or one
    started for the run on ``master`` (``local[2]``, ``spark://host:7077``, ``yarn``)."""
    import sys

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors run this Python
    spark = SparkSession.getActiveSession()
    started = spark is None
    if spark is None:
        builder = SparkSession.builder.master(master).appName("ike-debuglog")
        spark = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
    try:
        make = events if what == "events" else sessions
        schema = EVENTS_SCHEMA if what == "events" else SESSIONS_SCHEMA
        table = make(spark, list(files), year=year, timezone=timezone).toArrow().cast(schema)
        yield _in_order(table, list(files)) if what == "events" else table
    finally:
        if started:
            spark.stop()
