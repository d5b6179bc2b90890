"""Prometheus metrics of a log: sessions by outcome and reason, retransmissions, error
notifies, packets by exchange and direction (``ike-debuglog metrics``).

Counters only (``prometheus_client``'s own), so the same object serves a one-shot
textfile for node_exporter and a live ``--serve`` endpoint while a log is followed.
Every label is a fixed vocabulary or capped (docs/exports.md lists each metric's series):
hosts, IKE versions, outcomes, reasons, exchanges, directions, event kinds, notify names;
peers only when asked for, and then at most ``peer_labels`` of them.  The series of the
fixed vocabularies exist from the start at 0, so ``rate()`` and ``absent()`` work before
the first failure.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any, Final, get_args
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import polars as pl
from prometheus_client import CollectorRegistry, Counter, generate_latest, make_wsgi_app
from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from .. import registry
from ..correlate import REASONS, Session
from ..correlate.draft import NOTIFY_REASONS
from ..events import Event
from ..scan.records import RecordBatch
from .shapes import FIRST_STATUS_NOTIFY as _FIRST_STATUS_NOTIFY
from .shapes import error_notifies

#: IKEv1 steps to the exchange (mode) they belong to, for the packet counter.
_IKEV1_MODES: Final = {
    "MM": "main_mode", "AM": "aggressive_mode", "QM": "quick_mode", "IN": "informational"
}  # fmt: skip
#: Exchange label values: the IANA IKEv2 exchange names and the IKEv1 modes; any other
#: value (none printed, an unassigned number) is ``unknown``.
_IKEV2_EXCHANGES: Final = frozenset(registry.EXCHANGE_TYPES.values())
#: The exchanges whose packet series exist from the start, per version.
_USUAL_EXCHANGES: Final = {
    "2": ("IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA", "INFORMATIONAL"),
    "1": tuple(_IKEV1_MODES.values()),
}
#: IKEv2 error notify names (RFC 7296 section 3.10.1); an unassigned number is ``other``.
_IKEV2_ERRORS: Final = frozenset(
    name for code, name in registry.NOTIFY_TYPES.items() if code < _FIRST_STATUS_NOTIFY
)
#: IKEv1 notify names are printed, not numbered: the first this many get a series each.
IKEV1_NOTIFY_NAMES: Final = 24
#: The notifies that name a session's reason, whose series exist from the start.
_USUAL_NOTIFIES: Final = tuple(name for name in NOTIFY_REASONS if name in _IKEV2_ERRORS)
_DIRECTIONS: Final = ("sent", "received")
_VERSIONS: Final = ("1", "2")
#: (outcome, reason) pairs a session can have: established and incomplete carry no reason.
VERDICTS: Final = (
    ("established", ""), ("incomplete", ""), *(("failed", reason) for reason in REASONS)
)  # fmt: skip
#: Failures no later record of the session undoes, counted as soon as they are known.
#: Not among them: ``peer_not_responding`` (a late answer), ``invalid_ke_payload`` (the
#: retry with the group asked for, RFC 7296 section 1.3), and the low-priority reasons a
#: more precise one replaces (``internal_error``, ``error_notify``, ``deleted_by_peer``).
FINAL_REASONS: Final = frozenset(
    {"authentication_failed", "no_proposal_chosen", "ts_unacceptable", "psk_mismatch",
     "psk_not_configured", "phase1_policy_mismatch", "proxy_identities_not_supported",
     "transform_mismatch"}
)  # fmt: skip
#: The label value of every peer beyond the cap.
OTHER_PEER: Final = "other"


def _label(value: object) -> str:
    return "" if value is None else str(value)


def _event_kinds() -> tuple[str, ...]:
    """Every event kind: the literal ``kind`` of each member of the event union."""
    union = get_args(Event)[0]  # Annotated[A | B | ..., Field(discriminator="kind")]
    return tuple(sorted(get_args(model.model_fields["kind"].annotation)[0]
                        for model in get_args(union)))  # fmt: skip


def came_up(session: Session) -> bool:
    """Whether the session came up, for good: IKEv2's IKE_AUTH answered without an error
    notify (or IOS said the session is UP); IKEv1's quick mode complete.  Later records
    never undo it (a peer deleting the SA, a failed rekey happen to a session that was
    up), so a session counts as established the moment this holds.  An IKEv1 session
    with phase 1 only is not up for good: quick mode may still fail."""
    if session.ike_version == 1:
        quick = [x for x in session.exchanges if x.name == "quick_mode"]
        return any(x.complete and not x.notifies for x in quick) or (
            bool(quick) and session.outcome == "established"
        )
    return session.outcome == "established" or any(
        x.name == "IKE_AUTH" and x.complete and not x.notifies for x in session.exchanges
    )


def final_verdict(session: Session, *, ended: bool) -> tuple[str, str] | None:
    """The (outcome, reason) a session counts under if its verdict is final already, else
    None: established once it came up (:func:`came_up`); failed once it has ended
    (deleted, or IOS gave up on it) or its reason is one no later record undoes
    (:data:`FINAL_REASONS`).  Incomplete is never final: it waits for the session's end."""
    if came_up(session):
        return ("established", "")
    if session.outcome == "failed" and (ended or session.reason in FINAL_REASONS):
        return ("failed", _label(session.reason))
    return None


