"""One self-contained HTML page of sessions: a summary, a sortable and filterable table,
and per session its ladder as SVG, its findings with the evidence lines in context, the
proposals compared and the hint.

The page needs no network: its CSS, JavaScript and SVG are inline, and its Content
Security Policy lets only its own script run (by hash) and fetches nothing.  Everything
from the log is hostile text: it is escaped into HTML, and the table's rows travel as
JSON that the script writes with ``textContent`` only.

A session is drawn from *sides* and *lanes*, not from one router's view: a one-sided
session is one side and two lanes (this router, the peer); a paired session (the detailed
sessions of two routers that are one IKE SA, docs/pairing.md) is two sides whose arrows go
between two routers' lanes, with both sides' line numbers and lost messages.

The report is bounded whatever the input: detailed sections for at most ``details``
sessions (failed first), a ladder of at most :data:`ARROWS` messages, :data:`EVIDENCE_SHOWN`
evidence lines per finding with :data:`CONTEXT` lines around each, lines cut at
:data:`LINE_CHARS`; the page says where it cut.  The table holds every session (a compact
row each) and the script shows it a page at a time.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import html
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.resources import files
from string import Template
from typing import Final

from .. import __version__
from ..correlate import Finding, Session
from ..correlate.proposals import ATTRIBUTE_ORDER
from ..pairing import Located, Pair, pair_sessions
from ..pairing.models import SideName
from .ladder_svg import ARROWS, fit, ladder_svg, one_sided_ladder, two_sided_ladder
from .pair_ladder import clock_sentence
from .sessions import span_and_ids, spis

#: Sessions given a detailed section by default (the table lists them all).
DETAILS: Final = 200
#: Lines quoted around each evidence line.
CONTEXT: Final = 2
#: Evidence lines quoted per finding: the first ones and the last two (how it began, ended).
EVIDENCE_SHOWN: Final = 8
#: Characters shown of a quoted line.
LINE_CHARS: Final = 400
#: Rows of a finding's proposals table.
PROPOSALS_SHOWN: Final = 24

_RANK: Final = {"failed": 0, "incomplete": 1, "established": 2}
_Text = Callable[[int], str | None]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


_DIFFERS: Final = {True: "yes", False: "no", None: "?"}


def _pair_block(pair: Pair, side: SideName) -> str:
    """What the pair adds to a session's section: the other side, the verdict from both
    logs, the clock, and the mismatch side by side."""
    other = pair.b if side == "a" else pair.a
    verdict = pair.outcome + (f": {pair.reason}" if pair.reason else "")
    parts = [
        f'<div class="finding pair"><h4>Paired with {_e(other.label)} ({_e(other.file)}, '
        f"lines {other.first_line}-{other.last_line}): {_e(verdict)}</h4>",
        f"<p>{_e(clock_sentence(pair))}</p>",
    ]
    if pair.explanation:
        parts.append(f"<p>{_e(pair.explanation)}</p>")
    if pair.mismatch:
        mismatch = pair.mismatch
        offerer = pair.a if mismatch.offered_by == "a" else pair.b
        expecter = pair.b if mismatch.offered_by == "a" else pair.a
        rows = "".join(
            f"<tr><td>{_e(row.attribute)}</td><td>{_e(row.offered or '(not printed)')}</td>"
            f"<td>{_e(row.expected or '(not printed)')}</td>"
            f"<td>{_DIFFERS[row.differs]}</td></tr>"
            for row in mismatch.rows
        )
        parts.append(
            f'<p class="why">{_e(mismatch.sentence)}</p><div class="scroll"><table '
            f'class="proposals"><thead><tr><th>attribute</th><th>{_e(offerer.label)} offers'
            f"</th><th>{_e(expecter.label)} expects</th><th>differs</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )
    parts.append("</div>")
    return "".join(parts)


# Findings and their evidence --------------------------------------------------------


def shown_evidence(finding: Finding) -> list[int]:
    """The evidence lines quoted: all, or the first ones and the last two."""
    lines = finding.evidence
    if len(lines) <= EVIDENCE_SHOWN:
        return list(lines)
    return [*lines[: EVIDENCE_SHOWN - 2], *lines[-2:]]


def quoted_lines(sessions: Iterable[Session]) -> set[int]:
    """The line numbers the sections of ``sessions`` quote: evidence and its context."""
    wanted: set[int] = set()
    for session in sessions:
        for finding in session.findings:
            for number in shown_evidence(finding):
                wanted.update(range(max(number - CONTEXT, 1), number + CONTEXT + 1))
    return wanted


def _quote(finding: Finding, text: _Text) -> str:
    """The evidence lines with their context, the evidence marked, gaps shown."""
    shown = shown_evidence(finding)
    evidence = set(shown)
    numbers = sorted({n for e in shown for n in range(max(e - CONTEXT, 1), e + CONTEXT + 1)})
    rows: list[str] = []
    previous = None
    for number in numbers:
        line = text(number)
        if line is None:
            continue
        if previous is not None and number > previous + 1:
            rows.append('<span class="gap">\u22ee</span>')
        previous = number
        cut = len(line) > LINE_CHARS
        body = _e(line[:LINE_CHARS]) + ('<span class="cut">\u2026 (cut)</span>' if cut else "")
        row = f'<span class="ln">{number}</span> {body}'
        rows.append(f"<mark>{row}</mark>" if number in evidence else row)
    if not rows:
        return ""
    note = ""
    if len(finding.evidence) > len(shown):
        more = len(finding.evidence) - len(shown)
        note = (
            f'<p class="capped">{len(shown)} of {len(finding.evidence)} evidence lines quoted '
            f"(the first {EVIDENCE_SHOWN - 2} and the last 2; {more} more in the JSON)</p>"
        )
    return f'<pre class="quote">{chr(10).join(rows)}</pre>{note}'


def _proposals(finding: Finding) -> str:
    rows = finding.proposals[:PROPOSALS_SHOWN]
    if not rows:
        return ""
    names = list(dict.fromkeys(name for row in rows for name in row.attributes))
    names.sort(key=lambda n: ATTRIBUTE_ORDER.index(n) if n in ATTRIBUTE_ORDER else len(names))
    policy = any(row.priority is not None for row in rows)
    head = ["side", "what", "#", *(["policy"] if policy else []), "result", "line", *names]
    body = []
    for row in rows:
        verdict = "" if row.accepted is None else ("accepted" if row.accepted else "refused")
        cells = [
            row.side,
            row.what,
            "" if row.number is None else str(row.number),
            *([] if not policy else ["" if row.priority is None else str(row.priority)]),
            verdict,
            str(row.line),
        ]
        values = "".join(
            f'<td class="{"differs" if name in row.mismatched else ""}">'
            f"{_e(row.attributes.get(name, ''))}</td>"
            for name in names
        )
        side = "refused" if row.accepted is False else ""
        body.append(
            f'<tr class="{side}">{"".join(f"<td>{_e(c)}</td>" for c in cells)}{values}</tr>'
        )
    more = len(finding.proposals) - len(rows)
    note = f'<p class="capped">{more} more rows in the JSON</p>' if more > 0 else ""
    return (
        '<div class="scroll"><table class="proposals"><thead><tr>'
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>{note}"
    )


def _finding(finding: Finding, session: Session, text: _Text) -> str:
    if finding.recovered:
        state, kind = "recovered", "recovered"
    elif finding.reason == session.reason:
        state, kind = "failed", "failed"
    else:
        state, kind = "also", "also"
    status = f" ({session.batfish_status})" if kind == "failed" and session.batfish_status else ""
    cause = f' <span class="cause">cause: {_e(finding.cause)}</span>' if finding.cause else ""
    exchange = f" in {_e(finding.exchange)}" if finding.exchange else ""
    why = f'<p class="why"><b>why:</b> {_e(finding.mismatch)}</p>' if finding.mismatch else ""
    return (
        f'<div class="finding {kind}"><h4><span class="state">{state}</span> '
        f"{_e(finding.reason)}{_e(status)}{exchange}{cause}</h4>"
        f"<p>{_e(finding.summary)}</p>{why}{_proposals(finding)}{_quote(finding, text)}"
        f'<p class="hint"><b>hint:</b> {_e(finding.hint)}</p></div>'
    )


# Sessions ---------------------------------------------------------------------------


def anchor(source: int, session: Session) -> str:
    """The id of a session's section: its input and its first line."""
    return f"s-{source}-{session.id}"


