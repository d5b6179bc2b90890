"""IANA IKEv2 numbers and names, and the spellings Cisco debug output uses for them.

Reference data, pinned: transcribed from the IANA registry "Internet Key Exchange
Version 2 (IKEv2) Parameters" (https://www.iana.org/assignments/ikev2-parameters),
last updated 2025-05-23; exchange types checked against a stored copy of that
revision, payload and notify values against RFC 7296 section 3 and the RFCs the
registry cites.  Committed here because the tool runs where the web is not reachable.
"""

from __future__ import annotations

from typing import Final, NamedTuple

IANA_IKEV2_REGISTRY_VERSION: Final = "2025-05-23"

#: IKEv2 Exchange Types (RFC 7296 section 3.1 and later RFCs).
EXCHANGE_TYPES: Final[dict[int, str]] = {
    34: "IKE_SA_INIT",
    35: "IKE_AUTH",
    36: "CREATE_CHILD_SA",
    37: "INFORMATIONAL",
    38: "IKE_SESSION_RESUME",
    39: "GSA_AUTH",
    40: "GSA_REGISTRATION",
    41: "GSA_REKEY",
    42: "GSA_INBAND_REKEY",
    43: "IKE_INTERMEDIATE",
    44: "IKE_FOLLOWUP_KE",
}
EXCHANGE_CODES: Final[dict[str, int]] = {name: code for code, name in EXCHANGE_TYPES.items()}


class PayloadType(NamedTuple):
    """One row of the IKEv2 Payload Types registry."""

    code: int
    name: str
    notation: str


#: IKEv2 Payload Types (RFC 7296 section 3.2, RFC 7383, RFC 8019, G-IKEv2).
PAYLOAD_TYPES: Final[dict[int, PayloadType]] = {
    row.code: row
    for row in (
        PayloadType(33, "Security Association", "SA"),
        PayloadType(34, "Key Exchange", "KE"),
        PayloadType(35, "Identification - Initiator", "IDi"),
        PayloadType(36, "Identification - Responder", "IDr"),
        PayloadType(37, "Certificate", "CERT"),
        PayloadType(38, "Certificate Request", "CERTREQ"),
        PayloadType(39, "Authentication", "AUTH"),
        PayloadType(40, "Nonce", "Ni, Nr"),
        PayloadType(41, "Notify", "N"),
        PayloadType(42, "Delete", "D"),
        PayloadType(43, "Vendor ID", "V"),
        PayloadType(44, "Traffic Selector - Initiator", "TSi"),
        PayloadType(45, "Traffic Selector - Responder", "TSr"),
        PayloadType(46, "Encrypted and Authenticated", "SK"),
        PayloadType(47, "Configuration", "CP"),
        PayloadType(48, "Extensible Authentication", "EAP"),
        PayloadType(49, "Generic Secure Password Method", "GSPM"),
        PayloadType(50, "Group Identification", "IDg"),
        PayloadType(51, "Group Security Association", "GSA"),
        PayloadType(52, "Key Download", "KD"),
        PayloadType(53, "Encrypted and Authenticated Fragment", "SKF"),
        PayloadType(54, "Puzzle Solution", "PS"),
    )
}

#: The payload tokens IOS prints in "Payload contents:" lists, mapped to payload codes.
#: Cisco writes N for the Nonce (IANA's N is Notify, which IOS prints as NOTIFY(...)),
#: VID for Vendor ID, ENCR for SK, CFG for CP and DELETE for D.
CISCO_PAYLOAD_TOKENS: Final[dict[str, int]] = {
    "SA": 33,
    "KE": 34,
    "IDi": 35,
    "IDr": 36,
    "CERT": 37,
    "CERTREQ": 38,
    "AUTH": 39,
    "N": 40,
    "NONCE": 40,
    "NOTIFY": 41,
    "DELETE": 42,
    "D": 42,
    "VID": 43,
    "V": 43,
    "TSi": 44,
    "TSr": 45,
    "ENCR": 46,
    "SK": 46,
    "CFG": 47,
    "CP": 47,
    "EAP": 48,
    "GSPM": 49,
    "SKF": 53,
}

