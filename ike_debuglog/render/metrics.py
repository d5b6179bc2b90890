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

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric

from .. import registry
from ..correlate import Session
from ..events import Event
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
        host = _label(event.host)
        if event.kind == "unrecognized":
            self._add("ike_debuglog_unrecognized_lines", (), event.end_line - event.line + 1)
        elif event.kind == "ikev2_packet":
            exchange = _label(event.exchange) or "unknown"
            self._add("ike_packets", (host, "2", exchange, event.direction))
            for notify in error_notifies(event):
                self._add("ike_notify_errors", (host, "2", notify, event.direction))
        elif event.kind == "ikev1_packet":
            mode = _IKEV1_MODES.get((event.step or "")[:2], "unknown")
            self._add("ike_packets", (host, "1", mode, event.direction))
        elif event.kind == "ikev1_notify" and registry.is_ikev1_error_notify(event.notify):
            self._add("ike_notify_errors", (host, "1", event.notify, event.direction))

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
