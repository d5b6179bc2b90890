"""Say why, not only what: the proposals, policy checks, transform sets and traffic
selectors a finding rests on, as the log printed them, what differs between the two
sides, and whether it is the PFS group.

:func:`explain` is a pure function of a session's events and its draft (messages,
exchanges), applied to the findings the rules made (``rules.py``).  It does work only for
the reasons about proposals and selectors; any other finding costs one set lookup.
Where the rows come from (docs/sessions.md, "Proposals"):

- IKEv2: the ``IKE Proposal`` / ``ESP Proposal`` lines IOS prints for the proposals it
  sends (this router's), and ``Received Policies`` / ``Expected Policies`` when no policy
  matches (the peer's, this router's);
- IKEv1 phase 1: ``Checking ISAKMP transform N against priority M policy``, the attribute
  lines after it (the peer's transform), ``... offered does not match policy!`` and ``atts
  are (not) acceptable``;
- IKEv1 quick mode: ``Checking IPSec proposal N``, ``transform 1, ESP_AES`` and their
  attributes (the peer's, its PFS group in ``group is N``);
- the key engine: ``sa_request`` (this router's transform set and proxies),
  ``validate_proposal_request`` (the peer's, as IOS maps them), ``transform proposal not
  supported for identity`` (a peer's transforms refused).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..events import (
    Event,
    Ikev1Attribute,
    Ikev1Message,
    Ikev1Notify,
    Ikev1Status,
    Ikev1Transform,
    Ikev2Policy,
    Ikev2Proposal,
    Ikev2Status,
    IpsecMessage,
    IpsecProposalRejected,
    IpsecSaRequest,
    IpsecValidateProposal,
)
from ..events.base import Proxy
from .lookups import SessionLookups
from .models import Finding, Party, Proposal, ProposalWhat
from .reasons import hint

PROPOSAL_REASONS: Final = frozenset(
    {"no_proposal_chosen", "phase1_policy_mismatch", "transform_mismatch", "invalid_ke_payload"}
)
SELECTOR_REASONS: Final = frozenset({"ts_unacceptable", "proxy_identities_not_supported"})
_IKE_SA_EXCHANGES: Final = frozenset({"IKE_SA_INIT", "main_mode", "aggressive_mode"})

#: Column order of ``attributes`` (and of the table ``diagnose`` prints).
ATTRIBUTE_ORDER: Final = (
    "transform", "encryption", "key_length", "prf", "integrity", "hash", "dh_group", "auth",
    "esn", "encapsulation", "mode", "lifetime_seconds", "lifetime_kb", "transforms",
    "local_proxy", "remote_proxy", "identity", "identity_type",
)  # fmt: skip
#: The attributes a mismatch compares and names (lifetimes are negotiated, never refused).
_COMPARED: Final = (
    "transform", "encryption", "key_length", "prf", "integrity", "hash", "dh_group", "auth",
    "mode", "local_proxy", "remote_proxy",
)  # fmt: skip


@dataclass
class _Row:
    side: Party
    what: ProposalWhat
    line: int
    number: int | None = None
    priority: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    accepted: bool | None = None
    mismatched: list[str] = field(default_factory=list)

    def freeze(self) -> Proposal:
        known = {k: self.attributes[k] for k in ATTRIBUTE_ORDER if k in self.attributes}
        return Proposal.construct_checked(
            side=self.side,
            what=self.what,
            number=self.number,
            priority=self.priority,
            attributes={**known, **self.attributes},
            accepted=self.accepted,
            mismatched=self.mismatched,
            line=self.line,
        )


def explain(finding: Finding, session: SessionLookups) -> Finding:
    """The finding with what its proposals show: ``proposals``, ``mismatch``, and for a
    PFS group that differs, ``cause`` ``pfs`` with its summary and hint.  Findings of other
    reasons come back as they are."""
    if not finding.evidence:
        return finding
    if finding.reason in PROPOSAL_REASONS or finding.reason in SELECTOR_REASONS:
        return _explain_proposals(finding, session)
    if finding.reason == "authentication_failed":
        return _explain_identities(finding, session)
    return finding


def _explain_identities(finding: Finding, session: SessionLookups) -> Finding:
    """The identities of the failed IKE_AUTH as IOS printed them: this router's
    (``Constructing IDi payload``) and the peer's (``Searching policy based on peer's
    identity``), the peer's refused when no IKEv2 profile matched it (``IKEv2 profile not
    found``): what the profile expects (``match identity remote``) is configuration."""
    first, last = _window(finding, session)
    rows: list[_Row] = []
    for event in session.between(first, last):
        if not isinstance(event, Ikev2Policy):
            continue
        if event.step in ("local_identity", "peer_identity") and event.identity:
            side: Party = "local" if event.step == "local_identity" else "peer"
            attributes = {"identity": event.identity}
            if event.identity_type:
                attributes["identity_type"] = event.identity_type
            rows.append(_Row(side=side, what="identity", line=event.line, attributes=attributes))
        elif event.step in ("profile_matched", "profile_not_found"):
            for row in rows:
                if row.side == "peer" and row.accepted is None:
                    row.accepted = event.step == "profile_matched"
    if not rows:
        return finding
    update: dict[str, object] = {"proposals": [row.freeze() for row in rows]}
    refused = next((row for row in rows if row.accepted is False), None)
    if refused is not None:
        kind = refused.attributes.get("identity_type")
        shown = refused.attributes["identity"] + (f" ({kind})" if kind else "")
        update["mismatch"] = f"identity: no IKEv2 profile here matches the peer's identity {shown}"
    return finding.model_copy(update=update)


def _explain_proposals(finding: Finding, session: SessionLookups) -> Finding:
    first, last = _window(finding, session)
    scope = session.between(first, last)
    request = session.request_until(last)
    refused_by = _refused_by(finding, session)
    ike_sa = finding.exchange is None or finding.exchange in _IKE_SA_EXCHANGES
    if finding.reason in SELECTOR_REASONS:
        rows = _selector_rows(scope, request)
    elif ike_sa:
        rows = [*_ikev2_rows(scope, ("IKE",)), *_policy_rows(scope, "ike"), *_ikev1_rows(scope, 1)]
    else:
        rows = [
            *_ikev2_rows(scope, ("ESP", "AH")),
            *_policy_rows(scope, "esp"),
            *_ikev1_rows(scope, 2),
            *_transform_set_rows(scope, request),
        ]
    pfs = None
    if finding.exchange == "quick_mode" and refused_by == "local":
        pfs = _quick_mode_pfs(scope, rows)
    elif finding.exchange == "CREATE_CHILD_SA":
        pfs = _child_sa_pfs(finding, rows, session)
    # What was offered and refused, where IOS printed no verdict on it (a quick mode
    # proposal refused for its PFS group had its transforms accepted).  The peer's bare
    # NO_PROPOSAL_CHOSEN (IKEv1 PROPOSAL_NOT_CHOSEN) does not say which part it refused
    # (a quick mode proposal is its transforms, proxies and PFS group together; IOS sends
    # it also when no IKEv2 policy matches an address): this router's rows keep no verdict.
    bare = refused_by == "peer" and finding.reason == "no_proposal_chosen"
    if refused_by is not None and not bare and not (pfs and finding.exchange == "quick_mode"):
        refused = "local" if refused_by == "peer" else "peer"
        for row in rows:
            if row.side == refused and row.accepted is None:
                row.accepted = False
    update: dict[str, object] = {"proposals": [row.freeze() for row in rows]}
    if pfs is not None:
        update.update(
            cause="pfs", mismatch=pfs[1], summary=pfs[0], hint=hint(finding.reason, "pfs")
        )
    else:
        update["mismatch"] = _phase1_mismatch(rows) or _compare(rows)
    return finding.model_copy(update=update)


def _window(finding: Finding, session: SessionLookups) -> tuple[int, int]:
    """The lines that belong to the failed exchange: from the message before its request
    (IOS prints the proposals it sends just before sending them) to its last evidence.
    (The request, ``sa_request``, that the exchange negotiates is the last before its end:
    IOS logs it when traffic triggers the negotiation, before any IKE message.)"""
    evidence = set(finding.evidence)
    exchange = session.first_exchange(evidence)
    anchor = min(exchange.request_lines) if exchange is not None else min(evidence)
    first = (session.message_before(anchor) or 0) + 1
    return first, max(evidence)


def _refused_by(finding: Finding, session: SessionLookups) -> Party | None:
    """Which side refused: the one that answered with the error notify, or this router
    when its own checks (IKEv1 ``atts are not acceptable``, ``SA policy not acceptable``)
    are the evidence."""
    evidence = set(finding.evidence)
    exchange = session.answered(evidence, None)
    if exchange is not None:
        return "local" if exchange.initiated_by == "peer" else "peer"
    event = session.first_verdict(evidence)
    if isinstance(event, Ikev1Notify):
        return "peer" if event.direction == "received" else "local"
    return None if event is None else "local"


# Rows ----------------------------------------------------------------------------------

_DH_GROUP: Final = re.compile(r"Group\s*(\d+)", re.IGNORECASE)
_ENCRYPTION: Final = re.compile(r"(?:AES|3DES|DES|CHACHA|CAMELLIA|NULL|BLOWFISH|CAST|IDEA)", re.I)
_AEAD: Final = re.compile(r"GCM|CCM|CHACHA", re.IGNORECASE)
#: Integrity transforms named after a cipher (AES-XCBC-MAC, AES-GMAC).
_MAC: Final = re.compile(r"XCBC|CMAC|GMAC", re.IGNORECASE)
#: A transform name as the IKEv2 policy lines print them (a DH group and ESN hold blanks).
_POLICY_TOKEN: Final = re.compile(r"DH_GROUP_[^\s/]+(?:/Group \d+)?|(?:Don't use|Use) ESN|\S+")
_POLICY_PROPOSAL: Final = re.compile(r"Proposal\s*(\d+)\s*:\s*(.*?)(?=Proposal\s*\d+\s*:|$)")


def _group(text: str) -> str:
    match = _DH_GROUP.search(text)
    return f"group {match.group(1)}" if match else text


def _ikev2_attributes(protocol: str, transforms: Iterable[str]) -> dict[str, str]:
    """Transform names by type.  IOS lists them in transform type order (RFC 7296 section
    3.3.2: encryption, PRF, integrity, DH group), so of an IKE proposal's hash names the
    first half are PRFs; an AEAD cipher has no integrity transform."""
    found: dict[str, list[str]] = {}
    hashes: list[str] = []
    # Names are split on runs of blanks; a proposal printed with single blanks is one name.
    for name in (token for text in transforms for token in _POLICY_TOKEN.findall(text)):
        if "DH_GROUP" in name.upper() or _DH_GROUP.search(name):
            found.setdefault("dh_group", []).append(_group(name))
        elif name.upper().endswith("ESN"):
            found.setdefault("esn", []).append(name)
        elif _ENCRYPTION.match(name) and not _MAC.search(name):
            found.setdefault("encryption", []).append(name)
        else:
            hashes.append(name)
    ciphers = found.get("encryption", [])
    if protocol == "IKE":
        aead = bool(ciphers) and all(_AEAD.search(cipher) for cipher in ciphers)
        split = len(hashes) if aead else (len(hashes) + 1) // 2
        found["prf"], found["integrity"] = hashes[:split], hashes[split:]
    else:
        found["integrity"] = hashes
    return {key: ", ".join(dict.fromkeys(values)) for key, values in found.items() if values}


def _ikev2_rows(scope: Sequence[Event], protocols: tuple[str, ...]) -> list[_Row]:
    return [
        _Row(
            "local",
            "ike" if e.protocol == "IKE" else "ah" if e.protocol == "AH" else "esp",
            e.line,
            number=e.number,
            attributes=_ikev2_attributes(e.protocol, e.transforms),
        )
        for e in scope
        if isinstance(e, Ikev2Proposal) and e.protocol in protocols
    ]


def _policy_rows(scope: Sequence[Event], what: ProposalWhat) -> list[_Row]:
    """``Received Policies`` (the peer's) and ``Expected Policies`` (this router's)."""
    rows = []
    for event in scope:
        if isinstance(event, Ikev2Status) and event.status in _POLICY_SIDES:
            side = _POLICY_SIDES[event.status]
            for number, text in _POLICY_PROPOSAL.findall(event.message):
                names = _POLICY_TOKEN.findall(text)
                protocol = "IKE" if what == "ike" else "ESP"
                attributes = _ikev2_attributes(protocol, names)
                rows.append(_Row(side, what, event.line, int(number), attributes=attributes))
    return rows


_POLICY_SIDES: Final[dict[str, Party]] = {
    "received_policies": "peer",
    "expected_policies": "local",
}
_IKEV1_NAMES: Final = {"group": "dh_group", "authenticator": "integrity", "encaps": "encapsulation"}
_VERDICTS: Final = {"atts_acceptable": True, "atts_not_acceptable": False}
#: ``Encryption algorithm offered does not match policy!`` and its siblings.
_MISMATCH_NAMES: Final = {
    "encryption algorithm": "encryption",
    "hash algorithm": "hash",
    "diffie-hellman group": "dh_group",
    "authentication method": "auth",
}


def phase1_checks(events: Iterable[Event]) -> list[Proposal]:
    """The peer's ISAKMP transforms as IOS checked them against this router's policies."""
    return [row.freeze() for row in _ikev1_rows(events, 1)]


def _ikev1_rows(scope: Iterable[Event], phase: int) -> list[_Row]:
    """The peer's transforms as IOS checked them, with its verdict on each."""
    rows: list[_Row] = []
    row: _Row | None = None
    proposal: int | None = None
    unit = "seconds"
    for event in scope:
        if isinstance(event, Ikev1Transform):
            row = None
            if event.phase != phase:
                continue
            if phase == 1:
                row = _Row("peer", "isakmp_policy", event.line, event.transform, event.priority)
            elif event.proposal is not None:
                proposal = event.proposal
            elif event.transform_name:
                name = event.transform_name
                what: ProposalWhat = "ah" if name.upper().startswith("AH") else "esp"
                row = _Row("peer", what, event.line, proposal, attributes={"transform": name})
            if row is not None:
                rows.append(row)
        elif row is None:
            continue
        elif isinstance(event, Ikev1Attribute):
            if event.attribute == "life_type":
                unit = event.value
                continue
            value = event.value or ("" if event.number is None else str(event.number))
            if event.attribute == "life_duration":
                key = "lifetime_kb" if unit.startswith("kilo") else "lifetime_seconds"
                value = str(event.number) if event.number is not None else value
            else:
                key = _IKEV1_NAMES.get(event.attribute, event.attribute)
            if key == "dh_group":
                value = f"group {event.number}" if event.number is not None else _group(value)
            row.attributes[key] = value
        elif isinstance(event, Ikev1Status) and event.status == "attribute_mismatch":
            detail = (event.detail or "").lower()
            row.mismatched.append(_MISMATCH_NAMES.get(detail, detail.replace(" ", "_")))
        elif isinstance(event, Ikev1Status) and event.status in _VERDICTS:
            row.accepted, row = _VERDICTS[event.status], None
        elif isinstance(event, Ikev1Message) and "key length does not match" in event.message:
            row.mismatched.append("key_length")
    return rows


