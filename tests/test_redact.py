"""Redaction: no original address survives, the structure does, and the redacted log
parses and correlates to the same sessions apart from the pseudonyms."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import fixture_logs, load_meta
from hypothesis import example, given, settings
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


# Every position the fixtures and the shared corpus show an address, identity or name in:
# {v4} an IPv4 address, {v6} an IPv6 one (in any spelling), {host} a plain name (FQDN
# identity without a dot, key id, hostname), {fqdn} a domain, {user} a user part, {name}
# a configured name (profile, keyring, trustpoint, group, tunnel group).
POSITIONS = (
    "ISAKMP (0): received packet from {v4} dport 500 sport 500 Global (N) NEW SA",
    "ISAKMP: Created a peer struct for {v4masked}, peer port 500",
    "ISAKMP: (1021): address      : {v4}",
    "\tFQDN name    : {fqdn} ",
    "FQDN name : {host}",
    "KEY ID : {host}",
    "group id : {name}",
    "user FQDN : {user}@{fqdn}",
    "ISAKMP: no pre-shared key based on hostname {host}!",
    "ISAKMP:(0):: peer matches {name} profile",
    "ISAKMP : Looking for xauth in profile {name}",
    "ISAKMP: (0):Scanning profiles for xauth ... {name}",
    "ISAKMP:(0): SA request profile is {name}",
    "ISAKMP: (1003):Found ADDRESS key in keyring {name}",
    "ISAKMP: Looking for a matching key for {v4} in {name}",
    "ISAKMP: (1005):peer wants cert issued by cn={name},o={name2}",
    "ISAKMP: (1005):peer wants cert issued by cn={v4}",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Searching policy based on peer's identity '{fqdn}' of type 'FQDN'",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Searching policy based on peer's identity '{host}' of type 'key id'",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Searching policy based on peer's identity '{user}@{host}' of type 'email'",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Searching policy based on peer's identity 'hostname={fqdn}' of type 'DER ASN1 DN'",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Searching policy based on peer's identity '{v6}' of type 'IPv6 address'",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Constructing IDi payload: '{v6}' of type 'IPv6 address'",
    "IKEv2:found matching IKEv2 profile '{name}'",
    "IKEv2:% Getting preshared key from profile keyring {name}",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Use preshared key for id {fqdn}, key len 9",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Get peer's preshared key for {v6}",
    "IKEv2:(SESSION ID = 7,SA ID = 1):Sending Packet [To {v6}:500/From {v6b}:500/VRF i0:f0]",
    "%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP.  Peer {v6}:500  Id: {host}",
    "%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP.  Peer {v4}:500  Id: {fqdn}",
    "%IKEV2-5-SA_UP: Session with IKE ID PAIR ({host}, {v6}) is UP",
    "%CRYPTO-6-EZVPN_CONNECTION_UP: (Client) User={user} Group={name} Client_public_addr={v4}",
    "IKEv2-PLAT-3: attempting to find tunnel group for ID: {v4}",
    "IKEv2-PLAT-3: mapped to tunnel group {name} using phase 1 ID",
    "IKEv2-PLAT-3: (172) tg_name set to: {name}",
    "[IKEv1]Group = {name}, IP = {v4}, Username = {user}, Trustpoint: {name2}",
    "%FTD-vpn-5-752004: Tunnel Manager dispatching a KEY_ACQUIRE message. Map Tag = {name}.",
    "IPSEC(sa_request): ,  (key eng. msg.) OUTBOUND local= {v6}, remote= {v6b},",
    "IPSEC: local address {v6mapped}, peer addr:{v6}, in brackets [{v6}]:4500, net {v6}/64",
    "crypto pki trustpoint {name}; username {user}@{host} logged in",
)
_NAME = st.from_regex(r"[G-Z][g-z_]{3,8}-?[0-9]{0,2}", fullmatch=True)


def _spellings(address: ipaddress.IPv6Address) -> st.SearchStrategy[str]:
    """The ways IOS and people write one IPv6 address."""
    zeros = ":".join(f"{int(g, 16):x}" for g in address.exploded.split(":"))
    return st.sampled_from([address.compressed, address.compressed.upper(), address.exploded,
                            address.exploded.upper(), zeros])  # fmt: skip


@st.composite
def _planted(draw: st.DrawFn) -> tuple[str, dict[str, str], ipaddress.IPv6Address]:
    v4 = draw(st.ip_addresses(v=4).filter(lambda a: a.is_global))
    v6 = draw(st.ip_addresses(v=6).filter(lambda a: a.is_global and a.ipv4_mapped is None))
    v6b = draw(
        st.ip_addresses(v=6).filter(lambda a: a.is_global and a != v6 and a.ipv4_mapped is None)
    )
    mapped = draw(st.ip_addresses(v=4).filter(lambda a: a.is_global))
    labels = draw(st.lists(_NAME, min_size=2, max_size=3))
    values = {
        "v4": str(v4), "v4masked": ".".join([*str(v4).split(".")[:2], "x", "y"]),
        "v6b": str(v6b), "v6mapped": f"::ffff:{mapped}", "host": draw(_NAME),
        "fqdn": ".".join(labels).lower() + ".com", "user": draw(_NAME).lower(),
        "name": draw(_NAME), "name2": draw(_NAME),
    }  # fmt: skip
    lines = []
    for position in draw(st.lists(st.sampled_from(POSITIONS), min_size=1, max_size=12)):
        lines.append(position.format(**values, v6=draw(_spellings(v6))))
    values["mapped"] = str(mapped)
    return "\n".join(lines) + "\n", values, v6


@given(_planted())
def test_planted_addresses_and_names_do_not_survive(planted: tuple[str, dict[str, str],
                                                               ipaddress.IPv6Address]) -> None:  # fmt: skip
    text, values, v6 = planted
    redactor = Redactor(b"test key")
    redacted = "".join(redactor.lines(text.splitlines(keepends=True)))
    assert redacted.count("\n") == text.count("\n")
    secrets_ = [values[k] for k in ("v4", "host", "fqdn", "user", "name", "name2", "mapped")]
    secrets_ += [".".join(values["v4"].split(".")[:2]) + ".", *values["fqdn"].split(".")[:-1]]
    for secret in secrets_:
        if secret in text:
            assert secret.lower() not in redacted.lower(), (secret, redacted)
    for found in re.finditer(r"[0-9A-Fa-f:]{2,}", redacted):  # no spelling of the address
        assert found[0].lower() not in {v6.compressed, v6.exploded}
        with contextlib.suppress(ValueError):
            assert ipaddress.IPv6Address(found[0]) not in (v6, ipaddress.IPv6Address(values["v6b"]))
    for found in re.finditer(r"::ffff:[\d.]+", redacted, re.IGNORECASE):
        assert ipaddress.IPv6Address(found[0]).ipv4_mapped  # still a valid address
    # One address, one pseudonym, whatever its spelling.
    pseudonyms = {p.lower() for o, p in redactor.mapping.items()
                  if (a := _v6_or_none(o)) is not None and a == v6}  # fmt: skip
    assert len(pseudonyms) <= 1


def _v6_or_none(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def test_one_address_one_pseudonym_in_every_form() -> None:
    redactor = Redactor(b"k")
    lines = ["Peer 2001:DB8:46::2:500  Id: 2001:db8:46::2",
             "identity '2001:0db8:0046:0000:0000:0000:0000:0002' of type 'IPv6 address'",
             "cn=2001:db8:46:0:0:0:0:2", "address:2001:db8:46::0:2",
             "cn=203.0.113.9, 'hostname=r1.corp.com'", "Id: 203.0.113.9 Id: r1.corp.com",
             "local ::ffff:203.0.113.9 and ::FFFF:cb00:7109",
             "from 86.183.x.y and 91.a.b.101"]  # fmt: skip
    out = [redactor.line(line) for line in lines]
    found = [m[0] for line in out[:4] for m in re.finditer(r"2001:db8:[0-9a-f:]+", line, re.I)]
    six = {_v6_or_none(a) or _v6_or_none(a.rpartition(":")[0]) for a in found}
    assert len(six) == 1 and ":500 " in out[0]
    four = redactor.mapping["203.0.113.9"]
    assert out[4].startswith(f"cn={four}") and four in out[5] and f"::ffff:{four}" in out[6]
    assert ipaddress.IPv6Address(out[6].split()[-1]).ipv4_mapped == ipaddress.IPv4Address(four)
    assert redactor.mapping["r1.corp.com"] in out[4] and redactor.mapping["r1.corp.com"] in out[5]
    assert "86.183" not in out[7] and "91." not in out[7] and "101" not in out[7]


# Linear time: each pattern over long runs of blanks, separators and the keywords the
# patterns look for (a lazy run followed by optional blanks, or a scan repeated from
# every position of a run, made `cn=a` + 50,000 spaces + `b` take 26 s).
_RUN_PIECES = (
    " ", "  ", "\t", "cn=", "cn=a", "o=", "a", "b-", "-", ".", ":", "1", "1.", "::", "a:",
    "x", "x.", "@", "a@", "profile ", "Group", "Group ", "Name", "user", "User=", "ID PAIR (",
    "Id:", "peer matches ", "To ", "From", "=", "'", ",", "(", ")", "[", "]", "/", "+",
    "2001:db8::1 ", "10.1.1.1 ", "10.1.1.7 5", "r1.example.com", "keyring ", "FQDN name :",
    "KEY ID :", "tunnel-group ", "identity ", "for ID ", "%", "\ue000", "\ue001", "R1#",
    "ab-cd:", "86.x.", "fe80::",
)  # fmt: skip


def _line_seconds(line: str, tries: int) -> float:
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        Redactor(b"k").line(line)
        best = min(best, time.perf_counter() - start)
    return best


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(_RUN_PIECES), max_size=3).map("".join),
    st.lists(st.sampled_from(_RUN_PIECES), min_size=1, max_size=3).map("".join),
    st.lists(st.sampled_from(_RUN_PIECES), max_size=3).map("".join),
)
@example("cn=a", " ", "b")  # 26 s for 50,000 spaces before
@example("Group", " ", "x")
@example("", "b-", ":")
@example("", "b-", ".")
@example("", "1::1 To ", "")
@example("", "ab-cd:", "")
def test_every_pattern_is_linear_on_long_runs(head: str, run: str, tail: str) -> None:
    """n against 10 n characters of one repeated piece: about 10 times the time when
    linear, 100 when quadratic; 40 leaves room for a noisy machine."""
    n = 3000 // len(run) + 1
    small = _line_seconds(head + run * n + tail, tries=3)
    large = _line_seconds(head + run * (10 * n) + tail, tries=1)
    assert large < 40 * max(small, 2e-4), (head, run, tail, small, large)


def test_markers_in_the_input_are_kept_as_they_were() -> None:
    line = "cn=a \ue0005\ue001 b \ue000 203.0.113.9"
    out = Redactor(b"k").line(line)
    assert out.startswith("cn=name-") and " \ue0005\ue001 b \ue000 198.1" in out


_MANY_ADDRESSES = """
import ipaddress, time
from ike_debuglog.redact import Redactor
def seconds(n):
    redactor, start = Redactor(b"k"), time.perf_counter()
    out = [redactor.ipv4(f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}") for i in range(n)]
    seconds = time.perf_counter() - start
    assert len(set(out)) == n
    first, second = ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("240.0.0.0/4")
    addresses = [ipaddress.IPv4Address(a) for a in out]
    assert all(a in first or a in second for a in addresses)
    assert all(a in first for a in addresses[:50_000])
    return seconds
print(seconds(15_000), seconds(150_000))
"""


def test_more_addresses_than_the_benchmarking_range_holds() -> None:
    """198.18.0.0/15 has 131,070 hosts: 150,000 addresses get 150,000 pseudonyms (then
    from 240.0.0.0/4), in linear time; the search for a free pseudonym never ended before."""
    done = subprocess.run([sys.executable, "-c", _MANY_ADDRESSES], capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    small, large = map(float, done.stdout.split())
    assert large < 40 * small, (small, large)


def test_a_cut_gzip_on_standard_input_is_one_line(tmp_path: Path) -> None:
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(gzip.compress(b"ISAKMP: (0):found peer pre-shared key\n" * 50)[:40])
    with cut.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "ike_debuglog.cli", "redact", "-"],
                              stdin=stdin, capture_output=True, text=True, timeout=60,
                              check=False)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("ike-debuglog: ") and done.stderr.count("\n") == 1