def _facts(session: Session, source_name: str) -> str:
    facts = [
        ("file", source_name),
        ("host", session.host or ""),
        ("IKE", f"v{session.ike_version}" if session.ike_version else ""),
        ("role", session.role or ""),
        ("SPIs", spis(session)),
        ("started", session.started.isoformat() if session.started else ""),
        ("duration", "" if session.duration_seconds is None else f"{session.duration_seconds}s"),
        ("packets", f"{session.packets_sent} sent, {session.packets_received} received, "
                    f"{session.retransmissions} again"),
        ("closed by", session.closed_by or ""),
    ]  # fmt: skip
    return (
        '<dl class="facts">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts if v)
        + "</dl>"
    )


def session_section(
    source: int,
    source_name: str,
    session: Session,
    text: _Text,
    paired: tuple[Pair, SideName] | None = None,
) -> str:
    """One session: its facts, findings with evidence, and ladder (two-sided when
    ``paired``: the pair and this session's side of it)."""
    version = f"IKEv{session.ike_version}" if session.ike_version else "IKE"
    where = f" on {session.host}" if session.host else ""
    title = f"{version}{where} with {session.peer or 'an unknown peer'}"
    outcome = session.outcome + (f": {session.reason}" if session.reason else "")
    body = [_facts(session, source_name)]
    if session.outcome == "incomplete":
        last = session.messages[-1].label if session.messages else "no IKE message"
        body.append(
            f'<p class="finding incomplete">The log ends during the negotiation '
            f"(last: {_e(last)}).</p>"
        )
    if paired is not None:
        body.append(_pair_block(*paired))
    body.extend(_finding(finding, session, text) for finding in session.findings)
    lanes, arrows = two_sided_ladder(paired[0]) if paired else one_sided_ladder(session)
    notes = [f"{'recovered' if f.recovered else 'failed'}: {f.reason}" for f in session.findings]
    if arrows or notes:
        body.append(f'<div class="scroll ladder-wrap">{ladder_svg(lanes, arrows, notes)}</div>')
    if len(paired[0].messages if paired else session.messages) > len(arrows):
        body.append(
            f'<p class="capped">ladder: the first {len(arrows)} of {len(session.messages)} '
            "messages</p>"
        )
    closed = " closed" if session.outcome == "established" else ""
    return (
        f'<section class="session {session.outcome}{closed}" id="{anchor(source, session)}">'
        f'<h3><button class="toggle" type="button" aria-expanded="{"false" if closed else "true"}">'
        f'<span class="badge {session.outcome}">{_e(outcome)}</span> {_e(title)}'
        f" <small>{_e(span_and_ids(session))}</small></button></h3>"
        f'<div class="body">{"".join(body)}</div></section>'
    )


