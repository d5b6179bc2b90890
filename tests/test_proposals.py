"""Findings say why, not only what: the proposals each side made or checked, what differs,
and a cause-specific summary and hint (a PFS group, a certificate), on the fixtures and on
short composed logs of the same families."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, load_meta
from ikev2_blocks import ikev2_block

from ike_debuglog import REASONS, Finding, Session, correlate, parse_file, parse_text
from ike_debuglog.cli import main
from ike_debuglog.correlate.certificates import certificate_trouble
from ike_debuglog.correlate.reasons import CAUSE_HINTS
from ike_debuglog.render.schema import output_schema

SA_INIT = FIXTURES / "ikev2" / "composed-initiator-sa-init-no-proposal-chosen.log"
PFS = FIXTURES / "ikev1" / "composed-responder-qm-pfs-group-mismatch.log"
EXPIRED = FIXTURES / "ikev1" / "composed-responder-rsa-sig-expired-certificate.log"
PHASE1 = FIXTURES / "ikev1" / "composed-responder-phase1-policy-mismatch.log"
PROXIES = FIXTURES / "ikev1" / "composed-responder-qm-proxy-identities-not-supported.log"
TRANSFORM = FIXTURES / "ipsec" / "gh-issue-nml2tp-137-ios-isakmp-qm-transform-not-supported.log"
IPV6 = FIXTURES / "ikev2" / "composed-ipv6-initiator-no-proposal-chosen.log"
PROFILE = FIXTURES / "ikev2" / "cisco-117337-router-ikev2-profile-not-found-wrapped.log"
PSK = FIXTURES / "ikev1" / "composed-initiator-psk-mismatch-mm5-retransmits.log"
HUB = FIXTURES / "ikev2" / "composed-hub-interleaved-sessions.log"


def _sessions(log: Path) -> list[Session]:
    return correlate(parse_file(log, year=load_meta(log)["year"]))


def _failure(log: Path) -> Finding:
    """The finding a log's one failed session failed for."""
    (session,) = [s for s in _sessions(log) if s.outcome == "failed"]
    return next(f for f in session.findings if f.reason == session.reason)


def _text_failure(text: str) -> Finding:
    (session,) = correlate(parse_text(text, year=2026))
    assert session.outcome == "failed"
    return next(f for f in session.findings if f.reason == session.reason)


# The composed fixtures of this change --------------------------------------------------


def test_ikev2_initiator_shows_the_ike_proposals_the_peer_refused() -> None:
    finding = _failure(SA_INIT)
    assert finding.reason == "no_proposal_chosen" and finding.exchange == "IKE_SA_INIT"
    rows = [(r.side, r.what, r.number, r.accepted, r.line) for r in finding.proposals]
    # The peer's bare NO_PROPOSAL_CHOSEN gives this router's rows no verdict of their own.
    assert rows == [("local", "ike", 1, None, 8), ("local", "ike", 2, None, 11)]
    assert finding.proposals[0].attributes == {
        "encryption": "AES-CBC",
        "prf": "SHA256",
        "integrity": "SHA256",
        "dh_group": "group 19",
    }
    assert finding.proposals[1].attributes["dh_group"] == "group 20"
    # Only this router's side is in the log: nothing to compare, no cause.
    assert finding.mismatch is None and finding.cause is None


def test_quick_mode_refused_for_its_pfs_group_says_pfs() -> None:
    finding = _failure(PFS)
    assert finding.reason == "transform_mismatch" and finding.cause == "pfs"
    assert "PFS group" in finding.summary and "group 5" in finding.summary
    assert finding.mismatch is not None and finding.mismatch.startswith("PFS: the peer offers")
    assert finding.hint == CAUSE_HINTS["pfs"] != REASONS["transform_mismatch"].hint
    esp, transform_set = finding.proposals
    assert (esp.side, esp.what, esp.accepted) == ("peer", "esp", True)
    assert esp.attributes["dh_group"] == "group 5"
    assert esp.attributes["integrity"] == "HMAC-SHA256"
    # Its transforms were not what was refused: no verdict on the transform set.
    assert transform_set.attributes["transforms"] == "esp-aes 256 esp-sha256-hmac"
    assert transform_set.accepted is None


