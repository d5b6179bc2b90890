"""The message families, as data: which records each takes and how they become events.

One ordered registry, :data:`FAMILIES`.  A family names the protocol it belongs to, the
starts of the records it takes, an optional record prefix (the ISAKMP connection id)
and its rules in the order they are tried.  A rule says when it applies (a literal in
the text, a start, ...), which grammar reads the record and which model the event is.
Dispatch in Python (:func:`event_from_message`) and the bulk scan read the same rules,
so a new family is a grammar module, a model and one entry here, with its fixtures.

Rules are tried in order: the first whose test holds and whose grammar matches gives
the event.  A ``final`` rule ends the search when its test holds, matched or not; in a
:class:`Choice` only the first rule whose test holds is tried.  A record no rule takes
is ``unrecognized``, with the family (or the look, for records no family takes) that
says what it resembles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import pyparsing as pp
from pydantic import BaseModel

from .events import (
    Event,
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
from .events.base import EventBase, Match
from .events.other import Family as Look
from .framing import CONSOLE_NOISE_RE, PROMPT_RE, Message
from .grammars import console, ikev1, ikev2, ikev2_internal, ipsec, syslog
from .matching import run

#: What a rule's test and grammar read: the record's text, the text after the family's
#: prefix, that without leading dots and bangs (IOS prints progress dots), and that
#: without a leading ``SA `` (IPsec proposal attributes).
Target = Literal["text", "body", "head", "attribute"]


# Tests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Has:
    """The literal occurs in the target (in its first ``within`` characters)."""

    literal: str
    on: Target = "text"
    within: int | None = None


@dataclass(frozen=True)
class Starts:
    """The target starts with one of the prefixes."""

    prefixes: tuple[str, ...]
    on: Target = "text"


@dataclass(frozen=True)
class Ends:
    """The target (its first ``within`` characters) ends with the suffix."""

    suffix: str
    on: Target = "text"
    within: int | None = None


@dataclass(frozen=True)
class AnyOf:
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class AllOf:
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Function:
    """An ``IPSEC(function):`` record of one of these functions (None: any function)."""

    names: frozenset[str] | None = None


@dataclass(frozen=True)
class Unprefixed:
    """The family's prefix is not there (records the family takes without it)."""


@dataclass(frozen=True)
class Prefixed:
    """The family's prefix is there (and names ``field``, when given)."""

    field: str | None = None


Test = Has | Starts | Ends | AnyOf | AllOf | Function | Unprefixed | Prefixed

Builder = Callable[[Match], Event]


@dataclass(frozen=True)
class Rule:
    """When a record becomes a ``model`` event, read by ``grammar``."""

    model: type[EventBase]
    grammar: pp.ParserElement
    when: Test | None = None
    on: Target = "text"
    name: str | None = None
    final: bool = False
    build: Builder | None = None

    def event(self, match: Match) -> Event:
        build = self.build or self.model.from_match
        event: Event = build(match)  # type: ignore[assignment]  # every model is an Event
        return event


@dataclass(frozen=True)
class Choice:
    """Rules of which only the first whose test holds is tried."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Family:
    """One message family: the records it takes and its rules, in order."""

    name: Look
    protocol: str | None
    starts: tuple[str, ...]
    rules: tuple[Rule | Choice, ...]
    prefix: pp.Regex | None = None
    #: The catch-all models: records the family keeps without naming them (drift).
    catch_all: tuple[type[EventBase], ...] = ()
    kinds: tuple[str, ...] = field(default=())
    #: A part every rule's grammar starts with (the IKEv2 record context): the bulk scan
    #: reads it once per record, not once per rule.
    shared: pp.ParserElement | None = None

    def every_rule(self) -> Iterator[Rule]:
        """The family's rules in the order they are tried, those of a choice in turn."""
        return _every_rule(self.rules)


def _every_rule(rules: tuple[Rule | Choice, ...]) -> Iterator[Rule]:
    for item in rules:
        yield from item.rules if isinstance(item, Choice) else (item,)


def _kinds(rules: tuple[Rule | Choice, ...]) -> tuple[str, ...]:
    return tuple({_kind(rule.model): None for rule in _every_rule(rules)})


def _kind(model: type[EventBase]) -> str:
    return str(model.model_fields["kind"].default)


