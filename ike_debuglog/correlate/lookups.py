"""Look-ups over one session's events, messages and exchanges, built once for all its
findings: explaining a finding reads a window of the session, and a session may hold
thousands of findings (a child SA rekey refused every few seconds for days), so each
finding must cost its own evidence, not the whole session."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Final

from ..events import Event, Ikev1Notify, Ikev1Status, IpsecProposalRejected, IpsecSaRequest
from .models import Exchange, SessionMessage

#: Records that say which side refused a proposal (see ``proposals._refused_by``).
_VERDICTS: Final = (Ikev1Notify, Ikev1Status, IpsecProposalRejected)


class SessionLookups:
    """The session's records by line, its exchanges by request and response line."""

    def __init__(
        self,
        events: Sequence[Event],
        messages: Sequence[SessionMessage],
        exchanges: Sequence[Exchange],
    ) -> None:
        self.events = events
        self.messages = messages
        self.exchanges = exchanges
        self._lines = [event.line for event in events]
        # Events in line order (the usual case) are looked up by range; otherwise scanned.
        self._in_order = all(a <= b for a, b in zip(self._lines, self._lines[1:], strict=False))
        self._requests = [e for e in events if isinstance(e, IpsecSaRequest)]
        self._request_lines = [e.line for e in self._requests]
        self._message_lines = sorted(message.line for message in messages)
        self._payloads: dict[int, list[str]] = {}
        for message in messages:
            self._payloads.setdefault(message.line, message.payloads)
        # The first exchange (its place) with a request, or response, on a line.
        self._by_request: dict[int, int] = {}
        self._by_response: dict[int, int] = {}
        for place, exchange in enumerate(exchanges):
            for line in exchange.request_lines:
                self._by_request.setdefault(line, place)
            if exchange.response_line is not None and exchange.request_lines:
                self._by_response.setdefault(exchange.response_line, place)
        self._answers: dict[tuple[str | None, int], int] = {}  # (None: any with notifies)
        for place, exchange in enumerate(exchanges):
            if exchange.response_line is not None:
                self._answers.setdefault((exchange.name, exchange.response_line), place)
                if exchange.notifies:
                    self._answers.setdefault((None, exchange.response_line), place)
        self._verdicts: dict[int, tuple[int, Event]] = {}
        for place, event in enumerate(events):
            if isinstance(event, _VERDICTS):
                self._verdicts.setdefault(event.line, (place, event))
        self.child_sa_in_auth = any(
            x.name == "IKE_AUTH" and x.complete and not x.notifies for x in exchanges
        )

    def between(self, first: int, last: int) -> list[Event]:
        """The events from line ``first`` to ``last``, in session order."""
        if self._in_order:
            return list(
                self.events[bisect_left(self._lines, first) : bisect_right(self._lines, last)]
            )
        return [event for event in self.events if first <= event.line <= last]

    def request_until(self, last: int) -> IpsecSaRequest | None:
        """The last ``sa_request`` of the session at or before line ``last``."""
        if self._in_order:
            place = bisect_right(self._request_lines, last)
            return self._requests[place - 1] if place else None
        return next((e for e in reversed(self._requests) if e.line <= last), None)

    def message_before(self, line: int) -> int | None:
        """The line of the last message before ``line``."""
        place = bisect_left(self._message_lines, line)
        return self._message_lines[place - 1] if place else None

    def payloads_at(self, line: int) -> list[str]:
        return self._payloads.get(line, [])

    def first_exchange(self, evidence: set[int]) -> Exchange | None:
        """The first exchange (with a request) a request or response of which is evidence."""
        places = [
            place
            for line in evidence
            for place in (self._by_request.get(line), self._by_response.get(line))
            if place is not None
        ]
        return self.exchanges[min(places)] if places else None

    def answered(self, evidence: set[int], name: str | None) -> Exchange | None:
        """The first exchange ``name`` (None: any that carried an error notify) whose
        response is evidence."""
        places = [p for line in evidence if (p := self._answers.get((name, line))) is not None]
        return self.exchanges[min(places)] if places else None

    def first_verdict(self, evidence: set[int]) -> Event | None:
        """The first notify, IKEv1 status or refused proposal record that is evidence."""
        found = [v for line in evidence if (v := self._verdicts.get(line)) is not None]
        return min(found, key=lambda verdict: verdict[0])[1] if found else None


__all__ = ["SessionLookups"]
