"""Drift: unknown crypto wording clusters into templates with counts and first lines;
known records and non-crypto text stay out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ike_debuglog import drift, parse_text
from ike_debuglog.cli import main

LOG = """\
*Nov 26 10:00:00.001: IKEv2:(SESSION ID = 7,SA ID = 1):Quantum-safe key mix pending for peer 198.51.100.7 slot 3
*Nov 26 10:00:00.002: IKEv2:(SESSION ID = 7,SA ID = 1):Sending Packet [To 198.51.100.7:500/From 192.0.2.1:500/VRF i0:f0]
Initiator SPI : 3C9E7A15B2D04F68 - Responder SPI : 0000000000000000 Message id: 0
IKEv2 IKE_SA_INIT Exchange REQUEST
Payload contents:
 SA KE N
*Nov 26 10:00:01.001: IKEv2:(SESSION ID = 8,SA ID = 1):Quantum-safe key mix pending for peer 2001:DB8::9 slot 12
*Nov 26 10:00:01.500: Building configuration...
*Nov 26 10:00:02.001: IKEv2:(SESSION ID = 9,SA ID = 1):Quantum-safe key mix pending for peer 203.0.113.9 slot 0
*Nov 26 10:00:03.001: ISAKMP:(1004):Peer struct 7F3A38CB80BB0 moved to bucket 17
*Nov 26 10:00:04.001: ISAKMP:(1005):Peer struct 7F3A38CB90CC0 moved to bucket 4
"""


def test_unknown_crypto_wording_becomes_templates() -> None:
    found = drift(parse_text(LOG, year=2026))
    assert [(t.count, t.first_line, t.family) for t in found] == [
        (3, 1, "ikev2"),
        (2, 10, "isakmp"),
    ]
    ikev2, isakmp = found
    assert ikev2.template == (
        "IKEv2:(SESSION ID = <NUM>,SA ID = <NUM>):Quantum-safe key mix pending for peer <IP> "
        "slot <NUM>"
    )
    assert "198.51.100.7" in ikev2.example
    assert isakmp.template == "ISAKMP: Peer struct <HEX> moved to bucket <NUM>"


def test_the_command_lists_templates_as_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "new-wording.log"
    log.write_text(LOG)
    assert main(["drift", str(log), "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["count"] for row in rows] == [3, 2]
    assert set(rows[0]) == {"template", "count", "first_line", "family", "example"}
