"""IKEv1 records: every prefix spelling, packet line variants, message id forms, attribute
values, and the MM/AM/QM steps worked out from the records around each packet."""

from __future__ import annotations

import pytest

from ike_debuglog import (
    Event,
    Ikev1Attribute,
    Ikev1Delete,
    Ikev1Input,
    Ikev1Message,
    Ikev1Packet,
    Ikev1State,
    Ikev1Status,
    Ikev1Steps,
    event_from_message,
    frame_lines,
    parse_text,
)

SENT = "sending packet to 198.51.100.2 my_port 500 peer_port 500 (I) MM_SA_SETUP"


@pytest.mark.parametrize(
    ("prefix", "conn_id", "channel"),
    [
        ("ISAKMP:(1001):", 1001, None),  # 12.4 / 15.x
        ("ISAKMP:(1001): ", 1001, None),
        ("ISAKMP: (1001):", 1001, None),  # IOS-XE 16/17
        ("ISAKMP-PAK: (0):", 0, "PAK"),
        ("ISAKMP-ERROR: (7):", 7, "ERROR"),
        ("ISAKMP (0:2): ", 2, None),  # 12.2: the connection id is the second number
        ("ISAKMP (1001): ", 1001, None),
        ("ISAKMP (2): ", 2, None),
        ("ISAKMP:(0):: ", 0, None),
        ("ISAKMP: ", None, None),
        ("ISAKMP : ", None, None),
        ("*Nov 26 10:01:02.123: ISAKMP:(1001):", 1001, None),
        ("000414: Nov 26 2026 09:14:02.311 UTC: ISAKMP-PAK: (1004):", 1004, "PAK"),
    ],
)
def test_every_prefix_spelling_gives_the_connection_id(
    prefix: str, conn_id: int | None, channel: str | None
) -> None:
    (packet,) = parse_text(prefix + SENT)
    assert isinstance(packet, Ikev1Packet)
    assert (packet.conn_id, packet.channel) == (conn_id, channel)
    assert (packet.direction, packet.role, packet.state, packet.step) == (
        "sent",
        "initiator",
        "MM_SA_SETUP",
        "MM3",
    )
    assert packet.remote.model_dump() == {"address": "198.51.100.2", "port": 500}
    assert packet.local_port == 500


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "ISAKMP (0): received packet from 203.0.113.9 dport 4500 sport 4786 Global (R) QM_IDLE",
            ("received", "203.0.113.9", 4786, 4500, "Global", "responder", "QM_IDLE"),
        ),
        (
            "ISAKMP (0): received packet from 86.183.x.y dport 500 sport 500 Global (N) NEW SA",
            ("received", "86.183.x.y", 500, 500, "Global", "responder", "NEW SA"),
        ),
        (  # IOS 12: no ports
            "ISAKMP (0:2): sending packet to 10.15.58.38 (I) MM_NO_STATE",
            ("sent", "10.15.58.38", None, None, None, "initiator", "MM_NO_STATE"),
        ),
        (  # an 80-column console wrap re-joined with a space inside a keyword
            "ISAKMP:(0): sending packet to 213.100.24.75 my_port 500 pe er_port 500 (I) MM_NO_STATE",
            ("sent", "213.100.24.75", 500, 500, None, "initiator", "MM_NO_STATE"),
        ),
        (
            "ISAKMP (5): received packet from 2001:db8::2 dport 500 sport 500 CUST-A (I) AG_INIT_EXCH",
            ("received", "2001:db8::2", 500, 500, "CUST-A", "initiator", "AG_INIT_EXCH"),
        ),
        (  # an author's note after the state
            "ISAKMP (0:2): sending packet to 13.1.1.3 my_port 500 peer_port 500 (I) MM_NO_STATE 注",
            ("sent", "13.1.1.3", 500, 500, None, "initiator", "MM_NO_STATE"),
        ),
    ],
)
def test_packet_line_variants(line: str, expected: tuple[object, ...]) -> None:
    (packet,) = parse_text(line)
    assert isinstance(packet, Ikev1Packet)
    assert (
        packet.direction,
        packet.remote.address,
        packet.remote.port,
        packet.local_port,
        packet.vrf,
        packet.role,
        packet.state,
    ) == expected