def _transforms(names: list[str] | None) -> str | None:
    # Older IOS prints ``transform= NONE`` in validate_proposal_request.
    return " ".join(names) if names and names != ["NONE"] else None


def _key_engine(
    scope: Sequence[Event], request: IpsecSaRequest | None
) -> list[tuple[Party, IpsecSaRequest | IpsecValidateProposal | IpsecProposalRejected]]:
    """This router's request, then the key engine's records of the peer's proposal."""
    found: list[tuple[Party, IpsecSaRequest | IpsecValidateProposal | IpsecProposalRejected]]
    found = [("local", request)] if request is not None else []
    found += [
        ("peer", e) for e in scope if isinstance(e, IpsecValidateProposal | IpsecProposalRejected)
    ]
    return found


def _transform_set_rows(scope: Sequence[Event], request: IpsecSaRequest | None) -> list[_Row]:
    rows = []
    for side, event in _key_engine(scope, request):
        if isinstance(event, IpsecProposalRejected):
            attributes = {"transforms": " ".join(event.transforms)}
            refused = _Row(side, "transform_set", event.line, attributes=attributes, accepted=False)
            rows.append(refused)
        elif (transforms := _transforms(event.transforms)) is not None:
            attributes = {"transforms": transforms}
            if event.mode:
                attributes["mode"] = event.mode
            if event.lifetime_seconds:
                attributes["lifetime_seconds"] = str(event.lifetime_seconds)
            if event.lifetime_kb:
                attributes["lifetime_kb"] = str(event.lifetime_kb)
            rows.append(_Row(side, "transform_set", event.line, attributes=attributes))
    return rows


