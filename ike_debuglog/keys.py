"""Which open session a record belongs to: one index of sessions by key, per host.

The IKEv1 step pass (``steps.py``) and the correlator (``correlate/``) both group records
into negotiations by the same keys: a peer address, an ISAKMP connection id, an IKE SPI,
an IOS session id, an IOS IKEv2 SA id, and, for records that name none of these, the
session last active on the host (per channel: IKEv1, IKEv2, IPsec).  They keep their
sessions in this one index, so the keys mean the same thing to both.

A syslog server file mixes routers: every key is scoped by host.  The index can be
bounded: beyond ``size`` keys, the least recently bound are forgotten (a fleet's log
names peers without end).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, Literal, TypeVar

S = TypeVar("S")

#: What a key names.
KeyKind = Literal["peer", "conn", "spi", "sid", "said"]
#: Records that name no key go to the session last active on their host, per channel.
Channel = Literal["ikev1", "ikev2", "ipsec"]
Key = tuple[str | None, KeyKind, Hashable]
_CHANNELS: tuple[Channel, ...] = ("ikev1", "ikev2", "ipsec")


class SessionKeys(Generic[S]):
    """Sessions by (host, kind of key, value), and the last active per host and channel."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size
        self._keys: OrderedDict[Key, S] = OrderedDict()
        self._held: dict[int, set[Key]] = {}  # id(session) -> the keys that name it
        self._last: dict[tuple[str | None, Channel], S] = {}

    def get(self, host: str | None, kind: KeyKind, value: Hashable) -> S | None:
        """The session ``value`` names on ``host``."""
        return self._keys.get((host, kind, value))

    def bind(self, host: str | None, kind: KeyKind, value: Hashable, session: S) -> None:
        """``value`` names ``session`` on ``host`` from now on."""
        key = (host, kind, value)
        held = self._keys.get(key)
        if held is not None and held is not session:
            self._held.get(id(held), set()).discard(key)
        self._keys[key] = session
        self._keys.move_to_end(key)
        self._held.setdefault(id(session), set()).add(key)
        if self.size is not None and len(self._keys) > self.size:
            old, gone = self._keys.popitem(last=False)
            self._held.get(id(gone), set()).discard(old)

    def last(self, host: str | None, channel: Channel) -> S | None:
        """The session last active on ``host`` for records of ``channel``."""
        return self._last.get((host, channel))

    def set_last(self, host: str | None, channel: Channel, session: S) -> None:
        self._last[(host, channel)] = session

    def retarget(self, session: S, into: S | None, host: str | None) -> None:
        """Every key and "last active" that names ``session`` (a session of ``host``:
        sessions stand in their own host's places only) names ``into`` instead (a session
        merged into another), or nothing (a session that ended)."""
        for key in self._held.pop(id(session), set()):
            if self._keys.get(key) is session:
                if into is None:
                    del self._keys[key]
                else:
                    self.bind(*key, into)
        for channel in _CHANNELS:
            if self._last.get((host, channel)) is session:
                if into is None:
                    del self._last[(host, channel)]
                else:
                    self._last[(host, channel)] = into


__all__ = ["Channel", "Key", "KeyKind", "SessionKeys"]
