"""IPsec events: key engine proposal blocks, SA creation and deletion, rejected proposals."""

from __future__ import annotations

from typing import Any, Literal, Self

from .. import registry
from ..framing import Message
from ..matching import Parsed
from .base import (
    Endpoint,
    EventBase,
    Proxy,
    as_int,
    as_spi32,
    as_str,
    endpoint_from,
    get,
    proxy_from,
)

IpsecDirection = Literal["inbound", "outbound"]


class _Identity(EventBase):
    """The addresses and proxy identities (traffic selectors) an IPsec record names."""

    local: Endpoint | None = None
    remote: Endpoint | None = None
    local_proxy: Proxy | None = None
    remote_proxy: Proxy | None = None

    @staticmethod
    def identity(result: Parsed) -> dict[str, Any]:
        """The local/remote endpoints and proxies of a parsed block."""
        return {
            "local": endpoint_from(result, "local"),
            "remote": endpoint_from(result, "remote"),
            "local_proxy": proxy_from(result, "local_proxy"),
            "remote_proxy": proxy_from(result, "remote_proxy"),
        }


def transforms_from(result: Parsed) -> list[str] | None:
    """Transform names from the grammar's ``transforms`` list, None when none was printed."""
    names = get(result, "transforms")
    return None if names is None else [str(name) for name in names]


class _ProposalBlock(_Identity):
    """Fields shared by ``sa_request``, ``validate_proposal_request`` and ``initialize_sas``."""

    direction: IpsecDirection | None = None
    #: ``ESP`` or ``AH`` as printed; ``protocol_code`` its IP protocol number (50, 51).
    protocol: str | None = None
    protocol_code: int | None = None
    transforms: list[str] | None = None
    mode: str | None = None
    lifetime_seconds: int | None = None
    lifetime_kb: int | None = None
    spi: int | None = None
    spi_hex: str | None = None
    conn_id: int | None = None
    keysize: int | None = None
    flags: str | None = None
    proposal_part: int | None = None
    #: The block's fields began but it ended before its last line (``spi= ...``): cut by
    #: the end of the input, a buffer rollover, or another record printed in its middle.
    truncated: bool = False

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Self:
        direction = get(result, "direction")
        protocol = as_str(get(result, "protocol"))
        return cls.build(
            message,
            **cls.identity(result),
            direction=direction.lower() if direction else None,
            protocol=protocol,
            protocol_code=None if protocol is None else registry.IP_PROTOCOL_CODES.get(protocol),
            transforms=transforms_from(result),
            mode=as_str(get(result, "mode")),
            lifetime_seconds=as_int(get(result, "lifetime_seconds")),
            lifetime_kb=as_int(get(result, "lifetime_kb")),
            spi=as_int(get(result, "spi")),
            spi_hex=as_spi32(get(result, "spi_hex")),
            conn_id=as_int(get(result, "conn_id")),
            keysize=as_int(get(result, "keysize")),
            flags=as_str(get(result, "flags")),
            proposal_part=as_int(get(result, "proposal_part")),
            # IOS prints a bare `proposal part #1` line before the block itself: only a
            # block that started its fields and lost its last line is cut.
            truncated=get(result, "spi") is None and get(result, "local") is not None,
        )


class IpsecSaRequest(_ProposalBlock):
    """``IPSEC(sa_request)``: IKE is asked to negotiate SAs for this traffic."""

    kind: Literal["ipsec_sa_request"] = "ipsec_sa_request"


class IpsecValidateProposal(_ProposalBlock):
    """``IPSEC(validate_proposal_request)``: a peer's quick mode / child SA proposal."""

    kind: Literal["ipsec_validate_proposal"] = "ipsec_validate_proposal"


class IpsecInitializeSa(_ProposalBlock):
    """``IPSEC(initialize_sas)``: the negotiated SA handed to the key engine."""

    kind: Literal["ipsec_initialize_sa"] = "ipsec_initialize_sa"


class IpsecRequestTimer(_Identity):
    """``IPSEC:(SESSION ID = n) (key_engine) request timer fired: count = n``."""

    kind: Literal["ipsec_request_timer"] = "ipsec_request_timer"
    session_id: int | None = None
    count: int

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> IpsecRequestTimer:
        return cls.build(
            message,
            **cls.identity(result),
            session_id=as_int(get(result, "session_id")),
            count=int(get(result, "count")),
        )


class _SaBlock(_Identity):
    """Fields shared by ``IPSEC(create_sa)`` and ``IPSEC(delete_sa)``."""

    sa_destination: str | None = None
    sa_protocol: int | None = None
    spi: int | None = None
    spi_hex: str | None = None
    transforms: list[str] | None = None
    conn_id: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kb: int | None = None

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> Self:
        return cls.build(
            message,
            **cls.identity(result),
            sa_destination=as_str(get(result, "sa_destination")),
            sa_protocol=as_int(get(result, "sa_protocol")),
            spi=as_int(get(result, "spi")),
            spi_hex=as_spi32(get(result, "spi_hex")),
            transforms=transforms_from(result),
            conn_id=as_int(get(result, "conn_id")),
            lifetime_seconds=as_int(get(result, "lifetime_seconds")),
            lifetime_kb=as_int(get(result, "lifetime_kb")),
        )


class IpsecCreateSa(_SaBlock):
    """``IPSEC(create_sa): sa created``."""

    kind: Literal["ipsec_create_sa"] = "ipsec_create_sa"


class IpsecDeleteSa(_SaBlock):
    """``IPSEC(delete_sa): deleting SA``."""

    kind: Literal["ipsec_delete_sa"] = "ipsec_delete_sa"


class IpsecProposalRejected(EventBase):
    """``transform proposal not supported for identity: {esp-aes 256 esp-sha512-hmac }``.

    Remote-access clients offer many proposals and IOS logs this for each one it refuses,
    so one of these is not by itself a failed negotiation.
    """

    kind: Literal["ipsec_proposal_rejected"] = "ipsec_proposal_rejected"
    transforms: list[str]

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> IpsecProposalRejected:
        return cls.build(message, transforms=transforms_from(result) or [])


class IpsecProxyMatch(EventBase):
    """``Crypto mapdb : proxy_match`` with the selector a crypto map was matched on
    (``protocol_code`` the IP protocol number, 0 or 256 for any; ``protocol`` its name)."""

    kind: Literal["ipsec_proxy_match"] = "ipsec_proxy_match"
    local_address: str
    remote_address: str
    protocol: str | None = None
    protocol_code: int
    local_port: int
    remote_port: int

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> IpsecProxyMatch:
        protocol = int(get(result, "protocol"))
        return cls.build(
            message,
            local_address=str(get(result, "local_address")),
            remote_address=str(get(result, "remote_address")),
            protocol=registry.IP_PROTOCOLS.get(protocol),
            protocol_code=protocol,
            local_port=int(get(result, "local_port")),
            remote_port=int(get(result, "remote_port")),
        )


class IpsecMessage(EventBase):
    """Any other ``IPSEC(function): text`` record, kept with its function name."""

    kind: Literal["ipsec_message"] = "ipsec_message"
    function: str
    message: str

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> IpsecMessage:
        return cls.build(
            message, function=str(get(result, "function")), message=str(get(result, "message"))
        )
