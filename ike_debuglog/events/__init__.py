"""Event models: one frozen pydantic model per kind of record, one union on ``kind``.

Each model's ``from_parsed`` (or ``from_step``) is the only code that reads pyparsing
results; correlation and outputs see these models only.  Field names are a public
contract, documented in docs/fields.md.
"""

from __future__ import annotations

from typing import Annotated, TypeAlias

from pydantic import Field, TypeAdapter

from .base import Endpoint, EventBase, Payload, Proxy
from .ikev1 import (
    Ikev1Attribute,
    Ikev1Delete,
    Ikev1Identity,
    Ikev1Input,
    Ikev1IpsecSa,
    Ikev1IpsecSas,
    Ikev1Message,
    Ikev1Notify,
    Ikev1Packet,
    Ikev1Payload,
    Ikev1Retransmit,
    Ikev1State,
    Ikev1Status,
    Ikev1Transform,
)
from .ikev2 import (
    Ikev2ConfigAttribute,
    Ikev2Delete,
    Ikev2Error,
    Ikev2Packet,
    Ikev2Payloads,
    Ikev2Policy,
    Ikev2Proposal,
    Ikev2Retransmit,
    Ikev2SessionUp,
    Ikev2State,
    Ikev2Status,
)
from .ipsec import (
    IpsecCreateSa,
    IpsecDeleteSa,
    IpsecInitializeSa,
    IpsecMessage,
    IpsecProposalRejected,
    IpsecProxyMatch,
    IpsecRequestTimer,
    IpsecSaRequest,
    IpsecValidateProposal,
)
from .other import LoggingHeader, SyslogMessage, Unrecognized

Event: TypeAlias = Annotated[
    Ikev1Packet
    | Ikev1State
    | Ikev1Input
    | Ikev1Payload
    | Ikev1Notify
    | Ikev1Identity
    | Ikev1Transform
    | Ikev1Attribute
    | Ikev1Retransmit
    | Ikev1Delete
    | Ikev1IpsecSas
    | Ikev1Status
    | Ikev1Message
    | Ikev2Packet
    | Ikev2Payloads
    | Ikev2State
    | Ikev2Retransmit
    | Ikev2Error
    | Ikev2SessionUp
    | Ikev2Delete
    | Ikev2Proposal
    | Ikev2ConfigAttribute
    | Ikev2Policy
    | Ikev2Status
    | IpsecSaRequest
    | IpsecValidateProposal
    | IpsecInitializeSa
    | IpsecRequestTimer
    | IpsecCreateSa
    | IpsecDeleteSa
    | IpsecProposalRejected
    | IpsecProxyMatch
    | IpsecMessage
    | SyslogMessage
    | LoggingHeader
    | Unrecognized,
    Field(discriminator="kind"),
]

#: Validates events read back from JSON (the boundary where input is not ours).
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

__all__ = [
    "EVENT_ADAPTER",
    "Endpoint",
    "Event",
    "EventBase",
    "Ikev1Attribute",
    "Ikev1Delete",
    "Ikev1Identity",
    "Ikev1Input",
    "Ikev1IpsecSa",
    "Ikev1IpsecSas",
    "Ikev1Message",
    "Ikev1Notify",
    "Ikev1Packet",
    "Ikev1Payload",
    "Ikev1Retransmit",
    "Ikev1State",
    "Ikev1Status",
    "Ikev1Transform",
    "Ikev2ConfigAttribute",
    "Ikev2Delete",
    "Ikev2Error",
    "Ikev2Packet",
    "Ikev2Payloads",
    "Ikev2Policy",
    "Ikev2Proposal",
    "Ikev2Retransmit",
    "Ikev2SessionUp",
    "Ikev2State",
    "Ikev2Status",
    "IpsecCreateSa",
    "IpsecDeleteSa",
    "IpsecInitializeSa",
    "IpsecMessage",
    "IpsecProposalRejected",
    "IpsecProxyMatch",
    "IpsecRequestTimer",
    "IpsecSaRequest",
    "IpsecValidateProposal",
    "LoggingHeader",
    "Payload",
    "Proxy",
    "SyslogMessage",
    "Unrecognized",
]
