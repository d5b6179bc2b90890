"""Grammar behaviour on the shapes the issue names: IPv6, unknown notifies, empty errors."""

from __future__ import annotations

import pytest

from ike_debuglog import Ikev2Error, Ikev2Packet, IpsecDeleteSa, Unrecognized, parse_text, registry

IPV6_BLOCK = """\
IKEv2:(SESSION ID = 31,SA ID = 1):Received Packet [From FC00:123:123:123::1:500/To FC00:123:123:123::2:500/VRF i0:f0]
Initiator SPI : 1d418169b24bf95a - Responder SPI : A645046F734260C6 Message id: 4294967295
IKEv2 IKE_AUTH Exchange RESPONSE
Payload contents:
 VID IDr AUTH NOTIFY(NO_PROPOSAL_CHOSEN) NOTIFY(Unknown - 16431) NOTIFY(Unknown - 40961) NOTIFY(CISCO_PRIVATE) XYZ
"""


def test_ipv6_endpoints_and_unknown_notifies() -> None:
    (packet,) = parse_text(IPV6_BLOCK)
    assert isinstance(packet, Ikev2Packet)
    assert packet.remote is not None and packet.remote.address == "FC00:123:123:123::1"
    assert packet.local is not None and packet.local.port == 500
    assert packet.initiator_spi == "1D418169B24BF95A"
    assert packet.message_id == 4294967295
    assert packet.response is True
    notifies = [(p.notify, p.notify_code) for p in packet.payloads or [] if p.type == "Notify"]
    assert notifies == [
        ("NO_PROPOSAL_CHOSEN", 14),
        ("SIGNATURE_HASH_ALGORITHMS", 16431),
        (None, 40961),
        ("CISCO_PRIVATE", None),
    ]
    assert (packet.payloads or [])[-1].type is None


def test_empty_ikev2_error_record() -> None:
    (error,) = parse_text("IKEv2-ERROR:(SESSION ID = 31,SA ID = 1):")
    assert isinstance(error, Ikev2Error)
    assert (error.session_id, error.sa_id, error.message) == (31, 1, "")


def test_header_without_spi_line_is_a_truncated_packet() -> None:
    (packet,) = parse_text(
        "IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet [To 10.0.0.2:500/From 10.0.0.1:500/VRF i0:f0]"
    )
    assert isinstance(packet, Ikev2Packet)
    assert packet.truncated and packet.initiator_spi is None and packet.payloads is None


def test_unknown_ikev2_wording_is_reported_not_dropped() -> None:
    (event,) = parse_text("IKEv2:(SESSION ID = 1,SA ID = 1):Some wording from a future release")
    assert isinstance(event, Unrecognized)
    assert event.family == "ikev2"


def test_registry_resolves_cisco_spellings() -> None:
    assert registry.notify_code("ESP_TFC_NO_SUPPORT") == 16394
    assert registry.notify_name(16395) == "NON_FIRST_FRAGMENTS_ALSO"
    assert registry.is_error_notify(38) and not registry.is_error_notify(16384)
    row = registry.payload_type("N")
    assert row is not None and row.name == "Nonce"
    assert registry.EXCHANGE_CODES["CREATE_CHILD_SA"] == 36


DETAILED_BLOCK = """\
IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet [To 10.0.0.2:500/From 10.0.0.1:500/VRF i0:f0]
Initiator SPI : 64B2A8B5D8E4D4F1 - Responder SPI : 0000000000000000 Message id: 0
IKEv2-PAK:(SESSION ID = 1,SA ID = 1):Next payload: SA, version: 2.0 Exchange type: IKE_SA_INIT, flags: INITIATOR Message id: 0, length: 556
IKEv2 IKE_SA_INIT Exchange REQUEST
Payload contents:
 SA  Next payload: KE, reserved: 0x0, length: 184
  last proposal: 0x0, reserved: 0x0, length: 180
  Proposal: 1, Protocol id: IKE, SPI size: 0, #trans: 19    last transform: 0x3, reserved: 0x0: length: 12
    type: 1, reserved: 0x0, id: AES-CBC
 KE  Next payload: N, reserved: 0x0, length: 136
    DH group: 14, Reserved: 0x0
 N  Next payload: VID, reserved: 0x0, length: 36
 VID  Next payload: NOTIFY, reserved: 0x0, length: 23
 NOTIFY(NAT_DETECTION_SOURCE_IP)  Next payload: NOTIFY, reserved: 0x0, length: 28
    Security protocol id: Unknown - 0, spi size: 0, type: NAT_DETECTION_SOURCE_IP
 NOTIFY(Unknown - 16431)  Next payload: NONE, reserved: 0x0, length: 16

IKEv2:(SESSION ID = 1,SA ID = 1):Insert SA
"""