def _proxy(proxy: Proxy) -> str:
    # As IOS prints it: network/mask/protocol/port (protocol 256, or 0 on old IOS: any).
    return f"{proxy.network}/{proxy.mask}/{proxy.protocol_code}/{proxy.port}"


def _selector_rows(scope: Sequence[Event], request: IpsecSaRequest | None) -> list[_Row]:
    """This router's proxies (``sa_request``) and the peer's, in this router's orientation
    as IOS prints them (``local_proxy`` is this router's side)."""
    rows = []
    for side, event in _key_engine(scope, request):
        if isinstance(event, IpsecProposalRejected):
            continue
        pair = {"local_proxy": event.local_proxy, "remote_proxy": event.remote_proxy}
        attributes = {key: _proxy(proxy) for key, proxy in pair.items() if proxy is not None}
        if attributes:
            rows.append(_Row(side, "traffic_selectors", event.line, attributes=attributes))
    return rows


# What differs --------------------------------------------------------------------------


def _brief(row: _Row) -> str:
    shown = [row.attributes[k] for k in _COMPARED if k in row.attributes]
    return " / ".join(shown) or "?"


def _phase1_mismatch(rows: Sequence[_Row]) -> str | None:
    """The attributes IOS said differ, per transform of the peer and policy of this router."""
    clauses = []
    for number in dict.fromkeys(r.number for r in rows if r.what == "isakmp_policy"):
        checks = [r for r in rows if r.what == "isakmp_policy" and r.number == number]
        named = [
            f"policy {r.priority} in {' and '.join(r.mismatched)}" for r in checks if r.mismatched
        ]
        if named and not any(r.accepted for r in checks):
            clauses.append(
                f"the peer's transform {number} ({_brief(checks[0])}) differs from this "
                f"router's {', '.join(named)}"
            )
    return "; ".join(clauses) or None


