"""Every fixture's events and sessions as ECS and OCSF documents, built once for the
schema tests (tests/test_ecs.py, tests/test_ocsf.py), with a fixed export time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from conftest import fixture_logs, load_meta

from ike_debuglog import correlate, parse_file
from ike_debuglog.render import ecs, ocsf

#: The export time a record gets when its input has no stamp at all.
NOW = datetime(2026, 1, 1, tzinfo=UTC)
FORMATS = {"ecs": ecs, "ocsf": ocsf}


@cache
def documents(log: Path, form: str) -> tuple[dict[str, Any], ...]:
    """The events' and the sessions' documents of one fixture log."""
    module = FORMATS[form]
    events = list(parse_file(log, year=load_meta(log)["year"]))
    return (
        *module.event_documents(events, now=NOW),
        *module.session_documents(correlate(events), now=NOW),
    )


def all_documents(form: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    for log in fixture_logs():
        for document in documents(log, form):
            yield log, document


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if value is None:
        return "null"
    raise TypeError(value)


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) of a document, objects included, arrays element-wise."""
    if isinstance(value, list):
        for item in value:
            yield from leaves(item, path)
        return
    if path:
        yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key)


def type_clashes(form: str) -> dict[str, set[str]]:
    """The paths that hold values of more than one JSON type across all documents."""
    seen: dict[str, set[str]] = {}
    for _, document in all_documents(form):
        for path, value in leaves(document):
            seen.setdefault(path, set()).add(json_type(value))
    return {path: kinds for path, kinds in seen.items() if len(kinds - {"null"}) > 1}
