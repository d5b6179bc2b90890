"""Framing: physical lines into logical messages with their span, timestamp and host.

One pass, one compiled regex per line for the prefix: this is the hot path, so no
pyparsing here (a grammar call costs about ten times a regex match).  A message
starts at a line that carries a timestamp or syslog prefix, a debug facility
(``IKEv2:``, ``ISAKMP``, ``IPSEC(``, ``%FAC-N-MNEMONIC``, ...) or a router prompt;
every other non-blank line continues the message before it, which is how IOS prints
packet blocks (header, SPI line, exchange line, payload list) and how web pages and
terminals wrap long records.  Blank lines belong to the message before them, so the
spans of all messages cover every input line exactly once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from functools import lru_cache
from typing import Final, NamedTuple

from .reading import decode_line

MONTHS: Final[dict[str, int]] = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_UTC_NAMES: Final = frozenset({"UTC", "GMT", "Z", "UT"})

#: Everything IOS, a paste site or a syslog server may put before the message text.
#: Groups: quote (markdown "> "), pri (<N>), iso / iso_host (RFC 5424 or ISO-stamped
#: server files), bsd / bsd_host (RFC 3164 server stamp and host), seq (IOS sequence
#: number), marker (* or . clock flags, or a markdown bullet), stamp (IOS date stamp),
#: uptime (IOS uptime stamp), origin (host name after the stamp, `logging origin-id`).
PREFIX_RE: Final = re.compile(
    rf"""
    (?P<quote>(?:>[ \t]?)+)?
    [ \t]*
    (?:<(?P<pri>\d{{1,3}})>(?:1[ ])?:?)?
    (?:
        (?P<iso>\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?):?[ ]
        (?:(?P<iso_host>(?![A-Za-z]+\()[A-Za-z0-9][\w.\-:]*)[ ](?:-[ ]-[ ]-[ ]-[ ])?
            (?=\d+:[ ]|[*.]?{_MONTH}|%|\d{{2}}:\d\d:\d\d|[\w\-]+:[ ]))?
    |
        (?P<bsd>{_MONTH}[ ]{{1,2}}\d{{1,2}}[ ]\d\d:\d\d:\d\d)[ ]
        (?P<bsd_host>[A-Za-z0-9][\w.\-:]*[\w])[ ]
        (?=\d+:[ ]|[*.]?{_MONTH}|%|\d{{2}}:\d\d:\d\d)
    )?
    (?:(?P<seq>\d+):[ ])?
    (?:
        (?P<marker>[*.]|-[ ])?
        (?:
            (?P<stamp>(?P<second>{_MONTH}[ ]{{1,2}}\d{{1,2}}(?:[ ]\d{{4}})?[ ]\d\d:\d\d:\d\d)
                (?:\.(?P<fraction>\d{{1,6}}))?
                (?:[ ](?P<tz>[A-Za-z]{{2,5}}(?:[+-]\d{{1,2}})?))?)
        |
            (?P<uptime>(?:\d+[ywdh]){{1,3}}\d*|\d\d:\d\d:\d\d(?:\.\d{{1,6}})?)
        )
        (?::[ ]?|[ ](?=\[IKEv))  # ASA debug stamps have no colon: `Sep 15 03:14:00 [IKEv1]`
        (?:(?P<origin>[A-Za-z0-9][\w.\-]*)[ ](?=%[A-Z]))?
    )?
    """,
    re.VERBOSE,
)

#: A line whose text (after its prefix) starts with one of these begins a new record.
RECORD_START_RE: Final = re.compile(
    r"""
    (?:IKEv2[:\-]|IKEv1\b|ISAKMP\b|ISAKMP-|IPSEC[:(]|IPsec[:(]|%[A-Z][A-Z0-9_]*-(?:[a-z]+-)?\d-
      |crypto_engine|CRYPTO_ENGINE|CryptoEngine|Crypto[ ]mapdb|\(ipsec_process_proposal\)
      |SA[ ]ID:\d|\[IKEv[12]|CRYPTO_|IPSEC_|IKE_)
    """,
    re.VERBOSE,
)

#: The field lines of an IKEv1 ``ID payload`` dump that IOS-XE prints with a prefix of
#: their own: ``ISAKMP: (1003): address      : 100.64.1.2``.
_ISAKMP_ID_FIELD = (
    r"ISAKMP[^:(]{0,8}:?[ ]?(?:\([\d:]+\)[ ]?:?)?\s*(?:address|protocol|FQDN[ ]name)\s+:"
)

#: Lines that continue a block although they start with a facility: `debug crypto ikev2
#: packet` prints the decoded header as its own IKEv2-PAK record, IOS-XE the fields of an
#: IKEv1 ID payload as ISAKMP records.
CONTINUATION_RE: Final = re.compile(
    r"IKEv2(?:-PAK|-PROTO-\d+)?:[^\n]*?Next payload:|" + _ISAKMP_ID_FIELD
)

#: Lines that only ever continue a block (the SPI, exchange and payload lines of a packet, the
#: field lines of a key engine block): they continue the message before them even when a
#: syslog server gave each line a prefix of its own, as long as the host is the same.
CONTINUATION_ONLY_RE: Final = re.compile(
    r"""
    (?:Initiator[ ]SPI[ ]?:|IKEv2[ ][A-Z][A-Z0-9_]*[ ]Exchange[ ](?:REQUEST|RESPONSE)
      |Payload[ ]contents:|\(key[ ]eng\.[ ]msg\.\)|\((?:sa|identity)\)[ ]
      |(?:local|remote|src|dest)_proxy\s*=
      |protocol\s*=|lifedur\s*=|spi\s*=|sa_(?:spi|trans|lifetime)|Num\.[ ]transforms:
      |(?:in|out)bound[ ]SA[ ]from[ ]|\(proxy[ ]|has[ ]spi[ ]|lifetime[ ]of[ ]\d
      |has[ ]client[ ]flags)
    """,
    re.VERBOSE,
)

#: rsyslog escapes the line feeds inside a multi-line message as "#012".
ESCAPED_NEWLINE: Final = "#012"

#: A router prompt, possibly followed by a typed command: `R2#`, `Hub-RTR(config)#conf t`.
PROMPT_RE: Final = re.compile(r"[A-Za-z][\w.\-/]*(?:\([\w\-/]+\))?[#>]")

#: Console output that is not debug output and never continues a debug record.
CONSOLE_NOISE_RE: Final = re.compile(
    r"""
    (?:Type[ ]escape[ ]sequence|Sending[ ]\d+,[ ]\d+-byte|Success[ ]rate[ ]is|Packet[ ]sent[ ]with
      |Enter[ ]configuration[ ]commands|Configuring[ ]from[ ]terminal|All[ ]possible[ ]debugging
      |%[ ]Invalid[ ]input|Translating[ ]"|Building[ ]configuration|Syslog[ ]logging:
      |Log[ ]Buffer[ ]\(|No[ ](?:Active|Inactive)[ ]Message[ ]Discriminator|No[ ]active[ ]filter
      |(?:Console|Monitor|Buffer|Trap|Persistent|Exception|Count[ ]and[ ]timestamp)[ ][Ll]ogging
      |\S.*debugging[ ]is[ ](?:on|off)$)
    """,
    re.VERBOSE,
)


class Message(NamedTuple):
    """A logical message: the text of one record and where it came from.

    ``lines`` holds the record's non-blank lines with the prefix removed from the first
    and surrounding white space removed from all; ``line``/``end_line`` span every
    physical line the message owns, trailing blank lines included.  A named tuple:
    immutable, and built in a quarter of a frozen dataclass's time (one per record).
    """

    line: int
    end_line: int
    lines: tuple[str, ...]
    timestamp_raw: str | None = None
    timestamp: datetime | None = None
    clock_authoritative: bool | None = None
    host: str | None = None
    sequence: int | None = None

    @property
    def text(self) -> str:
        """The record as one line: wrapped lines joined with a space."""
        return " ".join(self.lines)


@dataclass(slots=True)
class _Prefix:
    body: str
    has_prefix: bool
    timestamp_raw: str | None
    timestamp: datetime | None
    clock_authoritative: bool | None
    host: str | None
    sequence: int | None


def parse_stamp(stamp: str, tz: str | None, year: int) -> datetime | None:
    """Datetime of an IOS date stamp such as ``Apr 29 2025 16:57:42.200``; None if invalid.

    A stamp without a year takes ``year``; UTC/GMT stamps are timezone-aware, other zone
    names stay naive because IOS prints local abbreviations without their offset.
    """
    parts = _STAMP_PARTS.match(stamp)
    if parts is None:
        return None
    return _stamp_at(parts[1], parts[2], tz, year)


_STAMP_PARTS: Final = re.compile(r"\s*(.*?\d\d?:\d\d:\d\d)(?:\.(\d{1,6}))?(?:\s+[A-Za-z].*)?\s*$")


def _stamp_at(second: str, fraction: str | None, tz: str | None, year: int) -> datetime | None:
    # Millisecond stamps rarely repeat, but their second does: the calendar part is cached
    # per second and only the fraction is added (datetime.replace costs four times this).
    fields = _second_fields(second, tz, year)
    if fields is None:
        return None
    year_, month, day, hour, minute, sec, zone = fields
    micro = int(fraction) * _FRACTION_SCALE[len(fraction)] if fraction else 0
    return datetime(year_, month, day, hour, minute, sec, micro, zone)


_FRACTION_SCALE: Final = (0, 100_000, 10_000, 1_000, 100, 10, 1)

_Fields = tuple[int, int, int, int, int, int, "timezone | None"]


@lru_cache(maxsize=4096)
def _second_fields(second: str, tz: str | None, year: int) -> _Fields | None:
    parts = second.split()
    try:
        month = MONTHS[parts[0]]
        day = int(parts[1])
        stamp_year = int(parts[2]) if len(parts) == 4 else year
        hour, minute, sec = (int(part) for part in parts[-1].split(":"))
        datetime(stamp_year, month, day, hour, minute, sec)  # validates the calendar
    except (KeyError, ValueError, IndexError):
        return None
    zone = UTC if tz is not None and tz.upper() in _UTC_NAMES else None
    return stamp_year, month, day, hour, minute, sec, zone


@lru_cache(maxsize=4096)
def _parse_iso(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None


#: The characters a prefix can start with, after leading blanks: markdown quote, syslog PRI,
#: digits (ISO stamp, sequence number, uptime), clock markers and month names.
PREFIX_FIRST: Final = frozenset("><0123456789*.-JFMASOND")


def split_prefix(text: str, year: int) -> _Prefix:
    """Separate the framing prefix of one physical line from its message text."""
    stripped = text.strip()
    if not stripped or stripped[0] not in PREFIX_FIRST:
        # Most lines of a debug (IKEv2:, ISAKMP, Initiator SPI, payload lists) have no
        # prefix: skip the regex for them, the hot path of framing.
        return _Prefix(stripped, False, None, None, None, None, None)
    match = PREFIX_RE.match(text)
    assert match is not None  # every group is optional: the pattern always matches
    (pri, iso, iso_host, bsd, bsd_host, seq, marker, stamp, second, fraction, tz, uptime,
     origin) = match.group(*_PREFIX_GROUPS)  # fmt: skip
    body = text[match.end() :].strip()
    timestamp_raw: str | None = None
    timestamp: datetime | None = None
    authoritative: bool | None = None
    if stamp:
        timestamp_raw = stamp
        timestamp = _stamp_at(second, fraction, tz, year)
    elif uptime:
        timestamp_raw = uptime
    if timestamp_raw is not None:
        # Cisco: '*' clock not authoritative, '.' authoritative but not synchronised
        # since; a markdown bullet ('- ') replaced whichever marker there was.
        authoritative = None if marker == "- " or uptime else marker is None
    elif iso:
        timestamp_raw = iso
        timestamp = _parse_iso(iso)
    elif bsd:
        timestamp_raw = bsd
        timestamp = parse_stamp(bsd, None, year)
    has_prefix = timestamp_raw is not None or pri is not None or seq is not None
    sequence = int(seq) if seq is not None else None
    host = iso_host or bsd_host or origin
    return _Prefix(body, has_prefix, timestamp_raw, timestamp, authoritative, host, sequence)


_PREFIX_GROUPS: Final = (
    "pri", "iso", "iso_host", "bsd", "bsd_host", "seq", "marker", "stamp", "second",
    "fraction", "tz", "uptime", "origin",
)  # fmt: skip


class _Builder:
    """Accumulates the lines of the message under construction."""

    __slots__ = ("first", "head", "last", "lines")

    def __init__(self, number: int, head: _Prefix) -> None:
        self.first = number
        self.last = number
        self.head = head
        self.lines: list[str] = [head.body] if head.body else []

    def build(self) -> Message:
        head = self.head
        return Message(
            self.first,
            self.last,
            tuple(self.lines),
            head.timestamp_raw,
            head.timestamp,
            head.clock_authoritative,
            head.host,
            head.sequence,
        )


class Framer:
    """Framing one line at a time: :meth:`feed` returns the message a line completes,
    :meth:`flush` closes the one still open (end of input, or a live feed gone quiet).

    Line numbers count the lines fed, from 1.
    """

    def __init__(self, *, year: int | None = None) -> None:
        self.year = year if year is not None else datetime.now().year
        self.number = 0
        self._current: _Builder | None = None
        self._blank: list[int] = []

    def feed(self, raw: str | bytes) -> Message | None:
        """Take the next physical line; returns the message it completes, if any."""
        self.number += 1
        number = self.number
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = decode_line(raw)[0]  # the reading policy: Windows-1252, else U+FFFD
        else:
            text = raw
        text = text.rstrip("\r\n")
        if number == 1:
            text = text.lstrip("\ufeff")
        current = self._current
        stripped = text.strip()
        if not stripped or not text.strip(" \t>"):
            if current is None:
                self._blank.append(number)
            else:
                current.last = number
            return None
        if stripped[0] in PREFIX_FIRST:
            prefix = split_prefix(text, self.year)
        else:  # most lines of a debug carry no prefix: the hot path skips the regex
            prefix = _Prefix(stripped, False, None, None, None, None, None)
        if not prefix.has_prefix and PROMPT_RE.match(prefix.body):
            prefix = _unglue(prefix, self.year)
        body = prefix.body
        extra: list[str] = []
        if ESCAPED_NEWLINE in body:
            body, *extra = (part.strip() for part in body.split(ESCAPED_NEWLINE))
            prefix.body = body
        if current is not None and _continues(prefix, body, current):
            current.lines.extend(line for line in (body, *extra) if line)
            current.last = number
            return None
        done = current.build() if current is not None else None
        current = self._current = _Builder(number, prefix)
        current.lines.extend(line for line in extra if line)
        if self._blank:
            # Blank lines before a message belong to it.
            current.first = self._blank[0]
            self._blank = []
        return done

    def flush(self) -> Message | None:
        """Close the message under construction (and blank lines no message has taken)."""
        current, self._current = self._current, None
        if current is not None:
            return current.build()
        if self._blank:
            blank, self._blank = self._blank, []
            return Message(blank[0], blank[-1], ())
        return None


def frame_lines(lines: Iterable[str | bytes], *, year: int | None = None) -> Iterator[Message]:
    """Group physical lines into messages, lazily.

    ``year`` completes stamps that print none (the default is the current year).
    Accepts text or bytes lines, with or without their line endings; undecodable bytes
    are replaced, never dropped.
    """
    framer = Framer(year=year)
    feed = framer.feed
    for raw in lines:
        message = feed(raw)
        if message is not None:
            yield message
    last = framer.flush()
    if last is not None:
        yield last


#: A debug record the console printed right after a prompt, on the same line: the prompt,
#: then possibly the torn rest of a stamp (`R2#ar 1 00:55:40.971: ISAKMP (0:2): ...`).
_GLUED_RE: Final = re.compile(r"[A-Za-z][\w.\-/]*(?:\([\w\-/]+\))?[#>][ ]?(?P<rest>.+)")
_TORN_STAMP_RE: Final = re.compile(r"[\w ]{0,12}\d\d:\d\d:\d\d(?:\.\d+)?:[ ]?")


def _unglue(prefix: _Prefix, year: int) -> _Prefix:
    """The record glued after a prompt, if there is one; else the prompt line as it is."""
    glued = _GLUED_RE.match(prefix.body)
    if glued is None:
        return prefix
    rest = split_prefix(glued["rest"], year)
    if rest.has_prefix and RECORD_START_RE.match(rest.body):
        return rest
    torn = _TORN_STAMP_RE.match(glued["rest"])
    if torn is not None and RECORD_START_RE.match(glued["rest"], torn.end()):
        prefix.body = glued["rest"][torn.end() :].strip()
    return prefix


def _continues(prefix: _Prefix, body: str, current: _Builder) -> bool:
    """Whether a line continues the message under construction rather than starting one."""
    if prefix.has_prefix:
        if prefix.host != current.head.host or not current.lines:
            return False
        # The payload list is the one continuation line with no keyword of its own.
        after_contents = current.lines[-1].endswith("Payload contents:")
        return after_contents or CONTINUATION_ONLY_RE.match(body) is not None
    return not (
        (RECORD_START_RE.match(body) is not None and CONTINUATION_RE.match(body) is None)
        or PROMPT_RE.match(body) is not None
        or CONSOLE_NOISE_RE.match(body) is not None
    )


__all__ = ["Framer", "Message", "frame_lines", "parse_stamp", "split_prefix"]
