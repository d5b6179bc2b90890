"""IKEv2 events: packets, state traces, errors, deletes, proposals, policy lookups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from .. import registry
from ..matching import Parsed
from . import spec
from .base import (
    ROLES,
    Direction,
    Endpoint,
    EventBase,
    Match,
    Payload,
    Role,
    as_int,
    as_str,
    endpoint_from,
    get,
    payloads_from,
)


class _Ikev2(EventBase):
    """IKEv2 records carry the session and SA ids of their prefix where printed."""

    session_id: int | None = None
    sa_id: int | None = None

    #: The session/SA ids of a record prefix (ASA prints a handle in their place).
    SPEC: ClassVar[dict[str, spec.Spec]] = {
        "session_id": spec.Int("session_id"),
        "sa_id": spec.FirstInt("sa_id", "handle"),
    }

    @classmethod
    def context(cls, result: Parsed) -> dict[str, Any]:
        return {
            "session_id": as_int(get(result, "session_id")),
            "sa_id": as_int(get(result, "sa_id") or get(result, "handle")),
        }

    @classmethod
    def from_match(cls, match: Match) -> Self:
        built: Self = spec.build(cls, match)
        return built


_CONTEXT = _Ikev2.SPEC


@dataclass(frozen=True)
class PacketEnd(spec.Spec):
    """The local or remote end of a packet: ``[To remote/From local]`` when sending,
    ``[From remote/To local]`` when receiving; the event trace names them."""

    end: Literal["local", "remote"]

    def value(self, match: Match) -> Any:
        result = match.result
        if not get(result, "first_word"):
            return endpoint_from(result, self.end)
        sent = get(result, "direction") == "Sending"
        ends = {
            get(result, "first_word"): endpoint_from(result, "first"),
            get(result, "second_word"): endpoint_from(result, "second"),
        }
        wanted = "To" if (self.end == "remote") == sent else "From"
        return ends.get(wanted)


@dataclass(frozen=True)
class Response(spec.Spec):
    """Whether the message is a response; None when the exchange line was not printed."""

    def value(self, match: Match) -> Any:
        message_type = get(match.result, "message_type")
        return None if message_type is None else message_type == "RESPONSE"


@dataclass(frozen=True)
class Payloads(spec.Spec):
    """The payloads of the ``Payload contents:`` list: None when no list was printed,
    or an empty list when ``always``."""

    always: bool = False

    def value(self, match: Match) -> Any:
        found = payloads_from(get(match.result, "payloads"))
        return (found or []) if self.always else found


@dataclass(frozen=True)
class Truncated(spec.Spec):
    """A packet header whose SPI line never came: cut by the end of the log or a rollover."""

    def value(self, match: Match) -> Any:
        result = match.result
        return bool(get(result, "first_word")) and get(result, "initiator_spi") is None


@dataclass(frozen=True)
class StateMessageId(spec.Spec):
    """ASA prints the state machine's message id as 8 hex digits (00000001), IOS in
    decimal."""

    def value(self, match: Match) -> Any:
        raw_id = str(get(match.result, "message_id"))
        return int(raw_id, 16) if len(raw_id) == 8 and raw_id.startswith("0") else int(raw_id)


class Ikev2Packet(_Ikev2):
    """A ``Sending Packet``/``Received Packet`` block, or an event-trace exchange line."""

    kind: Literal["ikev2_packet"] = "ikev2_packet"
    direction: Direction
    local: Endpoint | None = None
    remote: Endpoint | None = None
    vrf: str | None = None
    initiator_spi: str | None = None
    responder_spi: str | None = None
    message_id: int | None = None
    exchange: str | None = None
    response: bool | None = None
    payloads: list[Payload] | None = None
    role: Role | None = None
    truncated: bool = False

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "direction": spec.Choose("direction", "Sending", "sent", "received"),
        "local": PacketEnd("local"),
        "remote": PacketEnd("remote"),
        "vrf": spec.Text("vrf"),
        "initiator_spi": spec.Spi("initiator_spi"),
        "responder_spi": spec.Spi("responder_spi"),
        "message_id": spec.Int("message_id"),
        "exchange": spec.Text("exchange"),
        "response": Response(),
        "payloads": Payloads(),
        "role": spec.Mapped("role", ROLES),
        "truncated": Truncated(),
    }


class Ikev2Payloads(_Ikev2):
    """The payloads inside an encrypted message (``Building packet for encryption``) or
    listed by the event trace (``Exchange Contains:``)."""

    kind: Literal["ikev2_payloads"] = "ikev2_payloads"
    exchange: str | None = None
    role: Role | None = None
    payloads: list[Payload]

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "exchange": spec.Text("exchange"),
        "role": spec.Mapped("role", ROLES),
        "payloads": Payloads(always=True),
    }


class Ikev2State(_Ikev2):
    """A state machine trace: ``SM Trace-> SA: I_SPI=... R_SPI=... (R) MsgID = 1 ...``."""

    kind: Literal["ikev2_state"] = "ikev2_state"
    initiator_spi: str
    responder_spi: str
    role: Role | None
    message_id: int
    state: str
    event: str

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "initiator_spi": spec.Spi("initiator_spi"),
        "responder_spi": spec.Spi("responder_spi"),
        "role": spec.Mapped("role", ROLES),
        "message_id": StateMessageId(),
        "state": spec.Str("state"),
        "event": spec.Str("event"),
    }


class Ikev2Retransmit(_Ikev2):
    """``Retransmitting packet``: the next ``Sending Packet`` block is a retransmission."""

    kind: Literal["ikev2_retransmit"] = "ikev2_retransmit"

    SPEC: ClassVar[dict[str, spec.Spec]] = _CONTEXT


class Ikev2Error(_Ikev2):
    """An ``IKEv2-ERROR:`` record; IOS often prints it with no text at all."""

    kind: Literal["ikev2_error"] = "ikev2_error"
    message: str

    SPEC: ClassVar[dict[str, spec.Spec]] = {**_CONTEXT, "message": spec.Str("message", "")}


class Ikev2SessionUp(_Ikev2):
    """``Session with IKE ID PAIR (remote, local) is UP``."""

    kind: Literal["ikev2_session_up"] = "ikev2_session_up"
    remote_identity: str
    local_identity: str
    local: Endpoint | None = None
    remote: Endpoint | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "remote_identity": spec.Str("remote_identity"),
        "local_identity": spec.Str("local_identity"),
        "local": spec.EndpointOf("local"),
        "remote": spec.EndpointOf("remote"),
    }


class Ikev2Delete(_Ikev2):
    """``Sending``/``Processing DELETE INFO message for IPsec SA [SPI: 0x...]`` or an IKE SA
    (the IPsec SPI as its value, ``spi``, and as 8 hex digits, ``spi_hex``)."""

    kind: Literal["ikev2_delete"] = "ikev2_delete"
    direction: Direction
    sa_type: Literal["ike", "ipsec"]
    spi: int | None = None
    spi_hex: str | None = None
    initiator_spi: str | None = None
    responder_spi: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "direction": spec.Choose("action", "Sending", "sent", "received"),
        "sa_type": spec.Choose("spi", None, "ipsec", "ike"),
        "spi": spec.HexInt("spi"),
        "spi_hex": spec.Spi32("spi"),
        "initiator_spi": spec.Spi("initiator_spi"),
        "responder_spi": spec.Spi("responder_spi"),
    }


class Ikev2Proposal(_Ikev2):
    """``IKE Proposal: 1, SPI size: 0 (initial negotiation), Num. transforms: 4`` + names
    (``protocol`` as printed, ``protocol_code`` its IKEv2 Protocol ID)."""

    kind: Literal["ikev2_proposal"] = "ikev2_proposal"
    protocol: str
    protocol_code: int | None = None
    number: int
    spi_size: int
    purpose: str | None = None
    transform_count: int
    transforms: list[str]

    @classmethod
    def from_match(cls, match: Match) -> Self:
        result = match.result
        return cls.build(
            match.message,
            **cls.context(result),
            protocol=str(get(result, "protocol")),
            # RFC 7296 section 3.3.1: the Protocol ID of the proposal substructure.
            protocol_code=registry.IKEV2_PROTOCOL_CODES.get(str(get(result, "protocol"))),
            number=int(get(result, "number")),
            spi_size=int(get(result, "spi_size")),
            purpose=as_str(get(result, "purpose")),
            transform_count=int(get(result, "transform_count")),
            transforms=[str(name) for name in get(result, "transforms", [])],
        )


class Ikev2ConfigAttribute(_Ikev2):
    """``Attrib type: app-version, length: 257, data: ...`` (data may span lines)."""

    kind: Literal["ikev2_config_attribute"] = "ikev2_config_attribute"
    attribute: str
    length: int
    data: str | None = None

    @classmethod
    def from_match(cls, match: Match) -> Self:
        result, message = match.result, match.message
        data = get(result, "data")
        tail = " ".join(message.lines[1:])
        if data is not None and tail and str(data).endswith(tail):
            # Keep the value's own line breaks: IOS wrapped it, not the terminal.
            data = "\n".join([str(data)[: -len(tail) - 1], *message.lines[1:]])
        return cls.build(
            message,
            **cls.context(result),
            attribute=str(get(result, "attribute")).strip(),
            length=int(get(result, "length")),
            data=as_str(data),
        )


_POLICY_TEXT_FIELDS = (
    "identity", "identity_type", "profile", "keyring", "peer_block", "policy",
    "fvrf", "local_address", "auth_method", "detail",
)  # fmt: skip


class Ikev2Policy(_Ikev2):
    """Identity, profile, keyring, policy and authentication lookups; ``step`` says which."""

    kind: Literal["ikev2_policy"] = "ikev2_policy"
    step: str
    identity: str | None = None
    identity_type: str | None = None
    profile: str | None = None
    keyring: str | None = None
    peer_block: str | None = None
    policy: str | None = None
    fvrf: str | None = None
    local_address: str | None = None
    auth_method: str | None = None
    key_length: int | None = None
    outcome: Literal["passed", "failed"] | None = None
    detail: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "step": spec.RowName(),
        **{name: spec.Text(name) for name in _POLICY_TEXT_FIELDS},
        "key_length": spec.Int("key_length"),
        "outcome": spec.Lower("outcome"),
    }


class Ikev2Status(_Ikev2):
    """A known internal progress record (``Completed SA init exchange``, ...)."""

    kind: Literal["ikev2_status"] = "ikev2_status"
    status: str
    message: str
    exchange: str | None = None
    dh_group: int | None = None
    lifetime_seconds: int | None = None
    reason: str | None = None
    detail: str | None = None

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        **_CONTEXT,
        "status": spec.RowName(),
        "message": spec.Stripped("body"),
        "exchange": spec.Text("exchange"),
        "dh_group": spec.Int("dh_group"),
        "lifetime_seconds": spec.Int("lifetime_seconds"),
        "reason": spec.Text("reason"),
        "detail": spec.Text("detail"),
    }
