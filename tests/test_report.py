"""The HTML report: what a real browser shows once its script ran (Debian's chromium,
driven headless over the DevTools protocol), and the bounds and escaping of the page."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES

from ike_debuglog import correlate, parse_file
from ike_debuglog.cli import main
from ike_debuglog.render.ladder_svg import Arrow, Lane, ladder_svg
from ike_debuglog.render.report import Report

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "show-logging-ikev2.log"
SYSLOG = ROOT / "examples" / "syslog-server.log"
POLICY = FIXTURES / "ikev1" / "composed-responder-phase1-policy-mismatch.log"
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        # CI installs chromium and sets this: there, a missing browser is a failure.
        if os.environ.get("IKE_DEBUGLOG_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return found


class Page:
    """One headless chromium tab over the DevTools protocol (a websocket)."""

    def __init__(self, chromium: str, profile: str) -> None:
        import websocket  # the test extra's websocket-client

        self.process = subprocess.Popen(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        port_file = Path(profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as reply:
            targets = json.load(reply)
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self.socket = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.calls = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls += 1
        self.socket.send(json.dumps({"id": self.calls, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.calls:
                if "error" in message:
                    raise RuntimeError(message["error"])
                result: dict[str, Any] = message["result"]
                return result

    def js(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def open(self, path: Path) -> None:
        self.call("Page.navigate", url=path.resolve().as_uri())
        deadline = time.monotonic() + 60
        while self.js("document.readyState") != "complete" or not self.js(
            "document.querySelector('#table tbody') !== null"
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("the page did not load")
            time.sleep(0.05)

    def close(self) -> None:
        self.socket.close()
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    chromium = _chromium()
    with tempfile.TemporaryDirectory() as profile:
        tab = Page(chromium, profile)
        try:
            yield tab
        finally:
            tab.close()


def _report(tmp_path: Path, *files: Path, extra: tuple[str, ...] = ()) -> Path:
    out = tmp_path / "report.html"
    assert main(["report", *map(str, files), "-o", str(out), "--year", "2026", *extra]) == 0
    return out


_ROWS = "Array.from(document.querySelectorAll('#table tbody tr'))"


def _column(page: Page, name: str) -> list[str]:
    index = page.js(
        "Array.from(document.querySelectorAll('#table th')).map(t => t.textContent)"
        f".indexOf({json.dumps(name)})"
    )
    return list(page.js(f"{_ROWS}.map(r => r.cells[{index}].textContent)"))


def test_the_page_shows_every_session_failed_first(page: Page, tmp_path: Path) -> None:
    out = _report(tmp_path, EXAMPLE, SYSLOG, POLICY)
    sessions = [list(correlate(parse_file(f, year=2026))) for f in (EXAMPLE, SYSLOG, POLICY)]
    page.open(out)
    assert len(page.js(_ROWS)) == sum(map(len, sessions)) == 5
    outcomes = _column(page, "outcome")
    assert outcomes == sorted(outcomes, key=["failed", "incomplete", "established"].index)
    assert outcomes[:2] == ["failed", "failed"]
    # Failed ones by input, then first line: the example's session 52, then the fixture's.
    assert _column(page, "session")[0].startswith("lines 52-66")
    assert _column(page, "file")[1] == POLICY.name
    summary = page.js("document.querySelector('#summary .cards').textContent")
    assert "3 came up" in " ".join(summary.split()) and "2 failed" in " ".join(summary.split())
    # Per host: the syslog file names two routers.
    hosts = page.js("Array.from(document.querySelectorAll('#summary tbody tr td:nth-child(2)'))"
                    ".map(c => c.textContent)")  # fmt: skip
    assert {"rtr-hq-01.example.net", "rtr-br-07"} <= set(hosts)


def test_evidence_lines_are_quoted_and_marked(page: Page, tmp_path: Path) -> None:
    out = _report(tmp_path, EXAMPLE, POLICY)
    failed = next(s for s in correlate(parse_file(EXAMPLE, year=2026)) if s.outcome == "failed")
    evidence = failed.findings[0].evidence
    page.open(out)
    marked = page.js(
        f"Array.from(document.querySelectorAll('#s-0-{failed.id} .quote mark')).map(m => m.textContent)"
    )
    lines = EXAMPLE.read_text().splitlines()
    assert [m.split(maxsplit=1)[0] for m in marked] == [str(n) for n in evidence]
    assert all(lines[n - 1].strip() in text for n, text in zip(evidence, marked, strict=True))
    # Context around it: the line before the first evidence line, unmarked.
    quote = page.js(f"document.querySelector('#s-0-{failed.id} .quote').textContent")
    assert lines[evidence[0] - 2].strip() in quote
    # The proposals compared, and the attribute that differs marked.
    policy = page.js("document.querySelector('#s-1-4 .proposals').textContent")
    assert "DES-CBC" in policy and "65507" in policy
    assert page.js("document.querySelectorAll('#s-1-4 .proposals td.differs').length") == 2
    # The ladder: an arrow per message, the retransmission marked.
    assert page.js(f"document.querySelectorAll('#s-0-{failed.id} svg .msg').length") == len(
        failed.messages
    )
    assert page.js(f"document.querySelectorAll('#s-0-{failed.id} svg .msg.again').length") == 1


def test_sorting_and_filtering(page: Page, tmp_path: Path) -> None:
    out = _report(tmp_path, EXAMPLE, SYSLOG, POLICY)
    page.open(out)
    page.js(
        "Array.from(document.querySelectorAll('#table th')).find(t => t.textContent === 'peer').click()"
    )
    peers = _column(page, "peer")
    assert peers == sorted(peers) and len(set(peers)) > 2
    page.js(
        "Array.from(document.querySelectorAll('#table th')).find(t => t.textContent === 'peer').click()"
    )
    assert _column(page, "peer") == sorted(peers, reverse=True)
    # Typing in the text filter (keyboard input, as a user types).
    page.js("document.getElementById('f-text').focus()")
    page.call("Input.insertText", text="203.0.113")
    assert sorted(_column(page, "peer")) == ["203.0.113.1", "203.0.113.99"]
    page.js(
        "const t = document.getElementById('f-text'); t.value = ''; t.dispatchEvent(new Event('input'))"
    )
    page.js("const o = document.getElementById('f-outcome'); o.value = 'established';"
            "o.dispatchEvent(new Event('change'))")  # fmt: skip
    assert set(_column(page, "outcome")) == {"established"} and len(_column(page, "outcome")) == 3
    assert "3 of 3 (filtered from 5)" in page.js("document.getElementById('shown').textContent")
    page.js("const h = document.getElementById('f-host'); h.value = 'rtr-br-07';"
            "h.dispatchEvent(new Event('change'))")  # fmt: skip
    assert _column(page, "host") == ["rtr-br-07"]


def test_print_shows_every_section_and_no_controls(page: Page, tmp_path: Path) -> None:
    page.open(_report(tmp_path, EXAMPLE))
    shown = "getComputedStyle(document.querySelector('#s-0-8 .body')).display"
    controls = "getComputedStyle(document.querySelector('.controls')).display"
    assert page.js(shown) == "none"  # established: closed on screen
    page.call("Emulation.setEmulatedMedia", media="print")
    try:
        assert page.js(shown) == "block"
        assert page.js(controls) == "none"
    finally:
        page.call("Emulation.setEmulatedMedia", media="")


def _hostile_log(tmp_path: Path) -> Path:
    """The example with markup in the line the failure's evidence ends on."""
    lines = EXAMPLE.read_text().splitlines(keepends=True)
    assert lines[65].startswith("004116") and lines[65].rstrip().endswith("Initial exchange failed")
    lines[65] = lines[65].rstrip("\n") + " " + HOSTILE + "\n"
    log = tmp_path / "hostile.log"
    log.write_text("".join(lines))
    return log


