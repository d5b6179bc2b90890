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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import UsageError

MONTHS: Final[dict[str, int]] = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_UTC_NAMES: Final = frozenset({"UTC", "GMT", "Z", "UT"})
#: Zone names IOS prints (`clock timezone NAME HOURS`) whose offset is not in doubt, in
#: hours east of UTC.  Names that mean several zones (CST: US Central or China; IST: India,
#: Ireland or Israel; AST, BST) are not here: their stamps take ``--timezone``, or stay
#: local times without an offset.
ZONE_HOURS: Final[dict[str, float]] = {
    "WET": 0, "WEST": 1, "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "GST": 4, "PKT": 5, "ICT": 7, "WIB": 7, "HKT": 8, "SGT": 8, "AWST": 8,
    "JST": 9, "KST": 9, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12,
    "NZDT": 13, "HST": -10, "AKST": -9, "AKDT": -8, "PST": -8, "PDT": -7, "MST": -7,
    "MDT": -6, "CDT": -5, "EST": -5, "EDT": -4, "NST": -3.5, "NDT": -2.5, "BRT": -3,
    "ART": -3,
}  # fmt: skip
_OFFSET_NAME: Final = re.compile(r"(?:UTC|GMT)([+-]\d{1,2})")

# The parts of a line prefix, shared by the Python pattern below and the bulk scan's
# pattern (scan/frame.py), which spells the lookaheads its engine lacks otherwise.
#: RFC 3164 server stamp and the host after it.
BSD_PART: Final = (
    rf"(?P<bsd>{_MONTH}[ ]{{1,2}}\d{{1,2}}[ ]\d\d:\d\d:\d\d)[ ]"
    r"(?P<bsd_host>[A-Za-z0-9][\w.\-:]*[\w])[ ]"
)
#: What may follow a server's host name: a sequence number, a device stamp, a message.
AFTER_HOST: Final = rf"(?:\d+:[ ]|[*.]?{_MONTH}|%|\d{{2}}:\d\d:\d\d)"
#: IOS sequence number.
SEQUENCE_PART: Final = r"(?:(?P<seq>\d+):[ ])?"
#: IOS date stamp (with year, milliseconds and zone where configured) or uptime stamp.
STAMP_PART: Final = (
    r"(?P<marker>[*.]|-[ ])?"
    r"(?:"
    rf"(?P<stamp>(?P<second>{_MONTH}[ ]{{1,2}}\d{{1,2}}(?:[ ]\d{{4}})?[ ]\d\d:\d\d:\d\d)"
    r"(?:\.(?P<fraction>\d{1,6}))?"
    r"(?:[ ](?P<tz>[A-Za-z]{2,5}(?:[+-]\d{1,2})?))?)"
    r"|(?P<uptime>(?:\d+[ywdh]){1,3}\d*|\d\d:\d\d:\d\d(?:\.\d{1,6})?)"
    r")"
)
#: `logging origin-id` host name between the stamp and a syslog message.
ORIGIN_HOST: Final = r"(?P<origin>[A-Za-z0-9][\w.\-]*)"

#: Everything IOS, a paste site or a syslog server may put before the message text.
#: Groups: quote (markdown "> "), pri (<N>), iso / iso_host (RFC 5424 or ISO-stamped
#: server files), bsd / bsd_host (RFC 3164 server stamp and host), seq (IOS sequence
#: number), marker (* or . clock flags, or a markdown bullet), stamp (IOS date stamp),
#: uptime (IOS uptime stamp), origin (host name after the stamp, `logging origin-id`).
PREFIX_RE: Final = re.compile(
    r"(?P<quote>(?:>[ \t]?)+)?"
    r"[ \t]*"
    r"(?:<(?P<pri>\d{1,3})>(?:1[ ])?:?)?"
    r"(?:"
    r"(?P<iso>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?):?[ ]"
    r"(?:(?P<iso_host>(?![A-Za-z]+\()[A-Za-z0-9][\w.\-:]*)[ ](?:-[ ]-[ ]-[ ]-[ ])?"
    rf"(?=\d+:[ ]|[*.]?{_MONTH}|%|\d{{2}}:\d\d:\d\d|[\w\-]+:[ ]))?"
    rf"|{BSD_PART}(?={AFTER_HOST})"
    r")?"
    + SEQUENCE_PART
    + r"(?:"
    + STAMP_PART
    # ASA debug stamps have no colon: `Sep 15 03:14:00 [IKEv1]`.
    + r"(?::[ ]?|[ ](?=\[IKEv))"
    + rf"(?:{ORIGIN_HOST}[ ](?=%[A-Z]))?"
    + r")?"
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
      |has[ ]client[ ]flags|Proposal[ ]\d+:[ ])
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
    immutable, and built in a quarter of a frozen dataclass's time.
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
    """A line's prefix fields and the text after it.  The stamp is kept as printed
    (``second``, ``fraction``, ``tz`` or ``iso``), from which :func:`stamp_time` builds
    the datetime: the bulk scan keeps the same parts in columns."""

    body: str
    has_prefix: bool
    timestamp_raw: str | None = None
    clock_authoritative: bool | None = None
    host: str | None = None
    sequence: int | None = None
    second: str | None = None
    fraction: str | None = None
    tz: str | None = None
    iso: str | None = None
    year: int = 0
    #: No device stamp, and the text after the prefix starts with blanks: a block's
    #: continuation line that a syslog server (or ``show logging`` without time stamps)
    #: gave a prefix of its own.
    indented: bool = False

    @property
    def timestamp(self) -> datetime | None:
        return stamp_time(self.second, self.fraction, self.tz, self.iso, self.year)