#: IKEv2 Notify Message Error Types (0-16383) and Status Types (16384-65535),
#: RFC 7296 section 3.10.1 and the RFCs the registry cites.
NOTIFY_TYPES: Final[dict[int, str]] = {
    1: "UNSUPPORTED_CRITICAL_PAYLOAD",
    4: "INVALID_IKE_SPI",
    5: "INVALID_MAJOR_VERSION",
    7: "INVALID_SYNTAX",
    9: "INVALID_MESSAGE_ID",
    11: "INVALID_SPI",
    14: "NO_PROPOSAL_CHOSEN",
    17: "INVALID_KE_PAYLOAD",
    24: "AUTHENTICATION_FAILED",
    34: "SINGLE_PAIR_REQUIRED",
    35: "NO_ADDITIONAL_SAS",
    36: "INTERNAL_ADDRESS_FAILURE",
    37: "FAILED_CP_REQUIRED",
    38: "TS_UNACCEPTABLE",
    39: "INVALID_SELECTORS",
    40: "UNACCEPTABLE_ADDRESSES",
    41: "UNEXPECTED_NAT_DETECTED",
    42: "USE_ASSIGNED_HoA",
    43: "TEMPORARY_FAILURE",
    44: "CHILD_SA_NOT_FOUND",
    45: "INVALID_GROUP_ID",
    46: "AUTHORIZATION_FAILED",
    47: "STATE_NOT_FOUND",
    48: "TS_MAX_QUEUE",
    16384: "INITIAL_CONTACT",
    16385: "SET_WINDOW_SIZE",
    16386: "ADDITIONAL_TS_POSSIBLE",
    16387: "IPCOMP_SUPPORTED",
    16388: "NAT_DETECTION_SOURCE_IP",
    16389: "NAT_DETECTION_DESTINATION_IP",
    16390: "COOKIE",
    16391: "USE_TRANSPORT_MODE",
    16392: "HTTP_CERT_LOOKUP_SUPPORTED",
    16393: "REKEY_SA",
    16394: "ESP_TFC_PADDING_NOT_SUPPORTED",
    16395: "NON_FIRST_FRAGMENTS_ALSO",
    16396: "MOBIKE_SUPPORTED",
    16397: "ADDITIONAL_IP4_ADDRESS",
    16398: "ADDITIONAL_IP6_ADDRESS",
    16399: "NO_ADDITIONAL_ADDRESSES",
    16400: "UPDATE_SA_ADDRESSES",
    16401: "COOKIE2",
    16402: "NO_NATS_ALLOWED",
    16403: "AUTH_LIFETIME",
    16404: "MULTIPLE_AUTH_SUPPORTED",
    16405: "ANOTHER_AUTH_FOLLOWS",
    16406: "REDIRECT_SUPPORTED",
    16407: "REDIRECT",
    16408: "REDIRECTED_FROM",
    16409: "TICKET_LT_OPAQUE",
    16410: "TICKET_REQUEST",
    16411: "TICKET_ACK",
    16412: "TICKET_NACK",
    16413: "TICKET_OPAQUE",
    16414: "LINK_ID",
    16415: "USE_WESP_MODE",
    16416: "ROHC_SUPPORTED",
    16417: "EAP_ONLY_AUTHENTICATION",
    16418: "CHILDLESS_IKEV2_SUPPORTED",
    16419: "QUICK_CRASH_DETECTION",
    16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
    16421: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
    16422: "IKEV2_MESSAGE_ID_SYNC",
    16423: "IPSEC_REPLAY_COUNTER_SYNC",
    16424: "SECURE_PASSWORD_METHODS",
    16425: "PSK_PERSIST",
    16426: "PSK_CONFIRM",
    16427: "ERX_SUPPORTED",
    16428: "IFOM_CAPABILITY",
    16429: "SENDER_REQUEST_ID",
    16430: "IKEV2_FRAGMENTATION_SUPPORTED",
    16431: "SIGNATURE_HASH_ALGORITHMS",
    16432: "CLONE_IKE_SA_SUPPORTED",
    16433: "CLONE_IKE_SA",
    16434: "PUZZLE",
    16435: "USE_PPK",
    16436: "PPK_IDENTITY",
    16437: "NO_PPK_AUTH",
    16438: "INTERMEDIATE_EXCHANGE_SUPPORTED",
    16439: "IP4_ALLOWED",
    16440: "IP6_ALLOWED",
    16441: "ADDITIONAL_KEY_EXCHANGE",
    16442: "USE_AGGFRAG",
    16443: "SUPPORTED_AUTH_METHODS",
    16444: "SA_RESOURCE_INFO",
}

#: Cisco's own spellings of IANA notify names, as IOS prints them in NOTIFY(...).
CISCO_NOTIFY_ALIASES: Final[dict[str, int]] = {
    "ESP_TFC_NO_SUPPORT": 16394,
    "NON_FIRST_FRAGS": 16395,
    "FRAGMENTATION_SUPPORTED": 16430,
    "IKE_FRAGMENTATION_SUPPORTED": 16430,
    "NAT_DETECTION_SRC_IP": 16388,
    "NAT_DETECTION_DST_IP": 16389,
}

NOTIFY_CODES: Final[dict[str, int]] = {
    **{name: code for code, name in NOTIFY_TYPES.items()},
    **CISCO_NOTIFY_ALIASES,
}

