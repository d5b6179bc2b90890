"""The fixed vocabulary of failure reasons: what each means, a remediation hint, and the
Batfish IPsec session status it corresponds to (``IpsecSessionStatus`` of Batfish's
``ipsecSessionStatus`` question)."""

from __future__ import annotations

from typing import Final, NamedTuple

ESTABLISHED: Final = "IPSEC_SESSION_ESTABLISHED"
PHASE1_FAILED: Final = "IKE_PHASE1_FAILED"
KEY_MISMATCH: Final = "IKE_PHASE1_KEY_MISMATCH"
PHASE2_FAILED: Final = "IPSEC_PHASE2_FAILED"
MISSING_END_POINT: Final = "MISSING_END_POINT"


class Reason(NamedTuple):
    """A failure reason: its Batfish status (None: depends on the phase) and a hint."""

    batfish: str | None
    hint: str


REASONS: Final[dict[str, Reason]] = {
    "peer_not_responding": Reason(
        MISSING_END_POINT,
        "The peer never answered: check that it is reachable on UDP 500 (and 4500 behind "
        "NAT), that no ACL or firewall drops IKE, and that it has a crypto configuration "
        "for this address.",
    ),
    "no_proposal_chosen": Reason(
        None,
        "No proposal matched: align the IKE proposal (encryption, integrity, PRF, DH group) "
        "for the IKE SA, or the IPsec transform set / IKEv2 IPsec proposal for child SAs, on "
        "both peers.",
    ),
    "invalid_ke_payload": Reason(
        PHASE1_FAILED,
        "The peers prefer different Diffie-Hellman groups: put the same group first in the "
        "IKEv2 proposal on both sides (the initiator can retry with the group the responder "
        "asks for).",
    ),
    "authentication_failed": Reason(
        KEY_MISMATCH,
        "Authentication failed: check the pre-shared keys (keyring entries for each peer's "
        "address or identity), certificates and trustpoints, and the identities each side "
        "sends and expects.",
    ),
    "ts_unacceptable": Reason(
        PHASE2_FAILED,
        "Traffic selectors do not match: the crypto ACLs on the two peers must mirror each "
        "other exactly; for route-based VTI tunnels the selectors are 0.0.0.0/0 on both "
        "sides.",
    ),
    "psk_mismatch": Reason(
        KEY_MISMATCH,
        "MM5 (the encrypted identity and hash) was retransmitted and never answered: the "
        "pre-shared keys of the two peers differ. Re-enter the key on both sides.",
    ),
    "psk_not_configured": Reason(
        KEY_MISMATCH,
        "No pre-shared key matches this peer: add a `crypto isakmp key` (or keyring entry) "
        "for its address or hostname.",
    ),
    "phase1_policy_mismatch": Reason(
        PHASE1_FAILED,
        "No ISAKMP policy matched the peer's proposal: align encryption, hash, "
        "authentication method, DH group and lifetime of a `crypto isakmp policy` on both "
        "peers.",
    ),
    "proxy_identities_not_supported": Reason(
        PHASE2_FAILED,
        "The proxy identities (crypto ACLs) the peer proposed are not configured here: "
        "mirror the crypto ACLs on both peers.",
    ),
    "transform_mismatch": Reason(
        PHASE2_FAILED,
        "No transform set matched: align the IPsec transform sets (encryption, "
        "authentication, mode, PFS group) of the crypto maps or profiles on both peers.",
    ),
    "deleted_by_peer": Reason(
        None,
        "The peer deleted the SA: look at the peer's logs (clear command, lifetime, DPD, a "
        "duplicate SA it preferred, or configuration removed).",
    ),
    "error_notify": Reason(
        None,
        "The peers exchanged an error notify: its name says what the other side refused.",
    ),
    "internal_error": Reason(
        None,
        "IOS reported an error without a known cause: read the evidence lines and the "
        "debugs around them.",
    ),
}

#: Reasons whose Batfish status depends on whether phase 1 had completed.
PHASE_DEPENDENT: Final = frozenset(
    {"no_proposal_chosen", "deleted_by_peer", "error_notify", "internal_error"}
)


def batfish_status(reason: str | None, *, established: bool, phase1_done: bool) -> str | None:
    """The Batfish status for a session's outcome."""
    if reason is None:
        return ESTABLISHED if established else None
    fixed = REASONS[reason].batfish
    if fixed is not None:
        return fixed
    return PHASE2_FAILED if phase1_done else PHASE1_FAILED