def stamp_time(
    second: str | None, fraction: str | None, tz: str | None, iso: str | None, year: int
) -> datetime | None:
    """The datetime of a stamp's printed parts; None when there is none or it is invalid.

    A stamp without a year takes ``year`` (the bulk framer, which reads the whole log,
    has already written the year it infers into ``second``: ``Dec 31 2026 23:59:59``);
    a stamp whose zone is known (:func:`zone_of`) is timezone-aware, one whose zone is
    unknown or not printed stays a local time without an offset (the bulk framer gives
    those ``--timezone``'s zone when there is one).
    """
    if second is not None:
        return _stamp_at(second, fraction, tz, year)
    return _parse_iso(iso) if iso is not None else None


def parse_stamp(stamp: str, tz: str | None, year: int) -> datetime | None:
    """Datetime of an IOS date stamp such as ``Apr 29 2025 16:57:42.200``; None if invalid."""
    parts = _STAMP_PARTS.match(stamp)
    if parts is None:
        return None
    return _stamp_at(parts[1], parts[2], tz, year)


_STAMP_PARTS: Final = re.compile(r"\s*(.*?\d\d?:\d\d:\d\d)(?:\.(\d{1,6}))?(?:\s+[A-Za-z].*)?\s*$")


def _stamp_at(second: str, fraction: str | None, tz: str | None, year: int) -> datetime | None:
    # Millisecond stamps rarely repeat, but their second does: the calendar part is cached
    # per second and only the fraction is added (datetime.replace costs four times this).
    fields = second_fields(second, tz, year)
    if fields is None:
        return None
    year_, month, day, hour, minute, sec, zone = fields
    micro = int(fraction) * _FRACTION_SCALE[len(fraction)] if fraction else 0
    return datetime(year_, month, day, hour, minute, sec, micro, zone)


_FRACTION_SCALE: Final = (0, 100_000, 10_000, 1_000, 100, 10, 1)

_Fields = tuple[int, int, int, int, int, int, "tzinfo | None"]


@lru_cache(maxsize=4096)
def second_fields(second: str, tz: str | None, year: int) -> _Fields | None:
    """The calendar fields of a stamp's whole second, None when the date is invalid.

    ``second`` is ``Dec 31 23:59:59`` (the year is ``year``) or ``Dec 31 2026 23:59:59``."""
    parts = second.split()
    try:
        month = MONTHS[parts[0]]
        day = int(parts[1])
        stamp_year = int(parts[2]) if len(parts) == 4 else year
        hour, minute, sec = (int(part) for part in parts[-1].split(":"))
        datetime(stamp_year, month, day, hour, minute, sec)  # validates the calendar
    except (KeyError, ValueError, IndexError):
        return None
    return stamp_year, month, day, hour, minute, sec, zone_of(tz)


@lru_cache(maxsize=256)
def zone_of(name: str | None) -> tzinfo | None:
    """The zone a stamp's zone name means, None when it is not known: UTC and GMT, the
    names of :data:`ZONE_HOURS`, ``UTC+3`` / ``GMT-5``, or an IANA name (what
    ``--timezone`` puts on stamps that print no zone)."""
    if name is None:
        return None
    upper = name.upper()
    if upper in _UTC_NAMES:
        return UTC
    if upper in ZONE_HOURS:
        return timezone(timedelta(hours=ZONE_HOURS[upper]), upper)
    offset = _OFFSET_NAME.fullmatch(upper)
    if offset is not None and abs(int(offset[1])) <= 14:
        return timezone(timedelta(hours=int(offset[1])), upper)
    if "/" in name or len(name) > 5:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return None
    return None


