"""The TTP templates in grammars/ttp agree with the pyparsing grammars on every fixture.

TTP reads the canonical IOS 12.4+/IOS-XE line shapes; the library also reads wrapped,
re-indented and older forms.  So every record TTP finds must equal the library's event,
and on the canonical fixtures TTP must find every one of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import fixture_logs, load_meta
from ttp import ttp

from ike_debuglog import UsageError, parse_file, templates

CANONICAL_PACKETS = {"seed-isr4451-ikev2-sa-init", "tekboard-flexvpn-hub-ikev2-auth-request-cfg",
                     "composed-ipv6-initiator-no-proposal-chosen", "composed-responder-invalid-ke-then-ts-unacceptable"}  # fmt: skip
CANONICAL_IKEV1 = {"github-xe-isakmp-natt-initiator-site-a-console-noise", "github-xe-isakmp-natt-responder-hq-console-noise",
                   "composed-initiator-psk-mismatch-mm5-retransmits", "composed-initiator-aggressive-mode-qm-dpd",
                   "composed-responder-phase1-policy-mismatch", "mkdocs-xe-isakmp-ipsec-qm-responder-success-pppoe"}  # fmt: skip
CANONICAL_REQUESTS = {"seed-isr4451-ikev2-sa-init", "mkdocs-xe-isakmp-ipsec-qm-responder-success-pppoe",
                      "pastebin-jcrcvrvv-ios-qm-responder-proposals-walk-ezvpn"}  # fmt: skip


def _ttp(template: str, log: Path, group: str) -> list[dict[str, Any]]:
    parser = ttp(data=log.read_text(encoding="utf-8", errors="replace"),
                 template=str(templates.path(template)))  # fmt: skip
    parser.parse()
    records: list[dict[str, Any]] = parser.result()[0][0].get(group, [])
    return records if isinstance(records, list) else [records]


def _ttp_packet(record: dict[str, Any]) -> tuple[Any, ...]:
    ends = {record["first_word"]: (record["first"], int(record["first_port"])),
            record["second_word"]: (record["second"], int(record["second_port"]))}  # fmt: skip
    sent = record["direction"] == "Sending"
    remote, local = (ends["To"], ends["From"]) if sent else (ends["From"], ends["To"])
    return ("sent" if sent else "received", remote, local, record["vrf"],
            record["initiator_spi"].upper(), record["responder_spi"].upper(), int(record["message_id"]),
            record["exchange"], record["message_type"] == "RESPONSE",
            " ".join(record.get("payloads", "").split()))  # fmt: skip


def _event_packet(event: Any) -> tuple[Any, ...]:
    return (event.direction, (event.remote.address, event.remote.port),
            (event.local.address, event.local.port), event.vrf, event.initiator_spi,
            event.responder_spi, event.message_id, event.exchange, event.response,
            " ".join(p.raw for p in event.payloads or []))  # fmt: skip


_ROLE_LETTERS = {"initiator": "I", "responder": "R"}


def _ttp_ikev1(record: dict[str, Any]) -> tuple[Any, ...]:
    return ("sent" if record["direction"] == "sending" else "received", record["remote"],
            int(record["remote_port"]), int(record["local_port"]), record.get("vrf"),
            "R" if record["role"] == "N" else record["role"], record["state"])  # fmt: skip


def _event_ikev1(event: Any) -> tuple[Any, ...]:
    return (event.direction, event.remote.address, event.remote.port, event.local_port,
            event.vrf, _ROLE_LETTERS.get(event.role), event.state)  # fmt: skip


def _ttp_request(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["function"], record["direction"].lower(), record["local"], int(record["local_port"]),
            record["remote"], int(record["remote_port"]), record["local_proxy"], record["remote_proxy"],
            record["protocol"], record["transform"].split(), record["mode"], int(record["lifetime_seconds"]),
            int(record["lifetime_kb"]), int(record["spi"]), int(record["conn_id"]), int(record["keysize"]))  # fmt: skip


def _proxy(proxy: Any) -> str:
    return f"{proxy.network}/{proxy.mask}/{proxy.protocol_code}/{proxy.port}"


_FUNCTIONS = {"ipsec_sa_request": "sa_request", "ipsec_validate_proposal": "validate_proposal_request",
              "ipsec_initialize_sa": "initialize_sas"}  # fmt: skip


def _event_request(event: Any) -> tuple[Any, ...]:
    return (_FUNCTIONS[event.kind], event.direction, event.local.address, event.local.port,
            event.remote.address, event.remote.port, _proxy(event.local_proxy), _proxy(event.remote_proxy),
            event.protocol, " ".join(event.transforms).split(), event.mode, event.lifetime_seconds,
            event.lifetime_kb, event.spi, event.conn_id, event.keysize)  # fmt: skip


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda p: p.stem)
def test_ttp_templates_agree_with_the_grammars(log: Path) -> None:
    events = list(parse_file(log, year=load_meta(log)["year"]))
    packets = [_event_packet(e) for e in events
               if e.kind == "ikev2_packet" and e.initiator_spi and e.vrf and e.exchange]  # fmt: skip
    found = [_ttp_packet(r) for r in _ttp("ikev2_packet", log, "packets")
             if "initiator_spi" in r and "exchange" in r]  # fmt: skip
    assert all(packet in packets for packet in found)
    if log.stem in CANONICAL_PACKETS:
        assert found == packets and packets

    ikev1 = [
        _event_ikev1(e) for e in events if e.kind == "ikev1_packet" and e.local_port is not None
    ]
    found_ikev1 = [_ttp_ikev1(r) for r in _ttp("ikev1_packet", log, "packets") if "state" in r]
    assert all(packet in ikev1 for packet in found_ikev1)
    if log.stem in CANONICAL_IKEV1:
        assert found_ikev1 == ikev1 and ikev1

    requests = [_event_request(e) for e in events
                if e.kind in _FUNCTIONS and e.local and e.local.port is not None and e.spi is not None]  # fmt: skip
    found_requests = [
        _ttp_request(r) for r in _ttp("ipsec_sa_request", log, "requests") if "spi" in r
    ]
    assert all(request in requests for request in found_requests)
    if log.stem in CANONICAL_REQUESTS:
        assert found_requests == requests and requests


SEED = next(log for log in fixture_logs() if log.stem == "seed-isr4451-ikev2-sa-init")


def test_netmiko_reads_show_logging_with_the_packaged_template() -> None:
    # What `send_command("show logging", use_ttp=True, ttp_template=...)` runs on the
    # device's output.
    from netmiko.utilities import get_structured_data_ttp

    output = SEED.read_text(encoding="utf-8")
    result = get_structured_data_ttp(
        output, template=str(templates.path("ikev2_packet")), raise_parsing_error=True
    )
    assert isinstance(result, list)
    packets = result[0][0]["packets"]
    events = [e for e in parse_file(SEED, year=2025) if e.kind == "ikev2_packet"]
    assert [_ttp_packet(p) for p in packets] == [_event_packet(e) for e in events]


def test_ttp_command_line_reads_the_packaged_template(tmp_path: Path) -> None:
    ttp_script = Path(sys.executable).parent / "ttp"  # the command `pip install ttp` puts there
    command = [str(ttp_script), "-d", str(SEED), "-t", str(templates.path("ikev2_packet.ttp")),
               "-o", "json"]  # fmt: skip
    printed = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)
    packets = json.loads(printed.stdout)[0][0]["packets"]
    assert len(packets) == sum(1 for e in parse_file(SEED, year=2025) if e.kind == "ikev2_packet")


def test_template_names_and_a_clear_error_for_an_unknown_one() -> None:
    assert templates.names() == ["ikev1_packet", "ikev2_packet", "ipsec_sa_request"]
    assert all(templates.path(name).is_file() for name in templates.names())
    with pytest.raises(UsageError, match="there are: ikev1_packet, ikev2_packet"):
        templates.path("ikev3_packet")


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda p: p.stem)
def test_ttp_templates_return_no_empty_rows(log: Path) -> None:
    text = log.read_text(encoding="utf-8", errors="replace")
    for name in templates.names():
        found = templates.rows(name, text)
        assert all(found), name
        assert all(set(row) - {"prefix", "function", "rest", "direction"} for row in found), name


def test_rows_of_a_log_with_nothing_to_find_is_an_empty_list() -> None:
    assert templates.rows("ikev2_packet", "nothing here\n") == []
    only_function = "*Nov 26 14:02:17.905: IPSEC(validate_transform_proposal): proxy identities not supported\n"  # fmt: skip
    assert templates.rows("ipsec_sa_request", only_function) == []