def _family(name: Look, protocol: str | None, starts: tuple[str, ...], *rules: Rule | Choice,
            prefix: pp.Regex | None = None, catch_all: tuple[type[EventBase], ...] = (),
            shared: pp.ParserElement | None = None) -> Family:  # fmt: skip
    return Family(name, protocol, starts, rules, prefix, catch_all, _kinds(rules), shared)


def _rows(model: type[EventBase], rows: tuple[Any, ...], **options: Any) -> tuple[Rule, ...]:
    """One rule per table row (name, literal, grammar) of a grammar module."""
    return tuple(
        Rule(model, row.grammar, Has(row.literal, on=options.get("on", "text")), name=row.name,
             **options)
        for row in rows
    )  # fmt: skip


# The families ------------------------------------------------------------------------

_IKEV2 = _family(
    "ikev2",
    "ikev2",
    ("IKEv2", "SA ID:"),
    # IKEv2-ERROR records, and IOS's "):: text" error form, are errors whatever they say.
    Rule(
        Ikev2Error,
        ikev2.ERROR,
        AnyOf((Starts(("IKEv2-ERROR",)), Has("):: ", within=64), Ends("):", within=64))),
        final=True,
    ),
    Rule(Ikev2Packet, ikev2.PACKET, Has("Packet [")),
    Rule(Ikev2Payloads, ikev2.INNER_PAYLOADS, Has("Building packet for encryption")),
    Rule(Ikev2Payloads, ikev2.INNER_PAYLOADS, Has("Exchange Contains:")),
    Rule(Ikev2Packet, ikev2.TRACE_PACKET, Has(" IKEv2 ")),
    Rule(Ikev2State, ikev2.SM_TRACE, Has("SM Trace->")),
    Rule(Ikev2Retransmit, ikev2.RETRANSMIT, Has("Retransmitting packet")),
    Rule(Ikev2Delete, ikev2.DELETE, Has("DELETE INFO message for")),
    Rule(Ikev2SessionUp, ikev2.SESSION_UP, Has("Session with IKE ID PAIR")),
    Rule(Ikev2Proposal, ikev2.PROPOSAL, Has("Num. transforms")),
    Rule(Ikev2ConfigAttribute, ikev2.CONFIG_ATTRIBUTE, Has("Attrib type:")),
    *_rows(Ikev2Policy, ikev2_internal.POLICY_STEPS),
    *_rows(Ikev2Status, ikev2_internal.STATUS_STEPS),
    shared=ikev2.CONTEXT,
)

#: The one grammar a record body can match, picked by its leading words.
_IKEV1_SINGLE = Choice(
    (
        Rule(
            Ikev1Packet,
            ikev1.PACKET,
            AnyOf((Has("packet to", "body"), Has("packet from", "body"))),
            on="body",
        ),
        Rule(Ikev1State, ikev1.STATE, Starts(("Old State",), "head"), on="body"),
        Rule(Ikev1Input, ikev1.INPUT, Has("Input =", "head", within=40), on="body"),
        Rule(Ikev1Notify, ikev1.NOTIFY, Starts(("Sending NOTIFY", "processing NOTIFY"), "head"),
             on="body"),
        Rule(
            Ikev1Payload,
            ikev1.PAYLOAD,
            AllOf(
                (Starts(("processing ", "received payload type"), "head"), Has("payload", "head"))
            ),
            on="body",
        ),
        Rule(Ikev1Identity, ikev1.ID_PAYLOAD, Starts(("ID payload",), "head"), on="body"),
        Rule(
            Ikev1Transform,
            ikev1.TRANSFORM,
            Starts(("Checking ISAKMP transform", "Checking IPSec proposal", "transform "), "head"),
            on="body",
        ),
        Rule(Ikev1Retransmit, ikev1.RETRANSMIT, Starts(("retransmitting",), "head"), on="body"),
        Rule(Ikev1IpsecSas, ikev1.IPSEC_SAS, Starts(("Creating IPSec SAs",), "head"), on="body"),
    )
)  # fmt: skip

_IKEV1 = _family(
    "isakmp",
    "isakmp",
    ("ISAKMP", *ikev1.UNPREFIXED),
    Rule(Ikev1Message, ikev1.MESSAGE, Unprefixed(), final=True),
    _IKEV1_SINGLE,
    *_rows(Ikev1Delete, ikev1.DELETES, on="body"),
    *_rows(Ikev1Status, ikev1.STATUS, on="body"),
    *(
        Rule(Ikev1Attribute, row.grammar, Starts((row.literal,), "attribute"), on="attribute",
             name=row.name)
        for row in ikev1.ATTRIBUTES
    ),
    Rule(Ikev1Message, ikev1.MESSAGE, on="body"),
    prefix=ikev1.PREFIX,
    catch_all=(Ikev1Message,),
)  # fmt: skip