def _parts(row: _Row) -> dict[str, str]:
    """A row's compared attributes, a transform set split into its encryption and
    integrity (``esp-aes 256 esp-sha-hmac``)."""
    parts: dict[str, str] = {k: row.attributes[k] for k in _COMPARED if k in row.attributes}
    if "transforms" in row.attributes:
        for name in re.findall(r"[A-Za-z][\w\-]*(?: \d+)?", row.attributes["transforms"]):
            kind = "integrity" if "hmac" in name or name.startswith("ah-") else "encryption"
            parts[kind] = f"{parts[kind]} {name}" if kind in parts else name
    return parts


def _compare(rows: Sequence[_Row]) -> str | None:
    """The nearest pair of a peer's row and this router's: what differs between them."""
    best: tuple[int, _Row, _Row, list[str]] | None = None
    for peer in (r for r in rows if r.side == "peer" and r.what != "isakmp_policy"):
        for local in (r for r in rows if r.side == "local" and r.what == peer.what):
            theirs, ours = _parts(peer), _parts(local)
            differ = [k for k in dict.fromkeys([*theirs, *ours]) if theirs.get(k) != ours.get(k)]
            if differ and (best is None or len(differ) < best[0]):
                best = (len(differ), peer, local, differ)
    if best is None:
        return None
    _, peer, local, differ = best
    mine = _LOCAL_NAMES.get(local.what, "proposal")
    named = differ[0] if len(differ) == 1 else f"{', '.join(differ[:-1])} and {differ[-1]}"
    verb = "differs" if len(differ) == 1 else "differ"
    return f"peer offers {_shown(peer)}; this router's {mine} has {_shown(local)}: {named} {verb}"