def test_signed_and_unsigned_message_ids_are_the_same_node() -> None:
    events = list(
        parse_text(
            "ISAKMP: set new node -1941890658 to QM_IDLE\n"
            "ISAKMP:(12024): processing SA payload. message ID = 2353076638\n"
            "ISAKMP (0:2): Node -1941890658, Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH\n"
            'ISAKMP:(12024):deleting node -1941890658 error TRUE reason "QM rejected"\n'
        )
    )
    ids = [getattr(event, "message_id", None) for event in events]
    assert ids == [2353076638] * 4
    assert isinstance(events[2], Ikev1Input) and events[2].origin == "IKE_MESG_FROM_PEER"
    assert isinstance(events[3], Ikev1Delete) and events[3].error is True


@pytest.mark.parametrize(
    ("line", "attribute", "value", "number"),
    [
        ("ISAKMP:      encryption AES-CBC", "encryption", "AES-CBC", None),
        ("ISAKMP: (0):      default group 14", "group", "14", 14),
        ("ISAKMP:      group is 5", "group", "5", 5),
        (
            "ISAKMP:      life duration (VPI) of  0x0 0x1 0x51 0x80 ",
            "life_duration",
            "0x0 0x1 0x51 0x80",
            86400,
        ),
        (
            "ISAKMP:      SA life duration (VPI) of  0x0 0x46 0x50 0x0",
            "life_duration",
            "0x0 0x46 0x50 0x0",
            4608000,
        ),
        ("ISAKMP:      SA life duration (basic) of 3600", "life_duration", "3600", 3600),
        ("ISAKMP:      SA life type in kilobytes", "life_type", "kilobytes", None),
        ("ISAKMP: (1003):      encaps is 3 (Tunnel-UDP)", "encaps", "Tunnel-UDP", 3),
        ("ISAKMP:      keylength of 128", "key_length", "128", 128),
        ("> - M.!!!! ISAKMP: . auth pre-share", None, None, None),
    ],
)
def test_attribute_values(
    line: str, attribute: str | None, value: str | None, number: int | None
) -> None:
    (event,) = parse_text(line)
    if attribute is None:  # not an ISAKMP record at all: reported, never dropped
        assert event.kind == "unrecognized"
        return
    assert isinstance(event, Ikev1Attribute)
    assert (event.attribute, event.value, event.number) == (attribute, value, number)


def test_unknown_isakmp_wording_is_kept_with_its_connection_id() -> None:
    (event,) = parse_text("ISAKMP:(1001):Some wording a new release prints")
    assert isinstance(event, Ikev1Message)
    assert (event.conn_id, event.message) == (1001, "Some wording a new release prints")


def test_glued_console_echo_and_wrapped_peer() -> None:
    events = list(
        parse_text(
            "ISAKMP:(0):found peer pre-shared key matching 213.100.24.7 5\n"
            "ISAKMP-ERROR: (0):ignoring request to send delete notify (no ISAKMP sa) src"
            " 100.64.1.2 dst 61.128.1.1 for SPI 0xA6BD53Eing \n"
            "ISAKMP: (1003):Old State = IKE_QM_I_QM1  New State = IKE_QM_PHASE2_COMPLETE.....\n"
        )
    )
    psk, ignored, state = events
    assert isinstance(psk, Ikev1Status) and psk.peer == "213.100.24.75"
    assert isinstance(ignored, Ikev1Status) and ignored.status == "delete_notify_ignored"
    assert (ignored.local_address, ignored.remote_address) == ("100.64.1.2", "61.128.1.1")
    assert isinstance(state, Ikev1State) and state.new_state == "IKE_QM_PHASE2_COMPLETE"


# Steps ----------------------------------------------------------------------------------


def _steps(text: str) -> list[tuple[str, str | None, bool]]:
    return [
        (event.direction, event.step, event.retransmission)
        for event in parse_text(text)
        if isinstance(event, Ikev1Packet)
    ]


