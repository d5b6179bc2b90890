"""Field specs: how an event's fields follow from what its grammar matched, as data.

A model with a ``SPEC`` (field name to :class:`Spec`) is built by :func:`build` from a
grammar match in Python, and the bulk scan reads the same specs to compute the fields
of whole batches at once (``scan/build.py``), so the two never disagree.  Each spec
says which named result it reads and how it turns it into the field's value; models
whose fields need more than these (nested lists of SAs, proposals with their
transforms) keep a ``from_parsed`` of their own and are built in Python only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import Endpoint, Match, as_int, as_spi, as_spi32, as_str, endpoint_from, get


class Spec:
    """How one field's value follows from a match."""

    def value(self, match: Match) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Raw(Spec):
    """The named result as matched (None when its part did not take part)."""

    name: str

    def value(self, match: Match) -> Any:
        return get(match.result, self.name)


@dataclass(frozen=True)
class Str(Raw):
    """The named result as text: a part the grammar always matches (``default`` when
    a result name is absent because its part matched nothing)."""

    default: str | None = None

    def value(self, match: Match) -> Any:
        return str(get(match.result, self.name, self.default))


@dataclass(frozen=True)
class Text(Raw):
    """The named result as text, None when empty or absent."""

    def value(self, match: Match) -> Any:
        return as_str(get(match.result, self.name))


@dataclass(frozen=True)
class Stripped(Raw):
    """The named result without surrounding blanks (``""`` when absent)."""

    def value(self, match: Match) -> Any:
        return str(get(match.result, self.name, "")).strip()


@dataclass(frozen=True)
class Int(Raw):
    """The named result as a number, None when empty or absent."""

    def value(self, match: Match) -> Any:
        return as_int(get(match.result, self.name))


@dataclass(frozen=True)
class FirstInt(Spec):
    """The first of two named results that is there, as a number."""

    first: str
    second: str

    def value(self, match: Match) -> Any:
        return as_int(get(match.result, self.first) or get(match.result, self.second))


@dataclass(frozen=True)
class MessageId(Raw):
    """A phase 2 message id as an unsigned 32-bit number: old IOS prints it signed
    (``-1941890658``), newer IOS unsigned (``2353076638``), the same id mod 2**32."""

    def value(self, match: Match) -> Any:
        number = as_int(get(match.result, self.name))
        return None if number is None else number % 2**32


@dataclass(frozen=True)
class Spi(Raw):
    """An IKE SPI as 16 upper-case hex digits."""

    def value(self, match: Match) -> Any:
        return as_spi(get(match.result, self.name))


@dataclass(frozen=True)
class Spi32(Raw):
    """An IPsec SPI as 8 upper-case hex digits (IOS drops leading zeros)."""

    def value(self, match: Match) -> Any:
        return as_spi32(get(match.result, self.name))


@dataclass(frozen=True)
class HexInt(Raw):
    """A number printed in hex (an SPI: ``0x5E39E570``) as its value, None when absent."""

    def value(self, match: Match) -> Any:
        found = get(match.result, self.name)
        return None if found in (None, "") else int(str(found), 16)


@dataclass(frozen=True)
class Lower(Raw):
    """The named result in lower case, None when empty or absent."""

    def value(self, match: Match) -> Any:
        found = get(match.result, self.name)
        return found.lower() if found else None


@dataclass(frozen=True)
class Choose(Spec):
    """One of two values: ``if_equal`` when the named result is ``equal``, else ``other``
    (``equal=None``: when the named result is there at all)."""

    name: str
    equal: str | None
    if_equal: Any
    other: Any

    def value(self, match: Match) -> Any:
        found = get(match.result, self.name)
        hit = found is not None if self.equal is None else found == self.equal
        return self.if_equal if hit else self.other


@dataclass(frozen=True)
class Mapped(Raw):
    """The named result looked up in a table (None when absent from it)."""

    table: Mapping[str, Any]

    def value(self, match: Match) -> Any:
        return self.table.get(str(get(match.result, self.name)))