def counted_verdict(session: Session) -> tuple[str, str]:
    """The (outcome, reason) an emitted session counts under: its own, except that a
    session which came up counts as established (as it would have when it came up)."""
    if came_up(session):
        return ("established", "")
    return (session.outcome, _label(session.reason))


class _Vocabulary:
    """Label values in order of first sight, at most ``limit`` of them; the rest share
    ``other``."""

    def __init__(self, limit: int, other: str = OTHER_PEER) -> None:
        self.limit = limit
        self.other = other
        self.values: set[object] = set()

    def __call__(self, value: object) -> bool:
        """Whether ``value`` has (or now gets) its own series."""
        if value in self.values:
            return True
        if len(self.values) < self.limit:
            self.values.add(value)
            return True
        return False


class _WithoutCreated(Collector):
    """Serves the counters without their ``_created`` series: they would report when this
    process parsed a line, not anything about the network (and prometheus_client only
    turns them off process-wide)."""

    def __init__(self, counters: tuple[Counter, ...]) -> None:
        self.counters = counters

    def collect(self) -> Iterator[Metric]:
        for counter in self.counters:
            for family in counter.collect():
                family.samples = [s for s in family.samples if not s.name.endswith("_created")]
                yield family


class Metrics:
    """Counters over events and sessions, in their own registry (never the global one, so
    that two in one process do not mix).

    ``peer_labels=N`` adds a ``peer`` label to the session and retransmission counters for
    the first N (host, peer) pairs seen; every later peer counts under ``peer="other"``.
    The default, 0, has no peer label: behind NAT or on a hub, peers are unbounded."""

    def __init__(self, *, peer_labels: int = 0) -> None:
        peer = ("peer",) if peer_labels > 0 else ()
        self.sessions = Counter(
            "ike_sessions", "IKE sessions, by verdict, counted once as soon as it is final",
            ("host", *peer, "ike_version", "outcome", "reason"), registry=None,
        )  # fmt: skip
        self.retransmissions = Counter(
            "ike_retransmissions", "IKE messages sent again for want of an answer",
            ("host", *peer, "ike_version"), registry=None,
        )  # fmt: skip
        self.notify_errors = Counter(
            "ike_notify_errors", "Error notifies sent or received (NO_PROPOSAL_CHOSEN, ...)",
            ("host", "ike_version", "notify", "direction"), registry=None,
        )  # fmt: skip
        self.packets = Counter(
            "ike_packets", "IKE packets, by exchange and direction",
            ("host", "ike_version", "exchange", "direction"), registry=None,
        )  # fmt: skip
        self.events = Counter("ike_debuglog_events", "Events parsed, by kind", ("kind",),
                              registry=None)  # fmt: skip
        self.unrecognized = Counter(
            "ike_debuglog_unrecognized_lines", "Input lines no grammar recognised", registry=None
        )
        for kind in _event_kinds():
            self.events.labels(kind)
        self._peers = _Vocabulary(peer_labels) if peer_labels > 0 else None
        self._ikev1_notifies = _Vocabulary(IKEV1_NOTIFY_NAMES)
        self._hosts: set[str] = set()
        self._blank_used = False  # whether a record without a host was counted
        self._add_host("")  # a console capture names no host: its series exist from the start
        self._pairs: set[tuple[str, str, str]] = set()
        # Sessions counted before they were emitted: a line of each -> retransmissions so far.
        self._settled: dict[int, int] = {}
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(
            _WithoutCreated((self.sessions, self.retransmissions, self.notify_errors,
                             self.packets, self.events, self.unrecognized))
        )  # fmt: skip

    # Label values -------------------------------------------------------------------

    def _prefilled(self, host: str) -> list[tuple[Counter, tuple[str, ...]]]:
        """The series of a host's fixed vocabularies (peer-less counters only)."""
        series: list[tuple[Counter, tuple[str, ...]]] = []
        for version in _VERSIONS:
            if self._peers is None:
                series += [(self.sessions, (host, version, *v)) for v in VERDICTS]
                series.append((self.retransmissions, (host, version)))
            for direction in _DIRECTIONS:
                series += [
                    (self.packets, (host, version, exchange, direction))
                    for exchange in _USUAL_EXCHANGES[version]
                ]
        series += [
            (self.notify_errors, (host, "2", notify, direction))
            for notify in _USUAL_NOTIFIES
            for direction in _DIRECTIONS
        ]
        return series

    def _host(self, host: str) -> str:
        """A host's label value, for something counted under it."""
        if host not in self._hosts:
            self._add_host(host)
        if not host:
            self._blank_used = True
        return host

    def _add_host(self, host: str) -> None:
        """Create a host's fixed series.  The host-less ones made at the start go when a
        named host shows that the log is a syslog server's, if nothing was counted under
        them."""
        self._hosts.add(host)
        for counter, labels in self._prefilled(host):
            counter.labels(*labels)
        if host and not self._blank_used and "" in self._hosts:
            self._hosts.discard("")
            for counter, labels in self._prefilled(""):
                counter.remove(*labels)

    def _peer(self, host: str, peer: str | None, version: str) -> tuple[str, ...]:
        """The peer label (empty when not asked for): its own value for the first
        ``peer_labels`` (host, peer) pairs, ``other`` beyond."""
        if self._peers is None:
            return ()
        value = _label(peer)
        if value and not self._peers((host, value)):
            value = OTHER_PEER
        if (host, value, version) not in self._pairs:
            self._pairs.add((host, value, version))
            for verdict in VERDICTS:
                self.sessions.labels(host, value, version, *verdict)
            self.retransmissions.labels(host, value, version)
        return (value,)

    def _notify(self, version: str, notify: str) -> str:
        if version == "2":
            return notify if notify in _IKEV2_ERRORS else "other"
        return notify if self._ikev1_notifies(notify) else "other"

    @staticmethod
    def _exchange(version: str, exchange: str) -> str:
        known = _IKEV2_EXCHANGES if version == "2" else _IKEV1_MODES.values()
        return exchange if exchange in known else "unknown"

    # Events --------------------------------------------------------------------------

    def observe_event(self, event: Event) -> None:
        self.events.labels(event.kind).inc()
        if event.kind == "unrecognized":
            self.unrecognized.inc(event.end_line - event.line + 1)
        self._observe_packets(event)

    def _observe_packets(self, event: Event) -> None:
        host = self._host(_label(event.host))
        if event.kind == "ikev2_packet":
            self._packet(host, "2", _label(event.exchange), event.direction)
            for notify in error_notifies(event):
                self._notify_error(host, "2", notify, event.direction)
        elif event.kind == "ikev1_packet":
            mode = _IKEV1_MODES.get((event.step or "")[:2], "unknown")
            self._packet(host, "1", mode, event.direction)
        elif event.kind == "ikev1_notify" and registry.is_ikev1_error_notify(event.notify):
            self._notify_error(host, "1", event.notify, event.direction)

    def _packet(self, host: str, version: str, exchange: str, direction: str, n: int = 1) -> None:
        self.packets.labels(host, version, self._exchange(version, exchange), direction).inc(n)

    def _notify_error(
        self, host: str, version: str, notify: str, direction: str, n: int = 1
    ) -> None:
        self.notify_errors.labels(host, version, self._notify(version, notify), direction).inc(n)

    def observe_batch(self, batch: RecordBatch) -> None:
        """Count a batch's events: the same counts as :meth:`observe_event` for each,
        read off the batch's tables (a group-by per table, no model built)."""
        kinds, lines = batch.counts()
        for kind, count in kinds.items():
            self.events.labels(kind).inc(count)
        if lines:
            self.unrecognized.inc(lines)
        for event in batch.python.values():  # their kind and lines are counted above
            self._observe_packets(event)
        tables = batch.tables
        host = pl.col("host").fill_null("")
        if "ikev2_packet" in tables:
            packets = tables["ikev2_packet"]
            exchange = pl.col("exchange").fill_null("")
            for h, exch, direction, n in _grouped(packets.select(host, exchange, "direction")):
                self._packet(self._host(h), "2", exch, direction, n)
            payloads = (
                packets.select(host, "direction", "payloads").explode("payloads").unnest("payloads")
            )
            notified = payloads.filter(pl.col("notify_code") < _FIRST_STATUS_NOTIFY).select(
                "host", pl.coalesce("notify", "raw"), "direction"
            )
            for h, notify, direction, n in _grouped(notified):
                self._notify_error(self._host(h), "2", notify, direction, n)
        if "ikev1_packet" in tables:
            step = pl.col("step").fill_null("").str.slice(0, 2)
            mode = step.replace_strict(_IKEV1_MODES, default="unknown", return_dtype=pl.String)
            for h, exch, direction, n in _grouped(
                tables["ikev1_packet"].select(host, mode, "direction")
            ):
                self._packet(self._host(h), "1", exch, direction, n)
        if "ikev1_notify" in tables:
            notifies = tables["ikev1_notify"].select(host, "notify", "direction")
            for h, notify, direction, n in _grouped(notifies):
                if registry.is_ikev1_error_notify(notify):
                    self._notify_error(self._host(h), "1", notify, direction, n)

    # Sessions ------------------------------------------------------------------------

    def _count_session(
        self, session: Session, verdict: tuple[str, str], retransmitted: int
    ) -> None:
        host = self._host(_label(session.host))
        version = _label(session.ike_version)
        peer = self._peer(host, session.peer, version)
        self.sessions.labels(host, *peer, version, *verdict).inc()
        if retransmitted:
            self.retransmissions.labels(host, *peer, version).inc(retransmitted)

    def settle(self, session: Session, ended: bool) -> bool:
        """Count a session still open if its verdict is final (:func:`final_verdict`);
        whether it was.  What :meth:`Correlator.settle` asks under ``--serve``, so that a
        failure is counted when it is known, not when the session is emitted."""
        verdict = final_verdict(session, ended=ended)
        if verdict is None:
            return False
        self._count_session(session, verdict, session.retransmissions)
        self._settled[session.lines[0]] = session.retransmissions
        return True

    def observe_session(self, session: Session) -> None:
        """Count an emitted session, unless :meth:`settle` counted it already (then only
        the retransmissions since)."""
        key = next((line for line in session.lines if line in self._settled), None)
        if key is None:
            self._count_session(session, counted_verdict(session), session.retransmissions)
            return
        before = self._settled.pop(key)
        if session.retransmissions > before:
            host = self._host(_label(session.host))
            version = _label(session.ike_version)
            peer = self._peer(host, session.peer, version)
            self.retransmissions.labels(host, *peer, version).inc(session.retransmissions - before)

    def exposition(self) -> bytes:
        """The Prometheus text exposition format, as node_exporter's textfile collector
        and a scrape read it."""
        return generate_latest(self.registry)


