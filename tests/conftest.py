"""Shared test helpers: the fixture folder, each case's metadata, and subset matching."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import settings

FIXTURES = Path(__file__).parent / "fixtures"

# A quick profile for CI, a long one for hunting bugs: HYPOTHESIS_PROFILE=long pytest
settings.register_profile("ci", max_examples=150, deadline=None)
settings.register_profile("long", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def fixture_logs() -> list[Path]:
    """Every fixture log, in a stable order."""
    return sorted(FIXTURES.rglob("*.log"))


def load_meta(log: Path) -> dict[str, Any]:
    """The ``.meta.yaml`` beside a fixture log."""
    meta: dict[str, Any] = yaml.safe_load(log.with_suffix(".meta.yaml").read_text(encoding="utf-8"))
    return meta


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` holds everything ``expected`` states (dicts as subsets, lists in full)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and matches(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return bool(expected == actual)
