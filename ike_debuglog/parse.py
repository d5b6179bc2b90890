"""Dispatch from a message to its grammar, and the lazy ``parse_*`` entry points.

A literal test on the message text picks the one grammar to run (a substring test
costs a fraction of a microsecond, a grammar call about ten), and the matching event
model builds the event.  A message no grammar accepts becomes an ``unrecognized``
event with the same span, so every input line is accounted for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from os import PathLike
from pathlib import Path
from typing import Any

import pyparsing as pp

from .errors import InputError
from .events import (
    Event,
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
    SyslogMessage,
    Unrecognized,
)
from .events.base import Parsed, get
from .events.ikev1 import (
    Ikev1Attribute,
    Ikev1Delete,
    Ikev1Identity,
    Ikev1Input,
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
from .events.other import Family
from .framing import CONSOLE_NOISE_RE, PROMPT_RE, Message, frame_lines
from .grammars import console as console_grammar
from .grammars import ikev1 as ikev1_grammar
from .grammars import ikev2 as ikev2_grammar
from .grammars import ikev2_internal
from .grammars import ipsec as ipsec_grammar
from .grammars import syslog as syslog_grammar
from .matching import items as _named_results
from .matching import run as _run
from .reading import LogReader, open_log
from .steps import Ikev1Steps

_Builder = Callable[[Parsed, Message], Event]

#: IKEv2 bodies with their own model, in the order they are tried: (literal, grammar, model).
_IKEV2_TABLE: tuple[tuple[str, pp.ParserElement, _Builder], ...] = (
    ("Packet [", ikev2_grammar.PACKET, Ikev2Packet.from_parsed),
    ("Building packet for encryption", ikev2_grammar.INNER_PAYLOADS, Ikev2Payloads.from_parsed),
    ("Exchange Contains:", ikev2_grammar.INNER_PAYLOADS, Ikev2Payloads.from_parsed),
    (" IKEv2 ", ikev2_grammar.TRACE_PACKET, Ikev2Packet.from_parsed),
    ("SM Trace->", ikev2_grammar.SM_TRACE, Ikev2State.from_parsed),
    ("Retransmitting packet", ikev2_grammar.RETRANSMIT, Ikev2Retransmit.from_parsed),
    ("DELETE INFO message for", ikev2_grammar.DELETE, Ikev2Delete.from_parsed),
    ("Session with IKE ID PAIR", ikev2_grammar.SESSION_UP, Ikev2SessionUp.from_parsed),
    ("Num. transforms", ikev2_grammar.PROPOSAL, Ikev2Proposal.from_parsed),
    ("Attrib type:", ikev2_grammar.CONFIG_ATTRIBUTE, Ikev2ConfigAttribute.from_parsed),
)


_StepBuilder = Callable[[str, Parsed, Message], Event]

#: Internal records named by a table row: policy lookups first, then progress and failures.
_STEP_TABLES: tuple[tuple[tuple[ikev2_internal.Step, ...], _StepBuilder], ...] = (
    (ikev2_internal.POLICY_STEPS, Ikev2Policy.from_step),
    (ikev2_internal.STATUS_STEPS, Ikev2Status.from_step),
)


def _ikev2_event(message: Message, text: str) -> Event | None:
    # IKEv2-ERROR records, and IOS's "):: text" error form, are errors whatever they say.
    head = text[:64]
    if text.startswith("IKEv2-ERROR") or "):: " in head or head.endswith("):"):
        result = _run(ikev2_grammar.ERROR, text)
        return None if result is None else Ikev2Error.from_parsed(result, message)
    for literal, grammar, build in _IKEV2_TABLE:
        if literal in text:
            result = _run(grammar, text)
            if result is not None:
                return build(result, message)
    for steps, build_step in _STEP_TABLES:
        for step in steps:
            if step.literal in text:
                result = _run(step.grammar, text)
                if result is not None:
                    return build_step(step.name, result, message)
    return None


_Ikev1Builder = Callable[[dict[str, Any], Parsed, Message], Event]
_Ikev1RowBuilder = Callable[[str, dict[str, Any], Parsed, Message], Event]
_PREFIX_RE = ikev1_grammar.PREFIX.re


def _ikev1_single(body: str) -> tuple[pp.ParserElement, _Ikev1Builder] | None:
    """The one grammar a record body can match, picked by its leading words."""
    head = body.lstrip(".! ")
    if "packet to" in body or "packet from" in body:
        return ikev1_grammar.PACKET, Ikev1Packet.from_parsed
    if head.startswith("Old State"):
        return ikev1_grammar.STATE, Ikev1State.from_parsed
    if "Input =" in head[:40]:
        return ikev1_grammar.INPUT, Ikev1Input.from_parsed
    if head.startswith(("Sending NOTIFY", "processing NOTIFY")):
        return ikev1_grammar.NOTIFY, Ikev1Notify.from_parsed
    if head.startswith(("processing ", "received payload type")) and "payload" in head:
        return ikev1_grammar.PAYLOAD, Ikev1Payload.from_parsed
    if head.startswith("ID payload"):
        return ikev1_grammar.ID_PAYLOAD, Ikev1Identity.from_parsed
    if head.startswith(("Checking ISAKMP transform", "Checking IPSec proposal", "transform ")):
        return ikev1_grammar.TRANSFORM, Ikev1Transform.from_parsed
    if head.startswith("retransmitting"):
        return ikev1_grammar.RETRANSMIT, Ikev1Retransmit.from_parsed
    if head.startswith("Creating IPSec SAs"):
        return ikev1_grammar.IPSEC_SAS, Ikev1IpsecSas.from_parsed
    return None


#: Records named by a table row, in the order the tables are tried.
_IKEV1_TABLES: tuple[tuple[tuple[ikev1_grammar.Row, ...], _Ikev1RowBuilder], ...] = (
    (ikev1_grammar.DELETES, Ikev1Delete.from_row),
    (ikev1_grammar.STATUS, Ikev1Status.from_row),
)


def _ikev1_event(message: Message, text: str) -> Event | None:
    match = _PREFIX_RE.match(text)
    if match is None:
        result = _run(ikev1_grammar.MESSAGE, text)
        return None if result is None else Ikev1Message.from_parsed({}, result, message)
    prefix: dict[str, Any] = match.groupdict()
    prefix["end"] = match.end()
    body = text[match.end() :]
    single = _ikev1_single(body)
    if single is not None:
        grammar, build = single
        result = _run(grammar, body)
        if result is not None:
            return build(prefix, result, message)
    for rows, build_row in _IKEV1_TABLES:
        for row in rows:
            if row.literal in body:
                result = _run(row.grammar, body)
                if result is not None:
                    return build_row(row.name, prefix, result, message)
    head = body.lstrip(".! ")
    head = head.removeprefix("SA ")
    for row in ikev1_grammar.ATTRIBUTES:
        if head.startswith(row.literal):
            result = _run(row.grammar, head)
            if result is not None:
                return Ikev1Attribute.from_row(row.name, prefix, result, message)
    result = _run(ikev1_grammar.MESSAGE, body)
    return None if result is None else Ikev1Message.from_parsed(prefix, result, message)


def _asa_ikev1_event(message: Message, text: str) -> Event | None:
    match = ikev1_grammar.ASA_PREFIX.re.match(text)
    if match is None:
        return None
    body = text[match.end() :]
    if body.startswith("IKE_DECODE") and match["peer"]:
        result = _run(ikev1_grammar.ASA_PACKET, body)
        if result is not None:
            return Ikev1Packet.from_asa(match.groupdict(), result, message)
    return Ikev1Message.build(message, message=text[text.index("]") + 1 :].strip())


_PROPOSAL_MODELS: dict[
    str, type[IpsecSaRequest] | type[IpsecValidateProposal] | type[IpsecInitializeSa]
] = {
    "sa_request": IpsecSaRequest,
    "validate_proposal_request": IpsecValidateProposal,
    "initialize_sas": IpsecInitializeSa,
}
_SA_MODELS: dict[str, type[IpsecCreateSa] | type[IpsecDeleteSa]] = {
    "create_sa": IpsecCreateSa,
    "delete_sa": IpsecDeleteSa,
}


def _ipsec_event(message: Message, text: str) -> Event | None:
    if text.startswith("IPSEC:(SESSION ID"):
        result = _run(ipsec_grammar.REQUEST_TIMER, text)
        return None if result is None else IpsecRequestTimer.from_parsed(result, message)
    function = text[6 : text.find(")", 6)] if text.startswith("IPSEC(") else ""
    if function in _PROPOSAL_MODELS:
        result = _run(ipsec_grammar.PROPOSAL_BLOCK, text)
        if result is not None:
            model = _PROPOSAL_MODELS[function]
            return model.from_parsed(result, message)
    elif function in _SA_MODELS:
        result = _run(ipsec_grammar.SA_BLOCK, text)
        if result is not None:
            sa_model = _SA_MODELS[function]
            return sa_model.from_parsed(result, message)
    elif function == "ipsec_process_proposal" and "not supported" in text:
        result = _run(ipsec_grammar.PROPOSAL_REJECTED, text)
        if result is not None:
            return IpsecProposalRejected.from_parsed(result, message)
    if function:
        result = _run(ipsec_grammar.FUNCTION_MESSAGE, text)
        return None if result is None else IpsecMessage.from_parsed(result, message)
    return None


#: Mnemonics whose text has fields beyond ``key=value`` pairs.
_SYSLOG_DETAILS: dict[str, pp.ParserElement] = {
    "IKEV2_SESSION_STATUS": syslog_grammar.IKEV2_SESSION_STATUS,
    "ISAKMP_ON_OFF": syslog_grammar.ISAKMP_ON_OFF,
}


def _syslog_event(message: Message, text: str) -> Event | None:
    result = _run(syslog_grammar.MESSAGE, text)
    if result is None:
        return None
    body = str(get(result, "message"))
    fields = syslog_grammar.key_values(body)
    special = _SYSLOG_DETAILS.get(str(get(result, "mnemonic")))
    if special is None and get(result, "facility") == "CRYPTO" and "peer" not in fields:
        special = syslog_grammar.PEER_FROM
    if special is not None:
        detail = _run(special, body)
        if detail is not None:
            fields.update({k: str(v) for k, v in _named_results(detail) if v is not None})
    return SyslogMessage.from_parsed(result, message, fields)


def _family(text: str) -> Family | None:
    if text.startswith(("IKEv2", "SA ID:")):
        return "ikev2"
    if text.startswith(("ISAKMP", "IKEv1", "[IKEv1")):
        return "isakmp"
    if text.startswith(("IPSEC", "IPsec", "Crypto mapdb", "(ipsec")):
        return "ipsec"
    if PROMPT_RE.match(text) or CONSOLE_NOISE_RE.match(text):
        return "console"
    if text.startswith(("crypto", "CRYPTO", "Crypto")):
        return "crypto"
    if text.startswith("%"):
        return "syslog"
    return None


def event_from_message(message: Message) -> Event:
    """The event for one framed message: recognised, or ``unrecognized`` with its text."""
    text = message.text
    event: Event | None = None
    if text.startswith(("IKEv2", "SA ID:")):
        event = _ikev2_event(message, text)
    elif text.startswith(("ISAKMP", *ikev1_grammar.UNPREFIXED)):
        event = _ikev1_event(message, text)
    elif text.startswith("[IKEv1"):
        event = _asa_ikev1_event(message, text)
    elif text.startswith("IPSEC"):
        event = _ipsec_event(message, text)
    elif text.startswith("Crypto mapdb"):
        result = _run(ipsec_grammar.PROXY_MATCH, text)
        event = None if result is None else IpsecProxyMatch.from_parsed(result, message)
    elif text.startswith("%"):
        event = _syslog_event(message, text)
    elif text.startswith(console_grammar.LOGGING_HEADER_STARTS):
        result = _run(console_grammar.LOGGING_HEADER, text)
        event = None if result is None else LoggingHeader.from_parsed(result, message)
    if event is None:
        event = Unrecognized.from_message(message, _family(text))
    return event


def parse_lines(lines: Iterable[str | bytes], *, year: int | None = None) -> Iterator[Event]:
    """Events from lines of debug or log output, lazily, in input order.

    ``year`` completes time stamps that print none (default: the current year).
    """
    events = (event_from_message(message) for message in frame_lines(lines, year=year))
    yield from Ikev1Steps().run(events)


def parse_text(text: str, *, year: int | None = None) -> Iterator[Event]:
    """Events from a string holding a whole log.

    Lines end at ``\n`` only, as in a file, so line numbers match what an editor shows.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return parse_lines(lines, year=year)


