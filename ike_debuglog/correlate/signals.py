"""What one record says about the negotiation it belongs to, whatever session that is: it
names its peer (crypto syslog), it says an SA came up, the negotiation ended or IOS
deleted the SA, it leads into the next negotiation, it begins setting one up.

The correlator (``correlator.py``) decides which session a record joins; these are the
facts of the record it decides with, kept apart so that the rules read as a table.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from ..events import (
    Event,
    Ikev2Delete,
    Ikev2Error,
    Ikev2Packet,
    Ikev2Status,
    SyslogMessage,
)
from ..families import PROTOCOLS
from ..scan.records import RecordBatch

#: Crypto syslog mnemonics that name the peer of a session.
SESSION_SYSLOG: Final = frozenset(
    {
        "IKEV2_SESSION_STATUS",
        "IKMP_MODE_FAILURE",
        "IKMP_NO_SA",
        "IKMP_BAD_MESSAGE",
        "IKMP_NOT_ENCRYPTED",
        "IKMP_INVAL_CERT",
        "IKMP_AUTH_FAIL",
    }
)
#: PKI messages about a certificate IKE is validating (no peer address): they belong to
#: the IKE session last active on the host.
_CERTIFICATE_FACILITY: Final = "PKI"
_CERTIFICATE_PREFIX: Final = "CERTIFICATE_"
#: Records after which an IKEv1 negotiation cannot go on.
_IKEV1_ENDINGS: Final = frozenset({"IKE_DEST_SA"})
_IKEV2_ENDINGS: Final = ("Initial exchange failed", "Auth exchange failed")

#: IKEv2 status records after which IOS may give the SA's ids to a new negotiation.
_CLOSING_STATUS: Final = frozenset({"sa_deleting", "delete_all_ike_sas"})
#: Records that begin setting up an IKE SA (the Diffie-Hellman computation, the policy
#: lookup, the IKE proposal about to be sent): under the id of a finished negotiation, or
#: of an IKE_SA_INIT request never answered, they begin a new one.
OPENING_STATUS: Final = frozenset({"crypto_engine_request", "dh_queued"})
OPENING_POLICY: Final = frozenset({"policy_search", "policy_found", "default_policy"})


#: IKEv1 states and statuses that say an SA came up.
_IKEV1_UP_STATES: Final = frozenset({"IKE_P1_COMPLETE", "IKE_QM_PHASE2_COMPLETE"})
_IKEV1_UP_STATUS: Final = frozenset({"sa_authenticated", "ipsec_sa_installed"})


def comes_up(event: Event) -> bool:
    """Whether a record says an SA of its session came up: from then on the session
    lives until it is deleted or the log ends, however long it stays quiet."""
    kind = event.kind
    if kind == "ikev2_session_up":
        return True
    if isinstance(event, Ikev2Packet):
        # IKE_AUTH answered without an error notify (RFC 7296 section 3.10.1: below 16384).
        return (
            event.exchange == "IKE_AUTH"
            and bool(event.response)
            and not any(
                p.notify_code is not None and p.notify_code < 16384 for p in event.payloads or []
            )
        )
    if kind == "ikev1_state":
        return getattr(event, "new_state", None) in _IKEV1_UP_STATES
    if kind == "ikev1_status":
        return getattr(event, "status", None) in _IKEV1_UP_STATUS
    if isinstance(event, SyslogMessage):
        return event.mnemonic == "IKEV2_SESSION_STATUS" and event.fields.get("state") == "UP"
    return False


def about_a_certificate(event: SyslogMessage) -> bool:
    return event.facility == _CERTIFICATE_FACILITY and event.mnemonic.startswith(
        _CERTIFICATE_PREFIX
    )


def ends(event: Event) -> bool:
    """Whether a record means the negotiation is over (emission may follow)."""
    if isinstance(event, Ikev2Delete):
        return event.sa_type == "ike"
    if isinstance(event, Ikev2Error):
        return event.message.startswith(_IKEV2_ENDINGS)
    if event.kind == "ikev1_state":
        return getattr(event, "new_state", None) in _IKEV1_ENDINGS
    return False


#: IKEv2 records printed before a negotiation names itself (no session id or SPI yet).
_LEADING_KINDS: Final = frozenset({"ikev2_policy", "ikev2_proposal"})


def leads_in(event: Event) -> bool:
    """A record that names no negotiation and leads into the next one (a policy lookup,
    the proposals about to be sent)."""
    return (
        event.kind in _LEADING_KINDS
        and getattr(event, "session_id", None) is None
        and getattr(event, "sa_id", None) is None
    )


def closes(event: Event) -> bool:
    if isinstance(event, Ikev2Status):
        return event.status in _CLOSING_STATUS
    return isinstance(event, Ikev2Delete | Ikev2Error) and ends(event)


def session_records(batch: RecordBatch) -> set[int]:
    """The records of a batch a session can hold (their places in the batch): IKE and
    IPsec records, and the crypto syslog messages that name a peer (see ``Correlator._assign``)."""
    wanted: set[int] = set()
    for kind, table in batch.tables.items():
        if PROTOCOLS.get(kind) is not None:
            wanted.update(table.get_column("_order").to_list())
        elif kind == "syslog":
            named = table.filter(
                pl.col("mnemonic").is_in(list(SESSION_SYSLOG))
                | (pl.col("facility") == _CERTIFICATE_FACILITY)
                & pl.col("mnemonic").str.starts_with(_CERTIFICATE_PREFIX)
            )
            wanted.update(named.get_column("_order").to_list())
    for order, event in batch.python.items():
        if PROTOCOLS.get(event.kind) is not None or (
            isinstance(event, SyslogMessage)
            and (event.mnemonic in SESSION_SYSLOG or about_a_certificate(event))
        ):
            wanted.add(order)
    return wanted


__all__ = [
    "OPENING_POLICY",
    "OPENING_STATUS",
    "SESSION_SYSLOG",
    "about_a_certificate",
    "closes",
    "comes_up",
    "ends",
    "leads_in",
    "session_records",
]
