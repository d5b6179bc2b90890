"""Grammars for the internal records of ``debug crypto ikev2`` worth an event.

Two tables: identity, profile, keyring, policy and authentication lookups (``ikev2_policy``
events, named by ``step``), and progress and failure records (``ikev2_status`` events,
named by ``status``).  Each row gives the name, the literal that selects the row, and the
pattern after the record prefix, for example
``IKEv2:(SESSION ID = 7,SA ID = 1):Peer's authentication method is 'PSK'``.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import pyparsing as pp

from .common import LAZY_TEXT, REST
from .ikev2 import CONTEXT


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
        (
            "peer_block",
            "Matched peer block",
            r"Matched peer block '?(?P<peer_block>(?:[^'\s]|\s++)+?)'?\s*$",
        ),
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
            rf"\[IKEv2 -> Crypto Engine\] (?P<detail>{LAZY_TEXT})(?:, DH Group (?P<dh_group>\d+))?"
            r"\s*$",
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
