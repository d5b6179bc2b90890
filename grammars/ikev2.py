"""Grammars for ``debug crypto ikev2`` (and ``... packet``, ``... internal``) records.

Every record starts with a context prefix, either the debug form
``IKEv2:(SESSION ID = 31,SA ID = 1):`` (with variants ``IKEv2-PAK:``, ``IKEv2-ERROR:``,
``IKEv2:(SA ID = 1):``, bare ``IKEv2:``, ASA ``IKEv2-PROTO-4: (172):``) or the
event-trace form ``SA ID:1 SESSION ID:2 Remote: 30.1.1.2/500 Local: 30.1.1.1/500  (I)``,
followed by one of the bodies below.  Tables map each body to the literal text that
selects it, so the dispatcher calls one grammar per record.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import pyparsing as pp

from .common import REST, endpoint_pattern

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
#: ``NOTIFY(Unknown - 16431)``.
PAYLOAD_TOKEN = pp.Regex(
    r"(?P<raw>NOTIFY\((?:Unknown\s*-\s*(?P<notify_number>\d+)|(?P<notify_name>[^)]*))\)"
    r"|[A-Za-z][A-Za-z0-9_]*)"
)

#: A list of payload tokens (``SA KE N VID NOTIFY(...)``) or, with ``debug crypto ikev2
#: packet`` detail, a dump in which each payload starts ``SA  Next payload: KE, ...``.
PAYLOAD_LIST = pp.Group(
    pp.ZeroOrMore(pp.Group(PAYLOAD_TOKEN + ~pp.Literal("Next payload")))
    + pp.ZeroOrMore(
        pp.Group(PAYLOAD_TOKEN + pp.Suppress(pp.Literal("Next payload:")))
        | pp.Suppress(pp.Regex(r"\S+"))
    )
)("payloads")

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
        r"Session with IKE ID PAIR\s*\(\s*(?P<remote_identity>[^,]*?)\s*,\s*"
        r"(?P<local_identity>[^)]*?)\s*\) is UP"
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


class Step(NamedTuple):
    """A table row: the name a record gets, the literal that selects it, its grammar."""

    name: str
    literal: str
    grammar: pp.ParserElement


def _steps(rows: tuple[tuple[str, str, str], ...]) -> tuple[Step, ...]:
    return tuple(
        Step(name, literal, CONTEXT + pp.Regex(r"(?=(?P<body>.*))" + pattern) + pp.Suppress(REST))
        for name, literal, pattern in rows
    )


#: Identity, profile, keyring, policy and authentication lookups (kind ``ikev2_policy``).
POLICY_STEPS: Final = _steps(
    (
        (
            "peer_identity",
            "Searching policy based on peer",
            r"Searching policy\s+based on peer's identity '(?P<identity>[^']*)' "
            r"of type '(?P<identity_type>[^']*)'",
        ),
        (
            "profile_matched",
            "found matching IKEv2 profile",
            r"found matching IKEv2 profile '(?P<profile>[^']*)'",
        ),
        (
            "profile_not_found",
            "Profile could not be found",
            r"Profile could not be found (?P<detail>.*)",
        ),
        ("profile_not_found", "IKEv2 profile not found", r"IKEv2 profile not found"),
        (
            "keyring",
            "preshared key from profile keyring",
            r"Getting preshared key from profile keyring '?(?P<keyring>[^'\s]+)'?",
        ),
        ("peer_block", "Matched peer block", r"Matched peer block '?(?P<peer_block>[^']+?)'?\s*$"),
        (
            "policy_search",
            "Searching Policy with fvrf",
            r"Searching Policy with fvrf (?P<fvrf>\S+?),? local address (?P<local_address>\S+)",
        ),
        ("policy_found", "Found Policy", r"Found Policy '(?P<policy>[^']*)'"),
        ("default_policy", "Using the Default Policy", r"Using the Default Policy for Proposal"),
        (
            "peer_auth_method",
            "Peer's authentication method is",
            r"Peer's authentication method is '(?P<auth_method>[^']*)'",
        ),
        (
            "local_auth_method",
            "My authentication method is",
            r"My authentication method is '(?P<auth_method>[^']*)'",
        ),
        (
            "peer_psk_lookup",
            "Get peer's preshared key for",
            r"Get peer's preshared key for (?P<identity>\S+)",
        ),
        (
            "psk_used",
            "Use preshared key for id",
            r"Use preshared key for id (?P<identity>\S+?),? key len (?P<key_length>\d+)",
        ),
        (
            "local_identity",
            "Constructing IDi payload",
            r"Constructing ID[ir] payload: '(?P<identity>[^']*)' "
            r"of type '(?P<identity_type>[^']*)'",
        ),
        (
            "peer_auth_verification",
            "Verification of peer's auth",
            r"Verification of peer's auth\w* data (?P<outcome>PASSED|FAILED)",
        ),
        ("peer_policy_verified", "Peer's policy verified", r"Peer's policy verified"),
    )
)

#: Internal progress records worth keeping (kind ``ikev2_status``): the status name,
#: and the fields a few of them carry.
STATUS_STEPS: Final = _steps(
    (
        ("sa_init_completed", "Completed SA init exchange", r"Completed SA init exchange"),
        ("verify_peer_policy", "Verify peer's policy", r"Verify peer's policy"),
        (
            "verify_peer_auth",
            "Verify peer's authentication data",
            r"Verify peer's authentication data",
        ),
        (
            "get_peer_auth_method",
            "Get peer's authentication method",
            r"Get peer's authentication method",
        ),
        ("get_local_auth_method", "Get my authentication method", r"Get my authentication method"),
        (
            "generate_auth_data",
            "Generate my authentication data",
            r"Generate my authentication data",
        ),
        ("not_vpn_sip", "not a VPN-SIP session", r"not a VPN-SIP session"),
        ("sa_inserted", "Insert SA", r"Insert SA"),
        ("sa_deleting", "Deleting SA", r"Deleting SA"),
        ("processing_message", "Processing IKE_", r"Processing (?P<exchange>IKE_[A-Z_]+) message"),
        ("generating_message", "Generating IKE_", r"Generating (?P<exchange>IKE_[A-Z_]+) message"),
        ("verify_sa_init", "Verify SA init message", r"Verify SA init message"),
        ("nat_discovery", "Checking NAT discovery", r"Checking NAT discovery"),
        ("nat_not_found", "NAT not found", r"NAT not found"),
        ("nat_detected", "NAT detected", r"NAT detected(?P<detail>.*)"),
        (
            "ike_sa_created",
            "IKEV2 SA created",
            r"IKEV2 SA created.*?lifetime timer \((?P<lifetime_seconds>\d+) sec\)",
        ),
        ("auth_response_notify", "Process auth response notify", r"Process auth response notify"),
        (
            "informational_ack",
            "Processing ACK to informational",
            r"Processing ACK to informational exchange",
        ),
        (
            "delete_queued",
            "Queuing IKE SA delete request",
            r"Queuing IKE SA delete request reason: (?P<reason>.*)",
        ),
        ("eap_check", "Check for EAP exchange", r"Check for EAP exchange"),
        (
            "duplicate_sa_check",
            "duplicate IKEv2 SA",
            r"(?:Checking for|No) duplicate IKEv2 SA(?: found)?",
        ),
        ("existing_sa_check", "Check for existing", r"Check for existing (?P<detail>.*)"),
        ("delete_all_ike_sas", "Delete all IKE SAs", r"Delete all IKE SAs"),
        (
            "peer_window_check",
            "Checking if request will fit",
            r"Checking if request will fit in peer window",
        ),
        (
            "dh_queued",
            "Request queued for computation",
            r"Request queued for computation of DH (?P<detail>\w+)",
        ),
        (
            "crypto_engine_request",
            "[IKEv2 -> Crypto Engine]",
            r"\[IKEv2 -> Crypto Engine\] (?P<detail>.*?)(?:, DH Group (?P<dh_group>\d+))?\s*$",
        ),
        (
            "crypto_engine_result",
            "[Crypto Engine -> IKEv2]",
            r"\[Crypto Engine -> IKEv2\] (?P<detail>.*)",
        ),
        ("config_data", "Config data to send", r"Config data to send:?"),
        ("config_type", "Config-type:", r"Config-type: (?P<detail>\S+)"),
        ("config_mode_data", "config mode data to send", r"Have config mode data to send"),
        ("no_config_data", "no config data to send", r"IKEv2 initiator - no config data to send.*"),
        (
            "mib_tunnel_started",
            "MIB tunnel started",
            r"IKEv2 MIB tunnel started, tunnel index (?P<detail>\d+)",
        ),
        ("initial_exchange_failed", "Initial exchange failed", r"Initial exchange failed.*"),
        (
            "sa_lookup_failed",
            "Failed to locate an item",
            r"Failed to locate an item in the database",
        ),
        # Failure wording shared by the IOS and ASA IKEv2 code, as TAC notes and log
        # analysers quote it.
        (
            "policy_not_matched",
            "Failed to find a matching policy",
            r"Failed to find a matching policy",
        ),
        ("received_policies", "Received Policies", r"Received Policies:?\s*(?P<detail>.*)"),
        ("expected_policies", "Expected Policies", r"Expected Policies:?\s*(?P<detail>.*)"),
        ("sa_init_failed", "Failed SA init exchange", r"Failed SA init exchange"),
        (
            "no_proposal_chosen_received",
            "Received no proposal chosen",
            r"Received no proposal chosen notify",
        ),
        (
            "negotiating_sa_deleted",
            "Negotiating SA request deleted",
            r"Negotiating SA request deleted",
        ),
        ("exchange_aborted", "Abort exchange", r"Abort exchange"),
        (
            "ike_sa_auth_failed",
            "Failed to authenticate the IKE SA",
            r"Failed to authenticate the IKE SA",
        ),
        ("verify_auth_failed", "Verify auth failed", r"Verify auth failed"),
        (
            "auth_failure_notify_sent",
            "Sending authentication failure notify",
            r"Sending authentication failure notify",
        ),
        ("auth_exchange_failed", "Auth exchange failed", r"Auth exchange failed"),
        (
            "auth_timeout",
            "Failed to receive the AUTH msg",
            r"Failed to receive the AUTH msg before the timer expired",
        ),
        (
            "auth_method_mismatch",
            "authentication method configured is mismatching",
            r"Peer authentication method configured is mismatching with the method proposed"
            r" by peer",
        ),
        (
            "auth_value_mismatch",
            "Computed authentication value for peer differs",
            r"Computed authentication value for peer differs from what peer sent",
        ),
        (
            "max_retransmissions",
            "Maximum number of retransmissions",
            r"Maximum number of retransmissions reached",
        ),
        ("notify_parsed", "Parse Notify Payload:", r"Parse Notify Payload:\s*(?P<detail>\S+)"),
    )
)
