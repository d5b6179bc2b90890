"""Events into sessions: which IKE SA negotiation each event belongs to.

Keys, per host (a syslog server file mixes routers; the index of :mod:`ike_debuglog.keys`,
shared with the IKEv1 step pass): IKEv2 records by initiator SPI
(the responder's first IKE_SA_INIT carries no session id yet) and by IOS session id;
IKEv1 records by peer address, and those without one by their ISAKMP connection id or,
failing that, the IKEv1 session last active on the host; IPsec key engine records and
crypto syslog messages by peer address.  A new IKEv1 phase 1 (``Created a peer struct``,
an MM1 or AM1 that is not a retransmission) with a peer whose session has gone past its
first message starts a new session; so does a new IKEv2 initiator SPI, except for the
retry that follows an INVALID_KE_PAYLOAD (RFC 7296 section 1.3).

Streaming: a session is emitted when it has ended (deleted, or failed for good) and
``linger`` more events have passed without touching it, or, if none of its SAs came up,
when no event has touched it for ``idle_seconds`` of log time (a session whose SA is up
lives, however quiet, until it is deleted or the input ends); :meth:`Correlator.flush`
emits the rest.  Memory holds the open sessions only.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ..events import (
    Event,
    Ikev1Packet,
    Ikev1Status,
    Ikev2Delete,
    Ikev2Packet,
    Ikev2Policy,
    Ikev2Proposal,
    Ikev2State,
    Ikev2Status,
    IpsecCreateSa,
    IpsecDeleteSa,
    IpsecInitializeSa,
    IpsecMessage,
    IpsecProposalRejected,
    IpsecProxyMatch,
    IpsecSaRequest,
    IpsecValidateProposal,
    SyslogMessage,
)
from ..families import PROTOCOLS
from ..keys import Channel, SessionKeys
from ..scan.records import RecordBatch
from .models import Session, Version
from .session import Omitted, build_session
from .signals import (
    OPENING_POLICY,
    OPENING_STATUS,
    SESSION_SYSLOG,
    about_a_certificate,
    closes,
    comes_up,
    ends,
    leads_in,
    session_records,
)

#: Defaults of :class:`Correlator`: a session none of whose SAs came up is emitted once
#: this many records went by without touching it (stamps or none) ...
IDLE_EVENTS: Final = 20_000
#: ... and at most this many sessions are open at once (see docs/sessions.md, Streaming).
MAX_OPEN: Final = 100_000
#: A step of log time longer than this counts as this much (see ``Correlator._tick``).
_PAUSE: Final = 60.0
#: A session holds at most this many events (a tunnel up for months logs a DPD exchange a
#: minute): past it, the oldest events after its first ``_HEAD`` (the setup, which decides
#: the verdict) are let go ``_CHUNK`` at a time and counted (``Session.events_omitted``).
MAX_EVENTS: Final = 10_000
_HEAD: Final = 1_000
_CHUNK: Final = 1_000


@dataclass(slots=True, eq=False)
class _Bucket:
    number: int
    host: str | None
    version: Version | None
    peer: str | None
    events: list[Event] = field(default_factory=list)
    # After a merge the first `unsorted` events are put in line order when the session is
    # built (once, not on every merge: a retransmission may merge again and again).
    unsorted: int = 0
    last_index: int = 0
    last_clock: float = 0.0  # the correlator's log clock when an event last touched it
    ended: bool = False
    closed: bool = False  # IOS deleted the SA: its ids may name a new negotiation next
    spis: set[str] = field(default_factory=set)  # IKEv2 initiator SPIs
    # IKE_SA_INIT seen in this session: its request sent / answered, received / answered.
    init_sent: bool = False
    init_answered: bool = False
    init_received: bool = False
    init_responded: bool = False
    started_phase1: bool = False
    past_first: bool = False  # an IKEv1 packet past MM1/AM1 is among its events
    invalid_ke: bool = False
    emitted: bool = False
    up: bool = False  # an SA came up: the session lives on, however quiet, until it ends
    settled: bool = False  # accepted by a `settle` decision: not shown to one again
    omitted: Omitted = field(default_factory=Omitted)  # events let go past `max_events`


class Correlator:
    """Assigns events to sessions as they arrive and emits sessions as they end.

    >>> correlator = Correlator()
    >>> for event in events:
    ...     for session in correlator.feed(event):
    ...         print(session.peer, session.outcome)
    >>> remaining = list(correlator.flush())

    ``idle_seconds``, ``idle_events``, ``linger`` and ``max_open`` all None keep every
    session open until :meth:`flush` (batch correlation).  ``watch=True`` remembers which
    open sessions each record touched, for :meth:`settle`.
    """

    def __init__(
        self,
        *,
        idle_seconds: float | None = 300.0,
        linger: int | None = 200,
        watch: bool = False,
        idle_events: int | None = IDLE_EVENTS,
        max_open: int | None = MAX_OPEN,
        max_events: int | None = MAX_EVENTS,
    ) -> None:
        if max_events is not None and max_events < _HEAD + _CHUNK:
            raise ValueError(f"max_events must be at least {_HEAD + _CHUNK}")
        self.idle_seconds = idle_seconds
        self.max_events = max_events
        self.linger = linger
        self.idle_events = idle_events
        self.max_open = max_open
        self._evicting = any(
            limit is not None for limit in (idle_seconds, linger, idle_events, max_open)
        )
        # Log time that counts towards idleness (see `_tick`): seconds, and the latest stamp.
        self._clock = 0.0
        self._high: datetime | None = None
        # Open sessions touched since the last `settle` (only when watched: off the hot path).
        self._touched: dict[int, _Bucket] | None = {} if watch else None
        self._every = max(1, min(16, (linger or 0) // 8))
        self._count = 0
        self._index = 0
        self._open: OrderedDict[int, _Bucket] = OrderedDict()
        # The open sessions no SA of which came up, least recently touched first: only
        # they end by going quiet (`idle_seconds`), and eviction looks at the front only.
        self._quiet: OrderedDict[int, _Bucket] = OrderedDict()
        self._ended: deque[_Bucket] = deque()
        self._keys: SessionKeys[_Bucket] = SessionKeys()
        # Peers whose session was emitted (the last `_GONE`): their late teardown records
        # make no session of their own.
        self._gone: OrderedDict[tuple[str | None, str], None] = OrderedDict()
        # IKEv2 records that name no session yet (policy lookups), per host: they join the
        # negotiation of the next record that names one.
        self._pending: dict[str | None, list[Event]] = {}

    def run(self, events: Iterable[Event]) -> Iterator[Session]:
        """Every session of a stream of events, as soon as each is complete."""
        for event in events:
            yield from self.feed(event)
        yield from self.flush()

    def run_batches(self, batches: Iterable[RecordBatch]) -> Iterator[Session]:
        """Every session of a stream of event batches (what the pipeline gives), as soon
        as each is complete: the same sessions as :meth:`run` over the batches' events."""
        for batch in batches:
            yield from self.feed_batch(batch)
        yield from self.flush()

    def feed_batch(self, batch: RecordBatch) -> Iterator[Session]:
        """Take a batch of events; yield the sessions now complete.

        Only the records a session can hold become events (IKE and IPsec records, the
        crypto syslog messages that name a peer); the others (syslog noise, headers,
        unrecognised lines) are counted, and their time stamps read where an eviction
        check falls on them, as :meth:`feed` would."""
        base = self._index
        wanted = session_records(batch)
        evicting = self.linger is not None or self.idle_seconds is not None
        checks: dict[int, datetime | None] = {}
        if evicting:
            every = self._every
            first = (-(base + 1)) % every  # the first order whose index divides by `every`
            points = [o for o in range(first, len(batch), every) if o not in wanted]
            checks = batch.timestamps(points)
        events = batch.events(sorted(wanted))
        for order in sorted(wanted | checks.keys()):
            if order in checks:
                self._index = base + order + 1
                yield from self._evict(checks[order])
            else:
                self._index = base + order
                yield from self.feed(next(events))
        self._index = base + len(batch)

    def feed(self, event: Event) -> Iterator[Session]:
        """Take one event; yield the sessions that are now complete."""
        self._index += 1
        if leads_in(event):
            pending = self._pending.setdefault(event.host, [])
            pending.append(event)
            if len(pending) > _PENDING:
                self._settle(event.host, self._keys.last(event.host, "ikev2"), 1)
        else:
            bucket = self._assign(event)
            if bucket is not None:
                if event.host in self._pending and PROTOCOLS.get(event.kind) == "ikev2":
                    self._settle(event.host, bucket)
                self._add(bucket, event)
        yield from self._evict(event.timestamp)

    def _add(self, bucket: _Bucket, event: Event) -> None:
        self._open.move_to_end(bucket.number)
        if not bucket.up:
            if comes_up(event):
                bucket.up = True
                self._quiet.pop(bucket.number, None)
            else:
                self._quiet.move_to_end(bucket.number)
        bucket.events.append(event)
        if self.max_events is not None and len(bucket.events) > self.max_events:
            _let_go(bucket)
        bucket.last_index = self._index
        bucket.last_clock = self._clock
        if isinstance(event, Ikev1Packet) and event.step not in (None, "MM1", "AM1"):
            bucket.past_first = True
        if not bucket.ended and ends(event):
            bucket.ended = True
            self._ended.append(bucket)
        if closes(event):
            bucket.closed = True
        if self._touched is not None and not bucket.settled:
            self._touched[bucket.number] = bucket

    def settle(self, decide: Callable[[Session, bool], bool]) -> None:
        """Show ``decide`` each open session touched since the last call, as it stands
        now (built from its records so far), and whether it has ended (deleted, or failed
        for good); once ``decide`` returns true the session is settled and never shown
        again.  For acting on a verdict as soon as it is known, before the session is
        emitted (``ike-debuglog metrics --serve``).  Needs ``watch=True``."""
        touched, self._touched = self._touched, {}
        if touched is None:
            raise ValueError("Correlator.settle needs a Correlator(watch=True)")
        for number, bucket in touched.items():
            if number in self._open and not bucket.settled:
                events = _ordered(bucket)
                session = build_session(events, bucket.version, bucket.peer, bucket.omitted)
                bucket.settled = decide(session, bucket.ended)

    def _settle(self, host: str | None, bucket: _Bucket | None, count: int | None = None) -> None:
        """The first ``count`` (default: all) records waiting on ``host`` join ``bucket``
        (none: they stay out of every session)."""
        pending = self._pending.pop(host)
        taken, rest = pending[:count], pending[len(pending) if count is None else count :]
        if rest:
            self._pending[host] = rest
        if bucket is None:
            return
        for event in taken:
            self._add(bucket, event)

    def flush(self) -> Iterator[Session]:
        """Emit every session still open (end of input), in the order they began."""
        for host in list(self._pending):
            self._settle(host, self._keys.last(host, "ikev2"))
        for bucket in sorted(self._open.values(), key=lambda b: b.number):
            yield self._emit(bucket)
        self._open.clear()
        self._quiet.clear()
        self._ended.clear()

    # Emission ------------------------------------------------------------------------

    def _tick(self, now: datetime | None) -> None:
        """Advance the log clock to ``now``.  Only forward steps count (interleaved hosts
        and clocks set back print stamps out of order), and a step longer than ``_PAUSE``
        counts as ``_PAUSE``: a log paused, stitched from two captures or silent for an
        hour has not watched its negotiations go quiet for an hour."""
        if now is None:
            return
        high = self._high
        if high is not None and (now.tzinfo is None) == (high.tzinfo is None):
            step = (now - high).total_seconds()
            if step <= 0:
                return
            self._clock += min(step, _PAUSE)
        self._high = now

    def _idle(self, bucket: _Bucket) -> bool:
        """Whether a session none of whose SAs came up has gone quiet: ``idle_events``
        records, or ``idle_seconds`` of log clock, since a record last touched it."""
        if self.idle_events is not None and self._index - bucket.last_index > self.idle_events:
            return True
        return self.idle_seconds is not None and self._clock - bucket.last_clock > self.idle_seconds

    def _evict(self, now: datetime | None) -> Iterator[Session]:
        if not self._evicting:
            return
        if self._index % self._every:
            return  # looking every few events is enough: emission waits for `linger` anyway
        self._tick(now)
        done: list[_Bucket] = []
        # The front holds the sessions touched longest ago: stop at the first still busy.
        for bucket in self._quiet.values():
            if not self._idle(bucket):
                break
            if bucket.host not in self._pending:  # waiting records may still join it
                done.append(bucket)
        ended = self._ended
        while self.linger is not None and ended:
            bucket = ended[0]
            if bucket.emitted or bucket in done:
                ended.popleft()
            elif bucket.host in self._pending:
                break  # records waiting on its host may still join it
            elif self._index - bucket.last_index > self.linger:
                done.append(ended.popleft())
            else:
                break
        for bucket in sorted(done, key=lambda b: b.number):
            del self._open[bucket.number]
            self._quiet.pop(bucket.number, None)
            yield self._emit(bucket)
        while self.max_open is not None and len(self._open) > self.max_open:
            # Memory's last resort: the session that went quiet first, else (all SAs up)
            # the one touched longest ago.
            bucket = next(iter((self._quiet or self._open).values()))
            del self._open[bucket.number]
            self._quiet.pop(bucket.number, None)
            yield self._emit(bucket)

    def _emit(self, bucket: _Bucket) -> Session:
        bucket.emitted = True
        if bucket.peer is not None:
            gone = self._gone
            gone[(bucket.host, bucket.peer)] = None
            gone.move_to_end((bucket.host, bucket.peer))
            if len(gone) > _GONE:
                gone.popitem(last=False)
        self._keys.retarget(bucket, None, bucket.host)
        return build_session(_ordered(bucket), bucket.version, bucket.peer, bucket.omitted)

    # Assignment ----------------------------------------------------------------------

    def _new(self, host: str | None, version: Version | None, peer: str | None) -> _Bucket:
        self._count += 1
        bucket = _Bucket(self._count, host, version, peer)
        self._open[bucket.number] = bucket
        self._quiet[bucket.number] = bucket
        if peer is not None:
            self._keys.bind(host, "peer", peer, bucket)
        return bucket

    def _merge(self, bucket: _Bucket, *, into: _Bucket) -> None:
        """Records of a session id seen before the packet that tied it to its SPI."""
        into.events.extend(bucket.events)
        into.unsorted = len(into.events)
        into.past_first = into.past_first or bucket.past_first
        if bucket.ended and not into.ended:
            into.ended = True
            self._ended.append(into)
        del self._open[bucket.number]
        self._quiet.pop(bucket.number, None)
        if bucket.up and not into.up:
            into.up = True
            self._quiet.pop(into.number, None)
        self._keys.retarget(bucket, into, bucket.host)

    def _by_peer(self, host: str | None, peer: str, version: int | None) -> _Bucket | None:
        bucket = self._keys.get(host, "peer", peer)
        if bucket is not None and version is not None and bucket.version not in (None, version):
            return None
        return bucket

    def _recent(self, host: str | None, *channels: Channel) -> _Bucket | None:
        """The session last active on ``host`` among these channels."""
        recent = [b for c in channels if (b := self._keys.last(host, c)) is not None]
        return max(recent, key=lambda bucket: bucket.last_index, default=None)

    def _assign(self, event: Event) -> _Bucket | None:
        protocol = PROTOCOLS.get(event.kind)
        if protocol == "ikev2":
            return self._ikev2(event)
        if protocol == "isakmp":
            return self._ikev1(event)
        if protocol == "ipsec":
            return self._ipsec(event)
        if isinstance(event, SyslogMessage) and about_a_certificate(event):
            return self._recent(event.host, "ikev1", "ikev2")
        if isinstance(event, SyslogMessage) and event.mnemonic in SESSION_SYSLOG:
            peer = event.fields.get("peer")
            if not peer:
                return None
            bucket = self._by_peer(event.host, peer, None)
            if bucket is None and event.mnemonic == "IKEV2_SESSION_STATUS":
                # A syslog server file may hold only these: a session each, UP or DOWN;
                # but the DOWN of a session already emitted is its teardown, not a session.
                if event.fields.get("state") == "DOWN" and (event.host, peer) in self._gone:
                    return None
                bucket = self._new(event.host, 2, peer)
            return bucket
        return None

    def _ikev2(self, event: Event) -> _Bucket | None:
        host = event.host
        session_id = getattr(event, "session_id", None)
        sa_id = getattr(event, "sa_id", None)
        spi = (
            getattr(event, "initiator_spi", None)
            if isinstance(event, Ikev2Packet | Ikev2State | Ikev2Delete)
            else None
        )
        peer = event.remote.address if isinstance(event, Ikev2Packet) and event.remote else None
        keys = self._keys
        bucket = keys.get(host, "spi", spi) if spi else None
        by_sid = keys.get(host, "sid", session_id) if session_id is not None else None
        if by_sid is not None and bucket is None and _reused(by_sid, event, spi):
            by_sid = None  # IOS gave the id of a finished negotiation to a new one
        if bucket is None:
            bucket = by_sid
        elif (
            by_sid is not None
            and by_sid is not bucket
            and not by_sid.spis
            and by_sid.peer in (None, bucket.peer)
        ):
            self._merge(by_sid, into=bucket)  # its records before the SPI tied them
        if bucket is None and peer is not None and isinstance(event, Ikev2Packet):
            known = self._by_peer(host, peer, 2)
            if known is not None and (
                known.invalid_ke or (known.version is None and not known.ended)
            ):
                bucket = known  # the retry after INVALID_KE_PAYLOAD, or adopting an sa_request
        if bucket is None and spi is None and session_id is None:
            # `(SA ID = 12)` alone: the session that id was last printed with, or the last.
            by_sa = keys.get(host, "said", sa_id) if sa_id is not None else None
            bucket = by_sa or keys.last(host, "ikev2")
        if bucket is None:
            if not isinstance(event, Ikev2Packet | Ikev2State) and session_id is None:
                return None
            bucket = self._new(host, 2, None)
        bucket.version = 2
        if peer is not None and bucket.peer is None:
            known = keys.get(host, "peer", peer)
            if known is not None and known is not bucket and known.version is None:
                self._merge(known, into=bucket)  # the sa_request that triggered it
            bucket.peer = peer
            keys.bind(host, "peer", peer, bucket)
        if spi:
            keys.bind(host, "spi", spi, bucket)
            bucket.spis.add(spi)
        if session_id is not None:
            keys.bind(host, "sid", session_id, bucket)
        if sa_id is not None and (session_id is not None or spi):
            keys.bind(host, "said", sa_id, bucket)
        if isinstance(event, Ikev2Packet):
            _note_packet(bucket, event)
        keys.set_last(host, "ikev2", bucket)
        return bucket

    def _ikev1(self, event: Event) -> _Bucket | None:
        host = event.host
        conn_id = getattr(event, "conn_id", None)
        peer: str | None = None
        starts = False
        if isinstance(event, Ikev1Packet):
            peer = event.remote.address
            starts = event.step in ("MM1", "AM1") and not event.retransmission
        elif isinstance(event, Ikev1Status) and event.status == "peer_created" and event.peer:
            peer, starts = event.peer, True
        if peer is not None:
            bucket = self._by_peer(host, peer, 1)
            if (
                bucket is not None
                and starts
                and bucket.started_phase1
                and (bucket.ended or bucket.past_first)
            ):
                bucket = None
            if bucket is None:
                bucket = self._new(host, 1, peer)
            bucket.version = 1
            bucket.started_phase1 = bucket.started_phase1 or starts
        else:
            # A record that names its peer (`found peer pre-shared key matching`, a
            # deletion) belongs to that peer's session, and ties its connection id to it.
            named = getattr(event, "peer", None) if isinstance(event, Ikev1Status) else None
            known = self._by_peer(host, named, 1) if isinstance(named, str) and named else None
            bucket = known or (self._keys.get(host, "conn", conn_id) if conn_id else None)
            bucket = bucket or self._keys.last(host, "ikev1")
            if bucket is None:
                return None
            if known is not None and conn_id:
                self._keys.bind(host, "conn", conn_id, bucket)
        if conn_id and isinstance(event, Ikev1Packet):
            self._keys.bind(host, "conn", conn_id, bucket)
        self._keys.set_last(host, "ikev1", bucket)
        return bucket

    def _ipsec(self, event: Event) -> _Bucket | None:
        host = event.host
        if isinstance(event, IpsecSaRequest | IpsecValidateProposal | IpsecInitializeSa):
            peer = event.remote.address if event.remote else None
        elif isinstance(event, IpsecCreateSa | IpsecDeleteSa):
            peer = event.remote.address if event.remote else event.sa_destination
        elif isinstance(event, IpsecProposalRejected | IpsecProxyMatch | IpsecMessage):
            # No address: the session the key engine or IKE last worked on, on this host.
            return self._recent(host, "ipsec", "ikev1", "ikev2")
        else:
            return None
        if peer is None:
            return None
        bucket = self._by_peer(host, peer, None)
        if bucket is None:
            if not isinstance(event, IpsecSaRequest):
                return None
            bucket = self._new(host, None, peer)
        self._keys.set_last(host, "ipsec", bucket)
        return bucket


