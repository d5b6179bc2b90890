"""The Dask engine gives what one process gives: event counts, session counts and
verdicts on every fixture and on a generated set, and a session cut across two files
rejoined into one verdict.  A LocalCluster of 2 worker processes (not threads: results
cross a process boundary as they do on a real cluster), started once for the module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from distributed import Client, LocalCluster
from fleet_cases import (
    YEAR,
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

from ike_debuglog import dask as engine


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return inputs(tmp_path_factory.mktemp("fleet"))


def _table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, preserve_index=False)


def test_events_as_one_process(client: Client, files: list[str]) -> None:
    frame = engine.events(files, client=client, year=YEAR)
    assert frame.npartitions == len(files)  # one file, one task
    assert isinstance(frame.dtypes["payloads"], pd.ArrowDtype)  # nested columns survive
    found = _table(frame.compute())
    assert pa.types.is_list(found.schema.field("payloads").type)
    assert event_counts(found) == event_counts_here(files)


def test_sessions_as_one_process(client: Client, files: list[str]) -> None:
    found = _table(engine.sessions(files, client=client, year=YEAR).compute())
    here = sessions_here(files)
    assert found.num_rows == here.num_rows > 100
    assert verdicts(found) == verdicts(here)
    outcomes = set(found["outcome"].to_pylist())
    assert {"established", "failed"} <= outcomes  # the generated set has both


def test_a_session_cut_across_files_is_one_verdict(client: Client, tmp_path: Path) -> None:
    whole, halves, cut = cut_log(tmp_path)
    assert cut_sessions(whole, cut) > 0  # the cut does go through a negotiation
    found = _table(engine.sessions(halves, client=client, year=YEAR).compute())
    assert verdicts(found) == verdicts_of_models([whole])


@pytest.mark.parametrize("command", ["events", "sessions"])
def test_command_line_writes_what_one_process_writes(
    client: Client, files: list[str], command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = ["--engine", "dask", "--scheduler", client.scheduler.address]
    writes_what_one_process_writes(command, files, engine, capsys)
