"""Grammars for syslog messages: ``%FACILITY-SEVERITY-MNEMONIC: text``.

``%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP. Peer 10.0.0.2:500 Id: 10.0.0.2``
and every other ``%...`` message (``%LINEPROTO-5-UPDOWN``, ASA/FTD ``%FTD-vpn-5-752004``).
``key=value`` pairs in the text (``destaddr=150.1.1.1, prot=50, spi=0x...``) become fields.
"""

from __future__ import annotations

import pyparsing as pp

#: ``destaddr=150.1.1.1,`` ``input interface=GigabitEthernet1`` ``User=ra2``: a key, '=',
#: and a value up to a comma, space or parenthesis; a parenthesised part right after the
#: value belongs to it (``spi=0x3EA71AED(1051138797)``), a closing one does not
#: (``(msgid=0)``).  \b and possessive runs: a long word must not restart a match at each
#: of its letters.
KEY_VALUE = pp.Regex(
    r"\b(?P<key>input interface|[A-Za-z][A-Za-z_]*+)\s*+=\s*+"
    r"(?P<value>[^\s,()]++(?:\([^\s,()]*+\))?)"
)


def key_values(message: str) -> dict[str, str]:
    """The ``key=value`` pairs of a message's text, keys lower-cased with ``_`` for spaces."""
    if "=" not in message:
        return {}  # most syslog lines, and a test that costs a tenth of the search
    return {
        # A full stop after the value ends the sentence: `Map Tag = CSM_outsite_map.`
        match["key"].replace(" ", "_").lower(): match["value"].removesuffix(".") or match["value"]
        for match in KEY_VALUE.re.finditer(message)
    }


#: ``%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has invalid spi for ...``;
#: :func:`key_values` reads the message's ``key=value`` pairs.
MESSAGE = pp.Regex(
    r"%(?P<facility>[A-Z][A-Z0-9_]*)(?:-(?P<subfacility>[a-z]+))?-(?P<severity>[0-7])"
    r"-(?P<mnemonic>[A-Za-z0-9_]+)\s*:\s*(?P<message>.*)"
)

#: ``Crypto tunnel v2 is UP.  Peer 10.0.0.2:500  Id: 10.0.0.2`` (IKEV2_SESSION_STATUS); an
#: IPv6 peer is ``Peer 2001:DB8:C::2:500``: the port is after the last colon.
IKEV2_SESSION_STATUS = pp.Regex(
    r"Crypto tunnel v2 is (?P<state>UP|DOWN)\.?\s*Peer (?P<peer>\S+):(?P<peer_port>\d+)\b"
    r"(?:\s+(?:fvrf: (?P<fvrf>\S+)\s+ivrf: (?P<ivrf>\S+)\s+)?Id: (?P<identity>\S+))?"
)

#: ``ISAKMP is ON`` / ``ISAKMP is OFF`` (console echo may follow: ``ISAKMP is OFFno shut``).
ISAKMP_ON_OFF = pp.Regex(r"ISAKMP is (?P<state>ON|OFF)")

#: The peer named in a message: ``IKE message from 10.1.1.1 has no SA ...``,
#: ``Processing of Aggressive mode failed with peer at 192.0.2.50``.
PEER_FROM = pp.Regex(
    r".*?\b(?:from|peer|Peer)\s+(?:at\s+)?"
    r"(?P<peer>\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})"
)
