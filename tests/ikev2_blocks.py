"""IKEv2 packet blocks as IOS-XE prints them, for tests that compose a negotiation."""

from __future__ import annotations


def ikev2_block(
    sent: bool, message_id: int, exchange: str, payloads: str, *, response: bool
) -> str:
    """An IKEv2 packet block of this router (192.0.2.1) with 203.0.113.9."""
    ends = "To 203.0.113.9:500/From 192.0.2.1:500" if sent else "From 203.0.113.9:500/To 192.0.2.1:500"  # fmt: skip
    responder = "0000000000000000" if exchange == "IKE_SA_INIT" and not response else "5555666677778888"  # fmt: skip
    return (
        f"IKEv2:(SESSION ID = 9,SA ID = 1):{'Sending' if sent else 'Received'} Packet [{ends}/VRF i0:f0]\n"
        f"Initiator SPI : 1111222233334444 - Responder SPI : {responder} Message id: {message_id}\n"
        f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}\n"
        f"Payload contents:\n {payloads}\n\n"
    )