def test_markup_in_the_log_is_text_and_never_runs(page: Page, tmp_path: Path) -> None:
    log = _hostile_log(tmp_path)
    out = _report(tmp_path, log)
    source = out.read_text()
    assert "<script>document" not in source and "<img src=x" not in source
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in source
    page.open(out)
    assert page.js("document.title") != "pwned"
    assert page.js("document.querySelectorAll('main script, main img').length") == 0
    assert HOSTILE in page.js("document.querySelector('#s-0-52 .quote').textContent")


def test_standard_input_and_a_pipe_quote_the_same_evidence(tmp_path: Path) -> None:
    log = _hostile_log(tmp_path)
    from_file = _report(tmp_path, log).read_text()
    command = [sys.executable, "-m", "ike_debuglog.cli", "report", "-", "-o", "-", "--year", "2026"]
    with log.open("rb") as stdin:
        redirected = subprocess.run(command, stdin=stdin, capture_output=True, check=True).stdout
    piped = subprocess.run(command, input=log.read_bytes(), capture_output=True, check=True).stdout

    def sections(page: str) -> str:
        return page[page.index('<section id="details">') : page.index("</main>")]

    for page in (redirected.decode(), piped.decode()):
        assert sections(page) == sections(from_file).replace(str(log), "standard input")
        assert "004116: Nov 26 2026 08:03:02.125 UTC: IKEv2-ERROR" in page


