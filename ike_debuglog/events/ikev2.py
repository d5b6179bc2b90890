"""IKEv2 events: packets, state traces, errors, deletes, proposals, policy lookups."""

from __future__ import annotations

from typing import Any, Literal

from ..framing import Message
from .base import (
    Direction,
    Endpoint,
    EventBase,
    Parsed,
    Payload,
    Role,
    as_int,
    as_spi,
    as_spi32,
    as_str,
    endpoint_from,
    get,
    payloads_from,
    role_from,
)


class _Ikev2(EventBase):
    """IKEv2 records carry the session and SA ids of their prefix where printed."""

    session_id: int | None = None
    sa_id: int | None = None

    @classmethod
    def context(cls, result: Parsed) -> dict[str, Any]:
        """The session/SA ids of a record prefix (ASA prints a handle in their place)."""
        return {
            "session_id": as_int(get(result, "session_id")),
            "sa_id": as_int(get(result, "sa_id") or get(result, "handle")),
        }


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

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2Packet:
        direction: Direction = "sent" if get(result, "direction") == "Sending" else "received"
        if get(result, "first_word"):
            # "[To remote/From local]" when sending, "[From remote/To local]" when receiving.
            ends = {
                get(result, "first_word"): endpoint_from(result, "first"),
                get(result, "second_word"): endpoint_from(result, "second"),
            }
            to, source = ends.get("To"), ends.get("From")
            remote, local = (to, source) if direction == "sent" else (source, to)
        else:
            local, remote = endpoint_from(result, "local"), endpoint_from(result, "remote")
        message_type = get(result, "message_type")
        return cls.build(
            message,
            **cls.context(result),
            direction=direction,
            local=local,
            remote=remote,
            vrf=as_str(get(result, "vrf")),
            initiator_spi=as_spi(get(result, "initiator_spi")),
            responder_spi=as_spi(get(result, "responder_spi")),
            message_id=as_int(get(result, "message_id")),
            exchange=as_str(get(result, "exchange")),
            response=None if message_type is None else message_type == "RESPONSE",
            payloads=payloads_from(get(result, "payloads")),
            role=role_from(get(result, "role")),
            truncated=bool(get(result, "first_word")) and get(result, "initiator_spi") is None,
        )


class Ikev2Payloads(_Ikev2):
    """The payloads inside an encrypted message (``Building packet for encryption``) or
    listed by the event trace (``Exchange Contains:``)."""

    kind: Literal["ikev2_payloads"] = "ikev2_payloads"
    exchange: str | None = None
    role: Role | None = None
    payloads: list[Payload]

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2Payloads:
        return cls.build(
            message,
            **cls.context(result),
            exchange=as_str(get(result, "exchange")),
            role=role_from(get(result, "role")),
            payloads=payloads_from(get(result, "payloads")) or [],
        )


class Ikev2State(_Ikev2):
    """A state machine trace: ``SM Trace-> SA: I_SPI=... R_SPI=... (R) MsgID = 1 ...``."""

    kind: Literal["ikev2_state"] = "ikev2_state"
    initiator_spi: str
    responder_spi: str
    role: Role | None
    message_id: int
    state: str
    event: str

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2State:
        raw_id = str(get(result, "message_id"))
        # ASA prints the message id as 8 hex digits (00000001), IOS in decimal.
        message_id = int(raw_id, 16) if len(raw_id) == 8 and raw_id.startswith("0") else int(raw_id)
        return cls.build(
            message,
            **cls.context(result),
            initiator_spi=as_spi(get(result, "initiator_spi")),
            responder_spi=as_spi(get(result, "responder_spi")),
            role=role_from(get(result, "role")),
            message_id=message_id,
            state=str(get(result, "state")),
            event=str(get(result, "event")),
        )


class Ikev2Retransmit(_Ikev2):
    """``Retransmitting packet``: the next ``Sending Packet`` block is a retransmission."""

    kind: Literal["ikev2_retransmit"] = "ikev2_retransmit"

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2Retransmit:
        return cls.build(message, **cls.context(result))


class Ikev2Error(_Ikev2):
    """An ``IKEv2-ERROR:`` record; IOS often prints it with no text at all."""

    kind: Literal["ikev2_error"] = "ikev2_error"
    message: str

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2Error:
        return cls.build(message, **cls.context(result), message=str(get(result, "message", "")))


class Ikev2SessionUp(_Ikev2):
    """``Session with IKE ID PAIR (remote, local) is UP``."""

    kind: Literal["ikev2_session_up"] = "ikev2_session_up"
    remote_identity: str
    local_identity: str
    local: Endpoint | None = None
    remote: Endpoint | None = None

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2SessionUp:
        return cls.build(
            message,
            **cls.context(result),
            remote_identity=str(get(result, "remote_identity")),
            local_identity=str(get(result, "local_identity")),
            local=endpoint_from(result, "local"),
            remote=endpoint_from(result, "remote"),
        )


class Ikev2Delete(_Ikev2):
    """``Sending``/``Processing DELETE INFO message for IPsec SA [SPI: 0x...]`` or an IKE SA."""

    kind: Literal["ikev2_delete"] = "ikev2_delete"
    direction: Direction
    sa_type: Literal["ike", "ipsec"]
    spi: str | None = None
    initiator_spi: str | None = None
    responder_spi: str | None = None

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2Delete:
        spi = as_spi32(get(result, "spi"))
        return cls.build(
            message,
            **cls.context(result),
            direction="sent" if get(result, "action") == "Sending" else "received",
            sa_type="ipsec" if spi is not None else "ike",
            spi=spi,
            initiator_spi=as_spi(get(result, "initiator_spi")),
            responder_spi=as_spi(get(result, "responder_spi")),
        )


class Ikev2Proposal(_Ikev2):
    """``IKE Proposal: 1, SPI size: 0 (initial negotiation), Num. transforms: 4`` + names."""

    kind: Literal["ikev2_proposal"] = "ikev2_proposal"
    protocol: str
    number: int
    spi_size: int
    purpose: str | None = None
    transform_count: int
    transforms: list[str]

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2Proposal:
        return cls.build(
            message,
            **cls.context(result),
            protocol=str(get(result, "protocol")),
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
    def from_parsed(cls, result: Parsed, message: Message) -> Ikev2ConfigAttribute:
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

    @classmethod
    def from_step(cls, step: str, result: Parsed, message: Message) -> Ikev2Policy:
        outcome = get(result, "outcome")
        return cls.build(
            message,
            **cls.context(result),
            step=step,
            **{name: as_str(get(result, name)) for name in _POLICY_TEXT_FIELDS},
            key_length=as_int(get(result, "key_length")),
            outcome=outcome.lower() if outcome else None,
        )


_POLICY_TEXT_FIELDS = (
    "identity", "identity_type", "profile", "keyring", "peer_block", "policy",
    "fvrf", "local_address", "auth_method", "detail",
)  # fmt: skip


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

    @classmethod
    def from_step(cls, step: str, result: Parsed, message: Message) -> Ikev2Status:
        return cls.build(
            message,
            **cls.context(result),
            status=step,
            message=str(get(result, "body", "")).strip(),
            exchange=as_str(get(result, "exchange")),
            dh_group=as_int(get(result, "dh_group")),
            lifetime_seconds=as_int(get(result, "lifetime_seconds")),
            reason=as_str(get(result, "reason")),
            detail=as_str(get(result, "detail")),
        )
