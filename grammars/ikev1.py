"""Grammars for ``debug crypto isakmp`` (IKEv1) records.

Every record starts with a prefix naming the ISAKMP connection id, in the spelling of
its IOS vintage: ``ISAKMP:(1001):`` (12.4, 15.x), ``ISAKMP: (1001):`` and
``ISAKMP-PAK: (0):``/``ISAKMP-ERROR: (0):`` (IOS-XE 16/17), ``ISAKMP (0:2):`` (12.2,
where the connection id is the second number), ``ISAKMP (1001):``, ``ISAKMP:(0)::`` and
bare ``ISAKMP:``.  :data:`PREFIX` reads it; each body grammar reads the text after it.

Each body grammar sits in a :class:`Row` of a table: the name the record gets, the
literal that selects the row (a substring test costs far less than a grammar call), and
the grammar.  Tables are grouped by the event kind they feed.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

import pyparsing as pp

from .common import REST, with_fields

#: ``ISAKMP-PAK: (1003):``, ``ISAKMP (0:2):``, ``ISAKMP:(0)::``, ``ISAKMP :``, ``ISAKMP:``.
PREFIX = pp.Regex(
    r"ISAKMP(?:-(?P<channel>[A-Z]+))?[ ]?:?[ ]?"
    r"(?:\((?:(?P<conn_group>\d+):)?(?P<conn_id>\d+)\)[ ]?:{0,2})?\s*"
)

#: A message id as IOS prints it: unsigned on IOS-XE, signed 32-bit on older IOS.
_MID = r"(?P<message_id>-?\d+)"
#: The states a packet line names: main, aggressive and quick mode, and (N) NEW SA.
_STATE = r"(?P<state>NEW SA|[A-Z][A-Z0-9_]*)"
#: Words up to the end of the record, trailing blanks left out; linear on any input (a lazy
#: ``.*?`` before ``\s*$`` is quadratic on long runs of blanks).
_WORDS = r"\S++(?:\s++\S++)*+"


def words(name: str) -> str:
    """The rest of a record as one field (``None`` when empty)."""
    return f"(?P<{name}>{_WORDS})?"


#: Masked addresses (``185.x.y.113``) count: users paste them so.
_ADDRESS = r"[0-9A-Za-z][\w.:%\-]*"


def wrapped(word: str) -> str:
    """A keyword that an 80-column console may have split with a space (``pe er_port``)."""
    return r"\s?".join(re.escape(char) for char in word)


class Row(NamedTuple):
    """A table row: the name a record gets, the literal that selects it, its grammar."""

    name: str
    literal: str
    grammar: pp.ParserElement


def _rows(rows: tuple[tuple[str, str, str], ...]) -> tuple[Row, ...]:
    return tuple(
        Row(name, literal, pp.Regex(r"[.!\s]*" + pattern) + pp.Suppress(REST))
        for name, literal, pattern in rows
    )


#: ``sending packet to 61.128.1.1 my_port 4500 peer_port 4500 (I) MM_KEY_EXCH``,
#: ``received packet from 103.1.1.1 dport 500 sport 512 Global (N) NEW SA``, and the
#: IOS 12 form without ports ``sending packet to 10.10.10.2 (R) MM_SA_SETUP``.
PACKET = pp.Regex(
    r"\s*(?P<direction>sending|received)\s+packet\s+(?:to|from)\s+(?P<remote>" + _ADDRESS + r")"
    r"(?:\s+(?:" + wrapped("my_port") + r"|" + wrapped("dport") + r")\s+(?P<local_port>\d+)"
    r"\s+(?:" + wrapped("peer_port") + r"|" + wrapped("sport") + r")\s+(?P<remote_port>\d+))?"
    r"(?:\s+(?P<vrf>[^(\s]\S*))?"
    r"\s+\((?P<role>[IRN])\)\s+" + _STATE
) + pp.Suppress(REST)

#: ``Old State = IKE_I_MM1  New State = IKE_I_MM2`` (ping dots may follow).
STATE = pp.Regex(
    r"\s*Old State\s*=\s*(?P<old_state>\w+)\s+New State\s*=\s*(?P<new_state>\w+)"
) + pp.Suppress(REST)

#: ``Node 1025971884, Input = IKE_MESG_INTERNAL, IKE_INIT_QM`` and ``Input = ..., IKE_MM_EXCH``.
INPUT = pp.Regex(
    r"\s*(?:Node\s+" + _MID + r",\s*)?Input\s*=\s*(?P<origin>\w+),\s*(?P<input>\w+)"
) + pp.Suppress(REST)

#: ``processing SA payload. message ID = 0``, ``processing vendor id payload``,
#: ``processing NAT-OAi payload. addr = 100.100.13.22, message ID = 2353076638``,
#: ``received payload type 20``.
PAYLOAD = pp.Regex(
    r"\s*(?:processing\s+(?P<payload>[\w\-/ ]+?)\s+payload\.?"
    r"(?:\s*addr\s*=\s*(?P<address>[^\s,]+),)?(?:\s*message ID\s*=\s*" + _MID + r")?"
    r"|received payload type (?P<payload_type>\d+))"
) + pp.Suppress(REST)

#: ``Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 3 spi 9223503292995197928, message ID =
#: 1148084868`` and ``processing NOTIFY INITIAL_CONTACT protocol 1 spi 0, message ID = 0,
#: sa = 0x7EFF654479B0`` (the second half is usually on a continuation line).
NOTIFY = pp.Regex(
    r"\s*(?P<action>Sending|processing)\s+NOTIFY\s+(?P<notify>\S+)\s+protocol\s+(?P<protocol>\d+)"
    r"(?:\s+spi\s+(?P<spi>\d+),?)?(?:\s*message ID\s*=\s*" + _MID + r",?)?"
    r"(?:\s*sa\s*=\s*(?P<handle>\w+))?"
) + pp.Suppress(REST)

#: One field of an ID payload dump: ``next-payload : 8``, ``FQDN name : srx110c2821``.
ID_FIELD = pp.Regex(
    r"(?P<key>next-payload|type|address|FQDN name|user FQDN|USER FQDN|DER ASN1 DN|KEY ID"
    r"|group id|protocol|port|length)\s*:\s*(?P<value>\S+)"
)


def _id_fields(tokens: pp.ParseResults) -> None:
    tokens["fields"] = {
        match["key"]: match["value"] for match in ID_FIELD.re.finditer(tokens["dump"])
    }


#: ``ID payload`` and its field lines (on IOS-XE some of them carry a prefix of their own:
#: ``ISAKMP: (1003): address      : 100.64.1.2``).
ID_PAYLOAD = with_fields(pp.Regex(r"\s*ID payload\s*(?P<dump>.*)"), _id_fields)

#: ``Checking ISAKMP transform 1 against priority 10 policy``, ``Checking IPSec proposal 1``,
#: ``transform 1, ESP_3DES``.
TRANSFORM = pp.Regex(
    r"\s*(?:Checking ISAKMP transform (?P<transform>\d+) against priority (?P<priority>\d+)"
    r"(?: policy)?"
    r"|Checking IPSec proposal (?P<proposal>\d+)"
    r"|transform (?P<ipsec_transform>\d+), (?P<transform_name>[A-Za-z][\w\-]*))"
) + pp.Suppress(REST)

#: Attribute lines of a phase 1 transform or an IPsec proposal, each with the name it
#: gets: ``encryption 3DES-CBC``, ``default group 2``, ``SA life duration (VPI) of  0x0
#: 0x46 0x50 0x0``, ``encaps is 3 (Tunnel-UDP)``.  ``value`` is as printed, ``number`` the
#: numeric value where there is one.
ATTRIBUTES: Final = _rows(
    (
        ("encryption", "encryption ", r"encryption (?P<value>\S+)"),
        ("hash", "hash ", r"hash (?P<value>\S+)"),
        ("auth", "auth ", r"auth (?P<value>\S+)"),
        ("group", "default group", r"default group (?P<number>\d+)"),
        ("group", "group is", r"group is (?P<number>\d+)"),
        ("life_type", "life type in", r"(?:SA )?life type in (?P<value>\w+)"),
        (
            "life_duration",
            "life duration (basic)",
            r"(?:SA )?life duration \(basic\) of (?P<number>\d+)",
        ),
        (
            "life_duration",
            "life duration (VPI)",
            r"(?:SA )?life duration \(VPI\) of\s+(?P<vpi>0x[0-9A-Fa-f]+(?:\s+0x[0-9A-Fa-f]+)*)",
        ),
        ("encaps", "encaps is", r"encaps is (?P<number>\d+)(?: \((?P<value>[^)]*)\))?"),
        ("authenticator", "authenticator is", r"authenticator is (?P<value>\S+)"),
        ("key_length", "key length is", r"key length is (?P<number>\d+)"),
        ("key_length", "keylength of", r"keylength of (?P<number>\d+)"),
    )
)

#: Retransmissions: ``retransmitting phase 1 MM_KEY_EXCH...``, ``retransmitting phase 2
#: QM_IDLE 540289745 ...``, ``retransmitting due to retransmit phase 1``.
RETRANSMIT = pp.Regex(
    r"\s*retransmitting\s+(?:due to (?P<reason>retransmit phase (?P<reason_phase>\d))"
    r"|phase (?P<phase>\d)\s+(?P<state>[A-Z][A-Z0-9_]*)(?:\s+" + _MID + r")?)"
) + pp.Suppress(REST)

#: Deletions and purges of SAs, nodes (phase 2 message ids) and peers.
DELETES: Final = _rows(
    (
        (
            "sa",
            "deleting SA reason",
            r"deleting SA reason \"(?P<reason>[^\"]*)\"\s*state \((?P<role>[IRN])\)\s*"
            r"(?P<state>[A-Z][A-Z0-9_]*)\s*\(peer (?P<peer>[^)\s]+)\)",
        ),
        (
            "node",
            "deleting node",
            r"deleting node "
            + _MID
            + r" error (?P<error>TRUE|FALSE) reason \"(?P<reason>[^\"]*)\"",
        ),
        ("node", "purging node", r"purging node " + _MID),
        ("sa", "purging SA", r"purging SA\.?,?\s*sa=(?P<handle>\w+)"),
        (
            "peer",
            "Deleting peer node",
            r"Deleting peer node by (?P<reason>\w+) for (?P<peer>\S+?):\s*(?P<handle>[0-9A-Fa-f]+)",
        ),
    )
)


def _ipsec_sas(tokens: pp.ParseResults) -> None:
    tokens["sas"] = [match.groupdict() for match in IPSEC_SA.re.finditer(tokens["blocks"])]


#: One SA of a ``Creating IPSec SAs`` block: ``inbound SA from 13.1.1.3 to 12.1.1.2 (f/i)
#: 0/ 0 (proxy 3.3.3.0 to 2.2.2.0) has spi 0x5E39E570 and conn_id 2000 and flags 13
#: lifetime of 3600 seconds lifetime of 4608000 kilobytes``.
IPSEC_SA = pp.Regex(
    r"(?P<direction>inbound|outbound) SA from (?P<source>\S+)\s+to (?P<destination>\S+)"
    r"(?:\s+\(f/i\)\s*\d+/\s*\d+)?"
    r"(?:\s+\(proxy (?P<proxy_source>[^\s)]+) to (?P<proxy_destination>[^\s)]+)\s*\))?"
    r"(?:\s+has spi\s+(?:0x(?P<spi_hex>[0-9A-Fa-f]+)|(?P<spi_decimal>\d+))"
    r"\s+and conn_id (?P<conn_id>\d+)(?:\s+and flags (?P<flags>\w+))?)?"
    r"(?:\s+lifetime of (?P<lifetime_seconds>\d+) seconds)?"
    r"(?:\s+lifetime of (?P<lifetime_kb>\d+) kilobytes)?"
)

#: ``Creating IPSec SAs`` and the SA blocks printed under it.
IPSEC_SAS = with_fields(pp.Regex(r"\s*Creating IPSec SAs\s*(?P<blocks>.*)"), _ipsec_sas)

#: Progress and failure records worth an ``ikev1_status`` event, with the fields some carry.
STATUS: Final = _rows(
    (
        ("main_mode_begin", "beginning Main Mode", r"beginning Main Mode exchange"),
        (
            "aggressive_mode_begin",
            "beginning Aggressive Mode",
            r"beginning Aggressive Mode exchange",
        ),
        (
            "quick_mode_begin",
            "beginning Quick Mode",
            r"beginning Quick Mode exchange,\s*M-ID of " + _MID,
        ),
        (
            "aggressive_mode_refused",
            "Can not start Aggressive mode",
            r"Can not start Aggressive mode,\s*trying Main\s?mode",
        ),
        (
            "main_mode_refused",
            "Can not start Main mode",
            r"(?:construct_initial_message:\s*)?Can not start Main mode",
        ),
        ("new_node", "set new node", r"set new node " + _MID + r" to (?P<state>\w+)"),
        ("packet_sent", "Sending an IKE", r"Sending an IKE\b\s*" + words("detail")),
        (
            "psk_found",
            "found peer pre-shared key matching",
            r"found peer pre-shared key matching (?P<peer>\S+(?: \d+(?=\s*$))?)",
        ),
        ("local_psk_found", "local preshared key found", r"local preshared key found"),
        ("psk_not_found", "No pre-shared key with", r"No pre-shared key with (?P<peer>[^!\s]+)"),
        (
            "psk_not_found",
            "no pre-shared key based on hostname",
            r"no pre-shared key based on hostname (?P<identity>[^!\s]+)",
        ),
        ("no_cert_or_psk", "No Cert or pre-shared", r"No Cert or pre-shared address key"),
        (
            "keyring_key_found",
            "key in keyring",
            r"Found (?P<detail>\w+) key in keyring (?P<keyring>\S+)",
        ),
        (
            "key_lookup",
            "Looking for a matching key for",
            r"Looking for a matching key for (?P<peer>\S+) in (?P<keyring>\S+)"
            r"\s*:\s*(?P<outcome>\w+)",
        ),
        (
            "profile_not_matched",
            "peer matches *none*",
            r":?\s*peer matches \*none\* of the profiles",
        ),
        ("profile_matched", "peer matches", r":?\s*peer matches (?P<profile>\S+) profile"),
        ("sa_request_profile", "SA request profile is", r"SA request profile is (?P<profile>.*)"),
        (
            "auth_method",
            "authentication using id type",
            r"(?:SA is doing\s++)?(?P<detail>[\w\- ]{0,40}?)\s*authentication using id type"
            r" (?P<id_type>\S+)",
        ),
        (
            "auth_status",
            "SA authentication status",
            r"SA authentication status:\s*" + words("outcome"),
        ),
        (
            "sa_authenticated",
            "SA has been authenticated with",
            r"SA has been authenticated with (?P<peer>\S+)",
        ),
        (
            "atts_acceptable",
            "atts are acceptable",
            r"atts are acceptable\.?(?:\s*(?P<detail>Next payload is \d+))?",
        ),
        (
            "atts_not_acceptable",
            "atts are not acceptable",
            r"atts are not acceptable\.?(?:\s*(?P<detail>Next \w+ is \d+))?",
        ),
        (
            "attribute_mismatch",
            "offered does not match policy",
            r"(?P<detail>[\w\-]++(?: [\w\-]++){0,3}) offered does not match policy",
        ),
        ("no_offers_accepted", "no offers accepted", r"no offers accepted"),
        (
            "policy_not_acceptable",
            "SA policy not acceptable",
            r"phase (?P<phase>\d) SA policy not acceptable!?"
            r"(?:\s*\(local (?P<local_address>[^\s)]+) remote (?P<remote_address>[^\s)]+)\))?",
        ),
        (
            "proposal_invalidated",
            "IPSec policy invalidated proposal",
            r"IPSec policy invalidated proposal with error (?P<error_code>\d+)",
        ),
        (
            "proxy_identities_not_supported",
            "proxy identities not supported",
            r".*?proxy identities not supported",
        ),
        ("vendor_id", "vendor ID is", r"vendor ID is " + words("vendor")),
        (
            "vendor_id_mismatch",
            "vendor ID seems",
            r"vendor ID seems (?P<vendor>\S+) but major (?P<major>\d+) mismatch",
        ),
        ("vendor_id_sent", "constructed ", r"constructed (?P<vendor>\S++(?: \S++){0,3}) ID\s*$"),
        ("ios_peer", "speaking to another IOS box", r"speaking to another IOS box"),
        ("nat_found", "NAT found", r"NAT found,\s*" + words("detail")),
        (
            "nat_detected",
            "hash no match",
            r"(?P<detail>(?:My|His) hash no match\s*-\s*this node (?:inside|outside) NAT)",
        ),
        (
            "port_floating",
            "Detected port floating",
            r"Detected port floating to port\s*=\s*(?P<port>\d+)",
        ),
        ("initial_contact_sent", "Send initial contact", r"Send initial contact"),
        (
            "initial_contact_received",
            "Process initial contact",
            r"Process initial contact,?\s*bring down existing phase 1 and 2 SA's with local "
            r"(?P<local_address>\S+) remote (?P<remote_address>\S+)(?: remote port (?P<port>\d+))?",
        ),
        (
            "dpd_sequence",
            "R_U_THERE sequence number",
            r"DPD/R_U_THERE sequence number (?P<dpd_sequence>0x[0-9A-Fa-f]+)",
        ),
        (
            "dpd_ack_received",
            "R_U_THERE_ACK received",
            r"DPD/R_U_THERE_ACK received from peer (?P<peer>[^\s,]+),\s*sequence "
            r"(?P<dpd_sequence>0x[0-9A-Fa-f]+)",
        ),
        (
            "dpd_received",
            "R_U_THERE received",
            r"DPD/R_U_THERE received from peer (?P<peer>[^\s,]+),\s*sequence "
            r"(?P<dpd_sequence>0x[0-9A-Fa-f]+)",
        ),
        ("dpd_sequence", "seq. no", r"seq\. no (?P<dpd_sequence>0x[0-9A-Fa-f]+)"),
        (
            "paranoid_keepalives_off",
            "paranoid keepalives",
            r"peer does not do paranoid keepalives",
        ),
        (
            "duplicate_packet",
            "is a duplicate of a previous packet",
            r"phase (?P<phase>\d) packet is a duplicate of a previous packet",
        ),
        (
            "error_counter",
            "incrementing error counter",
            r"incrementing error counter on sa,\s*attempt (?P<attempt>\d+) of "
            r"(?P<max_attempts>\d+):\s*" + words("reason"),
        ),
        (
            "ike_sa_not_found",
            "Unable to locate IKE SA",
            r"Unable to locate IKE SA\s*" + words("detail"),
        ),
        ("qm_gets_spi", "gets spi", r"QM (?P<detail>Initiator|Responder) gets spi"),
        (
            "ipsec_install_callback",
            "Received IPSec Install callback",
            r"Received IPSec Install callback",
        ),
        (
            "ipsec_sa_installed",
            "Successfully installed IPSEC SA",
            r"Successfully installed IPSEC SA \(SPI:\s*0x(?P<spi>[0-9A-Fa-f]+)\)"
            r"(?: on (?P<interface>\S+))?",
        ),
        (
            "ipsec_sa_delete_queued",
            "KEY_MGR_DELETE_SAS",
            r"Enqueued KEY_MGR_DELETE_SAS for IPSEC SA \(SPI:\s*0x(?P<spi>[0-9A-Fa-f]+)\)",
        ),
        (
            "delete_notify_ignored",
            "ignoring request to send delete notify",
            r"ignoring request to send delete notify \((?P<reason>[^)]*)\)\s*"
            r"src (?P<local_address>\S+) dst (?P<remote_address>\S+)"
            r" for SPI 0x(?P<spi>[0-9A-Fa-f]+)",
        ),
        ("skeyid_generated", "SKEYID state generated", r"SKEYID state generated"),
        ("ke_received", "received ke message", r"received ke message \((?P<detail>\d+/\d+)\)"),
        (
            "sa_request_failed",
            "Error while processing SA request",
            r"Error while processing SA request:\s*" + words("reason"),
        ),
        (
            "kmi_error",
            "Error while processing KMI message",
            r"Error while processing KMI message (?P<detail>\d+),\s*error (?P<error_code>\d+)",
        ),
        (
            "peer_created",
            "Created a peer struct for",
            r"Created a peer struct for (?P<peer>[^\s,]+),\s*peer port (?P<port>\d+)",
        ),
        (
            "lifetime_started",
            "Started lifetime timer",
            r"Started lifetime timer:\s*(?P<lifetime_seconds>\d+)",
        ),
    )
)

#: ASA ``debug crypto ikev1``: ``[IKEv1]IP = 193.164.94.47, ...``, ``[IKEv1 DEBUG]Group =
#: VPN, IP = 192.0.2.7, ...`` (a contrast format: only its packet lines are read in full).
ASA_PREFIX = pp.Regex(
    r"\[IKEv1(?: DEBUG)?\]\s*(?:Group = (?P<group>[^,]*+),\s*)?(?:IP = (?P<peer>[^,\s]++),\s*)?"
)

#: ``IKE_DECODE SENDING Message (msgid=0) with payloads : HDR + SA (1) + VENDOR (13) + NONE
#: (0) total length : 248``; ASA prints the message id in hex.
ASA_PACKET = pp.Regex(
    r"IKE_DECODE (?P<direction>SENDING|RECEIVED) Message \(msgid=(?P<asa_message_id>[0-9a-fA-F]+)\)"
    r" with payloads :\s*(?P<payload_list>HDR(?: \+ [A-Z][\w\-]*+ \(\d+\))*+)"
    r"\s*total length : (?P<length>\d+)"
)

#: One payload of an ASA payload list: ``VENDOR (13)``.
ASA_PAYLOAD = re.compile(r"([A-Z][\w\-]*+) \((\d+)\)")

#: Records ISAKMP prints without its prefix.
UNPREFIXED: Final = ("insert sa successfully",)

#: Any other ISAKMP record: kept whole, with its connection id.
MESSAGE = pp.Regex(r"\s*(?P<message>.*)")
