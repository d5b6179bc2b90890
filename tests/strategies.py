"""Hypothesis strategies that generate the records the grammars know, render them in every
framing, and say which event each must parse back to.

A record is ``(lines, expected)``: the lines of its text without framing, and the fields
of the event it must give (a subset, compared with :func:`conftest.matches`).  A framing
is ``(first, rest, expected)``: the prefix of its first line, a function giving the
prefix of each continuation line, and the span fields it must give (time stamp, host,
sequence number, clock flag).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from ike_debuglog import registry

YEAR = 2026
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

Record = tuple[list[str], dict[str, Any]]
Framing = tuple[str, Callable[[int], str], dict[str, Any]]

spis = st.integers(min_value=0, max_value=2**64 - 1).map(lambda n: f"{n:016X}")
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8).map(
    lambda words: ":".join(f"{w:X}" for w in words)
)
addresses = st.one_of(ipv4, ipv6)
ports = st.integers(min_value=0, max_value=65535)
notify = st.one_of(
    st.sampled_from(sorted(registry.NOTIFY_CODES)).map(lambda n: f"NOTIFY({n})"),
    st.integers(1, 65535).map(lambda n: f"NOTIFY(Unknown - {n})"),
)
payload = st.one_of(st.sampled_from(sorted(registry.CISCO_PAYLOAD_TOKENS)), notify)
host_names = st.from_regex(r"(rtr|fw|hub|spoke)-[a-z0-9]{1,10}", fullmatch=True)


@st.composite
def ikev2_packets(draw: st.DrawFn) -> Record:
    session, sent = draw(st.integers(0, 10**6)), draw(st.booleans())
    local, remote = draw(st.tuples(addresses, ports)), draw(st.tuples(addresses, ports))
    ispi, rspi = draw(spis), draw(spis)
    message_id = draw(st.integers(0, 2**32 - 1))
    exchange = draw(st.sampled_from(sorted(registry.EXCHANGE_CODES)))
    response = draw(st.booleans())
    payloads = draw(st.lists(payload, min_size=1, max_size=10))
    there, here = f"{remote[0]}:{remote[1]}", f"{local[0]}:{local[1]}"
    ends = f"To {there}/From {here}" if sent else f"From {there}/To {here}"
    lines = [
        f"IKEv2:(SESSION ID = {session},SA ID = 1):{'Sending' if sent else 'Received'} "
        f"Packet [{ends}/VRF i0:f0]",
        f"Initiator SPI : {ispi} - Responder SPI : {rspi} Message id: {message_id}",
        f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}",
        "Payload contents:",
        " " + " ".join(payloads),
    ]
    expected = {
        "kind": "ikev2_packet",
        "direction": "sent" if sent else "received",
        "session_id": session,
        "local": {"address": local[0], "port": local[1]},
        "remote": {"address": remote[0], "port": remote[1]},
        "initiator_spi": ispi,
        "responder_spi": rspi,
        "message_id": message_id,
        "exchange": exchange,
        "response": response,
        "payloads": [{"raw": raw} for raw in payloads],
        "truncated": False,
    }
    return lines, expected


@st.composite
def sa_requests(draw: st.DrawFn) -> Record:
    local, remote = draw(ipv4), draw(ipv4)
    networks = draw(st.tuples(ipv4, ipv4))
    protocol, port = draw(st.sampled_from([0, 6, 17, 256])), draw(ports)
    transforms = draw(
        st.lists(st.sampled_from(["esp-aes", "esp-sha-hmac", "esp-sha256-hmac"]), min_size=1)
    )
    seconds, kb, spi = (
        draw(st.integers(0, 86400)),
        draw(st.integers(0, 2**32 - 1)),
        draw(st.integers(0, 2**32 - 1)),
    )
    lines = [
        "IPSEC(sa_request): ,",
        f"  (key eng. msg.) OUTBOUND local= {local}:500, remote= {remote}:500,",
        f"    local_proxy= {networks[0]}/255.255.255.0/{protocol}/{port},",
        f"    remote_proxy= {networks[1]}/255.255.255.0/{protocol}/{port},",
        f"    protocol= ESP, transform= {' '.join(transforms)}  (Tunnel),",
        f"    lifedur= {seconds}s and {kb}kb,",
        f"    spi= 0x{spi:X}({spi}), conn_id= 0, keysize= 256, flags= 0x0",
    ]
    proxy = {"mask": "255.255.255.0", "prefix_length": 24, "protocol_code": protocol, "port": port}
    expected = {
        "kind": "ipsec_sa_request",
        "direction": "outbound",
        "local": {"address": local, "port": 500},
        "remote": {"address": remote, "port": 500},
        "local_proxy": {"network": networks[0], **proxy},
        "remote_proxy": {"network": networks[1], **proxy},
        "transforms": transforms,
        "lifetime_seconds": seconds,
        "lifetime_kb": kb,
        "spi": spi,
        "spi_hex": f"{spi:08X}",
    }
    return lines, expected


ikev1_prefixes = st.sampled_from(
    ["ISAKMP:({c}): ", "ISAKMP: ({c}):", "ISAKMP-PAK: ({c}):", "ISAKMP ({c}): "]
)
ikev1_states = st.sampled_from(["MM_NO_STATE", "MM_SA_SETUP", "MM_KEY_EXCH", "QM_IDLE"])


@st.composite
def ikev1_packets(draw: st.DrawFn) -> Record:
    prefix, conn_id = draw(ikev1_prefixes), draw(st.integers(0, 10**5))
    sent, remote = draw(st.booleans()), draw(addresses)
    mine, theirs = draw(ports), draw(ports)
    role, state = draw(st.sampled_from("IR")), draw(ikev1_states)
    if sent:
        body = f"sending packet to {remote} my_port {mine} peer_port {theirs} ({role}) {state}"
    else:
        body = f"received packet from {remote} dport {mine} sport {theirs} Global ({role}) {state}"
    expected = {
        "kind": "ikev1_packet",
        "conn_id": conn_id,
        "direction": "sent" if sent else "received",
        "remote": {"address": remote, "port": theirs},
        "local_port": mine,
        "role": "initiator" if role == "I" else "responder",
        "state": state,
    }
    return [prefix.format(c=conn_id) + body], expected


@st.composite
def ikev1_state_changes(draw: st.DrawFn) -> Record:
    conn_id = draw(st.integers(1000, 99999))
    old, new = (
        draw(st.sampled_from(["IKE_I_MM1", "IKE_R_MM3", "IKE_QM_READY"])),
        draw(st.sampled_from(["IKE_I_MM2", "IKE_R_MM4", "IKE_QM_I_QM1", "IKE_P1_COMPLETE"])),
    )
    line = f"ISAKMP:({conn_id}):Old State = {old}  New State = {new}"
    return [line], {"kind": "ikev1_state", "conn_id": conn_id, "old_state": old, "new_state": new}


@st.composite
def session_status(draw: st.DrawFn) -> Record:
    peer, port, up = draw(ipv4), draw(ports), draw(st.booleans())
    line = (
        f"%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is {'UP' if up else 'DOWN'}.  "
        f"Peer {peer}:{port}  Id: {peer}"
    )
    fields = {"state": "UP" if up else "DOWN", "peer": peer, "peer_port": str(port)}
    expected = {"kind": "syslog", "facility": "CRYPTO", "severity": 5, "fields": fields}
    return [line], expected


@st.composite
def noise(draw: st.DrawFn) -> Record:
    number = draw(st.integers(0, 999))
    line = f"%LINK-3-UPDOWN: Interface GigabitEthernet0/0/{number}, changed state to down"
    return [line], {"kind": "syslog", "facility": "LINK", "mnemonic": "UPDOWN", "severity": 3}


records = st.one_of(
    ikev2_packets(), sa_requests(), ikev1_packets(), ikev1_state_changes(), session_status(),
    noise(),
)  # fmt: skip


@st.composite
def ios_stamps(draw: st.DrawFn, *, with_year: bool) -> tuple[str, datetime]:
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    hour, minute, second = (
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )
    millis = draw(st.integers(0, 999))
    year = draw(st.integers(2000, 2099)) if with_year else YEAR
    text = f"{MONTHS[month - 1]} {day:>2}{f' {year}' if with_year else ''}"
    text += f" {hour:02}:{minute:02}:{second:02}.{millis:03}"
    return text, datetime(year, month, day, hour, minute, second, millis * 1000)


@st.composite
def framings(draw: st.DrawFn) -> Framing:
    """Every framing a record reaches us in: bare, console, ``show logging`` (sequence
    numbers, year, time zone), uptime stamps, and syslog-server files (RFC 3164 and
    RFC 5424, the block's lines in one message or one message each)."""
    form = draw(
        st.sampled_from(["bare", "console", "show logging", "uptime", "rfc3164", "rfc5424"])
    )
    if form == "bare":
        return "", lambda _: "", {"timestamp": None, "host": None, "sequence": None}
    if form == "uptime":
        uptime = draw(st.sampled_from(["00:01:23", "1d02h", "2w3d"]))
        return f"*{uptime}: ", lambda _: "", {"timestamp_raw": uptime, "timestamp": None}
    mark = draw(st.sampled_from(["*", ".", ""]))
    stamp, when = draw(ios_stamps(with_year=form == "show logging"))
    expected: dict[str, Any] = {"clock_authoritative": mark == "", "host": None}
    if form == "console":
        return f"{mark}{stamp}: ", lambda _: "", expected | {"timestamp": when}
    sequence = draw(st.integers(0, 999999))
    if form == "show logging":
        zone = draw(st.sampled_from(["", " UTC", " CET", " HQ"]))
        # A zone the log names is an instant; one not known stays a local time.
        zones = {" UTC": UTC, " CET": timezone(timedelta(hours=1)), " HQ": None, "": None}
        at = when.replace(tzinfo=zones[zone])
        first = f"{sequence:06}: {mark}{stamp}{zone}: "
        return first, lambda _: "", expected | {"timestamp": at, "sequence": sequence}
    host = draw(host_names)
    server = (
        f"{MONTHS[when.month - 1]} {when.day:>2} {when:%H:%M:%S} {host}"
        if form == "rfc3164"
        else f"<189>1 {when:%Y-%m-%dT%H:%M:%S}.000Z {host} - - - -"
    )
    first = f"{server} {sequence}: {mark}{stamp}: "
    per_line = draw(st.booleans())

    def rest(index: int) -> str:
        return f"{server} {sequence + index}: " if per_line else ""

    return first, rest, expected | {"host": host, "timestamp": when, "sequence": sequence}


def render(record: Record, framing: Framing) -> list[str]:
    """The record's lines with the framing's prefixes."""
    lines, _ = record
    first, rest, _ = framing
    return [first + lines[0], *(rest(index) + line for index, line in enumerate(lines[1:], 1))]
