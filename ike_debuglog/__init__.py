"""ike-debuglog: Cisco IOS / IOS-XE IKE and IPsec debug output to typed events.

>>> import ike_debuglog
>>> for event in ike_debuglog.parse_file("router.log"):
...     if event.kind == "ikev2_packet":
...         print(event.direction, event.exchange, event.initiator_spi)
...     elif event.kind == "ikev1_packet":
...         print(event.direction, event.state, event.step)
>>> for session in ike_debuglog.correlate(ike_debuglog.parse_file("router.log")):
...     print(session.peer, session.outcome, session.reason)
"""

from __future__ import annotations

import logging

from .correlate import (
    REASONS,
    ChildSa,
    Correlator,
    Exchange,
    Finding,
    Proposal,
    Session,
    SessionMessage,
    correlate,
)
from .drift import DriftTemplate, drift
from .errors import IkeDebuglogError, InputError, UsageError
from .events import (
    EVENT_ADAPTER,
    Endpoint,
    Event,
    EventBase,
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
    IpsecCreateSa,
    IpsecDeleteSa,
    IpsecInitializeSa,
    IpsecMessage,
    IpsecProposalRejected,
    IpsecProxyMatch,
    IpsecRequestTimer,
    IpsecSaRequest,
    IpsecValidateProposal,
    LoggingHeader,
    Payload,
    Proxy,
    SyslogMessage,
    Unrecognized,
)
from .families import event_from_message
from .framing import Message
from .pairing import Pair, pair_files
from .parse import (
    frame_lines,
    parse_file,
    parse_files,
    parse_lines,
    parse_stream,
    parse_text,
)
from .reading import LogReader, open_log
from .redact import Redactor
from .steps import Ikev1Steps

__version__ = "0.1.0.dev0"

# The library never configures logging; applications (and the CLI) decide what to show.
logging.getLogger("ike_debuglog").addHandler(logging.NullHandler())

__all__ = [
    "EVENT_ADAPTER",
    "REASONS",
    "ChildSa",
    "Correlator",
    "DriftTemplate",
    "Endpoint",
    "Event",
    "EventBase",
    "Exchange",
    "Finding",
    "IkeDebuglogError",
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
    "Ikev1Steps",
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
    "InputError",
    "IpsecCreateSa",
    "IpsecDeleteSa",
    "IpsecInitializeSa",
    "IpsecMessage",
    "IpsecProposalRejected",
    "IpsecProxyMatch",
    "IpsecRequestTimer",
    "IpsecSaRequest",
    "IpsecValidateProposal",
    "LogReader",
    "LoggingHeader",
    "Message",
    "Pair",
    "Payload",
    "Proposal",
    "Proxy",
    "Redactor",
    "Session",
    "SessionMessage",
    "SyslogMessage",
    "Unrecognized",
    "UsageError",
    "__version__",
    "correlate",
    "drift",
    "event_from_message",
    "frame_lines",
    "open_log",
    "pair_files",
    "parse_file",
    "parse_files",
    "parse_lines",
    "parse_stream",
    "parse_text",
]