def test_an_expired_certificate_gets_a_certificate_hint_not_a_pre_shared_key_one() -> None:
    (session,) = _sessions(EXPIRED)
    assert session.reason == "authentication_failed"
    assert session.batfish_status == "IKE_PHASE1_KEY_MISMATCH"
    (finding,) = session.findings
    # %PKI-3-CERTIFICATE_INVALID_EXPIRED (no peer: the IKE session last active) and
    # %CRYPTO-5-IKMP_INVAL_CERT (by its peer) are in the session: they name the cause.
    assert {58, 59} <= set(finding.evidence)
    assert finding.cause == "certificate_expired"
    assert finding.hint == CAUSE_HINTS["certificate_expired"]
    assert "pre-shared keys" not in finding.hint and "validity" in finding.hint
    assert "expired" in finding.summary
    assert not any(f.reason == "psk_mismatch" for f in session.findings)


def test_the_peer_certificate_that_matched_no_profile_gets_an_identity_hint() -> None:
    finding = _failure(PROFILE)
    assert finding.reason == "authentication_failed"
    assert finding.cause == "certificate_identity"
    assert finding.hint == CAUSE_HINTS["certificate_identity"]
    assert "match certificate" in finding.hint


def test_an_initiator_whose_mm5_goes_unanswered_with_signatures_is_not_a_key_mismatch() -> None:
    # The same session as the pre-shared key fixture, authenticating with RSA signatures.
    text = PSK.read_text(encoding="utf-8").replace("auth pre-share", "auth RSA sig")
    finding = _text_failure(text)
    assert (finding.reason, finding.cause) == ("authentication_failed", "certificate")
    assert "the peer did not accept this router's certificate" in finding.summary
    assert finding.hint == CAUSE_HINTS["certificate"]


def test_a_pre_shared_key_session_keeps_its_key_hint() -> None:
    finding = _failure(PSK)
    assert finding.reason == "psk_mismatch" and finding.cause is None
    assert finding.hint == REASONS["psk_mismatch"].hint
    assert not finding.proposals


# Existing fixtures gain what the log printed -------------------------------------------


def test_phase1_policy_mismatch_names_the_attribute_per_policy() -> None:
    finding = _failure(PHASE1)
    checks = [(r.what, r.number, r.priority, r.accepted, r.mismatched) for r in finding.proposals]
    assert checks == [
        ("isakmp_policy", 1, 10, False, ["encryption"]),
        ("isakmp_policy", 1, 65507, False, ["hash"]),
    ]
    assert finding.proposals[0].attributes == {
        "encryption": "DES-CBC",
        "hash": "MD5",
        "dh_group": "group 1",
        "auth": "pre-share",
        "lifetime_seconds": "86400",
    }
    assert finding.mismatch == (
        "the peer's transform 1 (DES-CBC / MD5 / group 1 / pre-share) differs from this "
        "router's policy 10 in encryption, policy 65507 in hash"
    )


def test_transform_refused_by_the_transform_set_is_not_pfs() -> None:
    finding = _failure(TRANSFORM)
    assert finding.cause is None and finding.summary.startswith("no transform set matched")
    esp, refused = finding.proposals
    assert esp.attributes["encapsulation"] == "Transport-UDP" and esp.accepted is True
    assert refused.attributes == {"transforms": "esp-aes 256 esp-sha512-hmac"}
    assert refused.accepted is False


def test_refused_proxies_are_shown_in_this_routers_orientation() -> None:
    finding = _failure(PROXIES)
    assert finding.reason == "proxy_identities_not_supported"
    (row,) = finding.proposals
    assert (row.side, row.what, row.accepted) == ("peer", "traffic_selectors", False)
    assert row.attributes == {
        "local_proxy": "10.1.0.0/255.255.255.0/256/0",
        "remote_proxy": "10.3.0.0/255.255.255.0/256/0",
    }


def test_ikev2_child_sa_refused_shows_this_routers_esp_proposal_only() -> None:
    finding = _failure(IPV6)
    assert finding.exchange == "IKE_AUTH"
    (row,) = finding.proposals
    assert (row.side, row.what, row.line, row.accepted) == ("local", "esp", 49, None)
    assert row.attributes == {"encryption": "AES-CBC", "integrity": "SHA96", "esn": "Don't use ESN"}


def test_findings_without_proposals_keep_their_json_shape() -> None:
    # New keys appear only where a finding gains data: older consumers see no change.
    for session in _sessions(HUB):
        for finding in session.findings:
            dumped = finding.model_dump(mode="json")
            assert not {"cause", "proposals", "mismatch"} & set(dumped), finding.reason
    line = _sessions(PHASE1)[0].model_dump_json()
    assert Session.model_validate_json(line).model_dump_json() == line


def test_the_json_schema_documents_the_new_fields() -> None:
    schema = output_schema("session")
    finding = schema["$defs"]["Finding"]["properties"]
    assert {"cause", "proposals", "mismatch"} <= set(finding)
    row = schema["$defs"]["Proposal"]
    assert set(row["properties"]["what"]["enum"]) == {
        "ike", "esp", "ah", "isakmp_policy", "transform_set", "traffic_selectors", "identity",
    }  # fmt: skip