#: ASA/FTD debugs, a contrast format: only their packet lines are read in full.
_ASA_IKEV1 = _family(
    "isakmp",
    "isakmp",
    ("[IKEv1",),
    Rule(
        Ikev1Packet,
        ikev1.ASA_PACKET,
        AllOf((Starts(("IKE_DECODE",), "body"), Prefixed("peer"))),
        on="body",
        build=Ikev1Packet.from_asa_match,
    ),
    Rule(Ikev1Message, ikev1.MESSAGE, Prefixed(), final=True, build=Ikev1Message.from_asa_match),
    prefix=ikev1.ASA_PREFIX,
)

_PROPOSAL_MODELS: Final = (
    ("sa_request", IpsecSaRequest),
    ("validate_proposal_request", IpsecValidateProposal),
    ("initialize_sas", IpsecInitializeSa),
)
_SA_MODELS: Final = (("create_sa", IpsecCreateSa), ("delete_sa", IpsecDeleteSa))

_IPSEC = _family(
    "ipsec",
    "ipsec",
    ("IPSEC",),
    Rule(IpsecRequestTimer, ipsec.REQUEST_TIMER, Starts(("IPSEC:(SESSION ID",)), final=True),
    *(
        Rule(model, ipsec.PROPOSAL_BLOCK, Function(frozenset({function})))
        for function, model in _PROPOSAL_MODELS
    ),
    *(
        Rule(model, ipsec.SA_BLOCK, Function(frozenset({function})))
        for function, model in _SA_MODELS
    ),
    Rule(
        IpsecProposalRejected,
        ipsec.PROPOSAL_REJECTED,
        AllOf((Function(frozenset({"ipsec_process_proposal"})), Has("not supported"))),
    ),
    Rule(IpsecMessage, ipsec.FUNCTION_MESSAGE, Function(), final=True),
    catch_all=(IpsecMessage,),
)  # fmt: skip

_PROXY_MATCH = _family(
    "ipsec", "ipsec", ("Crypto mapdb",), Rule(IpsecProxyMatch, ipsec.PROXY_MATCH, final=True)
)

_SYSLOG = _family("syslog", None, ("%",), Rule(SyslogMessage, syslog.MESSAGE, final=True))

_LOGGING_HEADER = _family(
    "console",
    None,
    console.LOGGING_HEADER_STARTS,
    Rule(LoggingHeader, console.LOGGING_HEADER, final=True),
)

#: Every family, in dispatch order: a record goes to the first whose start it has.
FAMILIES: Final = (
    _IKEV2,
    _IKEV1,
    _ASA_IKEV1,
    _IPSEC,
    _PROXY_MATCH,
    _SYSLOG,
    _LOGGING_HEADER,
)

#: How an unrecognised record looks, for records of no family or none of its rules:
#: (family name, starts), tried in order; then prompts and console noise.
LOOKS: Final[tuple[tuple[Look, tuple[str, ...]], ...]] = (
    ("ikev2", ("IKEv2", "SA ID:")),
    ("isakmp", ("ISAKMP", "IKEv1", "[IKEv1")),
    ("ipsec", ("IPSEC", "IPsec", "Crypto mapdb", "(ipsec")),
)
#: Looks decided after console noise: text that names crypto, and other syslog.
LATE_LOOKS: Final[tuple[tuple[Look, tuple[str, ...]], ...]] = (
    ("crypto", ("crypto", "CRYPTO", "Crypto")),
    ("syslog", ("%",)),
)


def family_of(text: str) -> Family | None:
    """The family that takes a record, by the start of its text."""
    for family in FAMILIES:
        if text.startswith(family.starts):
            return family
    return None


def look_of(text: str) -> Look | None:
    """What an unrecognised record resembles (``console`` for prompts and command output)."""
    for name, starts in LOOKS:
        if text.startswith(starts):
            return name
    if PROMPT_RE.match(text) or CONSOLE_NOISE_RE.match(text):
        return "console"
    for name, starts in LATE_LOOKS:
        if text.startswith(starts):
            return name
    return None


