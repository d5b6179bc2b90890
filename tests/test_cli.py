"""The command line as a user runs it: output, summary, errors and exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from ike_debuglog.cli import main

SEED = FIXTURES / "ikev2" / "seed-isr4451-ikev2-sa-init.log"
EXAMPLE = Path(__file__).parent.parent / "examples" / "show-logging-ikev2.log"


def test_events_prints_json_lines_and_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", str(SEED), "--year", "2026"]) == 0
    out, err = capsys.readouterr()
    kinds = [json.loads(line)["kind"] for line in out.splitlines()]
    assert kinds == ["ikev2_packet", "ipsec_request_timer", "ipsec_sa_request", "ikev2_packet"]
    assert "4 events" in err and "ikev2_packet 2" in err and "0 unrecognised lines" in err


def test_unrecognized_lines_only_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    log = FIXTURES / "ipsec" / "book-ko-ipsec-sa-request-create-sa-retyped.log"
    main(["events", str(log)])
    plain = capsys.readouterr().out
    main(["events", str(log), "--include-unrecognized"])
    full, err = capsys.readouterr()
    assert "unrecognized" not in plain
    assert json.loads(full.splitlines()[0]) | {} == json.loads(full.splitlines()[0])
    assert json.loads(full.splitlines()[0])["text"] == "R2#"
    assert "1 unrecognised lines" in err


def test_table_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", str(SEED), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "IKE_SA_INIT" in out and "2ABF14E40D648E28" in out and "ipsec_sa_request" in out


def test_example_log_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", str(EXAMPLE), "--format", "table"]) == 0
    assert "ikev2_packet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("target", "message"),
    [("does-not-exist.log", "no such file"), (".", "is a directory")],
)
def test_input_errors_are_one_line_with_status_2(
    target: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", target]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


def test_stdin_and_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ike_debuglog.cli", "events", "-"],
        input=SEED.read_bytes(),
        capture_output=True,
        check=True,
    )
    assert len(result.stdout.splitlines()) == 4


def test_usage_error_exit_status() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["events"])
    assert exit_info.value.code == 2


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_bytes(SEED.read_bytes() * 2000)
    reader = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "events", str(big)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # what `| head -1` does
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=60) == 0
    assert "Traceback" not in err


def test_table_shows_the_ikev1_step_of_every_packet(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    log = FIXTURES / "ikev1" / "github-xe-isakmp-natt-initiator-site-a-console-noise.log"
    assert main(["events", str(log), "--format", "table"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if "ikev1_packet" in line]
    steps = [row.split("│")[6].strip() for row in rows]
    assert steps == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "QM1", "INFO", "QM2", "QM3"]
    assert "61.128.1.1:4500 MM_KEY_EXCH" in rows[4]


class _Terminal:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_bar_only_for_a_person_watching_a_large_file(tmp_path: Path) -> None:
    from ike_debuglog.inputs import PROGRESS_BYTES, wants_progress

    big = tmp_path / "big.log"
    big.write_bytes(b"x\n" * (PROGRESS_BYTES // 2 + 1))
    small = tmp_path / "small.log"
    small.write_bytes(b"x\n")
    assert wants_progress(str(big), _Terminal(True), json_output=False)  # type: ignore[arg-type]
    assert not wants_progress(str(big), _Terminal(False), json_output=False)  # type: ignore[arg-type]
    assert not wants_progress(str(big), _Terminal(True), json_output=True)  # type: ignore[arg-type]
    assert not wants_progress(str(small), _Terminal(True), json_output=False)  # type: ignore[arg-type]
    assert not wants_progress("-", _Terminal(True), json_output=False)  # type: ignore[arg-type]


def test_several_files_in_input_order_with_their_names(capsys: pytest.CaptureFixture[str]) -> None:
    logs = [SEED, FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"]
    assert main(["events", *map(str, logs), "--workers", "2", "--year", "2026"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["file"] for row in rows] == [str(logs[0])] * 4 + [str(logs[1])] * 22
    assert rows[0]["line"] == 1 and rows[4]["line"] == 1