# diagnose ------------------------------------------------------------------------------


def test_diagnose_prints_why_and_an_aligned_table(capsys: pytest.CaptureFixture[str]) -> None:
    main(["diagnose", str(PHASE1), "--year", "2026"])
    out = capsys.readouterr().out.splitlines()
    why = next(i for i, line in enumerate(out) if line.startswith("    why: "))
    header, first, second = out[why + 1 : why + 4]
    assert header.split() == [
        "side", "what", "#", "policy", "result", "encryption", "hash", "dh_group", "auth",
        "lifetime_seconds",
    ]  # fmt: skip
    assert first.split()[:6] == ["peer", "isakmp_policy", "1", "10", "refused:", "encryption"]
    assert second.split()[:6] == ["peer", "isakmp_policy", "1", "65507", "refused:", "hash"]
    # Aligned: every column starts where its header does.
    assert first.index("DES-CBC") == header.index("encryption") == second.index("DES-CBC")


def test_sessions_jsonl_carries_the_rows(capsys: pytest.CaptureFixture[str]) -> None:
    main(["sessions", str(PFS), "--format", "jsonl", "--year", "2026"])
    (line,) = capsys.readouterr().out.splitlines()
    (finding,) = json.loads(line)["findings"]
    assert finding["cause"] == "pfs"
    assert finding["proposals"][0]["attributes"]["dh_group"] == "group 5"


# Composed logs of the same families ----------------------------------------------------

_RECEIVED_PACKET = """\
*Nov 26 12:00:00.120: IKEv2:Received Packet [From 198.51.100.30:500/To 192.0.2.1:500/VRF i0:f0]
Initiator SPI : 0F1E2D3C4B5A6978 - Responder SPI : 0000000000000000 Message id: 0
IKEv2 IKE_SA_INIT Exchange REQUEST
Payload contents:
 SA KE N VID VID NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(NAT_DETECTION_DESTINATION_IP)

"""
RESPONDER_POLICIES = (
    _RECEIVED_PACKET
    + """\
*Nov 26 12:00:00.121: IKEv2:(SESSION ID = 53,SA ID = 3):Processing IKE_SA_INIT message
*Nov 26 12:00:00.121: IKEv2-ERROR:(SESSION ID = 53,SA ID = 3):: Failed to find a matching policy
*Nov 26 12:00:00.121: IKEv2:(SESSION ID = 53,SA ID = 3):Received Policies: :
Proposal 1:  AES-CBC-256 SHA512 SHA512 DH_GROUP_256_ECP/Group 19

*Nov 26 12:00:00.121: IKEv2:(SESSION ID = 53,SA ID = 3):Failed to find a matching policy
*Nov 26 12:00:00.121: IKEv2:(SESSION ID = 53,SA ID = 3):Expected Policies: :
Proposal 1:  AES-CBC-256 SHA256 SHA256 DH_GROUP_256_ECP/Group 19

*Nov 26 12:00:00.135: IKEv2:(SESSION ID = 53,SA ID = 3):Sending Packet [To 198.51.100.30:500/From 192.0.2.1:500/VRF i0:f0]
Initiator SPI : 0F1E2D3C4B5A6978 - Responder SPI : 0000000000000000 Message id: 0
IKEv2 IKE_SA_INIT Exchange RESPONSE
Payload contents:
 NOTIFY(NO_PROPOSAL_CHOSEN)
"""
)


def test_ikev2_responder_compares_received_and_expected_policies() -> None:
    finding = _text_failure(RESPONDER_POLICIES)
    peer, local = finding.proposals
    assert (peer.side, peer.what, peer.accepted) == ("peer", "ike", False)
    assert (local.side, local.accepted) == ("local", None)
    assert peer.attributes["prf"] == "SHA512" and local.attributes["integrity"] == "SHA256"
    assert finding.mismatch == (
        "peer offers AES-CBC-256 / SHA512 / SHA512 / group 19; this router's proposal has "
        "AES-CBC-256 / SHA256 / SHA256 / group 19: prf and integrity differ"
    )


def _exchange(packet: str, message_id: int, exchange: str, payloads: str) -> str:
    """A packet of an exchange this router initiated: its request sent, its response received."""
    sent = packet == "Sending"
    return ikev2_block(sent, message_id, exchange, payloads, response=not sent)