@dataclass(frozen=True)
class Flag(Raw):
    """True when the named result is ``true``, False when it is something else, None
    when it is absent."""

    true: str = "TRUE"

    def value(self, match: Match) -> Any:
        found = get(match.result, self.name)
        return None if found is None else found == self.true


@dataclass(frozen=True)
class RowName(Spec):
    """The name of the table row that matched."""

    def value(self, match: Match) -> Any:
        return match.name


@dataclass(frozen=True)
class Const(Spec):
    value_: Any

    def value(self, match: Match) -> Any:
        return self.value_


@dataclass(frozen=True)
class PrefixInt(Raw):
    """A number the family's record prefix names (the ISAKMP connection id)."""

    def value(self, match: Match) -> Any:
        return as_int((match.prefix or {}).get(self.name))


@dataclass(frozen=True)
class PrefixRaw(Raw):
    """A field of the family's record prefix as printed."""

    def value(self, match: Match) -> Any:
        return (match.prefix or {}).get(self.name)


@dataclass(frozen=True)
class Body(Spec):
    """The record's text after the family's prefix, without surrounding blanks."""

    def value(self, match: Match) -> Any:
        return match.message.text[int((match.prefix or {})["end"]) :].strip()


@dataclass(frozen=True)
class TextHas(Spec):
    """``present`` when the record's text holds ``literal``, else ``absent``."""

    literal: str
    present: Any
    absent: Any

    def value(self, match: Match) -> Any:
        return self.present if self.literal in match.message.text else self.absent


@dataclass(frozen=True)
class EndpointOf(Raw):
    """``address:port`` from the named result and ``<name>_port`` (None without an
    address)."""

    def value(self, match: Match) -> Any:
        return endpoint_from(match.result, self.name)


@dataclass(frozen=True)
class Peer(Raw):
    """An address that is always matched, and its port where printed."""

    port: str = ""

    def value(self, match: Match) -> Any:
        return Endpoint.construct_checked(
            address=str(get(match.result, self.name)),
            port=as_int(get(match.result, self.port)),
        )


@dataclass(frozen=True)
class NoBlanks(Raw):
    """The named result with any blanks taken out: an 80-column wrap split it."""

    def value(self, match: Match) -> Any:
        found = as_str(get(match.result, self.name))
        return found.replace(" ", "") if found is not None and " " in found else found


@dataclass(frozen=True)
class AttributeNumber(Spec):
    """An IKEv1 attribute's numeric value: the number printed, or the bytes of a VPI
    value decoded (``0x0 0x46 0x50 0x0`` is 4608000; IOS caps each at 255)."""

    def value(self, match: Match) -> Any:
        vpi = get(match.result, "vpi")
        if vpi is not None:
            octets = [int(part, 16) for part in str(vpi).split()]
            return int.from_bytes(bytes(min(octet, 255) for octet in octets), "big")
        return as_int(get(match.result, "number"))


@dataclass(frozen=True)
class AttributeValue(Spec):
    """An IKEv1 attribute's value as printed (its number when only that was)."""

    def value(self, match: Match) -> Any:
        vpi = get(match.result, "vpi")
        if vpi is not None:
            return " ".join(str(vpi).split())
        found = get(match.result, "value")
        return str(found if found is not None else as_int(get(match.result, "number")))


def build(model: Any, match: Match, extra: dict[str, Any] | None = None) -> Any:
    """The event of a model with a ``SPEC`` from a match (``extra``: fields computed
    apart, such as the IKEv1 step)."""
    fields = {name: spec.value(match) for name, spec in model.SPEC.items()}
    if extra:
        fields.update(extra)
    return model.build(match.message, **fields)


__all__ = [
    "AttributeNumber",
    "AttributeValue",
    "Body",
    "Choose",
    "Const",
    "EndpointOf",
    "FirstInt",
    "Flag",
    "HexInt",
    "Int",
    "Lower",
    "Mapped",
    "MessageId",
    "NoBlanks",
    "Peer",
    "PrefixInt",
    "PrefixRaw",
    "Raw",
    "RowName",
    "Spec",
    "Spi",
    "Spi32",
    "Str",
    "Stripped",
    "Text",
    "TextHas",
    "build",
]