#: How many emitted sessions' peers are remembered (see ``Correlator._gone``).
_GONE: Final = 4096
#: At most this many records wait per host for the negotiation they lead into.
_PENDING: Final = 64


def _note_packet(bucket: _Bucket, packet: Ikev2Packet) -> None:
    """What an IKEv2 packet tells of its negotiation: an INVALID_KE_PAYLOAD retry to come,
    an IKE_SA_INIT sent, received or answered (see :func:`_reused`)."""
    notifies = {p.notify for p in packet.payloads or []}
    if "INVALID_KE_PAYLOAD" in notifies:
        bucket.invalid_ke = True
    elif packet.exchange == "IKE_SA_INIT" and packet.response:
        bucket.invalid_ke = False
    if packet.exchange == "IKE_SA_INIT":
        sent = packet.direction == "sent"
        if packet.response:
            bucket.init_responded |= sent
            bucket.init_answered |= not sent
        else:
            bucket.init_sent |= sent
            bucket.init_received |= not sent


def _reused(bucket: _Bucket, event: Event, spi: str | None) -> bool:
    """Whether a record under ``bucket``'s session id begins a new negotiation.

    A new IKE_SA_INIT request (a new initiator SPI) does, except the retry after
    INVALID_KE_PAYLOAD. So does the setup of an IKE SA after IOS deleted the last one, an
    initiator generating IKE_SA_INIT again, a responder verifying an IKE_SA_INIT after it
    answered one, and the Diffie-Hellman computation or policy lookup of an initiator whose
    request was never answered (once answered, they belong to a rekey or to IKE_AUTH)."""
    if isinstance(event, Ikev2Packet):
        return (
            spi is not None
            and bool(bucket.spis)
            and spi not in bucket.spis
            and event.exchange == "IKE_SA_INIT"
            and not event.response
            and not bucket.invalid_ke
        )
    if isinstance(event, Ikev2Status) and event.status == "verify_sa_init":
        return bucket.closed or bucket.init_responded
    if isinstance(event, Ikev2Status) and event.status == "generating_message":
        if event.exchange != "IKE_SA_INIT":
            return False
        return bucket.closed or (bucket.init_sent and not bucket.invalid_ke)
    opening = (
        (isinstance(event, Ikev2Status) and event.status in OPENING_STATUS)
        or (isinstance(event, Ikev2Policy) and event.step in OPENING_POLICY)
        or (isinstance(event, Ikev2Proposal) and event.spi_size == 0)
    )
    if not opening:
        return False
    return bucket.closed or (
        bucket.init_sent and not bucket.init_answered and not bucket.invalid_ke
    )