#: Kind to family: which protocol (``ikev2``, ``isakmp``, ``ipsec``) a kind belongs to.
PROTOCOLS: Final[dict[str, str | None]] = {
    kind: family.protocol for family in reversed(FAMILIES) for kind in family.kinds
} | {"unrecognized": None}

#: The catch-all kinds: records a family keeps without naming them.
CATCH_ALL_KINDS: Final = frozenset(
    _kind(model) for family in FAMILIES for model in family.catch_all
)


# Dispatch in Python --------------------------------------------------------------------


class _Record:
    """A record's text and the views of it that rules read, computed when first read."""

    __slots__ = ("_views", "family", "prefix", "text")

    def __init__(self, text: str, family: Family) -> None:
        self.text = text
        self.family = family
        self.prefix: dict[str, Any] | None = None
        self._views: dict[str, str] = {"text": text}
        if family.prefix is not None:
            found = family.prefix.re.match(text)
            if found is not None:
                self.prefix = found.groupdict()
                self.prefix["end"] = found.end()
                body = text[found.end() :]
                head = body.lstrip(".! ")
                self._views |= {"body": body, "head": head, "attribute": head.removeprefix("SA ")}

    def view(self, target: Target) -> str | None:
        return self._views.get(target)

    def function(self) -> str:
        text = self.text
        return text[6 : text.find(")", 6)] if text.startswith("IPSEC(") else ""


def holds(test: Test, record: _Record) -> bool:
    """Whether a rule's test holds for a record."""
    if isinstance(test, AnyOf):
        return any(holds(part, record) for part in test.tests)
    if isinstance(test, AllOf):
        return all(holds(part, record) for part in test.tests)
    if isinstance(test, Function):
        function = record.function()
        return bool(function) and (test.names is None or function in test.names)
    if isinstance(test, Unprefixed):
        return record.prefix is None
    if isinstance(test, Prefixed):
        return record.prefix is not None and (test.field is None or bool(record.prefix[test.field]))
    target = record.view(test.on)
    if target is None:
        return False
    if isinstance(test, Has):
        return test.literal in (target if test.within is None else target[: test.within])
    if isinstance(test, Starts):
        return target.startswith(test.prefixes)
    return (target if test.within is None else target[: test.within]).endswith(test.suffix)


def _tried(item: Rule | Choice, record: _Record) -> Rule | None:
    if isinstance(item, Choice):
        return next((rule for rule in item.rules if holds(rule.when, record)), None)  # type: ignore[arg-type]
    return item if item.when is None or holds(item.when, record) else None


def event_from_message(message: Message) -> Event:
    """The event for one framed message: recognised, or ``unrecognized`` with its text."""
    text = message.text
    family = family_of(text)
    if family is not None:
        record = _Record(text, family)
        for item in family.rules:
            rule = _tried(item, record)
            if rule is None:
                continue
            target = record.view(rule.on)
            result = None if target is None else run(rule.grammar, target)
            if result is not None:
                try:
                    event = rule.event(Match(result, message, rule.name, record.prefix))
                except (ValueError, OverflowError):
                    # A value no model can hold (a number of thousands of digits): the
                    # record is reported as it is, never a crash.
                    break
                if not _fits(event):
                    break  # a number past 64 bits: IOS prints none; no column holds it
                return event
            if rule.final:
                break
    return Unrecognized.from_message(message, look_of(text))


#: The numbers an event may hold: 64-bit signed, and unsigned for SPIs (a notify's SPI
#: prints as a 64-bit decimal), as the Arrow schema and every column store them.
_SIGNED: Final = 1 << 63
_UNSIGNED: Final = 1 << 64


def _fits(value: object, name: str = "") -> bool:
    """Whether every number in an event fits its column (walks nested models and lists)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_SIGNED <= value < (_UNSIGNED if name == "spi" else _SIGNED)
    if isinstance(value, list):
        return all(_fits(item, name) for item in value)
    if isinstance(value, BaseModel):
        return all(_fits(item, key) for key, item in vars(value).items())
    return True


__all__ = [
    "CATCH_ALL_KINDS",
    "FAMILIES",
    "PROTOCOLS",
    "AllOf",
    "AnyOf",
    "Choice",
    "Ends",
    "Family",
    "Function",
    "Has",
    "Prefixed",
    "Rule",
    "Starts",
    "Unprefixed",
    "event_from_message",
    "family_of",
    "look_of",
]
