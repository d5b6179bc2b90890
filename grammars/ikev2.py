"""Grammars for ``debug crypto ikev2`` (and ``... packet``, ``... internal``) records.

Every record starts with a context prefix, either the debug form
``IKEv2:(SESSION ID = 31,SA ID = 1):`` (with variants ``IKEv2-PAK:``, ``IKEv2-ERROR:``,
``IKEv2:(SA ID = 1):``, bare ``IKEv2:``, ASA ``IKEv2-PROTO-4: (172):``) or the
event-trace form ``SA ID:1 SESSION ID:2 Remote: 30.1.1.2/500 Local: 30.1.1.1/500  (I)``,
followed by one of the bodies below (the internal records with tables of their own are
in :mod:`.ikev2_internal`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pyparsing as pp

from .common import REST, endpoint_pattern, with_fields

#: ``IKEv2:(SESSION ID = 27621,SA ID = 1):`` and its variants; also ``IKEv2:%`` notices.
DEBUG_PREFIX = pp.Regex(
    r"IKEv2(?:-(?P<facility>[A-Z]+)(?:-(?P<level>\d+))?)?:[ ]?"
    r"(?:\((?:SESSION ID = (?P<session_id>\d+),\s*)?SA ID = (?P<sa_id>\d+)\)"
    r"|\((?P<handle>\d+)\))?"
    r"\s*:{0,2}\s*%?"
)

#: ``SA ID:2 SESSION ID:1 Remote: 30.1.1.2/500 Local: 30.1.1.1/500  (I)`` from
#: ``show monitor event-trace crypto ikev2 event all``.
TRACE_PREFIX = pp.Regex(
    r"SA ID:(?P<sa_id>\d+) SESSION ID:(?P<session_id>\d+) "
    r"Remote: (?P<remote>\S+)/(?P<remote_port>\d+) Local: (?P<local>\S+)/(?P<local_port>\d+)"
    r"\s+(?:\((?P<role>[IR])\)\s+)?"
)

CONTEXT = DEBUG_PREFIX | TRACE_PREFIX

#: One payload token of a "Payload contents:" list: ``SA``, ``N``, ``NOTIFY(INITIAL_CONTACT)``,
#: ``NOTIFY(Unknown - 16431)``.  The notify name is bounded so that an unclosed
#: ``NOTIFY(`` never scans the rest of the line again for each token.
PAYLOAD_TOKEN = pp.Regex(
    r"NOTIFY\((?:Unknown\s{0,3}-\s{0,3}(?P<notify_number>\d{1,6})"
    r"|(?P<notify_name>[^)\s]{0,80}))\)"
    r"|[A-Za-z][A-Za-z0-9_]*+"
)
_NEXT_PAYLOAD = re.compile(r"\s*Next payload:")
_BLANKS = re.compile(r"\s*")
_WORD = re.compile(r"\S+")


def _payload_items(text: str) -> tuple[dict[str, str | None], ...]:
    """The payload tokens of a list, cached: lists are on the hot path and a log repeats
    the same few (only short ones are kept, so hostile lines cannot fill the memory)."""
    return _cached_items(text) if len(text) <= 512 else _read_items(text)


def _read_items(text: str) -> tuple[dict[str, str | None], ...]:
    """The payload tokens of a list (``SA KE N VID``) or of a detail dump, in which each
    payload starts ``SA  Next payload: KE, ...``: there only tokens followed by
    ``Next payload:`` count.  One pass with compiled patterns."""
    token_re = PAYLOAD_TOKEN.re
    items: list[dict[str, str | None]] = []
    detailed = False
    position = _BLANKS.match(text).end()  # type: ignore[union-attr]
    while position < len(text):
        token = token_re.match(text, position)
        if token is None:
            detailed = True  # the plain list has ended; skip one word of the dump
            position = _WORD.match(text, position).end()  # type: ignore[union-attr]
        else:
            after = _NEXT_PAYLOAD.match(text, token.end())
            if after is not None or not detailed:
                items.append(
                    {
                        "raw": token.group(0),
                        "notify_number": token.group("notify_number"),
                        "notify_name": token.group("notify_name"),
                    }
                )
            detailed = detailed or after is not None
            position = after.end() if after is not None else token.end()
        position = _BLANKS.match(text, position).end()  # type: ignore[union-attr]
    return tuple(items)


_cached_items = lru_cache(maxsize=1024)(_read_items)


def _fill_payloads(tokens: Any) -> None:
    # ParseResults.List keeps the list one value under its results name.
    items = _payload_items(tokens["payload_text"])
    tokens["payloads"] = pp.ParseResults.List(list(items))  # type: ignore[no-untyped-call]


#: The rest of a record read as a payload list (see :func:`_payload_items`).
PAYLOAD_LIST = with_fields(pp.Regex(r"(?P<payload_text>.*)"), _fill_payloads)

PAYLOAD_CONTENTS = (
    pp.Suppress(pp.Regex(r".*?(?=Payload contents:)"))
    + pp.Suppress("Payload contents:")
    + PAYLOAD_LIST
)

#: ``Sending Packet [To 198.19.252.1:500/From 10.11.6.2:500/VRF i0:f0]``
PACKET_HEADER = pp.Regex(
    r"(?P<direction>Sending|Received) Packet \[(?P<first_word>To|From) "
    + endpoint_pattern("first")
    + r"/(?P<second_word>To|From) "
    + endpoint_pattern("second")
    + r"(?:/VRF (?P<vrf>[^\]]*))?\]"
)

#: ``Initiator SPI : 2ABF14E40D648E28 - Responder SPI : 0000000000000000 Message id: 0``
SPI_LINE = pp.Regex(
    r"Initiator SPI\s*:\s*(?P<initiator_spi>[0-9A-Fa-f]{16})\s*-\s*"
    r"Responder SPI\s*:\s*(?P<responder_spi>[0-9A-Fa-f]{16})\s+Message id:\s*(?P<message_id>\d+)"
)

#: ``IKEv2 IKE_SA_INIT Exchange REQUEST`` (ASA may glue the next record right after it).
EXCHANGE_LINE = pp.Regex(
    r"IKEv2 (?P<exchange>[A-Z][A-Z0-9_]*) Exchange (?P<message_type>REQUEST|RESPONSE)"
)

SKIP_TO_EXCHANGE = pp.Regex(r".*?(?=IKEv2 [A-Z][A-Z0-9_]* Exchange )")

#: A packet block::
#:
#:     IKEv2:(SESSION ID = 27621,SA ID = 1):Sending Packet [To 198.19.252.1:500/From ...]
#:     Initiator SPI : 2ABF14E40D648E28 - Responder SPI : 0000000000000000 Message id: 0
#:     IKEv2 IKE_SA_INIT Exchange REQUEST
#:     Payload contents:
#:      SA KE N VID NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(Unknown - 16431)
PACKET = (
    CONTEXT
    + PACKET_HEADER
    + pp.Optional(
        SPI_LINE
        # `debug crypto ikev2 packet` detail may put the decoded header record first.
        + pp.Optional(pp.Suppress(SKIP_TO_EXCHANGE) + EXCHANGE_LINE)
    )
    + pp.Optional(PAYLOAD_CONTENTS)
    + pp.Suppress(REST)
)

#: ``SA ID:1 SESSION ID:2 Remote: ... (I) Sending IKEv2 IKE_SA_INIT Exchange REQUEST``
TRACE_PACKET = (
    TRACE_PREFIX
    + pp.Regex(
        r"(?P<direction>Sending|Received) IKEv2 (?P<exchange>[A-Z][A-Z0-9_]*) Exchange "
        r"(?P<message_type>REQUEST|RESPONSE)"
    )
    + pp.Suppress(REST)
)

#: ``IKEv2:(SESSION ID = 31,SA ID = 1):Building packet for encryption.  Payload contents: DELETE``
#: and ``SA ID:1 ... (R) IKEv2 INFORMATIONAL Exchange Contains: DELETE``.
INNER_PAYLOADS = CONTEXT + (
    (pp.Literal("Building packet for encryption.")("building") + PAYLOAD_CONTENTS)
    | (pp.Regex(r"IKEv2 (?P<exchange>[A-Z][A-Z0-9_]*) Exchange Contains:") + PAYLOAD_LIST)
)

#: ``SM Trace-> SA: I_SPI=E9E4B7FD0A336C97 R_SPI=F2CF438C0CCA281C (R) MsgID = 1 CurState:
#: R_WAIT_AUTH Event: EV_GET_POLICY_BY_PEERID`` (IOS prints MsgID in decimal, ASA in 8 hex digits).
SM_TRACE = (
    CONTEXT
    + pp.Regex(
        r"SM Trace->\s*SA:\s*I_SPI=(?P<initiator_spi>[0-9A-Fa-f]{16})\s+"
        r"R_SPI=(?P<responder_spi>[0-9A-Fa-f]{16})\s+\((?P<role>[IR])\)\s+"
        r"MsgID\s*=\s*(?P<message_id>[0-9A-Fa-f]+)\s+CurState:\s*(?P<state>\S+)\s+"
        r"Event:\s*(?P<event>\S+)"
    )
    + pp.Suppress(REST)
)

#: ``IKEv2:(SESSION ID = 31,SA ID = 1):Retransmitting packet``
RETRANSMIT = CONTEXT + pp.Regex(r"Retransmitting packet") + pp.Suppress(REST)

#: ``IKEv2-ERROR:(SESSION ID = 31,SA ID = 1):Initial exchange failed: Initial exchange failed``,
#: also with nothing after the context, and ``IKEv2:...:: Failed to locate an item ...``.
ERROR = CONTEXT + pp.Regex(r".*")("message")

#: ``Session with IKE ID PAIR (FC00::1, FC00::2) is UP``: remote identity first, as the
#: event trace shows (Remote: 30.1.1.2 ... PAIR(30.1.1.2 , 30.1.1.1)).
SESSION_UP = (
    CONTEXT
    + pp.Regex(
        r"Session with IKE ID PAIR\s*+\(\s*+(?P<remote_identity>(?:[^,\s]++(?:\s++[^,\s]++)*+)?)"
        r"\s*+,\s*+(?P<local_identity>(?:[^)\s]++(?:\s++[^)\s]++)*+)?)\s*+\) is UP"
    )
    + pp.Suppress(REST)
)

#: ``Sending DELETE INFO message for IPsec SA [SPI: 0x28DC063C]`` and
#: ``Processing DELETE INFO message for IKEv2 SA [ISPI: 0x52C7... RSPI: 0x0063...]``.
DELETE = (
    CONTEXT
    + pp.Regex(
        r"(?P<action>Sending|Processing) DELETE INFO message for "
        r"(?:IPsec SA \[SPI: 0x(?P<spi>[0-9A-Fa-f]+)\]"
        r"|IKEv2 SA \[ISPI: 0x(?P<initiator_spi>[0-9A-Fa-f]+)"
        r" RSPI: 0x(?P<responder_spi>[0-9A-Fa-f]+)\])"
    )
    + pp.Suppress(REST)
)

#: ``IKE Proposal: 1, SPI size: 0 (initial negotiation), Num. transforms: 15 AES-CBC   SHA512 ...``;
#: transform names are separated by two or more spaces (``DH_GROUP_1536_MODP/Group 5``).
PROPOSAL = (
    CONTEXT
    + pp.Regex(
        r"(?P<protocol>IKE|ESP|AH) Proposal: (?P<number>\d+), SPI size: (?P<spi_size>\d+)"
        r"(?: \((?P<purpose>[^)]*)\))?,?\s*Num\. transforms: (?P<transform_count>\d+)"
    )
    + pp.Group(pp.ZeroOrMore(pp.Regex(r"\S+(?: \S+)*")))("transforms")
)

#: ``Attrib type: app-version, length: 257, data: Cisco IOS Software ...`` (the value may
#: run over several lines).
CONFIG_ATTRIBUTE = CONTEXT + pp.Regex(
    r"Attrib type: (?P<attribute>[^,]+), length: (?P<length>\d+)(?:, data: (?P<data>.*))?"
)