def _esp(transforms: str, count: int) -> str:
    return (
        "IKEv2:(SESSION ID = 9,SA ID = 1):ESP Proposal: 1, SPI size: 4 (IPSec negotiation), \n"
        f"Num. transforms: {count}\n   {transforms}\n"
        "IKEv2:(SESSION ID = 9,SA ID = 1):Building packet for encryption.  \n"
        "Payload contents: \n"
    )


def _rekey(answer: str, inner: str = "SA N KE TSi TSr NOTIFY(REKEY_SA)") -> str:
    return (
        _exchange("Sending", 0, "IKE_SA_INIT", "SA KE N VID")
        + _exchange("Received", 0, "IKE_SA_INIT", "SA KE N VID")
        + _esp("AES-CBC   SHA256   Don't use ESN", 3)
        + " VID IDi AUTH SA TSi TSr NOTIFY(INITIAL_CONTACT)\n"
        + _exchange("Sending", 1, "IKE_AUTH", "ENCR")
        + _exchange("Received", 1, "IKE_AUTH", "VID IDr AUTH SA TSi TSr")
        + _esp("AES-CBC   SHA256   DH_GROUP_2048_MODP/Group 14   Don't use ESN", 4)
        + f" {inner}\n"
        + _exchange("Sending", 2, "CREATE_CHILD_SA", "ENCR")
        + _exchange("Received", 2, "CREATE_CHILD_SA", answer)
    )


def test_ikev2_child_sa_rekey_refused_after_ike_auth_is_a_pfs_mismatch() -> None:
    finding = _text_failure(_rekey("NOTIFY(NO_PROPOSAL_CHOSEN)"))
    assert (finding.reason, finding.exchange, finding.cause) == (
        "no_proposal_chosen",
        "CREATE_CHILD_SA",
        "pfs",
    )
    (row,) = finding.proposals  # the ESP proposal of this exchange, not IKE_AUTH's
    assert row.attributes["dh_group"] == "group 14" and row.accepted is None
    assert finding.mismatch is not None and "KE payload (PFS group 14)" in finding.mismatch
    assert "PFS group" in finding.summary and finding.hint == CAUSE_HINTS["pfs"]


def test_ikev2_invalid_ke_in_create_child_sa_for_a_child_sa_is_pfs() -> None:
    finding = _text_failure(_rekey("NOTIFY(INVALID_KE_PAYLOAD)"))
    assert (finding.reason, finding.cause) == ("invalid_ke_payload", "pfs")


def test_ikev2_ike_sa_rekey_is_not_pfs() -> None:
    # Without selectors a CREATE_CHILD_SA rekeys the IKE SA: its KE is not PFS.
    finding = _text_failure(_rekey("NOTIFY(INVALID_KE_PAYLOAD)", inner="SA N KE"))
    assert finding.reason == "invalid_ke_payload" and finding.cause is None


IKEV1_INITIATOR = """\
00:27:07: IPSEC(sa_request): ,
(key eng. msg.) src= 10.15.58.10, dest= 10.15.58.38,
src_proxy= 192.168.1.0/255.255.255.0/0/0 (type=4),
dest_proxy= 192.168.2.0/255.255.255.0/0/0 (type=4),
protocol= ESP, transform= esp-des esp-md5-hmac ,
lifedur= 3600s and 4608000kb,
spi= 0x5AE6C721(1525073697), conn_id= 0, keysize= 0, flags= 0x4004
00:27:08: ISAKMP (0:2): beginning Quick Mode exchange, M-ID of 1234567
00:27:08: ISAKMP (0:2): sending packet to 10.15.58.38 (I) QM_IDLE
00:27:08: ISAKMP (0:2): received packet from 10.15.58.38 (I) QM_IDLE
00:27:08: ISAKMP (0:2): processing NOTIFY PROPOSAL_NOT_CHOSEN protocol 3
        spi 1525073697, message ID = 987654321, sa = 62A3A460
"""


def test_ikev1_quick_mode_refused_by_the_peer_shows_this_routers_transform_set() -> None:
    finding = _text_failure(IKEV1_INITIATOR)
    assert (finding.reason, finding.exchange) == ("no_proposal_chosen", "quick_mode")
    (row,) = finding.proposals
    # The peer did not say which part it refused: transforms, proxies or PFS group.
    assert (row.side, row.what, row.line, row.accepted) == ("local", "transform_set", 1, None)
    assert row.attributes["transforms"] == "esp-des esp-md5-hmac"
    assert finding.cause is None  # nothing says the peer wanted another PFS group


def _pfs_variant(drop: str = "", replace: tuple[str, str] = ("", "")) -> str:
    text = PFS.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not (drop and drop in line)]
    return "\n".join(lines).replace(*replace)


