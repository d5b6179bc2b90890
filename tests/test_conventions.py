"""Field names come from one glossary (docs/fields.md): every model field and every
grammar result name is documented there, and the per-kind table matches the models."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pyparsing as pp

from ike_debuglog import events
from ike_debuglog.families import FAMILIES
from ike_debuglog.grammars import ikev1, ikev2_internal

DOC = (Path(__file__).parent.parent / "docs" / "fields.md").read_text(encoding="utf-8")
MODELS = typing.get_args(typing.get_args(events.Event)[0])
NESTED = (events.Endpoint, events.Payload, events.Proxy, events.Ikev1IpsecSa)


def _section(title: str) -> str:
    return DOC.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _backticked(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_*]+)`", text))


def _grammar_names() -> set[str]:
    """Every result name of the grammars the registry's families read."""
    names: set[str] = set()
    elements: list[pp.ParserElement] = []
    for family in FAMILIES:
        elements.extend(family.prefix for _ in (1,) if family.prefix is not None)
        elements.extend(rule.grammar for rule in family.every_rule())
    for element in elements:
        names |= set(re.findall(r"\(\?P<(\w+)>", repr(element) + str(element.__dict__)))
    assert {"initiator_spi", "local_proxy_network", "mnemonic"} <= names  # the scan works
    return names


def test_every_model_field_is_in_the_glossary() -> None:
    documented = _backticked(_section("Field glossary")) | _backticked(_section("Common fields"))
    fields = {name for model in (*MODELS, *NESTED) for name in model.model_fields}
    assert fields - documented == set()


def test_kinds_table_matches_the_models() -> None:
    table = _section("Kinds")
    for model in MODELS:
        kind = model.model_fields["kind"].default
        own = [f for f in model.model_fields if f not in events.EventBase.model_fields]
        row = f"| `{kind}` | " + ", ".join(f"`{f}`" for f in own) + " |"
        assert row in table, f"docs/fields.md: the row for {kind} is out of date"


def test_every_grammar_result_name_maps_to_a_field_or_is_documented() -> None:
    fields = {name for model in (*MODELS, *NESTED) for name in model.model_fields}
    grammar_only = _backticked(_section("Grammar-only names"))
    unknown = {
        name
        for name in _grammar_names() - fields - grammar_only
        if not re.match(r"(local|remote)_proxy_", name)
    }
    assert unknown == set()


def test_vocabularies_are_documented() -> None:
    vocabulary = _backticked(_section("Vocabularies"))
    assert {step.name for step in ikev2_internal.POLICY_STEPS} <= vocabulary
    assert {step.name for step in ikev2_internal.STATUS_STEPS} <= vocabulary
    assert {row.name for row in (*ikev1.STATUS, *ikev1.ATTRIBUTES, *ikev1.DELETES)} <= vocabulary
