"""Hostile shapes parse in time linear in their length: no grammar backtracks
catastrophically, no framing step rescans what it has seen.

Each shape is parsed end to end (framing, grammars, steps, correlation) at about 10 kB
and at about 1 MB; the test asserts the ratio of the two times stays near 100, not an
absolute time, so it holds on a slow machine too.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from ike_debuglog import correlate, parse_text

_HEADER = (
    "IKEv2:(SESSION ID = 1,SA ID = 1):Received Packet "
    "[From 198.51.100.1:500/To 192.0.2.1:500/VRF i0:f0]\n"
)

#: name -> a log of about ``size`` characters.
SHAPES: dict[str, Callable[[int], str]] = {
    "one long line": lambda size: "x" * size,
    "one long IKEv2 record": lambda size: "IKEv2:" + "A" * size,
    "unclosed NOTIFY( tokens": lambda size: (
        _HEADER
        + "Initiator SPI : 0000000000000001 - Responder SPI : 0000000000000002 Message id: 1\n"
        + "IKEv2 IKE_AUTH Exchange RESPONSE\nPayload contents:\n"
        + "NOTIFY(" * (size // 7)
    ),
    "closed NOTIFY tokens": lambda size: (
        _HEADER + "Payload contents:\n" + "NOTIFY(AUTHENTICATION_FAILED) " * (size // 30)
    ),
    "nested parentheses": lambda size: "IPSEC(" + "(" * (size // 2) + ")" * (size // 2),
    "repeated facility words": lambda size: "ISAKMP:(1001):" + " ISAKMP:(1001):" * (size // 15),
    "key=value pairs": lambda size: "%CRYPTO-4-RECVD_PKT_INV_SPI: " + "spi=0x1(1), " * (size // 12),
    "a long word in syslog text": lambda size: "%CRYPTO-6-X: " + "w" * size,
    "endless continuation lines": lambda size: _HEADER + "continued line\n" * (size // 15),
    "payload list lines": lambda size: _HEADER + "Payload contents:\n SA KE N VID\n" * (size // 30),
    "stamps without messages": lambda size: "*Nov 26 08:00:00.001: \n" * (size // 23),
    "prefix-like junk": lambda size: "<189>" * (size // 5),
    "spaces": lambda size: "IKEv2:" + " " * size + "x",
    "transform lists": lambda size: (
        "IPSEC(validate_proposal_request): proposal part #1,\n"
        + "  protocol= ESP, transform= "
        + "esp-aes " * (size // 8)
    ),
    "isakmp attributes": lambda size: "ISAKMP:      encryption AES-CBC\n" * (size // 33),
    "sa_request proxies": lambda size: (
        "IPSEC(sa_request): ,\n" + "    local_proxy= 10.1.0.0/255.255.255.0/256/0,\n" * (size // 45)
    ),
}


def _seconds(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        correlate(list(parse_text(text, year=2026)))
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_time_is_linear_in_the_length_of_hostile_input(shape: str) -> None:
    small, large = SHAPES[shape](10_000), SHAPES[shape](1_000_000)
    assert 80 <= len(large) / len(small) <= 120
    ratio = _seconds(large) / max(_seconds(small), 1e-4)
    # Linear is about 100; quadratic would be about 10,000.  Allow for timer noise and
    # the fixed cost of a call at the small size, never for a square.
    assert ratio < 300, f"{shape}: 100x the input took {ratio:.0f}x the time"


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        (
            "IKEv2:(SESSION ID = 3,SA ID = 1):Sending Packet [To 198.51.100.1:500/From "
            "192.0.2.1:500/VRF i0:f0]\n"
            "Initiator SPI : 3C9E7A15B2D04F68 - Responder SPI : 0000000000000000 Message id: 0\n"
            "IKEv2 IKE_SA_INIT Exchange REQUEST\nPayload contents:\n SA KE N\n",
            "ikev2_packet",
        ),
        (
            "IPSEC(sa_request): ,\n"
            "  (key eng. msg.) OUTBOUND local= 192.0.2.1:500, remote= 198.51.100.1:500,\n"
            "    local_proxy= 10.1.0.0/255.255.255.0/256/0,\n"
            "    remote_proxy= 10.2.0.0/255.255.255.0/256/0,\n"
            "    protocol= ESP, transform= esp-aes 256 esp-sha256-hmac  (Tunnel),\n"
            "    lifedur= 3600s and 4608000kb,\n"
            "    spi= 0x0(0), conn_id= 0, keysize= 256, flags= 0x0\n",
            "ipsec_sa_request",
        ),
    ],
)
@pytest.mark.parametrize("cut_by", ["end of input", "another record"])
def test_a_block_cut_short_is_a_partial_event_flagged_truncated(
    block: str, kind: str, cut_by: str
) -> None:
    lines = block.splitlines()
    for keep in range(1, len(lines)):
        text = "\n".join(lines[:keep]) + "\n"
        if cut_by == "another record":
            text += "%SYS-5-CONFIG_I: Configured from console by admin on vty0\n"
        events = list(parse_text(text, year=2026))
        assert events[0].kind == kind, (keep, events[0])
        assert (events[0].line, events[0].end_line) == (1, keep)
        # Cut before the SPI line (IKEv2) or before the block's fields' last line (IPsec).
        spi_line = 2 if kind == "ikev2_packet" else len(lines)
        first_field_line = 1 if kind == "ikev2_packet" else 2
        cut = first_field_line <= keep < spi_line
        assert events[0].truncated is cut, (kind, keep)  # type: ignore[union-attr]
    whole = list(parse_text(block, year=2026))
    assert whole[0].truncated is False  # type: ignore[union-attr]


def test_a_number_no_model_can_hold_is_reported_not_a_crash() -> None:
    # Python refuses to read an int of more than 4,300 digits; a record that holds one
    # is unrecognised, its line accounted for.
    (event,) = parse_text("ISAKMP: (1003):      key length is " + "1" * 5000 + "\n")
    assert (event.kind, event.line, event.end_line) == ("unrecognized", 1, 1)
