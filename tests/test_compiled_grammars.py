"""The compiled path gives pyparsing's results: every grammar it covers, on every record of
every fixture (accepting and refusing alike), and on mutated records."""

from __future__ import annotations

from typing import Any

import pyparsing as pp
import pytest
from conftest import fixture_logs
from hypothesis import given
from hypothesis import strategies as st

from ike_debuglog import frame_lines
from ike_debuglog.families import FAMILIES, Choice
from ike_debuglog.grammars import ikev2, syslog
from ike_debuglog.matching import compile_matcher

#: Every grammar a family's rules read, found from the registry.
GRAMMARS: dict[str, pp.ParserElement] = {
    f"{family.name}/{number}/{rule.model.__name__}/{rule.name}": rule.grammar
    for family in FAMILIES
    for number, item in enumerate(family.rules)
    for rule in (item.rules if isinstance(item, Choice) else (item,))
} | {"PACKET": ikev2.PACKET, "MESSAGE": syslog.MESSAGE}
COMPILED = {name: (grammar, compile_matcher(grammar)) for name, grammar in GRAMMARS.items()}
TEXTS = sorted({message.text for log in fixture_logs() for message in frame_lines(log.open("rb"))})


def _pyparsing(grammar: pp.ParserElement, text: str) -> dict[str, Any] | None:
    try:
        result = grammar.parse_string(text)
    except pp.ParseBaseException:
        return None
    return {key: result[key] for key in result.keys()}  # noqa: SIM118 (ParseResults)


def _same(grammar: pp.ParserElement, fast: Any, text: str) -> None:
    expected = _pyparsing(grammar, text)
    got = fast(text)
    if expected is None:
        assert got is None, text
        return
    assert got is not None, text
    # The compiled path also reports groups that did not take part, as None.
    assert {k: v for k, v in got.items() if v is not None} == {
        k: v for k, v in expected.items() if v is not None
    }, text


def test_most_grammars_are_compiled() -> None:
    compiled = [name for name, (_, fast) in COMPILED.items() if fast is not None]
    assert len(compiled) >= 0.9 * len(COMPILED)
    assert COMPILED["PACKET"][1] is not None and COMPILED["MESSAGE"][1] is not None


@pytest.mark.parametrize("name", sorted(n for n, (_, fast) in COMPILED.items() if fast))
def test_compiled_grammar_agrees_with_pyparsing_on_every_fixture_record(name: str) -> None:
    grammar, fast = COMPILED[name]
    for text in TEXTS:
        _same(grammar, fast, text)


@given(
    index=st.integers(min_value=0),
    cut=st.integers(min_value=0, max_value=400),
    junk=st.text(alphabet=" \t:()[]=.-0123456789ABCDEFxyz", max_size=12),
)
def test_compiled_grammars_agree_on_mutated_records(index: int, cut: int, junk: str) -> None:
    text = TEXTS[index % len(TEXTS)]
    mutated = text[:cut] + junk + text[cut:]
    for grammar, fast in COMPILED.values():
        if fast is not None:
            _same(grammar, fast, mutated)
