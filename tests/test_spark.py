"""The Spark engine gives what one process gives: event counts, session counts and
verdicts on every fixture and on a generated set, and a session cut across two files
rejoined into one verdict.  One ``local[2]`` session for the module (its start is most of
the time), without the UI, with two shuffle partitions."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fleet_cases import (
    YEAR,
    conformed,
    cut_log,
    cut_sessions,
    event_counts,
    event_counts_here,
    inputs,
    sessions_here,
    verdicts,
    verdicts_of_models,
    writes_what_one_process_writes,
)
from pyspark.sql import SparkSession

from ike_debuglog import spark as engine

# PySpark 4.x warns about pandas 3 on every Arrow UDF; nothing here goes through pandas.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning")


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors run this venv's Python
    session = (
        SparkSession.builder.master("local[2]")
        .appName("ike-debuglog-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return inputs(tmp_path_factory.mktemp("fleet"))


def test_events_as_one_process(spark: SparkSession, files: list[str]) -> None:
    frame = engine.events(spark, files, year=YEAR)
    assert frame.schema["spi"].dataType.simpleString() == "decimal(20,0)"  # uint64 in Arrow
    found = conformed(frame.toArrow(), "events")
    assert event_counts(found) == event_counts_here(files)


def test_sessions_as_one_process(spark: SparkSession, files: list[str]) -> None:
    found = conformed(engine.sessions(spark, files, year=YEAR).toArrow(), "sessions")
    here = sessions_here(files)
    assert found.num_rows == here.num_rows > 100
    assert verdicts(found) == verdicts(here)
    assert set(found["file"].to_pylist()) <= set(files)  # named as given, not file:/...


def test_a_session_cut_across_files_is_one_verdict(spark: SparkSession, tmp_path: Path) -> None:
    whole, halves, cut = cut_log(tmp_path)
    assert cut_sessions(whole, cut) > 0  # the cut does go through a negotiation
    found = conformed(engine.sessions(spark, halves, year=YEAR).toArrow(), "sessions")
    assert verdicts(found) == verdicts_of_models([whole])


@pytest.mark.parametrize("command", ["events", "sessions"])
def test_command_line_writes_what_one_process_writes(
    spark: SparkSession, files: list[str], command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    writes_what_one_process_writes(command, files, ["--engine", "spark"], capsys)  # active session