def _ordered(bucket: _Bucket) -> list[Event]:
    """A session's events in input order: those merged in are put in line order once,
    here, however many merges brought them."""
    if bucket.unsorted:
        head = sorted(bucket.events[: bucket.unsorted], key=lambda event: event.line)
        bucket.events[: bucket.unsorted] = head
        bucket.unsorted = 0
    return bucket.events


def _let_go(bucket: _Bucket) -> None:
    """Let go of the oldest ``_CHUNK`` events after the session's first ``_HEAD``, counting
    its packets, so that a session's memory is bounded however long it lives."""
    events = _ordered(bucket)
    bucket.omitted.add(events[_HEAD : _HEAD + _CHUNK], bucket.version)
    del events[_HEAD : _HEAD + _CHUNK]


def correlate(events: Iterable[Event], *, idle_seconds: float | None = None) -> list[Session]:
    """All sessions of a log, in the order they began (holds every open session until the
    end; use :class:`Correlator` to stream).  A session's ``id`` is its first line."""
    streaming = idle_seconds is not None
    correlator = Correlator(
        idle_seconds=idle_seconds,
        linger=200 if streaming else None,
        idle_events=IDLE_EVENTS if streaming else None,
        max_open=MAX_OPEN if streaming else None,
    )
    return sorted(correlator.run(events), key=lambda session: session.id)
