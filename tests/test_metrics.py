"""Prometheus metrics: the counts of a log as text for node_exporter, and the same served
over HTTP while a file grows."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import FIXTURES, fixture_logs
from prometheus_client.parser import text_string_to_metric_families

from ike_debuglog import Correlator, parse_file
from ike_debuglog.cli import main
from ike_debuglog.correlate import REASONS, Session, correlate
from ike_debuglog.pipeline import run
from ike_debuglog.render.metrics import (
    OTHER_PEER,
    VERDICTS,
    Metrics,
    came_up,
    counted_verdict,
    final_verdict,
    series_limit,
)

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


def _value(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, found), value in samples.items()
        if sample == name and set(labels.items()) <= found
    )


def _metrics(log: Path, capsys: pytest.CaptureFixture[str], *options: str) -> Samples:
    assert main(["metrics", str(log), "--year", "2026", *options]) == 0
    return _samples(capsys.readouterr().out)


def test_sessions_retransmissions_and_packets(capsys: pytest.CaptureFixture[str]) -> None:
    samples = _metrics(EXAMPLE, capsys)
    assert _value(samples, "ike_sessions_total", outcome="established") == 1
    assert _value(samples, "ike_sessions_total", ike_version="2",
                  outcome="failed", reason="peer_not_responding") == 1  # fmt: skip
    assert _value(samples, "ike_retransmissions_total", ike_version="2") == 1
    assert _value(samples, "ike_packets_total", exchange="IKE_SA_INIT", direction="sent") == 3
    assert _value(samples, "ike_packets_total", exchange="IKE_AUTH", direction="received") == 1
    assert _value(samples, "ike_debuglog_events_total", kind="ikev2_packet") == 6
    # No peer label unless asked for: behind NAT or on a hub, peers are unbounded.
    assert not [labels for _, labels in samples if "peer" in dict(labels)]
    # No series about when this process happened to parse a line.
    assert not [name for name, _ in samples if name.endswith("_created")]


def test_peer_labels_on_request(capsys: pytest.CaptureFixture[str]) -> None:
    samples = _metrics(EXAMPLE, capsys, "--peer-labels", "5")
    assert _value(samples, "ike_sessions_total", peer="203.0.113.99",
                  outcome="failed", reason="peer_not_responding") == 1  # fmt: skip
    assert _value(samples, "ike_sessions_total", peer="198.51.100.20", outcome="established") == 1
    assert _value(samples, "ike_retransmissions_total", peer="203.0.113.99") == 1
    capped = _metrics(EXAMPLE, capsys, "--peer-labels", "1")
    assert _value(capped, "ike_sessions_total", peer="198.51.100.20", outcome="established") == 1
    assert _value(capped, "ike_sessions_total", peer=OTHER_PEER, outcome="failed") == 1
    assert not [labels for _, labels in capped if ("peer", "203.0.113.99") in labels]


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


# Cardinality and zeros --------------------------------------------------------------------

#: The documented bound for a log of one host (docs/exports.md, "Prometheus metrics").
ONE_HOST_SERIES = 219


def _hub_log(tmp_path: Path, copies: int) -> Path:
    """A hub's log with two new peers per copy of the example (one established, one not
    answering), each with its own addresses, SPIs and session ids."""
    template = EXAMPLE.read_text(encoding="utf-8")
    body = template[template.index("004101:") :]
    parts = []
    for n in range(copies):
        a, b = divmod(n, 250)
        parts.append(
            body.replace("198.51.100.20", f"10.{a}.{b}.1")
            .replace("203.0.113.99", f"10.{a}.{b}.2")
            .replace("6B2E91D4C07A3F58", f"{2 * n:016X}")
            .replace("E0C4A2F9165B7D33", f"{2 * n + 1:016X}")
            .replace("0D5C3B8E71F24A96", f"{10**9 + n:016X}")
            .replace("SESSION ID = 41", f"SESSION ID = {2 * n + 1}")
            .replace("SESSION ID = 42", f"SESSION ID = {2 * n + 2}")
        )
    log = tmp_path / "hub.log"
    log.write_text("".join(parts), encoding="utf-8")
    return log


def test_thousands_of_peers_stay_under_the_documented_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _hub_log(tmp_path, 1500)  # 3,000 peers
    samples = _metrics(log, capsys)
    assert len(samples) <= ONE_HOST_SERIES == series_limit(hosts=1)
    assert _value(samples, "ike_sessions_total", outcome="established") == 1500
    assert _value(samples, "ike_sessions_total", reason="peer_not_responding") == 1500
    capped = _metrics(log, capsys, "--peer-labels", "50")
    peers = {dict(labels).get("peer") for name, labels in capped if name == "ike_sessions_total"}
    assert len(peers - {OTHER_PEER, ""}) == 50 and OTHER_PEER in peers
    assert len(capped) <= series_limit(hosts=1, peer_labels=50)
    assert _value(capped, "ike_sessions_total", peer=OTHER_PEER) == 3000 - 50
    assert _value(capped, "ike_sessions_total") == 3000


def test_every_family_present_at_zero_on_an_empty_log() -> None:
    samples = _samples(Metrics().exposition().decode())
    names = {name for name, _ in samples}
    assert names == {
        "ike_sessions_total", "ike_retransmissions_total", "ike_notify_errors_total",
        "ike_packets_total", "ike_debuglog_events_total", "ike_debuglog_unrecognized_lines_total",
    }  # fmt: skip
    assert set(samples.values()) == {0.0}
    for version in ("1", "2"):
        for outcome, reason in VERDICTS:
            assert (
                "ike_sessions_total",
                frozenset({("host", ""), ("ike_version", version), ("outcome", outcome),
                           ("reason", reason)}),
            ) in samples  # fmt: skip
    assert {reason for outcome, reason in VERDICTS if reason} == set(REASONS)
    kinds = {dict(labels)["kind"] for name, labels in samples if name.startswith("ike_debuglog_e")}
    assert {"ikev2_packet", "ikev1_packet", "syslog", "unrecognized"} <= kinds
    exchanges = {
        dict(labels)["exchange"] for name, labels in samples if name == "ike_packets_total"
    }
    assert {"IKE_SA_INIT", "IKE_AUTH", "main_mode", "quick_mode"} <= exchanges


def test_a_syslog_server_file_has_no_hostless_series(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "server.log"
    log.write_text(
        "Nov 26 08:00:01 hub1 1234: Nov 26 08:00:01.581 UTC: %CRYPTO-5-IKEV2_SESSION_STATUS: "
        "Crypto tunnel v2 is UP.  Peer 198.51.100.20:500  Id: 198.51.100.20\n",
        encoding="utf-8",
    )
    samples = _metrics(log, capsys)
    hosts = {dict(labels).get("host") for _, labels in samples} - {None}
    assert hosts == {"hub1"}
    assert _value(samples, "ike_sessions_total", host="hub1", outcome="established") == 1
    assert ("ike_sessions_total", frozenset({("host", "hub1"), ("ike_version", "1"),
            ("outcome", "failed"), ("reason", "psk_mismatch")})) in samples  # fmt: skip


# Counted when the verdict is known --------------------------------------------------------


def _sessions(log: Path) -> list[Session]:
    return correlate(parse_file(log, year=2026))


def test_which_verdicts_are_final() -> None:
    established, not_responding = _sessions(EXAMPLE)
    assert came_up(established)
    assert final_verdict(established, ended=False) == ("established", "")
    # Unanswered requests may yet be answered: final only once IOS gives up.
    assert final_verdict(not_responding, ended=False) is None
    assert final_verdict(not_responding, ended=True) == ("failed", "peer_not_responding")
    (no_proposal,) = _sessions(NO_PROPOSAL)
    assert final_verdict(no_proposal, ended=False) == ("failed", "no_proposal_chosen")
    incomplete = no_proposal.model_copy(update={"outcome": "incomplete", "reason": None,
                                                "exchanges": []})  # fmt: skip
    assert final_verdict(incomplete, ended=True) is None
    # A session that came up counts as established even if its peer deletes it later.
    deleted = established.model_copy(update={"outcome": "failed", "reason": "deleted_by_peer"})
    assert came_up(deleted) and counted_verdict(deleted) == ("established", "")


def _live(lines: list[str]) -> Iterator[list[str] | None]:
    yield lines
    yield None  # the feed went quiet: no more lines, no more log time


def test_a_final_failure_counts_before_the_session_is_emitted() -> None:
    lines = PSK_MISMATCH.read_text(encoding="utf-8").splitlines()
    metrics = Metrics()
    correlator = Correlator(watch=True)
    emitted = []
    for batch in run(_live(lines), year=2026):
        metrics.observe_batch(batch)
        emitted += list(correlator.feed_batch(batch))
        correlator.settle(metrics.settle)
    assert emitted == []  # the correlator still holds it (linger, idle time)
    samples = _samples(metrics.exposition().decode())
    assert _value(samples, "ike_sessions_total", outcome="failed", reason="psk_mismatch") == 1
    for session in correlator.flush():  # emitted at last: not counted twice
        metrics.observe_session(session)
    samples = _samples(metrics.exposition().decode())
    assert _value(samples, "ike_sessions_total") == 1
    assert _value(samples, "ike_retransmissions_total") >= 1


def test_settle_needs_a_watching_correlator() -> None:
    with pytest.raises(ValueError, match="watch=True"):
        Correlator().settle(Metrics().settle)


def _session_counts(log: Path, *, chunk: int | None) -> Samples:
    """The session counters of a log read whole, or fed ``chunk`` lines at a time with
    verdicts settled after each batch, as under ``--serve``."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    metrics = Metrics()
    correlator = Correlator(watch=chunk is not None)
    feed = [lines] if chunk is None else [lines[i : i + chunk] for i in range(0, len(lines), chunk)]
    for batch in run(iter(feed), year=2026):
        metrics.observe_batch(batch)
        for session in correlator.feed_batch(batch):
            metrics.observe_session(session)
        if chunk is not None:
            correlator.settle(metrics.settle)
    for session in correlator.flush():
        metrics.observe_session(session)
    samples = _samples(metrics.exposition().decode())
    return {key: value for key, value in samples.items() if key[0] == "ike_sessions_total"}


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda log: log.stem)
def test_counted_early_or_at_the_end_the_sessions_agree(log: Path) -> None:
    assert _session_counts(log, chunk=7) == _session_counts(log, chunk=None)