def test_a_quick_mode_proposal_without_pfs_refused_by_a_router_that_wants_it() -> None:
    finding = _text_failure(_pfs_variant(drop="group is 5"))
    assert finding.cause == "pfs"
    assert "no PFS group" in finding.summary
    assert finding.mismatch is not None and finding.mismatch.endswith("asks for PFS")


def test_pfs_is_not_claimed_when_ios_names_another_cause() -> None:
    line = (
        "*Nov 27 09:41:12.302: IPSEC(validate_transform_proposal): invalid local address 192.0.2.7"
    )
    text = _pfs_variant(replace=("*Nov 27 09:41:12.302: (ipsec_process_proposal)Map Accepted: CMAP, 10", line))  # fmt: skip
    finding = _text_failure(text)
    assert finding.cause is None


def test_pfs_is_not_claimed_without_debug_crypto_ipsec() -> None:
    # No validate_proposal_request block: the transform set may be what was refused.
    text = _pfs_variant(replace=("IPSEC(validate_proposal_request)", "IPSEC(something_else)"))
    finding = _text_failure(text)
    assert finding.reason == "transform_mismatch" and finding.cause is None


CERTIFICATE_LINES = {
    "certificate_expired": "%PKI-3-CERTIFICATE_INVALID_EXPIRED: Certificate chain validation "
    "has failed.  The certificate (SN: 3C1F) has expired.    Validity period ended on 06:00:00 "
    "UTC Nov 20 2026",
    "certificate_revoked": "%PKI-3-CERTIFICATE_REVOKED: Certificate chain validation has "
    "failed.  The certificate (SN: 3C1F) is revoked",
    "certificate_chain": "%PKI-3-CERTIFICATE_INVALID_UNAUTHORIZED: Certificate chain "
    "validation has failed. Unauthorized: issuer not trusted",
    "certificate_identity": "IKEv2:%Profile could not be found by peer certificate.",
    "certificate": "%CRYPTO-5-IKMP_INVAL_CERT: Certificate received from 198.51.100.20 failed "
    "validation",
}


@pytest.mark.parametrize(("cause", "line"), CERTIFICATE_LINES.items())
def test_certificate_records_name_their_cause(cause: str, line: str) -> None:
    trouble = certificate_trouble(parse_text(f"*Nov 27 08:15:03.309: {line}", year=2026))
    assert trouble is not None and trouble.cause == cause and trouble.lines == [1]


def test_benign_certificate_lines_are_not_trouble() -> None:
    text = "\n".join(
        f"*Nov 27 08:15:03.301: ISAKMP: (1005):{message}"
        for message in (
            "processing a CT_X509_SIGNATURE cert",
            "peer's pubkey isn't cached",
            "Cert presented by peer contains no OU field.",
            "Unable to get DN from certificate!",
            "peer wants cert issued by cn=LAB-ROOT-CA",
        )
    )
    assert certificate_trouble(parse_text(text, year=2026)) is None


CERTIFICATE_ERROR = (
    "IKEv2-ERROR:(SESSION ID = 9,SA ID = 1):: Peer certificate has expired, validity period ended\n"
)


def test_an_ikev2_responder_refusing_an_expired_certificate_says_so() -> None:
    text = (
        ikev2_block(False, 0, "IKE_SA_INIT", "SA KE N VID", response=False)
        + ikev2_block(True, 0, "IKE_SA_INIT", "SA KE N VID CERTREQ", response=True)
        + ikev2_block(False, 1, "IKE_AUTH", "VID IDi CERT CERTREQ AUTH SA TSi TSr", response=False)
        + CERTIFICATE_ERROR
        + ikev2_block(True, 1, "IKE_AUTH", "NOTIFY(AUTHENTICATION_FAILED)", response=True)
    )
    finding = _text_failure(text)
    assert (finding.reason, finding.cause) == ("authentication_failed", "certificate_expired")
    assert finding.hint == CAUSE_HINTS["certificate_expired"]
    assert 19 in finding.evidence  # the line that says it expired


def test_an_ikev2_error_about_a_certificate_is_an_authentication_failure() -> None:
    # Nothing else explains the failure: without the certificate rule it is internal_error.
    text = (
        _exchange("Sending", 0, "IKE_SA_INIT", "SA KE N VID")
        + _exchange("Received", 0, "IKE_SA_INIT", "SA KE N VID CERTREQ")
        + _exchange("Sending", 1, "IKE_AUTH", "ENCR")
        + CERTIFICATE_ERROR
    )
    finding = _text_failure(text)
    assert (finding.reason, finding.exchange) == ("authentication_failed", "IKE_AUTH")
    assert finding.cause == "certificate_expired"
    assert finding.summary == "a certificate has expired or is not yet valid"
