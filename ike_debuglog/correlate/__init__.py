"""Correlation: events into per-session timelines, each with an outcome and, when it
failed, a reason from a fixed vocabulary, its evidence lines and a remediation hint."""

from __future__ import annotations

from .correlator import Correlator, correlate
from .models import ChildSa, Exchange, Finding, Proposal, Session, SessionMessage
from .reasons import REASONS

__all__ = [
    "REASONS",
    "ChildSa",
    "Correlator",
    "Exchange",
    "Finding",
    "Proposal",
    "Session",
    "SessionMessage",
    "correlate",
]
