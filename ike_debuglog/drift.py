"""Drift: the crypto debug wording no grammar knows yet, as a short list of templates.

New IOS-XE releases reword their debugs.  The records the grammars cannot name arrive as
``unrecognized`` events (``ikev2``, ``isakmp``, ``ipsec`` and ``crypto`` families) or as
the catch-all ``ikev1_message`` and ``ipsec_message``; Drain (the ``drain3`` log template
miner) clusters their text, with addresses, SPIs and numbers masked first, so that a log
of a million lines shows the few new phrasings to support next, each with a count and
the line it first appeared on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import polars as pl
from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

from .events import Event
from .events.base import Frozen
from .families import FAMILIES
from .scan.records import RecordBatch

#: Unrecognised records of these looks are crypto debug output: the protocols of the
#: family registry, and text that names crypto.
CRYPTO_FAMILIES = frozenset(f.protocol for f in FAMILIES if f.protocol) | {"crypto"}

#: Masked before clustering, most specific first: what varies between two printings of
#: the same record.
_MASKS = (
    # IPv6 (a "::" or a hex letter tells it from a time of day).
    (r"\b(?=[0-9A-Fa-f:]*(?:::|[A-Fa-f]))[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}", "IP"),
    (r"\b\d{1,3}(?:\.\d{1,3}){3}\b", "IP"),
    (r"\b[0-9A-Fa-f]{16}\b", "SPI"),
    (r"\b0x[0-9A-Fa-f]+\b", "HEX"),
    # Pointers and handles: hex words with both digits and letters.
    (r"\b(?=[0-9A-Fa-f]*\d)(?=[0-9A-Fa-f]*[A-Fa-f])[0-9A-Fa-f]{6,}\b", "HEX"),
    (r"(?<![A-Za-z])-?\d+(?![A-Za-z])", "NUM"),
)

#: The longest text of one record that is clustered (a record is rarely longer).
_TEXT_LIMIT = 400


class DriftTemplate(Frozen):
    """One cluster of unknown records: Drain's template (``<IP>``, ``<NUM>``, ``<*>`` where
    the records differ), how many there were, and where the first one was."""

    template: str
    count: int
    first_line: int
    family: str
    example: str


def _text(event: Event) -> tuple[str, str] | None:
    """(family, text) of an event whose wording is unknown, or None."""
    if event.kind == "unrecognized":
        if event.family not in CRYPTO_FAMILIES:
            return None
        return str(event.family), event.text.replace("\n", " ")
    if event.kind == "ikev1_message":
        return "isakmp", f"ISAKMP: {event.message}"
    if event.kind == "ipsec_message":
        return "ipsec", f"IPSEC({event.function}): {event.message}"
    return None


def drift(events: Iterable[Event]) -> list[DriftTemplate]:
    """The templates of the crypto records no grammar named, most frequent first.

    Reads the events once and keeps one cluster per template, so memory follows the
    number of distinct phrasings, not the size of the log.
    """
    return _templates(
        (event.line, *found) for event in events if (found := _text(event)) is not None
    )


def drift_batches(batches: Iterable[RecordBatch]) -> list[DriftTemplate]:
    """:func:`drift` over the pipeline's batches: the texts are read off the tables of
    the few kinds that hold unknown wording, never built into events."""
    return _templates(item for batch in batches for item in _batch_texts(batch))


def _batch_texts(batch: RecordBatch) -> Iterator[tuple[int, str, str]]:
    """(line, family, text) of a batch's records of unknown wording, in record order."""
    parts = []
    tables = batch.tables
    if "unrecognized" in tables:
        parts.append(
            tables["unrecognized"]
            .filter(pl.col("family").is_in(list(CRYPTO_FAMILIES)))
            .select("_order", "line", "family", text=pl.col("text").str.replace_all("\n", " "))
        )
    if "ikev1_message" in tables:
        parts.append(
            tables["ikev1_message"].select(
                "_order", "line", family=pl.lit("isakmp"), text="ISAKMP: " + pl.col("message")
            )
        )
    if "ipsec_message" in tables:
        text = pl.format("IPSEC({}): {}", pl.col("function"), pl.col("message"))
        parts.append(
            tables["ipsec_message"].select("_order", "line", family=pl.lit("ipsec"), text=text)
        )
    found = [
        (order, event.line, *words)
        for order, event in batch.python.items()
        if (words := _text(event)) is not None
    ]
    if found:
        parts.append(pl.DataFrame(found, schema=_TEXTS, orient="row"))
    if parts:
        rows = pl.concat([part.cast(_TEXTS) for part in parts]).sort("_order")  # type: ignore[arg-type]
        for _, line, family, text in rows.iter_rows():
            yield line, family, text


_TEXTS = {"_order": pl.Int64, "line": pl.Int64, "family": pl.String, "text": pl.String}


def _templates(texts: Iterable[tuple[int, str, str]]) -> list[DriftTemplate]:
    config = TemplateMinerConfig()
    config.profiling_enabled = False
    config.drain_sim_th = 0.5
    config.masking_instructions = [MaskingInstruction(pattern, name) for pattern, name in _MASKS]
    miner = TemplateMiner(config=config)
    first: dict[int, tuple[int, str, str]] = {}
    for line, family, full in texts:
        text = full[:_TEXT_LIMIT]
        cluster = miner.add_log_message(text)["cluster_id"]
        first.setdefault(cluster, (line, family, text))
    templates = [
        DriftTemplate.construct_checked(
            template=cluster.get_template(),
            count=cluster.size,
            first_line=first[cluster.cluster_id][0],
            family=first[cluster.cluster_id][1],
            example=first[cluster.cluster_id][2],
        )
        for cluster in miner.drain.clusters
    ]
    return sorted(templates, key=lambda t: (-t.count, t.first_line))


__all__ = ["CRYPTO_FAMILIES", "DriftTemplate", "drift", "drift_batches"]
