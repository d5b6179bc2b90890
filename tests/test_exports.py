"""ECS and OCSF documents: the mapping of docs/exports.md, on every fixture and on the
cases that matter (direction, failures, masked addresses, sessions), from the API and
the command line."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, fixture_logs, load_meta

from ike_debuglog import Event, correlate, parse_file, parse_text
from ike_debuglog.cli import main
from ike_debuglog.render import ecs, ocsf
from ike_debuglog.render.shapes import namespace as namespace_of
from ike_debuglog.render.shapes import tunnel_related

NO_PROPOSAL = FIXTURES / "ikev2" / "composed-ipv6-initiator-no-proposal-chosen.log"


def _events(log: Path) -> list[Event]:
    return list(parse_file(log, year=load_meta(log)["year"]))


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda path: path.stem)
def test_every_event_and_session_maps(log: Path) -> None:
    events = _events(log)
    for event in events:
        document = ecs.event_document(event)
        json.dumps(document)
        assert document["event"]["action"] == event.kind
        assert ("@timestamp" in document) == (event.timestamp is not None)
        namespace = document.get("ike") or document.get("ipsec") or document["ike_debuglog"]
        assert (namespace["kind"], namespace["line"]) == (event.kind, event.line)
        for side in ("source", "destination"):
            if "ip" in document.get(side, {}):
                ipaddress.ip_address(document[side]["ip"])  # never a masked address
        record = ocsf.event_document(event)
        tunnel = tunnel_related(event)
        assert (record["class_uid"], record["category_uid"]) == ((4014, 4) if tunnel else (0, 0))
        assert record["type_uid"] == record["class_uid"] * 100 + record["activity_id"]
        assert record["unmapped"][namespace_of(event.kind)]["line"] == event.line
    for session in correlate(events):
        document = ecs.session_document(session)
        assert document["event"]["outcome"] == {
            "established": "success", "failed": "failure", "incomplete": "unknown"
        }[session.outcome]  # fmt: skip
        record = ocsf.session_document(session)
        assert (
            record["status_id"] == {"established": 1, "failed": 2, "incomplete": 0}[session.outcome]
        )


def test_a_sent_packet_goes_from_here_to_the_peer_and_a_refusal_is_a_failure() -> None:
    packets = [e for e in _events(NO_PROPOSAL) if e.kind == "ikev2_packet"]
    sent, refused = packets[0], next(e for e in packets if "NO_PROPOSAL" in str(e.payloads))
    document = ecs.event_document(sent)
    assert document["source"] == {"address": "2001:DB8:46::2", "ip": "2001:db8:46::2", "port": 500}
    assert document["destination"]["address"] == "2001:DB8:46::1"
    assert document["network"] == {"transport": "udp", "protocol": "ikev2"}
    assert document["ike"]["exchange"] == "IKE_SA_INIT" and "outcome" not in document["event"]
    failure = ecs.event_document(refused)
    assert failure["source"]["address"] == "2001:DB8:46::1"  # received: from the peer
    assert failure["event"]["outcome"] == "failure"
    assert failure["event"]["reason"] == "NO_PROPOSAL_CHOSEN"
    assert failure["event"]["type"] == ["protocol"]  # ECS has no "error" for the network
    record = ocsf.event_document(refused)
    assert (record["status_id"], record["status_detail"], record["severity_id"]) == (
        2, "NO_PROPOSAL_CHOSEN", 3
    )  # fmt: skip
    assert record["src_endpoint"] == {"ip": "2001:db8:46::1", "port": 500}


def test_a_failed_session() -> None:
    (session,) = correlate(_events(NO_PROPOSAL))
    document = ecs.session_document(session)
    assert document["event"]["reason"] == "no_proposal_chosen"
    assert document["event"]["category"] == ["network", "session"]
    fields = document["ike"]["session"]
    assert fields["outcome"] == "failed" and "messages" not in fields
    record = ocsf.session_document(session)
    assert (record["activity_name"], record["status"]) == ("Open", "Failure")
    assert record["session"]["uid"] == session.initiator_spi


def test_masked_addresses_keep_their_text_but_no_ip() -> None:
    (event,) = parse_text(
        "IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet [To 185.x.y.113:500/From "
        "10.0.0.1:500/VRF i0:f0]\nInitiator SPI : 0000000000000001 - Responder SPI : "
        "0000000000000000 Message id: 0\nIKEv2 IKE_SA_INIT Exchange REQUEST\n"
    )
    document = ecs.event_document(event)
    assert document["destination"] == {"address": "185.x.y.113", "port": 500}
    assert ocsf.event_document(event)["dst_endpoint"] == {"name": "185.x.y.113", "port": 500}


@pytest.mark.parametrize("command", ["events", "sessions"])
@pytest.mark.parametrize("form", ["ecs", "ocsf"])
def test_command_line_formats(command: str, form: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, str(NO_PROPOSAL), "--format", form]) == 0
    lines = capsys.readouterr().out.splitlines()
    documents: list[dict[str, Any]] = [json.loads(line) for line in lines]
    assert documents
    key = "ecs" if form == "ecs" else "class_uid"
    assert all(key in document for document in documents)
