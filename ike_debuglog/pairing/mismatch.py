"""The mismatch side by side: what one router offered next to what the other expected.

The refusing side's log is the richer one (IOS prints the peer's proposal as received,
and its own policy); the offering side's log fills in what the refuser did not print.
Traffic selectors are turned to the offerer's orientation (the refuser prints them
mirrored: its local selector is the offerer's remote).  What a router expects of
selectors is its crypto ACL, which no debug line prints: those rows say so.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..correlate import Session
from ..correlate.models import Proposal
from .models import MismatchRow, MismatchWhat, PairMismatch, SideName

#: The reason -> what the mismatch compares, and the proposal rows that hold it.
_WHAT: dict[str, tuple[MismatchWhat, tuple[str, ...]]] = {
    "no_proposal_chosen": ("ike", ("ike", "esp", "isakmp_policy", "transform_set")),
    "phase1_policy_mismatch": ("ike", ("isakmp_policy", "ike")),
    "transform_mismatch": ("esp", ("transform_set", "esp")),
    "ts_unacceptable": ("traffic_selectors", ("traffic_selectors",)),
    "proxy_identities_not_supported": ("traffic_selectors", ("traffic_selectors",)),
    "psk_mismatch": ("pre_shared_key", ()),
}
_SELECTORS = ("local_proxy", "remote_proxy")
#: Attributes that are not part of what is negotiated (left out of the rows).
_IGNORED = frozenset({"lifetime_seconds", "lifetime_kb", "mode"})


def _rows(session: Session, reason: str, party: str, kinds: Sequence[str]) -> list[Proposal]:
    return [
        row
        for finding in session.findings
        if reason in (finding.reason, "no_proposal_chosen")
        for row in finding.proposals
        if row.side == party and row.what in kinds
    ]


def _mirrored(attributes: dict[str, str]) -> dict[str, str]:
    turned = dict(attributes)
    if "local_proxy" in attributes or "remote_proxy" in attributes:
        for mine, theirs in (("local_proxy", "remote_proxy"), ("remote_proxy", "local_proxy")):
            if theirs in attributes:
                turned[mine] = attributes[theirs]
            else:
                turned.pop(mine, None)
    return turned


def side_by_side(
    sessions: dict[SideName, Session],
    labels: dict[SideName, str],
    reason: str | None,
    refused_by: SideName | None,
) -> PairMismatch | None:
    """The mismatch of a failed pair, or None when its reason compares nothing."""
    if reason not in _WHAT:
        return None
    what, kinds = _WHAT[reason]
    expecter: SideName = refused_by or "b"
    offerer: SideName = "a" if expecter == "b" else "b"
    if what == "pre_shared_key":
        return _key(offerer, expecter, labels)
    seen = _rows(sessions[expecter], reason, "peer", kinds)
    own = _rows(sessions[offerer], reason, "local", kinds)
    policy = _rows(sessions[expecter], reason, "local", kinds)
    if not seen and not own:
        return None
    kind = (seen or own)[0].what
    if kind in ("esp", "transform_set") and what == "ike":
        what = "esp"
    if kind == "traffic_selectors":
        what = "traffic_selectors"
    offered: dict[str, str] = {}
    for row in own[:1]:
        offered.update(row.attributes)
    for row in seen[:1]:  # the refuser's print of it wins: it is what arrived
        offered.update(_mirrored(row.attributes))
    expected: dict[str, str] = {}
    for row in policy[:1]:
        expected.update(row.attributes)
    in_logs = bool(policy)
    names = [n for n in dict.fromkeys([*offered, *expected]) if n not in _IGNORED]
    if what == "traffic_selectors":
        names = [n for n in names if n in _SELECTORS]
    rows = [
        MismatchRow(
            attribute=name,
            offered=offered.get(name),
            expected=expected.get(name),
            differs=(offered.get(name) != expected.get(name)) if in_logs else None,
        )
        for name in names
    ]
    lines = {offerer: [r.line for r in own[:1]], expecter: [r.line for r in seen[:1] + policy[:1]]}
    return PairMismatch(
        what=what,
        offered_by=offerer,
        expected_by=expecter,
        rows=rows,
        differing=[row.attribute for row in rows if row.differs],
        expected_in_logs=in_logs,
        sentence=_sentence(rows, labels[offerer], labels[expecter], in_logs),
        lines_a=sorted(set(lines.get("a", []))),
        lines_b=sorted(set(lines.get("b", []))),
    )


def _values(rows: Sequence[MismatchRow], offered: bool) -> str:
    values = [
        (f"{row.attribute.removesuffix('_proxy')} " if row.attribute in _SELECTORS else "") + value
        for row in rows
        if (value := row.offered if offered else row.expected)
    ]
    return " / ".join(values) or "nothing printed"


def _sentence(rows: Sequence[MismatchRow], offerer: str, expecter: str, in_logs: bool) -> str:
    if in_logs:
        return f"{offerer} offers {_values(rows, True)}, {expecter} expects {_values(rows, False)}"
    return (
        f"{offerer} offers {_values(rows, True)}; {expecter} refuses them and its log does "
        "not print what it expects (its configuration does)"
    )


def _key(offerer: SideName, expecter: SideName, labels: dict[SideName, str]) -> PairMismatch:
    # RFC 2409 5.4: MM5 is encrypted with a key derived from the pre-shared key; the
    # responder received it (the pair proves it) and could not read it, while both found
    # a key and agreed on the ISAKMP policy: the keys differ.
    return PairMismatch(
        what="pre_shared_key",
        offered_by=offerer,
        expected_by=expecter,
        rows=[MismatchRow(attribute="pre_shared_key", differs=True)],
        differing=["pre_shared_key"],
        expected_in_logs=False,
        sentence=(
            f"{labels[offerer]} and {labels[expecter]} hold different pre-shared keys: "
            f"{labels[expecter]} received the encrypted main mode message and could not read it"
        ),
    )