@dataclass
class Report:
    """The sessions of one or more inputs, gathered as they stream by: a compact row per
    session for the table and summary, and the ``details`` sessions that get a section
    (failed first, then incomplete, then established; by input and first line)."""

    details: int = DETAILS
    rows: list[list[object]] = field(default_factory=list)
    _kept: list[tuple[tuple[int, int, int], int, Session]] = field(default_factory=list)
    #: (input, host) -> first and last session stamp: what each router's log covers, to
    #: tell a lost message of a pair from one no log reaches.
    _spans: dict[tuple[int, str | None], tuple[datetime, datetime]] = field(default_factory=dict)

    def add(self, source: int, session: Session) -> None:
        """Count a session in (``source``: the index of its input)."""
        rank = (_RANK[session.outcome], source, session.id)
        if session.started is not None and session.ended is not None:
            start, end = session.started.replace(tzinfo=None), session.ended.replace(tzinfo=None)
            first, last = self._spans.get((source, session.host), (start, end))
            self._spans[(source, session.host)] = (min(first, start), max(last, end))
        entry = ((-rank[0], -source, -session.id), source, session)  # a max-heap by rank
        if len(self._kept) < self.details:
            heapq.heappush(self._kept, entry)
        elif self.details and entry[0] > self._kept[0][0]:
            heapq.heapreplace(self._kept, entry)
        self.rows.append(
            [
                rank[0],
                source,
                session.id,
                span_and_ids(session),
                session.host or "",
                session.peer or "",
                session.role or "",
                f"v{session.ike_version}" if session.ike_version else "",
                session.outcome,
                session.reason or "",
                session.started.strftime("%Y-%m-%d %H:%M:%S") if session.started else "",
                session.duration_seconds,
                f"{session.packets_sent}/{session.packets_received}"
                + (f" +{session.retransmissions}" if session.retransmissions else ""),
                "",
                spis(session),
            ]
        )

    def detailed(self) -> list[tuple[int, Session]]:
        """The sessions given a section, in the page's order."""
        return [
            (source, s) for _, source, s in sorted(self._kept, key=lambda k: k[0], reverse=True)
        ]

    def _paired(
        self, detailed: list[tuple[int, Session]], sources: Sequence[str]
    ) -> dict[tuple[str, int], tuple[Pair, SideName]]:
        """The pairs among the detailed sessions (two inputs, or two hosts of one),
        by (input name, session id) of each side."""
        located = [Located(sources[source], session, source) for source, session in detailed]
        covered = {(sources[k], host): span for (k, host), span in self._spans.items()}
        found: dict[tuple[str, int], tuple[Pair, SideName]] = {}
        for pair in pair_sessions(located, covered):
            found[(pair.a.file, pair.a.session_id)] = (pair, "a")
            found[(pair.b.file, pair.b.session_id)] = (pair, "b")
        return found

    def wanted(self, source: int) -> set[int]:
        """The lines of input ``source`` the sections quote."""
        return quoted_lines(s for index, s in self.detailed() if index == source)

    def html(self, sources: Sequence[str], texts: Sequence[dict[int, str]]) -> str:
        """The page; ``texts[i]`` holds the quoted lines of input ``sources[i]``."""
        detailed = self.detailed()
        shown = {(source, session.id) for source, session in detailed}
        for row in self.rows:
            if (row[1], row[2]) in shown:
                row[13] = f"s-{row[1]}-{row[2]}"
        paired = self._paired(detailed, sources)
        sections = "".join(
            session_section(
                source,
                sources[source],
                session,
                texts[source].get,
                paired.get((sources[source], session.id)),
            )
            for source, session in detailed
        )
        notes = []
        if len(self.rows) > len(detailed):
            notes.append(
                f"Detailed sections for {len(detailed)} of {len(self.rows)} sessions "
                "(failed first, then incomplete, then established); the table lists them all."
            )
        return _page(sources, self.rows, sections, notes)


