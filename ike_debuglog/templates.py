"""The TTP templates shipped with the package, for TTP, Netmiko and Nornir users.

``send_command("show logging", use_ttp=True, ttp_template=str(templates.path("ikev2_packet")))``
in Netmiko, or ``ttp -d show-logging.txt -t $(python -c ...)`` on the command line: the
templates read the canonical IOS 12.4+/IOS-XE line shapes with the field names of
docs/fields.md, and a test checks they agree with the library's events.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import UsageError

Row = dict[str, str]

_FOLDER = resources.files("ike_debuglog.grammars").joinpath("ttp")


def names() -> list[str]:
    """The templates there are, by name (``ikev1_packet``, ``ikev2_packet``, ...)."""
    return sorted(
        entry.name.removesuffix(".ttp")
        for entry in _FOLDER.iterdir()
        if entry.name.endswith(".ttp")
    )


def path(name: str) -> Path:
    """The file of the template ``name`` (with or without ``.ttp``), on disk in the
    installed package: what Netmiko's ``ttp_template=`` and TTP's ``-t`` take.

    Raises :class:`UsageError` naming the templates there are when there is no such one.
    """
    stem = name.removesuffix(".ttp")
    if stem not in names():
        raise UsageError(f"no TTP template {name!r}; there are: {', '.join(names())}")
    return Path(str(_FOLDER.joinpath(f"{stem}.ttp")))


def rows(name: str, text: str) -> list[Row]:
    """The rows the template ``name`` finds in ``text``, as one flat list; never an empty
    row (TTP itself answers ``[[{}]]`` when nothing matches, and a dict, not a list, for a
    single match).  Reads the whole text: TTP parses it in one go."""
    from ttp import ttp  # imported here: only users of the templates pay for TTP

    parser = ttp(data=text, template=str(path(name)))
    parser.parse()
    found: list[Row] = []
    for per_input in parser.result():
        for result in per_input:
            for group in result.values() if isinstance(result, dict) else ():
                found.extend(row for row in (group if isinstance(group, list) else [group]) if row)
    return found


__all__ = ["Row", "names", "path", "rows"]
