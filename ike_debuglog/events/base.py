"""What every event shares: its source span and time, and the value types it is made of.

Events are built with :meth:`Frozen.construct_checked`: the grammars already guarantee the
shape of every value, so there is no second validation on the hot path.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, Literal, NamedTuple, Protocol, Self

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import pyparsing as pp

from .. import registry
from ..framing import Message
from ..matching import Parsed


class Match(NamedTuple):
    """A record a grammar matched: what an event model is built from."""

    #: The grammar's named results.
    result: Parsed
    #: The framed record.
    message: Message
    #: The table row that matched (a status, step, attribute or delete target).
    name: str | None = None
    #: The named results of the family's record prefix (the ISAKMP connection id), with
    #: ``end``, where the prefix ends in the text.
    prefix: dict[str, Any] | None = None


class Frozen(BaseModel):
    """Immutable values that reject unknown fields: events and the values inside them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def construct_checked(cls, **values: Any) -> Self:
        """An instance from values a grammar has already checked, without validating them
        again: pydantic's ``model_construct`` minus its per-call field walk (this is the
        hot path: about one call per input line)."""
        return cls._checked(values)

    @classmethod
    def _checked(cls, values: dict[str, Any]) -> Self:
        defaults = _DEFAULTS.get(cls)
        if defaults is None:
            defaults = _DEFAULTS[cls] = _defaults_of(cls)
        fixed, factories = defaults
        state = dict(fixed)  # every field, in declaration order: JSON keeps that order
        state.update(values)
        for name, factory in factories:
            if name not in values:
                state[name] = factory()
        instance = cls.__new__(cls)
        _set = object.__setattr__
        _set(instance, "__dict__", state)
        _set(instance, "__pydantic_fields_set__", set(values))
        _set(instance, "__pydantic_extra__", None)
        _set(instance, "__pydantic_private__", None)
        return instance


_Defaults = tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]
_DEFAULTS: dict[type, _Defaults] = {}


def _defaults_of(model: type[BaseModel]) -> _Defaults:
    fixed: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, info in model.model_fields.items():
        fixed[name] = None if info.is_required() or info.default_factory else info.default
        if info.default_factory is not None:
            factories.append((name, info.default_factory))  # type: ignore[arg-type]
    return fixed, factories


class Endpoint(Frozen):
    """An address as printed (masked ones such as ``185.x.y.113`` included) and its port."""

    address: str
    port: int | None = None


class Payload(Frozen):
    """One payload of an IKEv2 message: the token as printed and its IANA meaning."""

    raw: str
    type: str | None = None
    code: int | None = None
    notify: str | None = None
    notify_code: int | None = None


class Proxy(Frozen):
    """An IPsec proxy identity (traffic selector) ``network/mask/protocol/port``.

    ``protocol_code`` is the IP protocol number as printed, ``protocol`` its IANA keyword
    (``UDP``); 256 (and 0 on older IOS) means any protocol and has no name.  ``type_code``
    is the IOS proxy id type, an IKEv1 ID type (RFC 2407 section 4.6.2.1), named in
    ``type`` (``ID_IPV4_ADDR_SUBNET``).
    """

    network: str
    mask: str
    prefix_length: int | None = None
    protocol: str | None = None
    protocol_code: int
    port: int
    type: str | None = None
    type_code: int | None = None


class Source(Protocol):
    """Where a lazy event's fields come from: a row of a kind's table."""

    def fields(self, row: int) -> dict[str, Any]:
        """Every field of the row's event, in the model's order."""
        ...


class EventBase(Frozen):
    """Where an event came from: its 1-based line span, time stamp and host.

    An event the bulk scan yields may be *lazy*: it holds ``kind``, ``line`` and
    ``end_line`` and builds its other fields from its table row the first time any of
    them is read (or the event is compared, copied, pickled or serialised), so that a
    caller reading only the kind and span of a million events never pays for the rest.
    It is the same model, and behaves as one built whole.
    """

    __slots__ = ("_source",)

    kind: str
    line: int
    end_line: int
    timestamp: datetime | None = None
    timestamp_raw: str | None = None
    clock_authoritative: bool | None = None
    host: str | None = None
    sequence: int | None = None

    if not TYPE_CHECKING:
        # Every reader of an event's fields goes through its instance dictionary: pydantic
        # (serialising, comparing, copying), pickle, vars().  The dictionary of a lazy
        # event is filled the first time it is asked for; a field read by name that is not
        # there yet lands in __getattr__, which asks for it.

        @property
        def __dict__(self) -> dict[str, Any]:
            fields: dict[str, Any] = _DICT.__get__(self)
            held = _SOURCE_OF(self)
            if held is not None:
                _SOURCE.__set__(self, None)
                source, row = held
                fields.update(source.fields(row))
                _set = object.__setattr__
                _set(self, "__pydantic_fields_set__", set(fields) - {"kind"})
                _set(self, "__pydantic_extra__", None)
                _set(self, "__pydantic_private__", None)
            return fields

        @__dict__.setter
        def __dict__(self, value: dict[str, Any]) -> None:
            _DICT.__set__(self, value)

        def __getattr__(self, name: str) -> Any:
            if _SOURCE_OF(self) is not None:
                self.__dict__  # noqa: B018 - fills the fields
                return getattr(self, name)
            return super().__getattr__(name)

    @classmethod
    def build(cls, source: Message, /, **fields: Any) -> Self:
        """An event for the message ``source`` from values a grammar has already checked
        (:meth:`construct_checked` with the span and time filled in, in one step: this
        runs once per record)."""
        line, end_line, _, timestamp_raw, timestamp, authoritative, host, sequence = source
        fields["line"] = line
        fields["end_line"] = end_line
        fields["timestamp"] = timestamp
        fields["timestamp_raw"] = timestamp_raw
        fields["clock_authoritative"] = authoritative
        fields["host"] = host
        fields["sequence"] = sequence
        event = cls._checked(fields)
        _SOURCE.__set__(event, None)
        return event

    @classmethod
    def from_match(cls, match: Match) -> Self:
        """The event a rule's grammar match gives (see :mod:`ike_debuglog.families`)."""
        return cls.from_parsed(match.result, match.message)  # type: ignore[attr-defined,no-any-return]