# The page ---------------------------------------------------------------------------


def _asset(name: str) -> str:
    return (files("ike_debuglog.render") / "report" / name).read_text(encoding="utf-8")


def _json_in_script(value: object) -> str:
    """JSON that cannot end its ``<script>`` element or open a comment in it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _summary(sources: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    outcomes = Counter(str(row[8]) for row in rows)
    total = len(rows)
    cards = "".join(
        f'<div class="card {name}"><b>{outcomes[name]}</b> {label}</div>'
        for name, label in (
            ("established", "came up"),
            ("failed", "failed"),
            ("incomplete", "incomplete"),
        )
    )
    by: dict[tuple[str, str], Counter[str]] = {}
    reasons: dict[tuple[str, str], Counter[str]] = {}
    several = len(sources) > 1
    for row in rows:
        key = (sources[int(str(row[1]))] if several else "", str(row[4]) or "(none printed)")
        by.setdefault(key, Counter())[str(row[8])] += 1
        if row[9]:
            reasons.setdefault(key, Counter())[str(row[9])] += 1
    head = ("file", "host") if several else ("host",)
    lines = []
    for key in sorted(by):
        counts = by[key]
        top = ", ".join(f"{r} \u00d7{n}" for r, n in reasons.get(key, Counter()).most_common(3))
        cells = [*(key if several else key[1:]), str(counts.total()), str(counts["established"]),
                 str(counts["failed"]), str(counts["incomplete"]), top]  # fmt: skip
        lines.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    columns = [*head, "sessions", "came up", "failed", "incomplete", "top reasons"]
    noun = "session" if total == 1 else "sessions"
    return (
        f'<section id="summary"><h2>Summary</h2><p>{total} {noun} in '
        f"{len(sources)} input{'s' if several else ''}.</p>"
        f'<div class="cards">{cards}</div><div class="scroll"><table class="hosts"><thead><tr>'
        + "".join(f"<th>{_e(c)}</th>" for c in columns)
        + f"</tr></thead><tbody>{''.join(lines)}</tbody></table></div></section>"
    )


def _page(
    sources: Sequence[str], rows: Sequence[Sequence[object]], sections: str, notes: list[str]
) -> str:
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )
    data = _json_in_script({"sources": list(sources), "rows": rows})
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    caps = (
        f"Evidence: up to {EVIDENCE_SHOWN} lines per finding with {CONTEXT} lines of context "
        f"each side, lines cut at {LINE_CHARS} characters; ladders of up to {ARROWS} messages."
    )
    names = ", ".join(sources)
    return Template(_asset("page.html")).substitute(
        policy=_e(policy),
        title=_e(fit(names, 120)),
        style=_asset("report.css"),
        names=_e(names),
        version=_e(__version__),
        made=made,
        summary=_summary(sources, rows),
        notes="".join(f'<p class="capped">{_e(note)}</p>' for note in [*notes, caps]),
        sections=sections,
        data=data,
        script=script,
    )
