"""Syslog messages, and the records no grammar recognised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from ..framing import Message
from ..grammars import syslog as syslog_grammar
from ..matching import Parsed, run
from ..matching import items as named_results
from . import spec
from .base import EventBase, Match, as_int, get


@dataclass(frozen=True)
class SyslogFields(spec.Spec):
    """The ``key=value`` pairs of the message text, the session status of IKEv2 and
    ISAKMP messages, and the peer a crypto message names."""

    def value(self, match: Match) -> Any:
        return syslog_fields(match.result)


class SyslogMessage(EventBase):
    """A ``%FACILITY-SEVERITY-MNEMONIC: text`` message; ``key=value`` pairs become fields."""

    kind: Literal["syslog"] = "syslog"
    facility: str
    subfacility: str | None = None
    severity: int
    mnemonic: str
    message: str
    fields: dict[str, str]

    SPEC: ClassVar[dict[str, spec.Spec]] = {
        "facility": spec.Str("facility"),
        "subfacility": spec.Text("subfacility"),
        "severity": spec.Int("severity"),
        "mnemonic": spec.Str("mnemonic"),
        "message": spec.Stripped("message"),
        "fields": SyslogFields(),
    }

    @classmethod
    def from_match(cls, match: Match) -> SyslogMessage:
        built: SyslogMessage = spec.build(cls, match)
        return built


#: Mnemonics whose text has fields beyond ``key=value`` pairs.
_SYSLOG_DETAILS = {
    "IKEV2_SESSION_STATUS": syslog_grammar.IKEV2_SESSION_STATUS,
    "ISAKMP_ON_OFF": syslog_grammar.ISAKMP_ON_OFF,
}


def syslog_fields(result: Parsed) -> dict[str, str]:
    """The fields of a syslog message: its ``key=value`` pairs, the session status of
    IKEv2 and ISAKMP messages, and the peer a crypto message names."""
    body = str(get(result, "message"))
    fields = syslog_grammar.key_values(body)
    special = _SYSLOG_DETAILS.get(str(get(result, "mnemonic")))
    if special is None and get(result, "facility") == "CRYPTO" and "peer" not in fields:
        special = syslog_grammar.PEER_FROM
    if special is not None:
        detail = run(special, body)
        if detail is not None:
            fields.update({k: str(v) for k, v in named_results(detail) if v is not None})
    return fields


class LoggingHeader(EventBase):
    """A record of the header `show logging` prints before the buffer (not debug output)."""

    kind: Literal["logging_header"] = "logging_header"
    section: str
    text: str
    messages_logged: int | None = None
    buffer_bytes: int | None = None

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message) -> LoggingHeader:
        return cls.build(
            message,
            section=str(get(result, "section")),
            text="\n".join(message.lines),
            messages_logged=as_int(get(result, "messages_logged")),
            buffer_bytes=as_int(get(result, "buffer_bytes")),
        )


Family = Literal["ikev2", "isakmp", "ipsec", "crypto", "syslog", "console"]


class Unrecognized(EventBase):
    """Lines no grammar recognised, reported so that nothing is lost.

    ``family`` says what the lines look like (``isakmp`` for IKEv1 debug output,
    ``console`` for prompts and command output), so new wording can be found.
    """

    kind: Literal["unrecognized"] = "unrecognized"
    text: str
    family: Family | None = None

    @classmethod
    def from_message(cls, message: Message, family: Family | None) -> Unrecognized:
        return cls.build(message, text="\n".join(message.lines), family=family)
