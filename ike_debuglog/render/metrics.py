"""Prometheus metrics of a log: sessions by outcome and reason, retransmissions, error
notifies, packets by exchange and direction (``ike-debuglog metrics``).

Counters only: they grow as events and sessions are observed, so the same object serves a
one-shot textfile for node_exporter and a live ``--serve`` endpoint while a log is
followed.  Labels are bounded by what a fleet has (hosts, peers, exchanges, reasons),
never by SPIs or message ids.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import polars as pl
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric

from .. import registry
from ..correlate import Session
from ..events import Event
from ..scan.records import RecordBatch
from .shapes import FIRST_STATUS_NOTIFY as _FIRST_STATUS_NOTIFY
from .shapes import error_notifies

#: IKEv1 steps to the exchange (mode) they belong to, for the packet counter.
_IKEV1_MODES = {
    "MM": "main_mode", "AM": "aggressive_mode", "QM": "quick_mode", "IN": "informational"
}  # fmt: skip


def _label(value: object) -> str:
    return "" if value is None else str(value)


@dataclass
class _Family:
    name: str
    documentation: str
    labels: tuple[str, ...]
    counts: Counter[tuple[str, ...]] = field(default_factory=Counter)


class Metrics:
    """Counters over events and sessions, in their own registry (never the global one, so
    that two in one process do not mix).  Served without ``_created`` series: they would
    report when this process parsed a line, not anything about the network."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._families = {
            family.name: family
            for family in (
                _Family("ike_sessions", "IKE sessions seen, by how they ended",
                        ("host", "peer", "ike_version", "outcome", "reason")),
                _Family("ike_retransmissions",
                        "IKE messages sent again for want of an answer, by peer",
                        ("host", "peer", "ike_version")),
                _Family("ike_notify_errors",
                        "Error notifies sent or received (NO_PROPOSAL_CHOSEN, ...)",
                        ("host", "ike_version", "notify", "direction")),
                _Family("ike_packets", "IKE packets, by exchange and direction",
                        ("host", "ike_version", "exchange", "direction")),
                _Family("ike_debuglog_events", "Events parsed, by kind", ("kind",)),
                _Family("ike_debuglog_unrecognized_lines", "Input lines no grammar recognised",
                        ()),
            )
        }  # fmt: skip
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(self)

    def _add(self, name: str, labels: tuple[str, ...], amount: int = 1) -> None:
        with self._lock:
            self._families[name].counts[labels] += amount

    def collect(self) -> Iterator[Metric]:
        """What a scrape reads (the prometheus_client collector protocol)."""
        with self._lock:
            snapshot = [(family, list(family.counts.items())) for family in self._families.values()]
        for family, counts in snapshot:
            metric = CounterMetricFamily(
                family.name, family.documentation, labels=list(family.labels)
            )
            for labels, value in sorted(counts):
                metric.add_metric(list(labels), value)
            yield metric

    def observe_event(self, event: Event) -> None:
        self._add("ike_debuglog_events", (event.kind,))
        if event.kind == "unrecognized":
            self._add("ike_debuglog_unrecognized_lines", (), event.end_line - event.line + 1)
        self._observe_packets(event)

    def _observe_packets(self, event: Event) -> None:
        host = _label(event.host)
        if event.kind == "ikev2_packet":
            exchange = _label(event.exchange) or "unknown"
            self._add("ike_packets", (host, "2", exchange, event.direction))
            for notify in error_notifies(event):
                self._add("ike_notify_errors", (host, "2", notify, event.direction))
        elif event.kind == "ikev1_packet":
            mode = _IKEV1_MODES.get((event.step or "")[:2], "unknown")
            self._add("ike_packets", (host, "1", mode, event.direction))
        elif event.kind == "ikev1_notify" and registry.is_ikev1_error_notify(event.notify):
            self._add("ike_notify_errors", (host, "1", event.notify, event.direction))

    def observe_batch(self, batch: RecordBatch) -> None:
        """Count a batch's events: the same counts as :meth:`observe_event` for each,
        read off the batch's tables."""
        kinds, lines = batch.counts()
        for kind, count in kinds.items():
            self._add("ike_debuglog_events", (kind,), count)
        if lines:
            self._add("ike_debuglog_unrecognized_lines", (), lines)
        for event in batch.python.values():  # their kind and lines are counted above
            self._observe_packets(event)
        tables = batch.tables
        host = pl.col("host").fill_null("")
        if "ikev2_packet" in tables:
            packets = tables["ikev2_packet"]
            exchange = pl.col("exchange").fill_null("").replace("", "unknown")
            self._counts("ike_packets", packets.select(host, pl.lit("2"), exchange, "direction"))
            payloads = (
                packets.select(host, "direction", "payloads").explode("payloads").unnest("payloads")
            )
            notified = payloads.filter(pl.col("notify_code") < _FIRST_STATUS_NOTIFY).select(
                "host", pl.lit("2"), pl.coalesce("notify", "raw"), "direction"
            )
            self._counts("ike_notify_errors", notified)
        if "ikev1_packet" in tables:
            step = pl.col("step").fill_null("").str.slice(0, 2)
            mode = step.replace_strict(_IKEV1_MODES, default="unknown", return_dtype=pl.String)
            packets = tables["ikev1_packet"].select(host, pl.lit("1"), mode, "direction")
            self._counts("ike_packets", packets)
        if "ikev1_notify" in tables:
            notifies = tables["ikev1_notify"].select(host, pl.lit("1"), "notify", "direction")
            flags = [registry.is_ikev1_error_notify(n) for n in notifies.get_column("notify")]
            self._counts("ike_notify_errors", notifies.filter(pl.Series(flags, dtype=pl.Boolean)))

    def _counts(self, name: str, labels: pl.DataFrame) -> None:
        if labels.is_empty():
            return
        counted = labels.group_by(labels.columns, maintain_order=True).len()
        for *values, count in counted.iter_rows():
            self._add(name, tuple(str(value) for value in values), count)

    def observe_session(self, session: Session) -> None:
        host, peer = _label(session.host), _label(session.peer)
        version = _label(session.ike_version)
        labels = (host, peer, version, session.outcome, _label(session.reason))
        self._add("ike_sessions", labels)
        if session.retransmissions:
            self._add("ike_retransmissions", (host, peer, version), session.retransmissions)

    def exposition(self) -> bytes:
        """The Prometheus text exposition format, as node_exporter's textfile collector
        and a scrape read it."""
        return generate_latest(self.registry)


__all__ = ["Metrics"]