def test_detailed_sections_are_capped_and_the_page_says_so(tmp_path: Path) -> None:
    out = _report(tmp_path, EXAMPLE, POLICY, extra=("--details", "1"))
    page = out.read_text()
    assert re.findall(r'<section class="session [^"]*" id="([^"]+)"', page) == ["s-0-52"]
    assert "Detailed sections for 1 of 3 sessions" in page
    rows = json.loads(re.search(r'id="report-data">(.*?)</script>', page).group(1))["rows"]
    assert len(rows) == 3 and [row[13] for row in rows if row[13]] == ["s-0-52"]


def test_evidence_beyond_the_cap_is_counted(tmp_path: Path) -> None:
    session = next(s for s in correlate(parse_file(EXAMPLE, year=2026)) if s.outcome == "failed")
    finding = session.findings[0]
    many = finding.model_copy(update={"evidence": list(range(1, 21))})
    report = Report()
    report.add(0, session.model_copy(update={"findings": [many]}))
    lines = EXAMPLE.read_text().splitlines()
    wanted = report.wanted(0)
    assert wanted == set(range(1, 9)) | set(range(17, 23))  # 1-6 and 19, 20, two lines around
    page = report.html(["x.log"], [{n: lines[n - 1] for n in wanted}])
    assert "8 of 20 evidence lines quoted" in page and "12 more in the JSON" in page


def test_a_lost_message_stops_half_way() -> None:
    lanes = [Lane("hub <b>", "responder"), Lane("spoke", "initiator")]
    arrows = [
        Arrow(1, 0, "IKE_SA_INIT request", ("spoke 3", "hub 7"), time="10:00:00.000"),
        Arrow(0, 1, "IKE_SA_INIT response", ("hub 9",), lost=True),
    ]
    svg = ladder_svg(lanes, arrows)
    assert svg.count('class="cross"') == 1 and svg.count('class="head"') == 1
    assert "hub &lt;b&gt;" in svg and "line spoke 3 / hub 7" in svg and "(lost)" in svg


PAIRED = Path(__file__).parent / "fixtures" / "paired"


def test_a_pair_shows_both_routers_in_one_ladder(page: Page, tmp_path: Path) -> None:
    # The hub answered, the spoke never got the answers (expected.yaml: every response
    # lost); the spoke's first request was lost too.
    case = PAIRED / "ikev2-lost-response"
    page.open(_report(tmp_path, case / "spoke-5.log", case / "hub.log"))
    blocks = page.js(
        "Array.from(document.querySelectorAll('.finding.pair h4')).map(h => h.textContent)"
    )
    assert len(blocks) == 2  # each side's section names the other
    assert any("hub.log" in block for block in blocks)
    assert any("spoke-5.log" in block for block in blocks)
    crosses = page.js("document.querySelectorAll('svg.ladder .cross').length")
    assert crosses >= 2 * 4  # four responses lost, drawn in both sides' sections
    text = page.js("document.body.innerText")
    assert "never got the answer" in text


def test_a_proposal_mismatch_is_side_by_side(page: Page, tmp_path: Path) -> None:
    case = PAIRED / "ikev2-proposal-mismatch"
    page.open(_report(tmp_path, case / "branch-2.log", case / "hub-1.log"))
    differs = page.js(
        "Array.from(document.querySelectorAll('.finding.pair table.proposals tbody tr'))"
        ".filter(r => r.cells[3].textContent === 'yes').map(r => r.cells[0].textContent)"
    )
    # expected.yaml: encryption, prf, integrity and the DH group differ (once per side).
    assert {"encryption", "prf", "dh_group"} <= set(differs)
