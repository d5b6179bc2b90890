"""The scripts in examples/ run as a user would run them, on the bundled logs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import FIXTURES

from ike_debuglog import correlate, parse_file

ROOT = Path(__file__).parent.parent


def _run(script: str, log: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / script), str(log)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_failed_notifies_example() -> None:
    result = _run(
        "failed_notifies.py",
        FIXTURES / "ikev2" / "composed-responder-invalid-ke-then-ts-unacceptable.log",
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "line 9: IKEv2-ERROR session 12: Failed to find a matching policy",
        "line 10: sent INVALID_KE_PAYLOAD (203.0.113.30, IKE_SA_INIT)",
        "line 37: IKEv2-ERROR session 13: Traffic selectors are not acceptable",
        "line 38: sent TS_UNACCEPTABLE (203.0.113.30, IKE_AUTH)",
        "line 50: sent TS_UNACCEPTABLE (203.0.113.30, CREATE_CHILD_SA)",
    ]


def test_ikev1_steps_example() -> None:
    result = _run(
        "ikev1_steps.py", FIXTURES / "ikev1" / "composed-initiator-psk-mismatch-mm5-retransmits.log"
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "203.0.113.20: MM1 sent, MM2 received, MM3 sent, MM4 received, MM5 sent,"
        " MM4 received again, MM5 sent again x5"
    ]


EXAMPLES = ROOT / "examples"


def test_failed_tunnels_example() -> None:
    result = _run("failed_tunnels.py", EXAMPLES / "show-logging-ikev2.log")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["203.0.113.99", "IKEv2", "initiator", "failed:",
                                "peer_not_responding", "(lines", "52-66)"]  # fmt: skip
    assert lines[1].startswith("    hint: The peer never answered")


def test_syslog_to_ecs_example() -> None:
    log = EXAMPLES / "syslog-server.log"
    result = _run("syslog_to_ecs.py", log)
    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    events = [e for e in parse_file(log) if e.kind != "unrecognized"]
    datasets = [document["event"]["dataset"] for document in documents]
    assert datasets.count("ike_debuglog.events") == len(events)
    assert datasets.count("ike_debuglog.sessions") == len(correlate(parse_file(log)))
    hosts = {document["observer"].get("hostname") for document in documents}
    assert {"rtr-hq-01.example.net", "rtr-br-07"} <= hosts


def test_serve_metrics_example() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            str(EXAMPLES / "serve_metrics.py"),
            str(EXAMPLES / "show-logging-ikev2.log"),
            "--port",
            str(port),
            "--seconds",
            "4",
        ],
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as page:
                    text = page.read().decode()
                if 'ike_packets_total{direction="sent",exchange="IKE_SA_INIT"' in text:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert server.wait(timeout=30) == 0
    finally:
        server.kill()


def test_collect_show_logging_example_on_a_saved_file() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "collect_show_logging.py"),
            "--saved",
            str(EXAMPLES / "show-logging-ikev2.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{EXAMPLES / 'show-logging-ikev2.log'}: 203.0.113.99 IKEv2 failed "
        "(peer_not_responding), lines 52-66"
    ]
