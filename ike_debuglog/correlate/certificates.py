"""Certificates in a failed authentication: the records that say a certificate failed
(expired, revoked, chain, identity), and whether phase 1 authenticates with certificates at
all, so that the finding gets a certificate's cause and hint, not a pre-shared key's.

Pure functions of a session's events, run for authentication findings only (``rules.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Final, NamedTuple

from ..events import (
    Event,
    Ikev1Message,
    Ikev1Packet,
    Ikev1Payload,
    Ikev1Status,
    Ikev2Error,
    Ikev2Policy,
    Ikev2Status,
    IpsecMessage,
    SyslogMessage,
)
from .models import Finding
from .proposals import phase1_checks
from .reasons import hint

#: Findings that may be about certificates.
AUTHENTICATION_REASONS: Final = frozenset({"authentication_failed", "psk_mismatch"})


class CertificateTrouble(NamedTuple):
    """Records saying a certificate failed, and the most specific cause they show."""

    cause: str
    lines: list[int]
    summary: str


_CERTIFICATE: Final = re.compile(r"cert", re.IGNORECASE)
_FAILED: Final = re.compile(
    r"fail|invalid|not valid|expired|revoked|reject|could not|unable|not found|untrusted"
    r"|not trusted",
    re.IGNORECASE,
)
#: Printed on successful certificate exchanges too.
_BENIGN: Final = re.compile(r"no OU field|Unable to get DN|pubkey isn't cached", re.IGNORECASE)
#: Most specific first: a chain validation that failed because a certificate expired
#: (``%PKI-3-CERTIFICATE_INVALID_EXPIRED``) is an expiry.
_CAUSES: Final = (
    ("certificate_expired", re.compile(r"expired|not yet valid|validity", re.I)),
    ("certificate_revoked", re.compile(r"revoked|revocation|\bCRL\b", re.I)),
    (
        "certificate_chain",
        re.compile(r"chain|issuer|untrusted|not trusted|trustpoint|\bCA\b", re.I),
    ),
    ("certificate_identity", re.compile(r"profile|identity|\bDN\b|\bSAN\b|subject", re.I)),
)
_SUMMARIES: Final = {
    "certificate_expired": "a certificate has expired or is not yet valid",
    "certificate_revoked": "a certificate was revoked or its revocation could not be checked",
    "certificate_chain": "a certificate chain did not validate",
    "certificate_identity": "the peer's certificate matched no profile or identity",
    "certificate": "a certificate failed validation",
}


def _text(event: Event) -> str | None:
    if isinstance(event, SyslogMessage):
        return f"{event.mnemonic} {event.message}"
    if isinstance(event, Ikev1Message | Ikev1Status | Ikev2Error | Ikev2Status | IpsecMessage):
        return event.message
    if isinstance(event, Ikev2Policy):
        return f"{event.step.replace('_', ' ')} {event.detail or ''}"
    return None


def certificate_trouble(events: Iterable[Event]) -> CertificateTrouble | None:
    """The records of a session saying a certificate failed (expired, revoked, chain,
    identity), or None."""
    lines: list[int] = []
    causes: set[str] = set()
    for event in events:
        text = _text(event)
        if not text or not _CERTIFICATE.search(text) or _BENIGN.search(text):
            continue
        if _FAILED.search(text):
            lines.append(event.line)
            causes.update(cause for cause, pattern in _CAUSES if pattern.search(text))
    if not lines:
        return None
    cause = next((c for c, _ in _CAUSES if c in causes), "certificate")
    return CertificateTrouble(cause, lines, _SUMMARIES[cause])


_SIGNATURES: Final = ("RSA", "ECDSA", "DSS")


def uses_certificates(events: Iterable[Event]) -> bool:
    """Whether the IKE SA authenticates with certificates: an IKEv1 CERT payload processed
    or an accepted ISAKMP transform with RSA or ECDSA signatures; an IKEv2 authentication
    method (``My authentication method is 'RSA'``) that signs."""
    events = list(events)
    for event in events:
        if isinstance(event, Ikev1Payload) and event.payload == "CERT":
            return True
        if isinstance(event, Ikev2Policy) and (event.auth_method or "").upper().startswith(
            _SIGNATURES
        ):
            return True
    return any(
        r.accepted and r.attributes.get("auth", "").upper().startswith(_SIGNATURES)
        for r in phase1_checks(events)
    )


class CertificateFacts:
    """What a session's events say of certificates, read once (and only when a finding
    asks) for all the session's findings."""

    def __init__(self, events: Sequence[Event]) -> None:
        self._events = events

    @cached_property
    def trouble(self) -> CertificateTrouble | None:
        return certificate_trouble(self._events)

    @cached_property
    def used(self) -> bool:
        return uses_certificates(self._events)

    @cached_property
    def mm5(self) -> dict[int, tuple[int, str]]:
        """The MM5 packets by line: (place in the session, direction)."""
        found: dict[int, tuple[int, str]] = {}
        for place, event in enumerate(self._events):
            if isinstance(event, Ikev1Packet) and event.step == "MM5":
                found.setdefault(event.line, (place, event.direction))
        return found


def explain_authentication(finding: Finding, facts: CertificateFacts) -> Finding:
    """A failed authentication with certificates: their cause and hint, not a pre-shared
    key's.  IKEv1 MM5 unanswered reads as a key mismatch (``psk_mismatch``); with
    signatures there is no key, so it is an authentication failure.  Other findings come
    back as they are."""
    if finding.reason not in AUTHENTICATION_REASONS:
        return finding
    trouble = facts.trouble
    if trouble is None and not facts.used:
        return finding
    cause = trouble.cause if trouble else "certificate"
    reason = "authentication_failed"
    note = trouble.summary if trouble else _refused(finding, facts)
    summary = finding.summary if note in finding.summary else f"{finding.summary}; {note}"
    evidence = sorted({*finding.evidence, *(trouble.lines if trouble else [])})
    return finding.model_copy(
        update={
            "reason": reason,
            "summary": summary,
            "cause": cause,
            "hint": hint(reason, cause),
            "evidence": evidence,
        }
    )


_SIGNS: Final = "phase 1 signs with certificates"


def _refused(finding: Finding, facts: CertificateFacts) -> str:
    """Who refused whose certificate, by the MM5 (ID, CERT, SIG) the finding rests on."""
    mm5 = facts.mm5
    found = [mm5[line] for line in set(finding.evidence) if line in mm5]
    if found:
        if min(found)[1] == "received":
            return f"{_SIGNS}: this router did not accept the peer's certificate or signature"
        return f"{_SIGNS}: the peer did not accept this router's certificate or signature"
    return "the IKE SA authenticates with certificates"


__all__ = [
    "AUTHENTICATION_REASONS",
    "CertificateFacts",
    "CertificateTrouble",
    "certificate_trouble",
    "explain_authentication",
    "uses_certificates",
]