def test_a_negative_peer_cap_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["metrics", str(EXAMPLE), "--peer-labels", "-1"])
    assert exit_.value.code == 2
    assert "not a number of peers" in capsys.readouterr().err


def _scrape_once(port: int, timeout: float) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200 and b"ike_packets_total" in response.read()
    except OSError:
        return False


def test_two_hundred_concurrent_scrapes_while_the_log_grows(tmp_path: Path) -> None:
    """200 scrapers at once, three times, while lines keep arriving: every scrape answers
    within 5 s (Python's default listen backlog of 5 overflowed, and the scrapers that
    lost their SYN waited out the retransmissions until they timed out)."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    log = tmp_path / "live.log"
    log.write_text("".join(lines))
    server = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "metrics", str(log), "--serve", str(_free_port())],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stop = threading.Event()

    def grow() -> None:
        with log.open("a") as growing:
            while not stop.wait(0.005):
                growing.write("".join(lines))
                growing.flush()

    writer = threading.Thread(target=grow)
    try:
        assert server.stderr is not None
        port = int(server.stderr.readline().rsplit(":", 1)[1].split("/")[0])
        writer.start()
        for _ in range(3):
            with ThreadPoolExecutor(max_workers=200) as pool:
                answered = list(pool.map(lambda _: _scrape_once(port, 5.0), range(200)))
            assert answered.count(True) == 200, answered.count(False)
    finally:
        stop.set()
        if writer.is_alive():
            writer.join()
        server.terminate()
        server.wait(timeout=10)


def test_serve_reads_a_pipe_by_the_reading_rules(tmp_path: Path) -> None:
    """Standard input under ``--serve`` goes through the path of every other command:
    a gzip stream is read, and an empty one is an input error, as docs/input.md says."""
    import gzip

    server = subprocess.Popen(
        [sys.executable, "-m", "ike_debuglog.cli", "metrics", "--serve", "0", "-"],
        stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=False,
    )  # fmt: skip
    try:
        assert server.stdin is not None and server.stderr is not None
        port = int(server.stderr.readline().decode().rsplit(":", 1)[1].split("/")[0])
        server.stdin.write(gzip.compress(EXAMPLE.read_bytes()))
        server.stdin.flush()
        served = _scrape(port, "ike_packets_total", 3, exchange="IKE_SA_INIT", direction="sent")
        assert _value(served, "ike_packets_total", exchange="IKE_AUTH", direction="sent") >= 1
    finally:
        server.terminate()
        server.wait(timeout=10)
    empty = subprocess.run(
        [sys.executable, "-m", "ike_debuglog.cli", "metrics", "--serve", "0", "-"],
        input=b"", capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert empty.returncode == 2
    assert empty.stderr.decode().splitlines()[-1] == (
        "ike-debuglog: standard input: empty, no lines to read"
    )