def test_packet_detail_dump_gives_the_payload_list() -> None:
    packet, status = parse_text(DETAILED_BLOCK)
    assert isinstance(packet, Ikev2Packet)
    assert (packet.line, packet.end_line, packet.exchange, packet.response) == (
        1,
        17,
        "IKE_SA_INIT",
        False,
    )
    raws = [p.raw for p in packet.payloads or []]
    assert raws == [
        "SA",
        "KE",
        "N",
        "VID",
        "NOTIFY(NAT_DETECTION_SOURCE_IP)",
        "NOTIFY(Unknown - 16431)",
    ]
    assert (packet.payloads or [])[-1].notify == "SIGNATURE_HASH_ALGORITHMS"
    assert status.kind == "ikev2_status"


def test_shared_ikev2_failure_wording_becomes_status_events() -> None:
    text = """\
IKEv2-PROTO-3: (172): Verify auth failed
IKEv2:(SESSION ID = 3,SA ID = 1):Received Policies:
Proposal 1:  AES-CBC-256 SHA512 SHA512 DH_GROUP_384_ECP/Group 20
IKEv2:(SESSION ID = 3,SA ID = 1):Parse Notify Payload: AUTHENTICATION_FAILED NOTIFY(AUTHENTICATION_FAILED)
IKEv2:(SESSION ID = 3,SA ID = 1):Computed authentication value for peer differs from what peer sent
IKEv2:(SESSION ID = 3,SA ID = 1):Failed to find a matching policy
"""
    statuses = [
        (e.kind, getattr(e, "status", None), getattr(e, "detail", None)) for e in parse_text(text)
    ]
    assert statuses == [
        ("ikev2_status", "verify_auth_failed", None),
        (
            "ikev2_status",
            "received_policies",
            "Proposal 1:  AES-CBC-256 SHA512 SHA512 DH_GROUP_384_ECP/Group 20",
        ),
        ("ikev2_status", "notify_parsed", "AUTHENTICATION_FAILED"),
        ("ikev2_status", "auth_value_mismatch", None),
        ("ikev2_status", "policy_not_matched", None),
    ]


@pytest.mark.parametrize(
    ("prefix", "session_id", "sa_id"),
    [
        ("IKEv2:(SESSION ID = 31,SA ID = 1):", 31, 1),
        ("IKEv2:(SESSION ID = 31, SA ID = 1):", 31, 1),
        ("IKEv2:(SA ID = 1):", None, 1),
        ("IKEv2-PAK:(SESSION ID = 7,SA ID = 2):", 7, 2),
        ("IKEv2-INTERNAL:(SESSION ID = 7,SA ID = 2):", 7, 2),
        ("IKEv2-PAK:", None, None),
        ("IKEv2:", None, None),
        ("IKEv2-PROTO-4: (166): ", None, 166),
    ],
)
def test_every_prefix_variant_of_a_packet_block(
    prefix: str, session_id: int | None, sa_id: int | None
) -> None:
    text = (
        f"{prefix}Received Packet [From 192.0.2.9:4500/To 198.51.100.1:4500/VRF i0:f0]\n"
        "Initiator SPI : 0123456789ABCDEF - Responder SPI : FEDCBA9876543210 Message id: 7\n"
        "IKEv2 INFORMATIONAL Exchange REQUEST\nPayload contents:\n ENCR\n"
    )
    (packet,) = parse_text(text)
    assert isinstance(packet, Ikev2Packet)
    assert (packet.session_id, packet.sa_id) == (session_id, sa_id)
    assert packet.remote is not None and (packet.remote.address, packet.remote.port) == (
        "192.0.2.9",
        4500,
    )
    assert (packet.message_id, packet.exchange, packet.response) == (7, "INFORMATIONAL", False)


def test_delete_sa_block() -> None:
    text = """\
*Mar  1 00:04:59.899: IPSEC(delete_sa): deleting SA,
  (sa) sa_dest= 10.1.1.2, sa_proto= 50,
    sa_spi= 0x81B9A38A(2176427914),
    sa_trans= esp-3des esp-sha-hmac , sa_conn_id= 2001,
  (identity) local= 10.1.1.1, remote= 10.1.1.2,
    local_proxy= 192.168.1.0/255.255.255.0/0/0 (type=4),
    remote_proxy= 192.168.2.0/255.255.255.0/0/0 (type=4)
"""
    (event,) = parse_text(text)
    assert isinstance(event, IpsecDeleteSa)
    assert (event.sa_destination, event.sa_protocol, event.spi, event.spi_hex) == (
        "10.1.1.2",
        50,
        2176427914,
        "81B9A38A",
    )
    assert (event.transforms, event.conn_id) == (["esp-3des", "esp-sha-hmac"], 2001)
    assert event.remote_proxy is not None and event.remote_proxy.network == "192.168.2.0"
    assert event.local_proxy is not None and (
        event.local_proxy.prefix_length,
        event.local_proxy.type_code,
        event.local_proxy.type,
    ) == (24, 4, "ID_IPV4_ADDR_SUBNET")
