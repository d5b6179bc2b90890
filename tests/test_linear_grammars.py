"""Every grammar runs in time linear in its record on the Python path (issue 15).

The bulk scan runs grammars in the Rust engine, linear by construction; records that are
not printable ASCII, small batches and rules without a column form are parsed one at a
time by Python's backtracking ``re``, where a lazy ``.*?`` before ``\\s*`` or a skip that
retries a field at every repeat of its key costs a square or a cube.

For every family's record starts and every rule the registry holds, hostile records are
built from a record the rule reads (each fixture record, and one made from the rule's own
selecting literal): at each place a field starts (after ``=``, ``:``, an opening bracket
or quote, and at the end), a long run of blanks, the key before it repeated, unclosed
brackets and quotes.  Each is parsed at about ``N`` and ``10 N`` characters; the larger
must take less than 30 times the smaller plus a small constant (a square is 100 times).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable, Iterator

import pytest
from conftest import fixture_logs, load_meta

from ike_debuglog import parse_text
from ike_debuglog.families import (
    FAMILIES,
    AllOf,
    AnyOf,
    Ends,
    Family,
    Function,
    Has,
    Prefixed,
    Rule,
    Starts,
    Test,
    Unprefixed,
    event_from_message,
)
from ike_debuglog.framing import Message
from ike_debuglog.parse import frame_lines

#: Characters of hostile text in the smaller record; the larger has ten times as many.
#: ``LINEAR_GRAMMARS_N=3000`` hunts squares with small constants (a minute or two).
N = int(os.environ.get("LINEAR_GRAMMARS_N", "400"))
#: Linear is 10 times; allow for noise and fixed costs, never for a square (100 times).
RATIO = 30
SLACK = 0.002
#: A record of N hostile characters that takes this long is not linear (a cube at N = 400
#: takes seconds; its 10 N record would take minutes).
TOO_SLOW = 0.05 * N / 400

_IKEV2_CONTEXT = "IKEv2:(SESSION ID = 1,SA ID = 1):"
#: A record prefix for the families that read one (the ISAKMP connection id).
_PREFIXES = {"isakmp": "ISAKMP:(1001): ", "[IKEv1": "[IKEv1]Group = VPN, IP = 192.0.2.7, "}


# Timing -----------------------------------------------------------------------------------


def _seconds(parse: Callable[[str], object], text: str, repeat: int) -> float:
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            parse(text)
            best = min(best, time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return best


def superlinear(
    parse: Callable[[str], object], build: Callable[[int], str], size: int = N
) -> str | None:
    """Why ``parse`` is not linear on ``build(size)`` against ``build(10 size)``, or None."""
    small_text, large_text = build(size), build(10 * size)
    small = _seconds(parse, small_text, 1)
    if small > TOO_SLOW * size / N:
        return f"{small * 1e3:.0f} ms for {len(small_text)} characters"
    for repeat in (1, 3, 9):  # measured again before failing: one slow run may be the machine
        fixed = _seconds(parse, build(0), repeat)  # what a call costs without the hostile part
        small = max(_seconds(parse, small_text, repeat) - fixed, 1e-6)
        large = _seconds(parse, large_text, repeat) - fixed
        if large < RATIO * small + SLACK:
            return None
    return f"{large / small:.0f}x the time for 10x the input ({large * 1e3:.1f} ms)"


def _event(text: str) -> object:
    return event_from_message(Message(1, 1, (text,)))


# Records the rules read ---------------------------------------------------------------


def _text_for(test: Test | None, family: Family) -> str:
    """A record of the family for which ``test`` holds (no more than that)."""
    start = family.starts[0]
    prefix = _PREFIXES.get(start, "")
    if start == "IKEv2":
        prefix = _IKEV2_CONTEXT
    if isinstance(test, Has | Ends):
        text = test.literal if isinstance(test, Has) else test.suffix
        return (prefix or start) + text if not text.startswith(start) else text
    if isinstance(test, Starts):
        head = test.prefixes[0]
        if test.on == "text":
            return head + (_IKEV2_CONTEXT.removeprefix("IKEv2") if head.startswith("IKEv2") else "")
        return prefix + head
    if isinstance(test, Function):
        return f"IPSEC({sorted(test.names)[0] if test.names else 'key_engine'}): "
    if isinstance(test, AnyOf):
        return _text_for(test.tests[0], family)
    if isinstance(test, AllOf):
        parts = [_text_for(part, family) for part in test.tests]
        return max(parts, key=len) + "".join(
            part.removeprefix(prefix) for part in parts if part != max(parts, key=len)
        )
    if isinstance(test, Unprefixed):
        return family.starts[-1]
    if isinstance(test, Prefixed):
        return prefix or start
    return prefix or start


def _rules() -> Iterator[tuple[Family, Rule]]:
    seen: set[tuple[int, str]] = set()
    for family in FAMILIES:
        for rule in family.every_rule():
            key = (id(rule.grammar), rule.on)
            if key not in seen:
                seen.add(key)
                yield family, rule


#: The field of a table row's event that names its row.
_ROW_FIELDS = ("status", "step", "attribute", "target")


def _fixture_records() -> list[str]:
    """Fixture records: for each kind of event (and table row), the longest, which
    holds the most fields."""
    chosen: dict[tuple[str, object], str] = {}
    for log in fixture_logs():
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        for message in frame_lines(lines, year=load_meta(log)["year"]):
            event = event_from_message(message)
            if event.kind == "unrecognized" or len(message.text) > 2_000:
                continue
            row = next((getattr(event, name) for name in _ROW_FIELDS if hasattr(event, name)), None)
            key = (event.kind, row)
            if len(message.text) > len(chosen.get(key, "")):
                chosen[key] = message.text
    return sorted(set(chosen.values()))


def seeds() -> list[str]:
    """A record for every rule of every family (from its selecting literal), every family's
    record starts, and the fixture records."""
    made = {_text_for(rule.when, family) for family, rule in _rules()}
    starts = {start for family in FAMILIES for start in family.starts}
    return sorted(made | starts) + _fixture_records()


# Hostile records --------------------------------------------------------------------------

_OPENERS = "=:([{<'\""


def _cuts(seed: str) -> list[int]:
    """Where fields start: after a key's ``=`` or ``:``, an opening bracket or quote, and
    at the end of the record."""
    return sorted({i + 1 for i, char in enumerate(seed) if char in _OPENERS} | {len(seed)})


def _key_before(seed: str, cut: int) -> str:
    """The word that ends at ``cut`` (``transform=``, ``local_proxy=``, ``PAIR (``)."""
    word = seed[:cut].rstrip().rsplit(None, 1)[-1] if seed[:cut].strip() else ""
    return word or seed[:cut]


def hostile(seed: str) -> Iterator[tuple[str, Callable[[int], str]]]:
    """(name, build) pairs: ``build(size)`` is ``seed`` with about ``size`` hostile
    characters at one place where a field starts."""
    for cut in _cuts(seed):
        head, rest = seed[:cut], seed[cut:]
        key = _key_before(seed, cut)
        yield (
            f"blanks inside and after a word at {cut}",
            lambda n, h=head: f"{h}a{' ' * (n // 2)}b{' ' * (n // 2)}",
        )
        yield (
            f"{key!r} repeated at {cut}",
            lambda n, h=head, k=key: h + (k + " ") * (n // (len(k) + 1)) + "(",
        )
        yield f"{key!r} glued at {cut}", lambda n, h=head, k=key: h + k * (n // len(k))
        yield (
            f"unclosed brackets and quotes at {cut}",
            lambda n, h=head, r=rest: h + "( [ { < ' \" a " * (n // 14) + r,
        )


SEEDS = seeds()


def test_every_family_and_rule_has_a_record() -> None:
    assert len(SEEDS) > 100
    for family, rule in _rules():
        assert family.starts and _text_for(rule.when, family)


def _id(seed: str) -> str:
    return "".join(char if char.isascii() and char.isprintable() else "?" for char in seed[:60])


@pytest.mark.parametrize("seed", SEEDS, ids=[_id(seed) for seed in SEEDS])
def test_every_grammar_is_linear_on_hostile_records(seed: str) -> None:
    slow = [
        f"{name}: {why}"
        for name, build in hostile(seed)
        if (why := superlinear(_event, build)) is not None
    ]
    assert not slow, f"{seed[:80]!r}: " + "; ".join(slow)


# The shapes issue 15 reported, end to end through parse_text --------------------------

_CONTEXT = _IKEV2_CONTEXT
ISSUE_15: dict[str, Callable[[int], str]] = {
    "IPSEC(sa_request) transform= then blanks": lambda n: (
        "IPSEC(sa_request): , transform= a" + " " * n + "b"
    ),
    "[IKEv2 -> Crypto Engine] then blanks": lambda n: (
        _CONTEXT + "[IKEv2 -> Crypto Engine] a" + " " * n + "b"
    ),
    "Matched peer block ' then blanks": lambda n: (
        _CONTEXT + "Matched peer block 'a" + " " * n + "b"
    ),
    "Session with IKE ID PAIR ( then blanks": lambda n: (
        _CONTEXT + "Session with IKE ID PAIR (a" + " " * n + "b"
    ),
    "Session with IKE ID PAIR second identity then blanks": lambda n: (
        _CONTEXT + "Session with IKE ID PAIR (a, b" + " " * n + "c"
    ),
    "sa_trans= then blanks": lambda n: (
        "IPSEC(create_sa): sa created, (sa) sa_trans= a" + " " * n + "b"
    ),
    "identity: { then blanks": lambda n: (
        "IPSEC(ipsec_process_proposal): transform proposal not supported for identity: {a"
        + " " * n
        + "b"
    ),
    "transform= repeated then (": lambda n: (
        "IPSEC(sa_request): , " + "transform= " * (n // 11) + "("
    ),
    "local_proxy= repeated": lambda n: "IPSEC(sa_request): , " + "local_proxy=" * (n // 12),
}


def _parse(text: str) -> object:
    return list(parse_text(text, year=2026))


@pytest.mark.parametrize("shape", sorted(ISSUE_15))
def test_the_reported_shapes_are_linear(shape: str) -> None:
    # Larger than N: parse_text's fixed cost (framing in Polars) would hide a square.
    why = superlinear(_parse, ISSUE_15[shape], size=1_000)
    assert why is None, f"{shape}: {why}"