_DICT: Final = BaseModel.__dict__["__dict__"]
_SOURCE: Final = EventBase.__dict__["_source"]
#: What makes a lazy event: ``set_fields(event, {"kind": ..., "line": ..., "end_line": ...})``
#: and ``set_source(event, (source, row))`` on ``Model.__new__(Model)``.  Functions, not a
#: constructor: scan/records.py makes one per record, where a call more costs a third.
set_fields: Final = _DICT.__set__
set_source: Final = _SOURCE.__set__


def _SOURCE_OF(event: EventBase) -> tuple[Source, int] | None:  # noqa: N802
    try:
        held: tuple[Source, int] | None = _SOURCE.__get__(event)
    except AttributeError:  # an event built whole never had one
        return None
    return held


def get(result: Parsed, name: str, default: Any = None) -> Any:
    """A named result of a grammar, or ``default`` (pyparsing's own ``get`` is untyped)."""
    return result.get(name, default)


def as_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def as_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def as_spi(value: Any) -> str | None:
    return None if value in (None, "") else str(value).upper().rjust(16, "0")


def as_spi32(value: Any) -> str | None:
    """An IPsec SPI as 8 upper-case hex digits (IOS drops leading zeros: ``0x62223D9``)."""
    return None if value in (None, "") else str(value).upper().rjust(8, "0")


def endpoint_from(result: Parsed, name: str) -> Endpoint | None:
    address = get(result, name)
    if not address:
        return None
    port = get(result, f"{name}_port")
    return (
        _endpoint(address, port)
        if len(address) <= _SHARED
        else _endpoint.__wrapped__(address, port)
    )


def proxy_from(result: Parsed, name: str) -> Proxy | None:
    network = get(result, f"{name}_network")
    if not network:
        return None
    build = _proxy if len(network) <= _SHARED else _proxy.__wrapped__
    return build(
        network,
        str(get(result, f"{name}_mask")),
        get(result, f"{name}_protocol"),
        get(result, f"{name}_port"),
        get(result, f"{name}_type"),
    )


# Values repeat across a log (the same peers, proxies and payload tokens in every
# session) and their models are immutable: each one is built once and shared.  Only
# short values are kept, so that hostile input cannot fill the memory with them.
_SHARED = 128


@lru_cache(maxsize=4096)
def _endpoint(address: str, port: str | None) -> Endpoint:
    return Endpoint.construct_checked(address=address, port=as_int(port))


@lru_cache(maxsize=4096)
def _proxy(network: str, mask: str, protocol: str, port: str, type_: str | None) -> Proxy:
    protocol_code, type_code = int(protocol), as_int(type_)
    return Proxy.construct_checked(
        network=network,
        mask=mask,
        prefix_length=_prefix_length(mask),
        protocol=registry.IP_PROTOCOLS.get(protocol_code),
        protocol_code=protocol_code,
        port=int(port),
        type=registry.name_of(registry.IKEV1_ID_TYPES, type_code),
        type_code=type_code,
    )


def _prefix_length(mask: str) -> int | None:
    if mask.isdigit():
        return int(mask)
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def payloads_from(items: pp.ParseResults | None) -> list[Payload] | None:
    """Payload models for the payload tokens a grammar found (None when no list was printed)."""
    if items is None:
        return None
    payloads = []
    for item in items:
        raw = str(get(item, "raw"))
        build = _payload if len(raw) <= _SHARED else _payload.__wrapped__
        payloads.append(build(raw, get(item, "notify_number"), get(item, "notify_name")))
    return payloads


@lru_cache(maxsize=1024)
def _payload(raw: str, notify_number: str | None, notify_name: str | None) -> Payload:
    if raw.startswith("NOTIFY("):
        number = as_int(notify_number)
        name = as_str(notify_name)
        if number is None and name is not None:
            number = registry.notify_code(name)
        canonical = registry.notify_name(number) if number is not None else None
        return Payload.construct_checked(
            raw=raw, type="Notify", code=41, notify=canonical or name, notify_code=number
        )
    row = registry.payload_type(raw)
    return Payload.construct_checked(
        raw=raw, type=row.name if row else None, code=row.code if row else None
    )


Direction = Literal["sent", "received"]
Role = Literal["initiator", "responder"]
#: A printed ``I``/``R`` as a role.
ROLES: Final[dict[str, Role]] = {"I": "initiator", "R": "responder"}
