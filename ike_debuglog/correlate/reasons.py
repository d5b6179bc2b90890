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

#: Hints for a finding whose ``cause`` the log shows more precisely than its reason (a PFS
#: group, a certificate): what to change, not the reason's general advice.
CAUSE_HINTS: Final[dict[str, str]] = {
    "pfs": (
        "The PFS groups differ: `set pfs` in the crypto map or IPsec profile must name the same "
        "Diffie-Hellman group on both peers, or be absent on both (IKEv2: the DH group of the "
        "IPsec proposal; the first child SA never uses PFS, so a mismatch shows at rekey or "
        "in CREATE_CHILD_SA)."
    ),
    "certificate_expired": (
        "A certificate is outside its validity period: renew it (or the CA certificate) and "
        "check both routers' clocks (NTP); a clock before the start date reads as not yet "
        "valid."
    ),
    "certificate_revoked": (
        "A certificate was revoked, or its revocation could not be checked: enroll a new one, "
        "or make the CRL distribution point reachable (or set `revocation-check` in the "
        "trustpoint to what the design allows)."
    ),
    "certificate_chain": (
        "The certificate chain did not validate: authenticate the issuing CA and any "
        "subordinate CA in a trustpoint on this router (`crypto pki authenticate`), and make "
        "sure each peer sends a certificate issued by a CA the other trusts."
    ),
    "certificate_identity": (
        "The peer's certificate matched no profile or identity: check the `match certificate` "
        "map or `match identity` of the IKE profile against the subject name and SAN the "
        "peer's certificate carries."
    ),
    "certificate": (
        "The peers authenticate with certificates, not a pre-shared key: check both "
        "certificates' validity dates and the clocks (NTP), the CA chain in each router's "
        "trustpoint, revocation checking, and the identities the certificates carry."
    ),
}


def hint(reason: str, cause: str | None = None) -> str:
    """The hint for a finding: its cause's when there is one, else its reason's."""
    return CAUSE_HINTS.get(cause or "") or REASONS[reason].hint


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
