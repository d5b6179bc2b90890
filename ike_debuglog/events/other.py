"""Syslog messages, and the records no grammar recognised."""

from __future__ import annotations

from typing import Literal

from ..framing import Message
from .base import EventBase, Parsed, as_int, as_str, get


class SyslogMessage(EventBase):
    """A ``%FACILITY-SEVERITY-MNEMONIC: text`` message; ``key=value`` pairs become fields."""

    kind: Literal["syslog"] = "syslog"
    facility: str
    subfacility: str | None = None
    severity: int
    mnemonic: str
    message: str
    fields: dict[str, str]

    @classmethod
    def from_parsed(cls, result: Parsed, message: Message, fields: dict[str, str]) -> SyslogMessage:
        return cls.build(
            message,
            facility=str(get(result, "facility")),
            subfacility=as_str(get(result, "subfacility")),
            severity=int(get(result, "severity")),
            mnemonic=str(get(result, "mnemonic")),
            message=str(get(result, "message")).strip(),
            fields=fields,
        )


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
