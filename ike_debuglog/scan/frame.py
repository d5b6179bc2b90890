"""Framing in bulk: batches of physical lines into records, with their span, stamp and host.

The rules are those of :mod:`ike_debuglog.framing`, applied to a whole batch at once in
Polars.  Plain lines (printable ASCII, no tab, in the framings seen most: console,
``show logging``, RFC 3164 server files) are analysed by one pattern per batch; every
other line (markdown quotes, syslog PRI, ISO stamps, prompts with a record glued on,
rsyslog ``#012`` escapes, other characters) goes through :func:`framing.analyze_line`,
the exact rule, one line at a time.

Whether a line starts a record depends on the record before it only for a prefixed
line that may continue a block (a syslog server gives each line of a packet block a
prefix of its own): those few are settled in order in Python.  The record still open at
the end of a batch is carried into the next one, so records never depend on where a
batch ends.

Stamps that print no year (console and RFC 3164 server stamps) are dated here, over the
whole input (:mod:`.years`): each is written with its year (``Dec 31 23:59:59`` becomes
``Dec 31 2026 23:59:59``) so that every later step, in bulk or in Python, builds the
same datetime.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from ..framing import (
    AFTER_HOST,
    BSD_PART,
    CONSOLE_NOISE_RE,
    CONTINUATION_ONLY_RE,
    CONTINUATION_RE,
    ESCAPED_NEWLINE,
    ORIGIN_HOST,
    PAYLOAD_CONTENTS,
    PROMPT_RE,
    RECORD_START_RE,
    SEQUENCE_PART,
    STAMP_PART,
    LineInfo,
    Message,
    analyze_line,
    checked_zone,
    stamp_time,
    zone_of,
)
from .regex import rust
from .years import Calendar


def _required(pattern: str | re.Pattern[str], *, ascii_only: bool = True) -> str:
    # The bulk pattern reads plain lines only: the faster byte form of each pattern serves
    # (what it gives for any other line is replaced by the exact rule's).
    translated = rust(pattern, ascii_only=ascii_only)
    if translated is None:  # pragma: no cover - the framing patterns are written to translate
        raise ValueError(f"framing pattern does not run in the bulk scan: {pattern}")
    return translated


#: The prefix of a plain line.  The lookaheads of PREFIX_RE become groups the prefix
#: length leaves out (`asa`, `pct`), or a check of their own (AFTER_HOST, below).
_PREFIX: Final = _required(
    r"^(?P<prefix>[ ]*"
    rf"(?:{BSD_PART})?"
    + SEQUENCE_PART
    + "(?:"
    + STAMP_PART
    + r"(?::[ ]?|[ ](?P<asa>\[IKEv))"
    + rf"(?:{ORIGIN_HOST}[ ](?P<pct>%[A-Z]))?"
    + ")?)"
)
#: A server stamp and host are one only when a message or a device prefix follows.
_BSD_CHECK: Final = _required("^[ ]*" + BSD_PART + AFTER_HOST)
#: Lines the bulk pattern does not read: anything but printable ASCII, rsyslog escapes,
#: markdown quotes and syslog PRI (``>`` and ``<`` first), ISO stamps.
_SLOW: Final = _required(
    rf"[^\x20-\x7e]|{ESCAPED_NEWLINE}|^[ ]*[<>]|^[ ]*\d{{4}}-", ascii_only=False
)
_RECORD_START: Final = "^(?:" + _required(RECORD_START_RE) + ")"
_CONTINUATION: Final = "^(?:" + _required(CONTINUATION_RE) + ")"
_CONTINUATION_ONLY: Final = "^(?:" + _required(CONTINUATION_ONLY_RE) + ")"
_PROMPT: Final = "^(?:" + _required(PROMPT_RE) + ")"
_NOISE: Final = "^(?:" + _required(CONSOLE_NOISE_RE) + ")"

#: The per-line columns, in :class:`LineInfo` order.
_LINE_SCHEMA: Final = {
    "blank": pl.Boolean,
    "has_prefix": pl.Boolean,
    "pieces": pl.String,
    "timestamp_raw": pl.String,
    "second": pl.String,
    "fraction": pl.String,
    "tz": pl.String,
    "iso": pl.String,
    "clock_authoritative": pl.Boolean,
    "host": pl.String,
    "sequence": pl.Int64,
    "starts": pl.Boolean,
    "continues_only": pl.Boolean,
    "ends_contents": pl.Boolean,
}
#: What a record keeps of the line that starts it.
HEAD: Final = (
    "timestamp_raw", "second", "fraction", "tz", "iso", "clock_authoritative", "host",
    "sequence",
)  # fmt: skip
#: The columns of a batch of records.
RECORD_SCHEMA: Final = {
    "line": pl.Int64,
    "end_line": pl.Int64,
    "text": pl.String,
    "lines_text": pl.String,
    **{name: _LINE_SCHEMA[name] for name in HEAD},
}


def analyze(lines: pl.Series, year: int) -> pl.DataFrame:
    """The framing facts of every line of a batch (see :class:`framing.LineInfo`)."""
    frame = pl.DataFrame({"raw": lines})
    slow = frame.select(
        pl.col("raw").str.contains(_SLOW)
        | pl.col("raw").str.contains(_BSD_CHECK).not_()
        & pl.col("raw").str.contains("^[ ]*" + _required(BSD_PART))
    ).to_series()
    parts = frame.with_columns(pl.col("raw").str.extract_groups(_PREFIX).alias("p")).unnest("p")
    cut = (
        pl.col("prefix").str.len_bytes().fill_null(0)
        - pl.col("pct").str.len_bytes().fill_null(0)
        - pl.col("asa").str.len_bytes().fill_null(0)
    )
    stamped = pl.col("stamp").is_not_null() | pl.col("uptime").is_not_null()
    raw_stamp = pl.coalesce("stamp", "uptime", "bsd")
    parts = parts.with_columns(body=pl.col("raw").str.slice(cut).str.strip_chars(" "))
    facts = parts.select(
        blank=pl.col("raw").str.contains("^[ ]*$"),
        has_prefix=raw_stamp.is_not_null() | pl.col("seq").is_not_null(),
        pieces=pl.col("body"),
        timestamp_raw=raw_stamp,
        second=pl.when(pl.col("stamp").is_not_null())
        .then(pl.col("second"))
        .when(pl.col("uptime").is_null())
        .then(pl.col("bsd")),
        fraction=pl.col("fraction"),
        tz=pl.col("tz"),
        iso=pl.lit(None, pl.String),
        clock_authoritative=pl.when(stamped).then(
            pl.when((pl.col("marker") == "- ") | pl.col("uptime").is_not_null())
            .then(pl.lit(None, pl.Boolean))
            .otherwise(pl.col("marker").is_null())
        ),
        host=pl.coalesce("bsd_host", pl.when(pl.col("pct").is_not_null()).then("origin")),
        sequence=pl.col("seq").cast(pl.Int64),
        starts=(
            pl.col("body").str.contains(_RECORD_START)
            & pl.col("body").str.contains(_CONTINUATION).not_()
        )
        | pl.col("body").str.contains(_PROMPT)
        | pl.col("body").str.contains(_NOISE),
        # A continuation line a server (or unstamped `show logging`) prefixed: indented,
        # with no device stamp of its own (framing._Prefix.indented).
        continues_only=pl.col("body").str.contains(_CONTINUATION_ONLY)
        | (
            (raw_stamp.is_not_null() | pl.col("seq").is_not_null())
            & stamped.not_()
            & (pl.col("raw").str.slice(cut, 1) == " ")
        ),
        ends_contents=pl.col("body").str.ends_with(PAYLOAD_CONTENTS),
    )
    # A prompt without a prefix may have a record glued on: the exact rule unglues it.
    slow = slow | (facts["has_prefix"].not_() & parts["body"].str.contains(_PROMPT))
    if slow.any():
        facts = _exact(facts, lines, slow, year)
    return facts


def _exact(facts: pl.DataFrame, lines: pl.Series, slow: pl.Series, year: int) -> pl.DataFrame:
    """The facts of the lines the bulk pattern does not read, by the exact rule."""
    index = slow.arg_true()
    exact = [analyze_line(text, year) for text in lines.gather(index).to_list()]
    replaced = pl.DataFrame(exact, schema=_LINE_SCHEMA, orient="row")
    return facts.with_columns(
        facts.get_column(name).scatter(index, replaced.get_column(name)) for name in facts.columns
    )


@dataclass
class _Open:
    """The record still open at the end of a batch: it goes on into the next one."""

    line: int
    head: dict[str, Any]
    pieces: list[str] = field(default_factory=list)
    ends_contents: bool = False


class BatchFramer:
    """Lines into records, a batch at a time; the record still open is carried over.

    :meth:`frame` takes the next batch of lines (decoded, line ends removed) and
    returns the records it completes; :meth:`flush` closes the last one (end of input,
    or a live feed gone quiet).  Line numbers count the lines given, from 1.

    ``year`` is the year of the first stamp that prints none; the years of the next ones
    follow the log (see :class:`years.Calendar`), across batches and pauses.
    """

    def __init__(self, year: int, timezone: str | None = None) -> None:
        self.year = year
        # The zone of stamps that name none (an IANA name; UsageError when it is not one).
        self.timezone = None if timezone is None else checked_zone(timezone)
        self.number = 0
        self._calendar = Calendar(year)
        self._open: _Open | None = None
        self._blank_from: int | None = None  # blank lines before any record: the first one

    def frame(self, lines: pl.Series) -> pl.DataFrame:
        """The records the batch completes, in order."""
        first = self.number + 1
        self.number += len(lines)
        if not len(lines):
            return _empty()
        if first == 1:
            lines = _without_mark(lines)
        facts = self._calendar.dated(analyze(lines, self.year))
        if self.timezone is not None:
            facts = _zoned(facts, self.timezone)
        starts = self._starts(facts)
        return self._records(facts, starts, first)

    def flush(self, *, pause: bool = False) -> pl.DataFrame:
        """The record still open, closed at the last line read (and, for input of blank
        lines only, one record that holds them).

        ``pause``: the input only paused (a live feed went quiet): a block still in the
        middle of its lines (a packet header before its payload list, a key engine block
        whose last line ends with a comma) stays open for the lines still to come."""
        if pause and self._open is not None and _unfinished(self._open.pieces):
            return _empty()
        held, self._open = self._open, None
        if held is not None:
            return _rows([_close(held, self.number)])
        if self._blank_from is not None:
            first, self._blank_from = self._blank_from, None
            return _rows([(first, self.number, "", "", *(None,) * len(HEAD))])
        return _empty()

    # Which lines start a record ------------------------------------------------------

    def _starts(self, facts: pl.DataFrame) -> list[int]:
        """The indexes of the lines that start a record."""
        held = self._open
        marks = facts.select(
            index=pl.int_range(pl.len(), dtype=pl.Int64),
            seen=(pl.col("blank").not_().cum_sum() - pl.col("blank").not_().cast(pl.UInt32)) > 0,
            pieced=pl.when(pl.col("pieces") != "").then(pl.int_range(pl.len(), dtype=pl.Int64)),
            empty=pl.col("pieces") == "",
            blank=pl.col("blank"),
            has_prefix=pl.col("has_prefix"),
            starts=pl.col("starts"),
            continues_only=pl.col("continues_only"),
            ends_contents=pl.col("ends_contents"),
        ).with_columns(
            before=pl.col("pieced").forward_fill().shift(1),
            seen=pl.col("seen") | (held is not None),
        )
        # A payload list follows its header on the very next line: after an empty or
        # blank line (an empty list), or at a line that starts a record, the packet ended.
        last_ends = held.ends_contents if held is not None else False
        marks = marks.with_columns(
            after_contents=pl.col("ends_contents").shift(1, fill_value=last_ends)
        )
        open_line = pl.col("blank").not_()
        # Unprefixed lines start a record when their text says so; prefixed lines unless
        # they may continue a block (settled below); any line starts the first record.
        definite = open_line & (
            pl.col("seen").not_()
            | (pl.col("has_prefix").not_() & pl.col("starts"))
            | (
                pl.col("has_prefix")
                & pl.col("continues_only").not_()
                & pl.col("empty").not_()
                & (pl.col("after_contents").not_() | pl.col("starts"))
            )
        )
        undecided = open_line & pl.col("seen") & pl.col("has_prefix") & definite.not_()
        marks = marks.with_columns(definite=definite, undecided=undecided)
        found = marks.filter(pl.col("definite")).get_column("index").to_list()
        maybe = marks.filter(pl.col("undecided"))
        if maybe.is_empty():
            return found
        return sorted([*found, *self._settle(facts, marks, maybe)])

    def _settle(self, facts: pl.DataFrame, marks: pl.DataFrame, maybe: pl.DataFrame) -> list[int]:
        """Prefixed lines that may continue a block: each does when it has its record's
        host and follows a payload list header, says it only ever continues, or has no
        text (a blank line a syslog server gave a prefix: it ends the record as a blank
        line would)."""
        held = self._open
        hosts = facts.get_column("host").to_list()
        last_definite = (
            marks.select(pl.when(pl.col("definite")).then(pl.col("index")).forward_fill().shift(1))
            .to_series()
            .gather(maybe.get_column("index"))
            .to_list()
        )
        started: list[int] = []
        latest = -1  # the line that started the current record; -1: the one carried in
        for line, definite, before, continues_only, after_contents, empty in zip(
            maybe.get_column("index").to_list(),
            last_definite,
            maybe.get_column("before").to_list(),
            maybe.get_column("continues_only").to_list(),
            maybe.get_column("after_contents").to_list(),
            maybe.get_column("empty").to_list(),
            strict=True,
        ):
            head = max(-1 if definite is None else definite, latest)
            if head >= 0:
                host = hosts[head]
                pieced = before is not None and before >= head
            else:
                host = held.head["host"] if held is not None else None
                pieced = before is not None or (held is not None and bool(held.pieces))
            continues = empty or (pieced and (continues_only or after_contents))
            if host != hosts[line] or not continues:
                started.append(line)
                latest = line
        return started

    # Records -------------------------------------------------------------------------

    def _records(self, facts: pl.DataFrame, starts: list[int], first: int) -> pl.DataFrame:
        size = facts.height
        if not starts:
            self._extend(facts, 0, size, first)
            return _empty()
        done: list[tuple[Any, ...]] = []
        self._extend(facts, 0, starts[0], first)
        if self._open is not None:
            done.append(_close(self._open, first + starts[0] - 1))
            self._open = None
        ends = [*starts[1:], size]
        records = _assemble(facts, starts, ends, first)
        if self._blank_from is not None:
            records = records.with_columns(
                pl.when(pl.int_range(pl.len()) == 0)
                .then(pl.lit(self._blank_from))
                .otherwise(pl.col("line"))
                .alias("line")
            )
            self._blank_from = None
        last = records.tail(1).row(0, named=True)
        self._open = _Open(
            line=last["line"],
            head={name: last[name] for name in HEAD},
            pieces=last["lines_text"].split("\n") if last["lines_text"] else [],
            ends_contents=_ends_contents(facts),
        )
        complete = records.head(len(starts) - 1)
        if done:
            complete = pl.concat([_rows(done), complete])
        return complete

    def _extend(self, facts: pl.DataFrame, start: int, end: int, first: int) -> None:
        """Lines that continue the record carried in (or blank lines before any record)."""
        if start == end:
            return
        held = self._open
        if held is None:
            if self._blank_from is None:
                self._blank_from = first + start
            return
        part = facts.slice(start, end - start).filter(pl.col("pieces") != "")
        held.pieces.extend(
            piece for text in part.get_column("pieces").to_list() for piece in text.split("\n")
        )
        held.ends_contents = _ends_contents(facts.slice(start, end - start))


def _unfinished(pieces: list[str]) -> bool:
    """Whether a record's lines so far stop in the middle of a block IOS prints whole: an
    IKEv2 packet header before its payload list (or right after ``Payload contents:``),
    or a key engine block whose last line ends with a comma."""
    if not pieces:
        return False
    last = pieces[-1]
    if last.endswith(",") or last.endswith(PAYLOAD_CONTENTS):
        return True
    return "Packet [" in pieces[0] and not any(p.endswith(PAYLOAD_CONTENTS) for p in pieces)


def _zoned(facts: pl.DataFrame, default: str) -> pl.DataFrame:
    """Stamps that print no zone, or one that is not known (:func:`framing.zone_of`), take
    ``default`` (``--timezone``); ISO stamps keep what they say."""
    names = facts.get_column("tz").drop_nulls().unique().to_list()
    unknown = [name for name in names if zone_of(name) is None]
    tz = pl.col("tz")
    return facts.with_columns(
        tz=pl.when(pl.col("second").is_not_null() & (tz.is_null() | tz.is_in(unknown)))
        .then(pl.lit(default, pl.String))
        .otherwise(tz)
    )


def _ends_contents(facts: pl.DataFrame) -> bool:
    """Whether the last line of these ends a packet header: the next may be its payloads."""
    return bool(facts.get_column("ends_contents")[-1])


def _assemble(facts: pl.DataFrame, starts: list[int], ends: list[int], first: int) -> pl.DataFrame:
    """One row per record: its span, its pieces joined, the fields of its first line.

    Most records are one line long: their text is the line's; only the lines of longer
    records are grouped and joined."""
    begin = pl.Series(starts, dtype=pl.Int64)
    length = pl.Series(ends, dtype=pl.Int64) - begin
    records = facts.select(*HEAD, lines_text="pieces")[starts]
    longer = (length > 1).arg_true()
    if len(longer):
        flags = pl.Series([False] * facts.height).scatter(starts, True)
        record = flags.cum_sum().cast(pl.Int64) - 1
        spans = length.gather(record.clip(0)).alias("span")
        joined = (
            facts.select("pieces", record=record, span=spans)
            .filter((pl.col("record") >= 0) & (pl.col("span") > 1) & (pl.col("pieces") != ""))
            .group_by("record", maintain_order=True)
            .agg(lines_text=pl.col("pieces").str.join("\n"))
        )
        text = records.get_column("lines_text").scatter(longer, "")
        text = text.scatter(joined.get_column("record"), joined.get_column("lines_text"))
        records = records.with_columns(text)
    return records.select(
        line=begin + first,
        end_line=pl.Series(ends, dtype=pl.Int64) + first - 1,
        text=pl.col("lines_text").str.replace_all("\n", " ", literal=True),
        lines_text=pl.col("lines_text"),
        **{name: pl.col(name) for name in HEAD},
    )


def _close(held: _Open, end_line: int) -> tuple[Any, ...]:
    text = "\n".join(held.pieces)
    return (held.line, end_line, text.replace("\n", " "), text, *(held.head[n] for n in HEAD))


def _rows(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RECORD_SCHEMA, orient="row")


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=RECORD_SCHEMA)


def _without_mark(lines: pl.Series) -> pl.Series:
    """The first line of a stream without its byte order marks (an editor's UTF-8 BOM)."""
    head = lines[0]
    if isinstance(head, str) and head.startswith("\ufeff"):
        return lines.scatter(0, head.lstrip("\ufeff"))
    return lines


def messages(records: pl.DataFrame, year: int) -> Iterator[Message]:
    """The records of a batch as :class:`Message` tuples."""
    for row in records.iter_rows():
        line, end_line, _, lines_text, raw, second, fraction, tz, iso, authoritative, host, seq = (
            row
        )
        yield Message(
            line,
            end_line,
            tuple(lines_text.split("\n")) if lines_text else (),
            raw,
            stamp_time(second, fraction, tz, iso, year),
            authoritative,
            host,
            seq,
        )


__all__ = ["HEAD", "RECORD_SCHEMA", "BatchFramer", "LineInfo", "analyze", "messages"]
