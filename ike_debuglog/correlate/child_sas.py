"""A session's IPsec SAs: selectors and transforms from the key engine requests, SPIs
from the SAs created (``IPSEC(create_sa)``, ``Creating IPSec SAs``, ``Successfully
installed``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..events import (
    Event,
    Ikev1IpsecSas,
    Ikev1Status,
    IpsecCreateSa,
    IpsecSaRequest,
    IpsecValidateProposal,
)
from ..events.base import Proxy
from .models import ChildSa


@dataclass
class _Child:
    local_proxy: Proxy | None
    remote_proxy: Proxy | None
    transforms: list[str] = field(default_factory=list)
    spis: list[str] = field(default_factory=list)
    established: bool = False
    lines: list[int] = field(default_factory=list)

    def add_spi(self, spi: str | None) -> None:
        self.established = True
        if spi and spi not in self.spis:
            self.spis.append(spi)


def child_sas(events: Sequence[Event]) -> list[ChildSa]:
    """The IPsec SAs of a session's events, in the order they were asked for."""
    children: list[_Child] = []
    # The last child of each pair of selectors: a hub's session may ask for many.
    latest: dict[tuple[Proxy | None, Proxy | None], _Child] = {}

    def child_for(local: Proxy | None, remote: Proxy | None) -> _Child:
        if local is None and children:
            return children[-1]
        child = latest.get((local, remote)) if local is not None else None
        if child is None:
            child = _Child(local, remote)
            children.append(child)
            latest[(local, remote)] = child
        return child

    for event in events:
        if isinstance(event, IpsecSaRequest | IpsecValidateProposal):
            child = child_for(event.local_proxy, event.remote_proxy)
            transforms = [t for t in event.transforms or [] if t.upper() != "NONE"]
            child.transforms = transforms or child.transforms
        elif isinstance(event, IpsecCreateSa) and children:
            child = child_for(event.local_proxy, event.remote_proxy)
            child.add_spi(event.spi_hex)
        elif isinstance(event, Ikev1IpsecSas) and event.sas:
            child = child_for(None, None)
            for sa in event.sas:
                child.add_spi(sa.spi_hex)
        elif isinstance(event, Ikev1Status) and event.status == "ipsec_sa_installed":
            if event.spi_hex is None:
                continue
            child = child_for(None, None)
            child.add_spi(event.spi_hex)
        else:
            continue
        child.lines.append(event.line)
    return [ChildSa.construct_checked(**vars(child)) for child in children]


__all__ = ["child_sas"]
