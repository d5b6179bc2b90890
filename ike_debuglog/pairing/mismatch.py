"""The mismatch side by side: what one router offered next to what the other expected.

The refusing side's log is the richer one (IOS prints the peer's proposal as received,
and its own policy); the offering side's log fills in what the refuser did not print.
Traffic selectors are turned to the offerer's orientation (the refuser prints them
mirrored: its local selector is the offerer's remote).  What a router expects of
selectors is its crypto ACL, of a PFS group its crypto map, of an identity its IKEv2
profile's ``match identity``: no debug line prints them, and those rows say so.  Where the
refuser's log still proves which attribute it refused (a quick mode proposal refused for
its PFS group, an identity no profile matched), that row differs though its expected
value is unknown.
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
    "authentication_failed": ("identity", ("identity",)),
}
#: A finding's ``cause`` -> the attribute it proves refused.
_CAUSES = {"pfs": "dh_group"}
#: How a proven attribute is named in the sentence.
_NAMES = {"dh_group": "PFS group", "identity": "identity"}
#: What goes before a value in the sentence.
_PREFIX = {"local_proxy": "local ", "remote_proxy": "remote ", "identity": "identity "}
_SELECTORS = ("local_proxy", "remote_proxy")
#: Attributes that are not part of what is negotiated (left out of the rows).
_IGNORED = frozenset({"lifetime_seconds", "lifetime_kb", "mode"})


def _rows(session: Session, reason: str, party: str, kinds: Sequence[str]) -> list[Proposal]:
    return [
        row
        for finding in session.findings
        if finding.reason in (reason, "no_proposal_chosen")
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
    # The refuser's own identity (its IDr) is not what it expects of the peer's.
    policy = [] if what == "identity" else _rows(sessions[expecter], reason, "local", kinds)
    proven = _proven(sessions[expecter], reason, seen)
    if (not seen and not own) or (what == "identity" and not proven):
        return None  # an authentication failure no identity explains: the key, a certificate
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
            differs=(offered.get(name) != expected.get(name))
            if in_logs
            else (True if name in proven else None),
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
        sentence=_sentence(rows, labels[offerer], labels[expecter], in_logs, proven),
        lines_a=sorted(set(lines.get("a", []))),
        lines_b=sorted(set(lines.get("b", []))),
    )


def _proven(session: Session, reason: str, seen: Sequence[Proposal]) -> set[str]:
    """The attributes the refuser's log shows it refused although it does not print what
    it expects: the cause of its finding (``pfs``: the peer's PFS group; its transforms
    and proxies were accepted), or the peer's identity no IKEv2 profile matched."""
    proven = {
        _CAUSES[finding.cause]
        for finding in session.findings
        if finding.reason == reason and finding.cause in _CAUSES
    }
    proven.update("identity" for row in seen if row.what == "identity" and row.accepted is False)
    return proven


def _values(rows: Sequence[MismatchRow], offered: bool) -> str:
    values = {row.attribute: v for row in rows if (v := row.offered if offered else row.expected)}
    kind = values.pop("identity_type", None)
    if kind and "identity" in values:
        values["identity"] += f" ({kind})"
    shown = [_PREFIX.get(name, "") + value for name, value in values.items()]
    return " / ".join(shown) or "nothing printed"


def _named(row: MismatchRow) -> str:
    value = row.offered or ""
    if row.attribute == "dh_group":  # "PFS group 14", not "PFS group group 14"
        value = value.removeprefix("group ")
    return f"{_NAMES.get(row.attribute, row.attribute)} {value}"


def _sentence(
    rows: Sequence[MismatchRow], offerer: str, expecter: str, in_logs: bool, proven: set[str]
) -> str:
    if in_logs:
        return f"{offerer} offers {_values(rows, True)}, {expecter} expects {_values(rows, False)}"
    refused = [_named(row) for row in rows if row.attribute in proven and row.offered]
    if refused:
        return (
            f"{offerer} offers {_values(rows, True)}; {expecter} refuses its "
            f"{', '.join(refused)}, and its log does not print what it expects (its "
            "configuration does)"
        )
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