_LOCAL_NAMES: Final = {"traffic_selectors": "crypto ACL", "transform_set": "transform set"}


def _shown(row: _Row) -> str:
    return row.attributes.get("transforms") or _brief(row)


#: Key engine functions whose messages say why a quick mode proposal was refused.
_NAMED_CAUSES: Final = frozenset({"validate_transform_proposal", "ipsec_process_proposal"})


def _quick_mode_pfs(scope: Sequence[Event], rows: Sequence[_Row]) -> tuple[str, str] | None:
    """(summary, mismatch) when this router refused a quick mode proposal for its PFS group.

    IOS checks the proposal's attributes (``atts are acceptable``), then the crypto map:
    its proxies (``proxy identities not supported``), its transform set (``transform
    proposal not supported``, printed by ``debug crypto ipsec``, which also prints the
    ``validate_proposal_request`` block) and its PFS group.  Refused with neither line
    printed, the PFS group is what differs."""
    checked = [r for r in rows if r.side == "peer" and r.what in ("esp", "ah")]
    if not checked or checked[-1].accepted is not True:
        return None
    if not any(isinstance(e, IpsecValidateProposal) for e in scope) or any(
        isinstance(e, IpsecProposalRejected)
        or (isinstance(e, Ikev1Status) and e.status == "proxy_identities_not_supported")
        # IOS named another cause: proxies, an invalid local address, ...
        or (isinstance(e, IpsecMessage) and e.function in _NAMED_CAUSES)
        for e in scope
    ):
        return None
    group = checked[-1].attributes.get("dh_group")
    offer = f"PFS {group}" if group else "no PFS group"
    wants = "another PFS group (or none)" if group else "PFS"
    return (
        f"the peer's quick mode proposal was refused for its PFS group (it offers {offer})",
        f"PFS: the peer offers {offer}; its transforms and proxies were accepted here (atts "
        f"are acceptable, no transform or proxy refused), so this router's crypto map asks "
        f"for {wants}",
    )


