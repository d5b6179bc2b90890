"""Prometheus metrics: the counts of a log as text for node_exporter, and the same served
over HTTP while a file grows."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import FIXTURES
from prometheus_client.parser import text_string_to_metric_families

from ike_debuglog.cli import main

EXAMPLE = Path(__file__).parents[1] / "examples" / "show-logging-ikev2.log"
NO_PROPOSAL = FIXTURES / "ikev2" / "composed-ipv6-initiator-no-proposal-chosen.log"
PSK_MISMATCH = FIXTURES / "ikev1" / "composed-initiator-psk-mismatch-mm5-retransmits.log"
AGGRESSIVE = FIXTURES / "ikev1" / "composed-initiator-aggressive-mode-qm-dpd.log"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _metrics(log: Path, capsys: pytest.CaptureFixture[str]) -> Samples:
    assert main(["metrics", str(log), "--year", "2026"]) == 0
    return _samples(capsys.readouterr().out)


def _value(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, found), value in samples.items()
        if sample == name and set(labels.items()) <= found
    )


def test_sessions_retransmissions_and_packets(capsys: pytest.CaptureFixture[str]) -> None:
    samples = _metrics(EXAMPLE, capsys)
    assert _value(samples, "ike_sessions_total", outcome="established") == 1
    assert _value(samples, "ike_sessions_total", peer="203.0.113.99",
                  outcome="failed", reason="peer_not_responding") == 1  # fmt: skip
    assert _value(samples, "ike_retransmissions_total", peer="203.0.113.99") == 1
    assert _value(samples, "ike_packets_total", exchange="IKE_SA_INIT", direction="sent") == 3
    assert _value(samples, "ike_packets_total", exchange="IKE_AUTH", direction="received") == 1
    assert _value(samples, "ike_debuglog_events_total", kind="ikev2_packet") == 6
    # No series about when this process happened to parse a line.
    assert not [name for name, _ in samples if name.endswith("_created")]


def test_error_notifies_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    samples = _metrics(NO_PROPOSAL, capsys)
    assert _value(samples, "ike_notify_errors_total", notify="NO_PROPOSAL_CHOSEN",
                  direction="received", ike_version="2") == 1  # fmt: skip


def test_ikev1_packets_by_mode_and_dpd_is_no_error(capsys: pytest.CaptureFixture[str]) -> None:
    samples = _metrics(AGGRESSIVE, capsys)
    assert _value(samples, "ike_packets_total", ike_version="1", exchange="aggressive_mode") == 3
    assert _value(samples, "ike_packets_total", ike_version="1", exchange="quick_mode") == 3
    assert _value(samples, "ike_notify_errors_total", ike_version="1") == 0
    retransmitted = _metrics(PSK_MISMATCH, capsys)
    assert _value(retransmitted, "ike_retransmissions_total", ike_version="1") >= 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _scrape(port: int, name: str, at_least: float, **labels: str) -> Samples:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as page:
                samples = _samples(page.read().decode())
            if _value(samples, name, **labels) >= at_least:
                return samples
        except OSError:
            pass  # not listening yet
        assert time.monotonic() < deadline, f"{name} never reached {at_least}"
        time.sleep(0.2)


def test_serve_exposes_counters_that_grow_with_the_file(tmp_path: Path) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if "IKE_AUTH" in line)
    log = tmp_path / "live.log"
    log.write_text("".join(lines[:cut]))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "metrics", str(log), "--serve", str(port)],
        stderr=subprocess.PIPE,
    )
    try:
        before = _scrape(port, "ike_packets_total", 2, exchange="IKE_SA_INIT")
        assert _value(before, "ike_packets_total", exchange="IKE_AUTH") == 0
        with log.open("a") as growing:
            growing.write("".join(lines[cut:]))
        after = _scrape(port, "ike_packets_total", 2, exchange="IKE_AUTH")
        assert _value(after, "ike_packets_total", exchange="IKE_SA_INIT", direction="sent") == 3
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serving_on_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["metrics", str(EXAMPLE), "--serve", str(port)]) == 2
    err = capsys.readouterr().err
    assert "cannot serve on 127.0.0.1" in err and err.count("\n") == 1
