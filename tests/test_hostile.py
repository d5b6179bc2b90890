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