RESPONDER_MM = """\
ISAKMP (0): received packet from 192.0.2.9 dport 500 sport 500 Global (N) NEW SA
ISAKMP:(0):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH
ISAKMP:(0): sending packet to 192.0.2.9 my_port 500 peer_port 500 (R) MM_SA_SETUP
ISAKMP (0): received packet from 192.0.2.9 dport 500 sport 500 Global (R) MM_SA_SETUP
ISAKMP:(0):Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH
ISAKMP:(1001): sending packet to 192.0.2.9 my_port 500 peer_port 500 (R) MM_KEY_EXCH
ISAKMP (1001): received packet from 192.0.2.9 dport 500 sport 500 Global (R) MM_KEY_EXCH
ISAKMP:(1001): processing ID payload. message ID = 0
ISAKMP:(1001): sending packet to 192.0.2.9 my_port 500 peer_port 500 (R) MM_KEY_EXCH
"""


def test_responder_sends_mm4_and_mm6_in_the_same_state() -> None:
    steps = [step for _, step, _ in _steps(RESPONDER_MM)]
    assert steps == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]


def test_interleaved_sessions_keep_their_own_steps() -> None:
    other = RESPONDER_MM.replace("192.0.2.9", "192.0.2.44").replace("(1001)", "(1002)")
    mixed = "\n".join(
        line
        for pair in zip(RESPONDER_MM.splitlines(), other.splitlines(), strict=True)
        for line in pair
    )
    events = [e for e in parse_text(mixed) if isinstance(e, Ikev1Packet)]
    for peer in ("192.0.2.9", "192.0.2.44"):
        steps = [e.step for e in events if e.remote.address == peer]
        assert steps == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]


def test_informational_between_quick_mode_messages() -> None:
    text = """\
ISAKMP:(1003):beginning Quick Mode exchange, M-ID of 1025971884
ISAKMP:(1003): sending packet to 61.128.1.1 my_port 4500 peer_port 4500 (I) QM_IDLE
ISAKMP:(1003): received packet from 61.128.1.1 dport 4500 sport 4500 Global (I) QM_IDLE
ISAKMP:(1003):set new node 1319368483 to QM_IDLE
ISAKMP:(1003):processing HASH payload. message ID = 1319368483
ISAKMP:(1003):processing DELETE payload. message ID = 1319368483
ISAKMP:(1003): received packet from 61.128.1.1 dport 4500 sport 4500 Global (I) QM_IDLE
ISAKMP:(1003):processing HASH payload. message ID = 1025971884
ISAKMP:(1003): sending packet to 61.128.1.1 my_port 4500 peer_port 4500 (I) QM_IDLE
"""
    assert [step for _, step, _ in _steps(text)] == ["QM1", "INFO", "QM2", "QM3"]


def test_retransmissions_repeat_the_step() -> None:
    text = """\
ISAKMP:(0): sending packet to 198.51.100.2 my_port 500 peer_port 500 (I) MM_NO_STATE
ISAKMP:(0): retransmitting phase 1 MM_NO_STATE...
ISAKMP:(0): sending packet to 198.51.100.2 my_port 500 peer_port 500 (I) MM_NO_STATE
ISAKMP:(0): retransmitting phase 1 MM_NO_STATE...
ISAKMP:(0): sending packet to 198.51.100.2 my_port 500 peer_port 500 (I) MM_NO_STATE
"""
    assert _steps(text) == [("sent", "MM1", False), ("sent", "MM1", True), ("sent", "MM1", True)]


def test_a_received_packet_nothing_explains_is_settled_at_the_end() -> None:
    text = (
        "ISAKMP (1001): received packet from 192.0.2.9 dport 500 sport 500 Global (R) QM_IDLE\n"
        "ISAKMP (1001): received packet from 192.0.2.9 dport 500 sport 500 Global (R) MM_KEY_EXCH\n"
    )
    assert _steps(text) == [("received", None, False), ("received", "MM5", False)]


def test_steps_wait_at_most_the_horizon_and_keep_the_order() -> None:
    lines = [
        "ISAKMP (1001): received packet from 192.0.2.9 dport 500 sport 500 Global (R) QM_IDLE",
        *(f"IKEv2:(SESSION ID = 1,SA ID = 1):Insert SA {n}" for n in range(10)),
    ]
    stepper = Ikev1Steps(horizon=3)
    out: list[Event] = []
    for message in frame_lines(lines):
        ready = list(stepper.feed(event_from_message(message)))
        out.extend(ready)
        # the packet waits for at most 3 more events before it is let go
        assert len(out) >= message.line - 4
    out.extend(stepper.flush())
    assert [event.line for event in out] == list(range(1, 12))