#: Connections the kernel queues for the server to accept (``listen`` backlog).  Python's
#: default is 5: with a log being parsed between accepts, 200 concurrent scrapers
#: overflowed it and waited out SYN retransmissions (1, 3, 7, 15, 31 s) until they timed
#: out.  The kernel caps it at ``net.core.somaxconn`` (4096 since Linux 5.4).
LISTEN_BACKLOG: Final = 1024


class _Server(ThreadingMixIn, WSGIServer):
    """A thread per scrape, none waited for at exit."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = LISTEN_BACKLOG


class _QuietHandler(WSGIRequestHandler):
    """No line on standard error per scrape."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(metrics: Metrics, port: int, address: str = "127.0.0.1") -> WSGIServer:
    """Serve the metrics at ``http://address:port/metrics`` (any path, as
    ``prometheus_client`` does) from a daemon thread, a thread per scrape, with a deep
    listen backlog; port 0 takes a free one (``server.server_address[1]``).  Raises
    ``OSError`` when the address cannot be bound.  ``server.shutdown()`` stops it."""
    family, _, _, _, sockaddr = socket.getaddrinfo(
        address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]

    class Server(_Server):
        address_family = family

    server = make_server(
        str(sockaddr[0]), port, make_wsgi_app(metrics.registry), Server, _QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server


def series_limit(hosts: int = 1, peer_labels: int = 0) -> int:
    """The most series :class:`Metrics` can hold for a log of ``hosts`` hosts (a console
    capture has one, named ``""``): what docs/exports.md promises."""
    verdicts = len(VERDICTS) * (len(_VERSIONS) + 1)  # sessions that named no version too
    retransmissions = len(_VERSIONS) + 1
    packets = len(_DIRECTIONS) * (len(_IKEV2_EXCHANGES) + 1 + len(_IKEV1_MODES) + 1)
    notifies = len(_DIRECTIONS) * (len(_IKEV2_ERRORS) + 1 + IKEV1_NOTIFY_NAMES + 1)
    # Peer values per host: the capped (host, peer) pairs, "other" and none.
    peers = hosts if peer_labels == 0 else peer_labels + 2 * hosts
    per_log = len(_event_kinds()) + 1  # events by kind, unrecognised lines
    return (verdicts + retransmissions) * peers + (packets + notifies) * hosts + per_log


def _grouped(labels: pl.DataFrame) -> Iterator[tuple[str, str, str, int]]:
    """Rows of (host, value, direction, count): the table's label rows, counted."""
    if labels.is_empty():
        return
    counted = labels.group_by(labels.columns, maintain_order=True).len()
    for host, value, direction, count in counted.iter_rows():
        yield str(host), _label(value), str(direction), int(count)


__all__ = [
    "FINAL_REASONS",
    "IKEV1_NOTIFY_NAMES",
    "OTHER_PEER",
    "VERDICTS",
    "Metrics",
    "came_up",
    "counted_verdict",
    "final_verdict",
    "series_limit",
    "serve",
]