def _child_sa_pfs(
    finding: Finding, rows: Sequence[_Row], session: SessionLookups
) -> tuple[str, str] | None:
    """(summary, mismatch) when a CREATE_CHILD_SA for a child SA was refused for PFS: with
    INVALID_KE_PAYLOAD (its KE group is not the one wanted), or with NO_PROPOSAL_CHOSEN
    after the same peers agreed on a child SA in IKE_AUTH, which never carries a KE
    payload (RFC 7296 section 1.2): what differs then is the PFS group."""
    exchange = session.answered(set(finding.evidence), "CREATE_CHILD_SA")
    if exchange is None or not exchange.request_lines:
        return None
    printed = session.payloads_at(exchange.request_lines[0])
    # A request this router sent lists what it encrypted as ``ENCR[SA N KE TSi TSr]``.
    payloads = {name for p in printed for name in p.removeprefix("ENCR[").rstrip("]").split()}
    if "TSi" not in payloads and "TSr" not in payloads:
        return None  # an IKE SA rekey: its KE is the IKE SA's group, not PFS
    child_ok = session.child_sa_in_auth
    if finding.reason != "invalid_ke_payload" and not child_ok:
        return None
    groups = (r.attributes.get("dh_group") for r in rows if r.side == "local")
    ours = next((group for group in groups if group), None)
    if "KE" in payloads:
        offer = f"a KE payload (PFS {ours})" if ours else "a KE payload (PFS)"
    else:
        offer = "no KE payload (no PFS)"
    return (
        f"{finding.summary}; the PFS group of the child SA differs",
        f"PFS: the CREATE_CHILD_SA request carries {offer} and was refused"
        + (", though the same peers set up a child SA in IKE_AUTH" if child_ok else ""),
    )


__all__ = ["ATTRIBUTE_ORDER", "PROPOSAL_REASONS", "SELECTOR_REASONS", "explain", "phase1_checks"]