def parse_file(path: str | PathLike[str], *, year: int | None = None) -> Iterator[Event]:
    """Events from a log file, read lazily line by line (a 1 GB file is never held whole).

    Compressed, UTF-16 and Windows-encoded files are read by the policy of
    :mod:`ike_debuglog.reading`; use :func:`open_log` and :func:`parse_lines` to see what
    reading took.  Raises :class:`InputError` when the file cannot be opened or is not a
    log.
    """
    return _events_then_close(open_log(path), year)


def _events_then_close(reader: LogReader, year: int | None) -> Iterator[Event]:
    with closing(reader):
        yield from parse_lines(reader, year=year)


def _file_events(path: str, year: int | None) -> list[Event]:
    return list(parse_file(path, year=year))


def parse_files(
    paths: Sequence[str | PathLike[str]], *, workers: int | None = None, year: int | None = None
) -> Iterator[tuple[Path, list[Event]]]:
    """The events of several logs, each file parsed in its own process, in input order.

    Yields ``(path, events)`` per file as soon as it and the files before it are done;
    each file's events are held in memory once (use :func:`parse_file` to stream one
    huge file).  ``workers`` defaults to the number of CPUs; 1 parses in this process.
    Raises :class:`InputError` for a file that cannot be read, before parsing any.
    """
    files = [Path(path) for path in paths]
    for file in files:
        if not file.is_file():
            raise InputError(
                f"{file}: no such file" if not file.exists() else f"{file}: not a file"
            )
    if workers == 1 or len(files) < 2:
        for file in files:
            yield file, _file_events(str(file), year)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_file_events, [str(file) for file in files], [year] * len(files))
        yield from zip(files, results, strict=True)
