"""The year of time stamps that print none, inferred over a whole input.

Console captures, ``show logging`` without ``service timestamps ... year`` and RFC 3164
syslog servers print ``Dec 31 23:59:59``.  The caller names the year of the first such
stamp; time runs forward from there, so a log that runs from Dec 31 into Jan 1 gets the
next year for January.  :class:`Calendar` keeps the year and month of the last stamp for
one input, across its batches, and writes the year into each stamp's ``second`` column
(``Dec 31 2026 23:59:59``, the form a stamp that prints its year has), so that the bulk
scan, the Python fallback, lazy models and worker processes all build the same datetime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from ..framing import MONTHS

#: The clock part ends every ``second`` (``hh:mm:ss``): the year goes before it.
_CLOCK: Final = len("23:59:59")
#: The longest ``second`` without a year; a longer one prints it (``Dec 31 2026 23:59:59``).
_YEARLESS: Final = len("Dec 31 23:59:59")
#: How far, in months, a stamp may move from the one before and still be in its year.
_HALF_YEAR: Final = 6


@dataclass
class Calendar:
    """The year and month of the last stamp: the year of a stamp that prints none.

    Time runs forward in a log: a stamp whose month is more than half a year before the
    last one's is in the next year (Dec 31 -> Jan 1).  One more than half a year after it
    is last year's, printed late (another host's December stamp just after the
    rollover): it does not move the log back.  A stamp that prints its year (or an ISO
    stamp) is absolute and sets both.
    """

    year: int
    month: int | None = None

    def year_of(self, month: int, printed: int | None) -> int:
        """The year of a stamp of ``month`` (``printed``: the year it prints, if any)."""
        if printed is not None:
            self.year, self.month = printed, month
            return printed
        if self.month is not None:
            if self.month - month > _HALF_YEAR:
                self.year += 1
            elif month - self.month > _HALF_YEAR:
                return self.year - 1
        self.month = month
        return self.year

    def dated(self, facts: pl.DataFrame) -> pl.DataFrame:
        """The facts with the year written into every ``second`` that prints none.

        The rule runs in Python once per run of stamps of the same month and printed
        year (a log changes month rarely), the rewriting over the column."""
        second, iso = pl.col("second"), pl.col("iso")
        iso_month = iso.str.slice(5, 2)
        stamps = facts.select("second", "iso", index=pl.int_range(pl.len(), dtype=pl.UInt32))
        stamps = stamps.filter(second.is_not_null() | iso.is_not_null())
        if stamps.is_empty():
            return facts
        stamps = stamps.select(
            "second",
            "index",
            # An invalid ISO date (month 13) has no time stamp, and no say in the year.
            month=pl.coalesce(
                second.str.head(3),
                pl.when(iso_month.is_between(pl.lit("01"), pl.lit("12"))).then(iso_month),
            ),
            printed=pl.when(second.str.len_bytes() > _YEARLESS)
            .then(second.str.slice(-_CLOCK - 5, 4))
            .otherwise(iso.str.head(4)),
        ).filter(pl.col("month").is_not_null())
        if stamps.is_empty():
            return facts
        if not stamps.get_column("printed").has_nulls():
            # Every stamp prints its year (`show logging` with `year`): the last one sets it.
            self._year_of_run(*stamps.select("month", "printed").row(-1))
            return facts
        change = pl.col("month").ne_missing(pl.col("month").shift(1)) | pl.col(
            "printed"
        ).ne_missing(pl.col("printed").shift(1))
        stamps = stamps.with_columns(run=change.cum_sum() - 1)
        heads = stamps.filter(change).select("month", "printed").iter_rows()
        years = pl.Series([self._year_of_run(*head) for head in heads], dtype=pl.Int64)
        yearless = stamps.filter(pl.col("printed").is_null())
        if yearless.is_empty():
            return facts
        written = yearless.select(
            pl.concat_str(
                second.str.head(-_CLOCK),
                years.gather(yearless.get_column("run")).cast(pl.String),
                pl.lit(" "),
                second.str.tail(_CLOCK),
            )
        ).to_series()
        return facts.with_columns(
            facts.get_column("second").scatter(yearless.get_column("index"), written)
        )

    def _year_of_run(self, month: str, printed: str | None) -> int:
        """The year of a run of stamps: ``month`` a name (``Dec``) or an ISO number."""
        number = MONTHS.get(month) or int(month)
        return self.year_of(number, int(printed) if printed is not None else None)


__all__ = ["Calendar"]