#: RFC 7296 section 3.10.1: types below 16384 report errors, the rest carry status.
NOTIFY_ERROR_LIMIT: Final = 16384


def notify_name(code: int) -> str | None:
    """The IANA name of a notify number, None where the number is unassigned or private."""
    return NOTIFY_TYPES.get(code)


def notify_code(name: str) -> int | None:
    """The notify number for a printed name, IANA or Cisco spelling alike."""
    return NOTIFY_CODES.get(name)


def is_error_notify(code: int) -> bool:
    """Whether a notify number is in the error range (RFC 7296 section 3.10.1)."""
    return code < NOTIFY_ERROR_LIMIT


#: IKEv1 notify messages that carry status, not an error, as IOS prints their names:
#: RFC 2408 section 3.14.1 (16384 and up are status: CONNECTED, RESPONDER-LIFETIME,
#: REPLAY-STATUS, INITIAL-CONTACT) and RFC 3706 (dead peer detection).
IKEV1_STATUS_NOTIFIES: Final = frozenset(
    {"CONNECTED", "RESPONDER_LIFETIME", "REPLAY_STATUS", "INITIAL_CONTACT", "R_U_THERE",
     "R_U_THERE_ACK"}
)  # fmt: skip


def is_ikev1_error_notify(name: str) -> bool:
    """Whether an IKEv1 notify, by its printed name, reports an error (IOS prints dead peer
    detection as ``DPD/R-U-THERE``)."""
    canonical = name.upper().replace("-", "_")
    return not canonical.startswith("DPD") and canonical not in IKEV1_STATUS_NOTIFIES


def payload_type(token: str) -> PayloadType | None:
    """The registry row for a payload token as IOS prints it (``N``, ``VID``, ``ENCR`` ...)."""
    code = CISCO_PAYLOAD_TOKENS.get(token)
    return None if code is None else PAYLOAD_TYPES[code]


# Enumerations an event carries twice, as a name (``protocol``, ``id_type``, ``type``)
# and as its number (``..._code``), so that one field name holds one JSON type.

#: IKEv1 (IPsec DOI) Identification Types, RFC 2407 section 4.6.2.1 (IANA "IPSEC
#: Identification Type"): the ``type`` of an ID payload and of an IOS proxy identity.
IKEV1_ID_TYPES: Final[dict[int, str]] = {
    1: "ID_IPV4_ADDR",
    2: "ID_FQDN",
    3: "ID_USER_FQDN",
    4: "ID_IPV4_ADDR_SUBNET",
    5: "ID_IPV6_ADDR",
    6: "ID_IPV6_ADDR_SUBNET",
    7: "ID_IPV4_ADDR_RANGE",
    8: "ID_IPV6_ADDR_RANGE",
    9: "ID_DER_ASN1_DN",
    10: "ID_DER_ASN1_GN",
    11: "ID_KEY_ID",
}
IKEV1_ID_CODES: Final[dict[str, int]] = {name: code for code, name in IKEV1_ID_TYPES.items()}

#: IKEv1 protocol ids of notify and delete payloads, RFC 2407 section 4.4.1 (IANA
#: "IPSEC Security Protocol Identifier", ``PROTO_ISAKMP``..., named here without the
#: ``PROTO_IPSEC_`` prefix, as IKEv2 and the IOS key engine name them).
IKEV1_PROTOCOLS: Final[dict[int, str]] = {1: "ISAKMP", 2: "AH", 3: "ESP", 4: "IPCOMP"}

#: IKEv2 Security Protocol Identifiers, RFC 7296 section 3.3.1.
IKEV2_PROTOCOLS: Final[dict[int, str]] = {1: "IKE", 2: "AH", 3: "ESP"}
IKEV2_PROTOCOL_CODES: Final[dict[str, int]] = {name: code for code, name in IKEV2_PROTOCOLS.items()}

#: IP protocol numbers of selectors, ID payloads and IPsec SAs (IANA "Assigned Internet
#: Protocol Numbers", keywords).  0 and IOS's 256 mean any protocol in a selector
#: (RFC 2407 section 4.6.2), so they have no name.
IP_PROTOCOLS: Final[dict[int, str]] = {
    1: "ICMP",
    2: "IGMP",
    4: "IPv4",
    6: "TCP",
    17: "UDP",
    41: "IPv6",
    47: "GRE",
    50: "ESP",
    51: "AH",
    58: "IPv6-ICMP",
    89: "OSPFIGP",
    132: "SCTP",
}
IP_PROTOCOL_CODES: Final[dict[str, int]] = {name: code for code, name in IP_PROTOCOLS.items()}


def name_of(table: dict[int, str], code: int | None) -> str | None:
    """The name of a number in one of the tables above, None when it has none."""
    return None if code is None else table.get(code)