def checked_zone(name: str) -> str:
    """``name`` when it is an IANA time zone name (``Europe/Paris``, ``UTC``); raises
    :class:`UsageError` naming the problem otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {name!r}: give an IANA name such as Europe/Paris or UTC"
        ) from None
    return name


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
        # prefix: skip the regex for them.
        return _Prefix(stripped, False)
    match = PREFIX_RE.match(text)
    assert match is not None  # every group is optional: the pattern always matches
    (pri, iso, iso_host, bsd, bsd_host, seq, marker, stamp, second, fraction, tz, uptime,
     origin) = match.group(*_PREFIX_GROUPS)  # fmt: skip
    prefix = _Prefix(text[match.end() :].strip(), False, year=year)
    if stamp:
        prefix.timestamp_raw = stamp
        prefix.second, prefix.fraction, prefix.tz = second, fraction, tz
    elif uptime:
        prefix.timestamp_raw = uptime
    if prefix.timestamp_raw is not None:
        # Cisco: '*' clock not authoritative, '.' authoritative but not synchronised
        # since; a markdown bullet ('- ') replaced whichever marker there was.
        prefix.clock_authoritative = None if marker == "- " or uptime else marker is None
    elif iso:
        prefix.timestamp_raw = prefix.iso = iso
    elif bsd:
        prefix.timestamp_raw = prefix.second = bsd
    prefix.has_prefix = prefix.timestamp_raw is not None or pri is not None or seq is not None
    prefix.indented = not (stamp or uptime) and text[match.end() : match.end() + 1].isspace()
    prefix.sequence = int(seq) if seq is not None else None
    prefix.host = iso_host or bsd_host or origin
    return prefix


_PREFIX_GROUPS: Final = (
    "pri", "iso", "iso_host", "bsd", "bsd_host", "seq", "marker", "stamp", "second",
    "fraction", "tz", "uptime", "origin",
)  # fmt: skip

#: The text that ends a packet header block before its payload list (which has no
#: keyword of its own to say it continues the block).
PAYLOAD_CONTENTS: Final = "Payload contents:"


class LineInfo(NamedTuple):
    """What framing needs to know of one physical line, decided by the line alone.

    ``pieces`` is the text the line adds to its message (its body, and the parts of an
    rsyslog ``#012`` escape), non-empty pieces joined by a line feed.  ``starts`` says
    whether an unprefixed line starts a record, ``continues_only`` whether a prefixed
    line may continue one (:data:`CONTINUATION_ONLY_RE`), ``ends_contents`` whether its
    text ends a packet header (``Payload contents:``): the payload list, if the packet
    has one, is the next line (an empty list is an empty line, or none at all).
    """

    blank: bool
    has_prefix: bool = False
    pieces: str = ""
    timestamp_raw: str | None = None
    second: str | None = None
    fraction: str | None = None
    tz: str | None = None
    iso: str | None = None
    clock_authoritative: bool | None = None
    host: str | None = None
    sequence: int | None = None
    starts: bool = False
    continues_only: bool = False
    ends_contents: bool = False


BLANK_LINE: Final = LineInfo(blank=True)


def analyze_line(text: str, year: int) -> LineInfo:
    """The framing facts of one line (its line end and any byte order mark removed).

    This is the exact rule; the bulk scan computes the same facts for whole batches of
    plain lines and calls this for the others.
    """
    stripped = text.strip()
    if not stripped or not text.strip(" \t>"):
        return BLANK_LINE
    prefix = split_prefix(text, year) if stripped[0] in PREFIX_FIRST else _Prefix(stripped, False)
    if not prefix.has_prefix and PROMPT_RE.match(prefix.body):
        prefix = _unglue(prefix, year)
    body = whole = prefix.body
    pieces = [body] if body else []
    if ESCAPED_NEWLINE in body:
        body, *extra = (part.strip() for part in body.split(ESCAPED_NEWLINE))
        pieces = [piece for piece in (body, *extra) if piece]
    return LineInfo(
        blank=False,
        has_prefix=prefix.has_prefix,
        pieces="\n".join(pieces),
        timestamp_raw=prefix.timestamp_raw,
        second=prefix.second,
        fraction=prefix.fraction,
        tz=prefix.tz,
        iso=prefix.iso,
        clock_authoritative=prefix.clock_authoritative,
        host=prefix.host,
        sequence=prefix.sequence,
        starts=(RECORD_START_RE.match(body) is not None and CONTINUATION_RE.match(body) is None)
        or PROMPT_RE.match(body) is not None
        or CONSOLE_NOISE_RE.match(body) is not None,
        continues_only=CONTINUATION_ONLY_RE.match(body) is not None
        or (prefix.has_prefix and prefix.indented),
        ends_contents=whole.endswith(PAYLOAD_CONTENTS),
    )


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


__all__ = [
    "BLANK_LINE",
    "LineInfo",
    "Message",
    "analyze_line",
    "parse_stamp",
    "split_prefix",
    "stamp_time",
]
