"""Redaction: no original address survives, the structure does, and the redacted log
parses and correlates to the same sessions apart from the pseudonyms."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
from conftest import fixture_logs, load_meta
from hypothesis import given
from hypothesis import strategies as st
from strategies import YEAR, Framing, Record, framings, records, render

from ike_debuglog import correlate, parse_text
from ike_debuglog.cli import main
from ike_debuglog.redact import Redactor

_V4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_V6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,5}){2,8}(?![\w:])")


def _addresses(text: str) -> set[str]:
    """Every IP address the text names (not masks, not the unspecified address)."""
    found = set()
    for match in _V4.finditer(text):
        try:
            address = ipaddress.IPv4Address(match[0])
        except ValueError:
            continue
        value, inverted = int(address), int(address) ^ 0xFFFFFFFF
        if (inverted & (inverted + 1)) and (value & (value + 1)):
            found.add(match[0])
    for match in _V6.finditer(text):
        for candidate in (match[0], match[0].rpartition(":")[0]):
            try:
                if not ipaddress.IPv6Address(candidate).is_unspecified:
                    found.add(candidate)
            except ValueError:
                continue
    return found


def _sessions_json(text: str, year: int) -> str:
    sessions = correlate(parse_text(text, year=year))
    return "\n".join(s.model_dump_json() for s in sorted(sessions, key=lambda s: s.id))


def _check(text: str, year: int) -> None:
    redactor = Redactor(b"test key")
    redacted = "".join(redactor.lines(text.splitlines(keepends=True)))
    assert redacted.count("\n") == text.count("\n")
    survivors = {
        address
        for address in _addresses(text) & _addresses(redacted)
        if address not in redactor.mapping.values()  # a pseudonym that looks like an original
    }
    assert not survivors
    # The same sessions, every value the redactor replaced mapped to its pseudonym.
    assert _sessions_json(redacted, year) == _pseudonymised(_sessions_json(text, year), redactor)


def _pseudonymised(text: str, redactor: Redactor) -> str:
    if not redactor.mapping:
        return text
    originals = sorted(redactor.mapping, key=len, reverse=True)
    pattern = re.compile(
        r"(?<![\w.:@-])(?:" + "|".join(map(re.escape, originals)) + r")(?![\w:@-]|\.\w)"
    )
    return pattern.sub(lambda match: redactor.mapping[match[0]], text)


@pytest.mark.parametrize("log", fixture_logs(), ids=lambda path: path.stem)
def test_fixtures_redact_to_the_same_sessions(log: Path) -> None:
    _check(log.read_text(encoding="utf-8", errors="replace"), load_meta(log)["year"])


@given(st.lists(st.tuples(records, framings()), min_size=1, max_size=8))
def test_generated_logs_redact_to_the_same_sessions(log: list[tuple[Record, Framing]]) -> None:
    _check("\n".join(line for r, f in log for line in render(r, f)) + "\n", YEAR)


def test_identities_names_and_users_are_replaced_consistently() -> None:
    redactor = Redactor(b"k")
    lines = [
        "IKEv2:(SESSION ID = 7,SA ID = 1):Searching policy based on peer's identity "
        "'R1.LAB.LOCAL' of type 'FQDN'",
        "IKEv2:% Getting preshared key from profile keyring KEYRING-BRANCH",
        "%CRYPTO-6-EZVPN_CONNECTION_UP: (Client) User=alice Group=ra2_grp",
        "ISAKMP: (1004): ID payload FQDN name alice@corp.example.com cn=spoke1,o=ACME Corp",
        "IKEv2:(SESSION ID = 7,SA ID = 1):Use preshared key for id R1.LAB.LOCAL, key len 9",
    ]
    out = [redactor.line(line) for line in lines]
    text = "\n".join(out)
    for secret in ("R1.LAB.LOCAL", "KEYRING-BRANCH", "alice", "ra2_grp", "corp.example.com",
                   "spoke1", "ACME"):  # fmt: skip
        assert secret not in text, secret
    assert out[0].count("host-") == 1 and redactor.mapping["R1.LAB.LOCAL"] in out[4]
    assert "SESSION ID = 7,SA ID = 1" in out[0] and "key len 9" in out[4]


def test_a_key_makes_pseudonyms_repeatable_across_runs() -> None:
    line = "IKEv2:Received Packet [From 203.0.113.9:500/To 192.0.2.1:500/VRF i0:f0]"
    assert Redactor(b"shared").line(line) == Redactor(b"shared").line(line)
    assert Redactor().line(line) != Redactor().line(line)


def test_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "router.log"
    log.write_text("*Nov 26 10:00:00.001: %CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 "
                   "is UP.  Peer 203.0.113.9:500  Id: hub.corp.example.com\n")  # fmt: skip
    assert main(["redact", str(log), "--key", "k"]) == 0
    first = capsys.readouterr().out
    assert "203.0.113.9" not in first and "corp" not in first and ":500" in first
    assert main(["redact", str(log), "--key", "k"]) == 0
    assert capsys.readouterr().out == first
    json.dumps(first)
