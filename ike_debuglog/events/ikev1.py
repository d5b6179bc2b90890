"""IKEv1 events: packets with their Main/Aggressive/Quick Mode step, state changes,
payloads, policy checks, retransmissions, deletions and the IPsec SAs quick mode creates.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from .. import registry
from ..grammars.ikev1 import ASA_PAYLOAD
from . import spec
from .base import (
    ROLES,
    Direction,
    Endpoint,
    EventBase,
    Frozen,
    Match,
    Role,
    as_int,
    as_spi32,
    get,
)

#: Where a packet sits in its exchange.
Step = Literal[
    "MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "AM1", "AM2", "AM3", "QM1", "QM2", "QM3", "INFO"
]

_ROLES: dict[str, Role] = {**ROLES, "N": "responder"}


class _Ikev1(EventBase):
    """IKEv1 records carry the ISAKMP connection id of their prefix where printed, and the
    channel of IOS-XE prefixes (``PAK`` for packets, ``ERROR`` for errors)."""

    conn_id: int | None = None
    channel: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        "conn_id": spec.PrefixInt("conn_id"),
        "channel": spec.PrefixRaw("channel"),
    }

    @classmethod
    def context(cls, prefix: dict[str, Any]) -> dict[str, Any]:
        return {"conn_id": as_int(prefix.get("conn_id")), "channel": prefix.get("channel")}

    @classmethod
    def from_match(cls, match: Match) -> Self:
        built: Self = spec.build(cls, match)
        return built


_CONTEXT = _Ikev1.SPEC
_MESSAGE_ID = spec.MessageId("message_id")


class Ikev1Packet(_Ikev1):
    """``sending packet to A my_port P peer_port Q (I) MM_KEY_EXCH`` or ``received packet
    from A dport P sport Q Global (R) QM_IDLE``.

    ``state`` is the coarse state as printed; ``step`` (``MM1``..``MM6``, ``AM1``..``AM3``,
    ``QM1``..``QM3``, ``INFO``) and ``message_id`` (0 in phase 1, the node of a phase 2
    message) are worked out from the records around the packet, see
    :mod:`ike_debuglog.steps`; ``retransmission`` marks a packet sent again.
    """

    kind: Literal["ikev1_packet"] = "ikev1_packet"
    direction: Direction
    remote: Endpoint
    local_port: int | None = None
    vrf: str | None = None
    role: Role | None = None
    state: str | None
    step: Step | None = None
    retransmission: bool = False
    message_id: int | None = None
    payload_names: list[str] | None = None
    length: int | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "direction": spec.Choose("direction", "sending", "sent", "received"),
        "remote": spec.Peer("remote", "remote_port"),
        "local_port": spec.Int("local_port"),
        "vrf": spec.Text("vrf"),
        "role": spec.Mapped("role", _ROLES),
        "state": spec.Str("state"),
    }

    @classmethod
    def from_asa_match(cls, match: Match) -> Ikev1Packet:
        """An ASA ``IKE_DECODE SENDING|RECEIVED Message`` line: no state, no ports, but the
        message id (hex), the payload list and the length."""
        result = match.result
        names = [name for name, code in ASA_PAYLOAD.findall(str(get(result, "payload_list")))]
        return cls.build(
            match.message,
            direction="sent" if get(result, "direction") == "SENDING" else "received",
            remote=Endpoint.construct_checked(
                address=str((match.prefix or {}).get("peer")), port=None
            ),
            state=None,
            message_id=int(str(get(result, "asa_message_id")), 16),
            payload_names=[name for name in names if name != "NONE"],
            length=as_int(get(result, "length")),
        )


class Ikev1State(_Ikev1):
    """``Old State = IKE_I_MM1  New State = IKE_I_MM2``."""

    kind: Literal["ikev1_state"] = "ikev1_state"
    old_state: str
    new_state: str

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "old_state": spec.Str("old_state"),
        "new_state": spec.Str("new_state"),
    }


class Ikev1Input(_Ikev1):
    """``Node 1025971884, Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH``: what drives the next
    state change (``origin`` is where the input came from, ``input`` what it is)."""

    kind: Literal["ikev1_input"] = "ikev1_input"
    message_id: int | None = None
    origin: str
    input: str

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "message_id": _MESSAGE_ID,
        "origin": spec.Str("origin"),
        "input": spec.Str("input"),
    }


class Ikev1Payload(_Ikev1):
    """``processing HASH payload. message ID = 1025971884`` (``received payload type 20``
    gives only the number)."""

    kind: Literal["ikev1_payload"] = "ikev1_payload"
    payload: str | None = None
    payload_type: int | None = None
    message_id: int | None = None
    address: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "payload": spec.Text("payload"),
        "payload_type": spec.Int("payload_type"),
        "message_id": _MESSAGE_ID,
        "address": spec.Text("address"),
    }


#: Printed IKEv1 protocol ids and their names (RFC 2407 section 4.4.1).
_IKEV1_PROTOCOLS = {str(code): name for code, name in registry.IKEV1_PROTOCOLS.items()}


class Ikev1Notify(_Ikev1):
    """``Sending NOTIFY PROPOSAL_NOT_CHOSEN protocol 3 spi ..., message ID = ...`` (sent)
    or ``processing NOTIFY INITIAL_CONTACT protocol 1 ...`` (received): ``protocol_code``
    the IKEv1 protocol id, ``protocol`` its name, ``spi`` the SPI printed in decimal."""

    kind: Literal["ikev1_notify"] = "ikev1_notify"
    direction: Direction
    notify: str
    protocol: str | None = None
    protocol_code: int
    spi: int | None = None
    message_id: int | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "direction": spec.Choose("action", "Sending", "sent", "received"),
        "notify": spec.Str("notify"),
        "protocol": spec.Mapped("protocol", _IKEV1_PROTOCOLS),
        "protocol_code": spec.Int("protocol"),
        "spi": spec.Int("spi"),
        "message_id": _MESSAGE_ID,
    }


class Ikev1Identity(_Ikev1):
    """An ``ID payload`` dump: ``type 1`` (ID_IPV4_ADDR) with ``address``, ``type 2``
    (ID_FQDN) with ``FQDN name``; ``identity`` is whichever value was printed.  The ID
    type and IP protocol come as a name (``id_type``, ``protocol``) and a number
    (``id_type_code``, ``protocol_code``)."""

    kind: Literal["ikev1_identity"] = "ikev1_identity"
    id_type: str | None = None
    id_type_code: int | None = None
    identity: str | None = None
    protocol: str | None = None
    protocol_code: int | None = None
    port: int | None = None
    length: int | None = None
    next_payload: int | None = None

    @classmethod
    def from_match(cls, match: Match) -> Self:
        fields: dict[str, str] = dict(get(match.result, "fields", {}))
        identity = next((value for key, value in fields.items() if key not in _ID_NUMBERS), None)
        id_type, protocol = _number(fields.get("type")), _number(fields.get("protocol"))
        return cls.build(
            match.message,
            **cls.context(match.prefix or {}),
            id_type=registry.name_of(registry.IKEV1_ID_TYPES, id_type),
            id_type_code=id_type,
            identity=identity,
            protocol=registry.name_of(registry.IP_PROTOCOLS, protocol),
            protocol_code=protocol,
            port=_number(fields.get("port")),
            length=_number(fields.get("length")),
            next_payload=_number(fields.get("next-payload")),
        )


_ID_NUMBERS = frozenset({"next-payload", "type", "protocol", "port", "length"})


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


class Ikev1Transform(_Ikev1):
    """A proposal check: phase 1 ``Checking ISAKMP transform 1 against priority 10
    policy``; phase 2 ``Checking IPSec proposal 1`` and ``transform 1, ESP_3DES``."""

    kind: Literal["ikev1_transform"] = "ikev1_transform"
    phase: Literal[1, 2]
    transform: int | None = None
    priority: int | None = None
    proposal: int | None = None
    transform_name: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "phase": spec.Choose("priority", None, 1, 2),
        "transform": spec.FirstInt("transform", "ipsec_transform"),
        "priority": spec.Int("priority"),
        "proposal": spec.Int("proposal"),
        "transform_name": spec.Text("transform_name"),
    }


class Ikev1Attribute(_Ikev1):
    """One attribute of the transform or proposal being checked (``encryption AES-CBC``,
    ``SA life duration (VPI) of 0x0 0x46 0x50 0x0``): ``value`` as printed, ``number`` its
    numeric value (VPI bytes decoded: 4608000)."""

    kind: Literal["ikev1_attribute"] = "ikev1_attribute"
    attribute: str
    value: str
    number: int | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "attribute": spec.RowName(),
        "value": spec.AttributeValue(),
        "number": spec.AttributeNumber(),
    }


class Ikev1Retransmit(_Ikev1):
    """``retransmitting phase 1 MM_KEY_EXCH...`` (the next packet sent is a copy) or
    ``retransmitting due to retransmit phase 1`` (``reason``)."""

    kind: Literal["ikev1_retransmit"] = "ikev1_retransmit"
    phase: int
    state: str | None = None
    message_id: int | None = None
    reason: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "phase": spec.FirstInt("phase", "reason_phase"),
        "state": spec.Text("state"),
        "message_id": _MESSAGE_ID,
        "reason": spec.Text("reason"),
    }


class Ikev1Delete(_Ikev1):
    """Deleting or purging an SA, a node (a phase 2 message id) or a peer:
    ``deleting SA reason "..." state (I) MM_NO_STATE (peer 10.0.0.2)``,
    ``deleting node 1416806668 error FALSE reason "QM done (await)"``, ``purging node N``."""

    kind: Literal["ikev1_delete"] = "ikev1_delete"
    target: Literal["sa", "node", "peer"]
    action: Literal["delete", "purge"]
    message_id: int | None = None
    error: bool | None = None
    reason: str | None = None
    role: Role | None = None
    state: str | None = None
    peer: str | None = None
    handle: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "target": spec.RowName(),
        "action": spec.TextHas("purging", "purge", "delete"),
        "message_id": _MESSAGE_ID,
        "error": spec.Flag("error"),
        "reason": spec.Text("reason"),
        "role": spec.Mapped("role", _ROLES),
        "state": spec.Text("state"),
        "peer": spec.Text("peer"),
        "handle": spec.Text("handle"),
    }


class Ikev1IpsecSa(Frozen):
    """One IPsec SA of a ``Creating IPSec SAs`` block."""

    direction: Literal["inbound", "outbound"]
    source: str
    destination: str
    proxy_source: str | None = None
    proxy_destination: str | None = None
    spi_hex: str | None = None
    conn_id: int | None = None
    flags: str | None = None
    lifetime_seconds: int | None = None
    lifetime_kb: int | None = None


class Ikev1IpsecSas(_Ikev1):
    """``Creating IPSec SAs``: the inbound and outbound SAs quick mode installs, with
    their proxies, SPIs (``spi_hex``, 8 digits) and crypto engine connection ids."""

    kind: Literal["ikev1_ipsec_sas"] = "ikev1_ipsec_sas"
    sas: list[Ikev1IpsecSa]

    @classmethod
    def from_match(cls, match: Match) -> Self:
        sas = []
        for block in get(match.result, "sas", []):
            spi = block["spi_hex"]
            if spi is None and block["spi_decimal"] is not None:
                spi = f"{int(block['spi_decimal']):X}"
            sas.append(
                Ikev1IpsecSa.construct_checked(
                    direction=block["direction"],
                    source=block["source"],
                    destination=block["destination"],
                    proxy_source=block["proxy_source"],
                    proxy_destination=block["proxy_destination"],
                    spi_hex=as_spi32(spi),
                    conn_id=as_int(block["conn_id"]),
                    flags=block["flags"],
                    lifetime_seconds=as_int(block["lifetime_seconds"]),
                    lifetime_kb=as_int(block["lifetime_kb"]),
                )
            )
        return cls.build(match.message, **cls.context(match.prefix or {}), sas=sas)


_STATUS_TEXT = (
    "local_address", "remote_address", "identity", "id_type", "profile", "keyring", "vendor",
    "outcome", "state", "interface", "dpd_sequence", "reason", "detail",
)  # fmt: skip
_STATUS_NUMBERS = (
    "port", "major", "phase", "error_code", "attempt", "max_attempts", "lifetime_seconds",
)  # fmt: skip


class Ikev1Status(_Ikev1):
    """A known progress or failure record; ``status`` names it (vocabulary in
    docs/fields.md) and ``message`` keeps its text."""

    kind: Literal["ikev1_status"] = "ikev1_status"
    status: str
    message: str
    peer: str | None = None
    local_address: str | None = None
    remote_address: str | None = None
    port: int | None = None
    identity: str | None = None
    id_type: str | None = None
    id_type_code: int | None = None
    profile: str | None = None
    keyring: str | None = None
    vendor: str | None = None
    major: int | None = None
    outcome: str | None = None
    message_id: int | None = None
    state: str | None = None
    phase: int | None = None
    spi: int | None = None
    spi_hex: str | None = None
    interface: str | None = None
    dpd_sequence: str | None = None
    error_code: int | None = None
    attempt: int | None = None
    max_attempts: int | None = None
    lifetime_seconds: int | None = None
    reason: str | None = None
    detail: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "status": spec.RowName(),
        "message": spec.Body(),
        "peer": spec.NoBlanks("peer"),
        "spi": spec.HexInt("spi"),
        "spi_hex": spec.Spi32("spi"),
        "message_id": _MESSAGE_ID,
        "id_type_code": spec.Mapped("id_type", registry.IKEV1_ID_CODES),
        **{field: spec.Text(field) for field in _STATUS_TEXT},
        **{field: spec.Int(field) for field in _STATUS_NUMBERS},
    }


class Ikev1Message(_Ikev1):
    """Any other ISAKMP record (peer structures, lifetimes, lookups): kept with its
    connection id so that nothing is lost and correlation can still place it."""

    kind: Literal["ikev1_message"] = "ikev1_message"
    message: str

    SPEC: ClassVar[dict[str, spec.Spec]] = {**_CONTEXT, "message": spec.Str("message")}

    @classmethod
    def from_asa_match(cls, match: Match) -> Ikev1Message:
        """An ASA record the grammars do not read: its text after the ``[IKEv1]`` tag."""
        text = match.message.text
        return cls.build(match.message, message=text[text.index("]") + 1 :].strip())
