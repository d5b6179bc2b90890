"""Framing: prefixes, time stamps, hosts, continuation lines and line accounting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ike_debuglog import Ikev2Packet, frame_lines, parse_text
from ike_debuglog.framing import PREFIX_FIRST, PREFIX_RE, split_prefix


@pytest.mark.parametrize(
    ("line", "raw", "authoritative", "expected"),
    [
        (
            "*Apr 29 16:57:42.200: IKEv2:x",
            "Apr 29 16:57:42.200",
            False,
            datetime(2026, 4, 29, 16, 57, 42, 200000),
        ),
        (
            ".Apr  4 00:16:59.484: x",
            "Apr  4 00:16:59.484",
            False,
            datetime(2026, 4, 4, 0, 16, 59, 484000),
        ),
        (
            "Mar 20 19:28:15.595: x",
            "Mar 20 19:28:15.595",
            True,
            datetime(2026, 3, 20, 19, 28, 15, 595000),
        ),
        ("Apr 20 11:06:55: ISAKMP", "Apr 20 11:06:55", True, datetime(2026, 4, 20, 11, 6, 55)),
        (
            "*Apr 29 2025 16:57:42.200 UTC: x",
            "Apr 29 2025 16:57:42.200 UTC",
            False,
            datetime(2025, 4, 29, 16, 57, 42, 200000, tzinfo=UTC),
        ),
        (
            "Mar 13 15:29:24.294 CET: x",
            "Mar 13 15:29:24.294 CET",
            True,
            # A zone the log names makes an instant (CET is UTC+1; see test_timezones).
            datetime(2026, 3, 13, 15, 29, 24, 294000, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("00:27:07: IPSEC(sa_request): ,", "00:27:07", None, None),
        ("1d02h: %CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON", "1d02h", None, None),
    ],
)
def test_time_stamps(
    line: str, raw: str, authoritative: bool | None, expected: datetime | None
) -> None:
    prefix = split_prefix(line, 2026)
    assert prefix.timestamp_raw == raw
    assert prefix.clock_authoritative is authoritative
    assert prefix.timestamp == expected


def test_syslog_wire_line_with_pri_sequence_and_origin_host() -> None:
    line = "<0>91: *Oct 07 03:10:04: mydevice.com %CRYPTO-4-RECVD_PKT_INV_SPI: decaps"
    prefix = split_prefix(line, 2026)
    assert (prefix.host, prefix.sequence) == ("mydevice.com", 91)
    assert prefix.body.startswith("%CRYPTO-4-RECVD_PKT_INV_SPI")


def test_rfc3164_server_prefix_keeps_the_device_stamp() -> None:
    line = "Nov 26 10:15:01 rtr-hq-01 4411: *Nov 26 10:15:01.113: %CRYPTO-5-X: y"
    prefix = split_prefix(line, 2026)
    assert (prefix.host, prefix.sequence, prefix.timestamp_raw) == (
        "rtr-hq-01",
        4411,
        "Nov 26 10:15:01.113",
    )


def test_rfc5424_prefix() -> None:
    line = "<189>1 2026-11-26T10:15:11.002Z rtr-br-07 - - - - 904: Nov 26 10:15:11.001 UTC: %SYS-5-X: y"
    prefix = split_prefix(line, 2026)
    assert (prefix.host, prefix.sequence) == ("rtr-br-07", 904)
    assert prefix.body == "%SYS-5-X: y"


def test_packet_block_is_one_message_and_blank_lines_join_it() -> None:
    text = [
        "*Feb 13 03:58:03.389: IKEv2:(SESSION ID = 23,SA ID = 1):Received Packet [From a:500/To b:500]",
        "Initiator SPI : 98DB5FD5979EAC12 - Responder SPI : 1398F140044ABC30 Message id: 1",
        "IKEv2 IKE_AUTH Exchange REQUEST",
        "Payload contents:",
        " VID IDi AUTH",
        "",
        "*Feb 13 03:58:03.402: IKEv2:found matching IKEv2 profile 'prof-01'",
    ]
    first, second = frame_lines(text, year=2026)
    assert (first.line, first.end_line, len(first.lines)) == (1, 6, 5)
    assert (second.line, second.end_line) == (7, 7)


def test_prompts_start_their_own_messages_between_blocks() -> None:
    text = [
        "IKEv2:(SA ID = 1):Retransmitting packet",
        "XE-R4(config-if)#",
        "XE-R4#u all",
        "IKEv2:x",
    ]
    assert [m.lines[0] for m in frame_lines(text)] == text


def test_leading_blank_lines_belong_to_the_first_message() -> None:
    (message,) = frame_lines(["", "  ", "%SYS-5-X: y"])
    assert (message.line, message.end_line) == (1, 3)


def test_only_blank_lines_still_accounted() -> None:
    (message,) = frame_lines(["", ""])
    assert (message.line, message.end_line, message.lines) == (1, 2, ())


def test_bytes_with_crlf_bom_and_invalid_utf8() -> None:
    lines = [b"\xef\xbb\xbf%SYS-5-X: a\r\n", b"IKEv2:\x93x\x94 bad\r\n", b"IKEv2:\x81\r\n"]
    first, second, third = frame_lines(lines)
    assert first.lines == ("%SYS-5-X: a",)
    # Not UTF-8: read as Windows-1252 (smart quotes), or with U+FFFD where that fails too.
    assert second.lines[0] == "IKEv2:\u201cx\u201d bad"
    assert third.lines[0] == "IKEv2:\ufffd"


def test_markdown_quote_and_bullet_markers_are_framing() -> None:
    prefix = split_prefix("> - Mar 1 00:55:40.767: IPSEC(sa_request): ,", 2026)
    assert prefix.body == "IPSEC(sa_request): ,"
    assert prefix.timestamp_raw == "Mar 1 00:55:40.767"
    assert prefix.clock_authoritative is None


@given(st.text(max_size=80))
def test_lines_the_fast_path_skips_carry_no_prefix(line: str) -> None:
    stripped = line.strip()
    if stripped and stripped[0] not in PREFIX_FIRST:
        match = PREFIX_RE.match(line)
        assert match is not None and not line[: match.end()].strip()


# An empty payload list (DPD, empty INFORMATIONAL) ends the packet -----------------------

_FRAMINGS = {
    # name: (prefix of a record's first line, prefix of a continuation line), by sequence
    "console": (lambda n: f"*Nov 26 12:00:{n % 60:02d}.101: ", lambda n: ""),
    "show logging": (lambda n: f"{n:06d}: Nov 26 2026 12:00:{n % 60:02d}.101 UTC: ", lambda n: ""),
    "syslog server": (
        lambda n: f"Nov 26 12:00:{n % 60:02d} rtr-hub-01 {n}: *Nov 26 12:00:{n % 60:02d}.101: ",
        lambda n: f"Nov 26 12:00:{n % 60:02d} rtr-hub-01 {n}: ",
    ),
    "no stamps": (lambda n: "", lambda n: ""),
}
_AFTER = {
    "ikev2_error": "IKEv2-ERROR:(SESSION ID = 7,SA ID = 1):: Failed to receive the AUTH msg",
    "ikev2_status": "IKEv2:(SESSION ID = 7,SA ID = 1):Deleting SA",
    "syslog": "%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is DOWN. Peer 198.51.100.9:500",
    "ikev2_packet": "IKEv2:(SESSION ID = 7,SA ID = 1):Sending Packet [To 198.51.100.9:500/From "
    "192.0.2.1:500/VRF i0:f0]",
}


@given(
    framing=st.sampled_from(sorted(_FRAMINGS)),
    gap=st.sampled_from(["none", "empty", "spaces", "tab"]),
    response=st.booleans(),
    after=st.sampled_from(sorted(_AFTER)),
    start=st.integers(1, 500),
)
def test_an_empty_payload_list_never_absorbs_the_next_record(
    framing: str, gap: str, response: bool, after: str, start: int
) -> None:
    first, more = _FRAMINGS[framing]
    lines = [
        first(start) + "IKEv2:(SESSION ID = 7,SA ID = 1):Received Packet [From "
        "198.51.100.9:500/To 192.0.2.1:500/VRF i0:f0]",
        more(start + 1) + "Initiator SPI : 0A1B2C3D4E5F6071 - Responder SPI : 8192A3B4C5D6E7F8 "
        "Message id: 3",
        more(start + 2) + f"IKEv2 INFORMATIONAL Exchange {'RESPONSE' if response else 'REQUEST'}",
        more(start + 3) + "Payload contents: ",
    ]
    if gap != "none":
        lines.append(more(start + 4) + {"empty": "", "spaces": "   ", "tab": "\t"}[gap])
    lines.append(first(start + 5) + _AFTER[after])
    if after == "ikev2_packet":
        lines += [
            more(start + 6) + "Initiator SPI : 0A1B2C3D4E5F6071 - Responder SPI : "
            "8192A3B4C5D6E7F8 Message id: 4",
            more(start + 7) + "IKEv2 INFORMATIONAL Exchange REQUEST",
            more(start + 8) + "Payload contents: ",
            more(start + 9) + " D",
        ]
    packet, following = parse_text("\n".join(lines) + "\n", year=2026)
    assert isinstance(packet, Ikev2Packet)
    assert (packet.exchange, packet.response, packet.payloads) == ("INFORMATIONAL", response, [])
    assert (packet.line, packet.end_line) == (1, 5 if gap != "none" else 4)
    assert following.kind == after
    assert following.line == packet.end_line + 1
    assert following.end_line == len(lines)
