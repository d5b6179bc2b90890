"""Property tests: rendered events parse back to their values; no input crashes the parser
or loses a line.  ``HYPOTHESIS_PROFILE=long`` runs many more examples."""

from __future__ import annotations

import random

from conftest import fixture_logs
from hypothesis import given
from hypothesis import strategies as st

from ike_debuglog import (
    Ikev1Packet,
    Ikev2Packet,
    IpsecSaRequest,
    event_from_message,
    frame_lines,
    parse_lines,
    parse_text,
    registry,
)

LOGS = [log.read_bytes() for log in fixture_logs()]

spis = st.integers(min_value=0, max_value=2**64 - 1).map(lambda n: f"{n:016X}")
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.lists(st.integers(0, 0xFFFF), min_size=8, max_size=8).map(
    lambda words: ":".join(f"{w:X}" for w in words)
)
ports = st.integers(min_value=0, max_value=65535)
notify = st.one_of(
    st.sampled_from(sorted(registry.NOTIFY_CODES)).map(lambda n: f"NOTIFY({n})"),
    st.integers(1, 65535).map(lambda n: f"NOTIFY(Unknown - {n})"),
)
payload = st.one_of(st.sampled_from(sorted(registry.CISCO_PAYLOAD_TOKENS)), notify)
stamp = st.one_of(
    st.just(""),
    st.builds(
        lambda mark, month, day, h, m, s, ms: (
            f"{mark}{month} {day:>2} {h:02}:{m:02}:{s:02}.{ms:03}: "
        ),
        st.sampled_from(["*", ".", ""]),
        st.sampled_from(["Jan", "Apr", "Nov"]),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
        st.integers(0, 999),
    ),
)


@given(
    stamp=stamp,
    session=st.integers(0, 10**6),
    sent=st.booleans(),
    local=st.tuples(st.one_of(ipv4, ipv6), ports),
    remote=st.tuples(st.one_of(ipv4, ipv6), ports),
    ispi=spis,
    rspi=spis,
    message_id=st.integers(0, 2**32 - 1),
    exchange=st.sampled_from(sorted(registry.EXCHANGE_CODES)),
    response=st.booleans(),
    payloads=st.lists(payload, max_size=12),
)
def test_ikev2_packet_round_trip(
    stamp: str,
    session: int,
    sent: bool,
    local: tuple[str, int],
    remote: tuple[str, int],
    ispi: str,
    rspi: str,
    message_id: int,
    exchange: str,
    response: bool,
    payloads: list[str],
) -> None:
    ends = f"To {remote[0]}:{remote[1]}/From {local[0]}:{local[1]}"
    if not sent:
        ends = f"From {remote[0]}:{remote[1]}/To {local[0]}:{local[1]}"
    text = (
        f"{stamp}IKEv2:(SESSION ID = {session},SA ID = 1):{'Sending' if sent else 'Received'} "
        f"Packet [{ends}/VRF i0:f0]\n"
        f"Initiator SPI : {ispi} - Responder SPI : {rspi} Message id: {message_id}\n"
        f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}\n"
        f"Payload contents:\n {' '.join(payloads)}\n\n"
    )
    (event,) = parse_text(text)
    assert isinstance(event, Ikev2Packet)
    assert event.direction == ("sent" if sent else "received")
    assert event.session_id == session
    assert event.local is not None and (event.local.address, event.local.port) == local
    assert event.remote is not None and (event.remote.address, event.remote.port) == remote
    assert (event.initiator_spi, event.responder_spi) == (ispi, rspi)
    assert (event.message_id, event.exchange, event.response) == (message_id, exchange, response)
    assert [p.raw for p in event.payloads or []] == payloads
    assert (event.line, event.end_line) == (1, 6)


transform = st.sampled_from(
    ["esp-aes", "esp-aes 256", "esp-sha-hmac", "esp-sha512-hmac", "esp-3des"]
)


@given(
    local=ipv4,
    remote=ipv4,
    proxies=st.tuples(ipv4, ipv4, st.sampled_from([0, 6, 17, 256]), ports),
    transforms=st.lists(transform, min_size=1, max_size=3),
    seconds=st.integers(0, 86400),
    kb=st.integers(0, 2**32 - 1),
    spi=st.integers(0, 2**32 - 1),
    indent=st.sampled_from(["", "  ", "\t", "    "]),
)
def test_sa_request_round_trip(
    local: str,
    remote: str,
    proxies: tuple[str, str, int, int],
    transforms: list[str],
    seconds: int,
    kb: int,
    spi: int,
    indent: str,
) -> None:
    net_l, net_r, proto, port = proxies
    text = (
        "IPSEC(sa_request): ,\n"
        f"{indent}(key eng. msg.) OUTBOUND local= {local}:500, remote= {remote}:500,\n"
        f"{indent}local_proxy= {net_l}/255.255.255.0/{proto}/{port},\n"
        f"{indent}remote_proxy= {net_r}/255.255.255.0/{proto}/{port},\n"
        f"{indent}protocol= ESP, transform= {' '.join(transforms)}  (Tunnel),\n"
        f"{indent}lifedur= {seconds}s and {kb}kb,\n"
        f"{indent}spi= 0x{spi:X}({spi}), conn_id= 0, keysize= 256, flags= 0x0\n"
    )
    (event,) = parse_text(text)
    assert isinstance(event, IpsecSaRequest)
    assert event.local is not None and event.local.address == local
    assert event.remote is not None and event.remote.address == remote
    assert event.local_proxy is not None and event.local_proxy.network == net_l
    assert event.remote_proxy is not None and event.remote_proxy.port == port
    assert event.local_proxy.protocol_code == proto and event.local_proxy.prefix_length == 24
    assert event.transforms == transforms
    assert (event.lifetime_seconds, event.lifetime_kb, event.spi) == (seconds, kb, spi)
    assert event.spi_hex == f"{spi:08X}"


def _accounted(lines: list[bytes]) -> None:
    covered = [n for e in parse_lines(lines) for n in range(e.line, e.end_line + 1)]
    assert covered == list(range(1, len(lines) + 1))


@given(st.lists(st.binary(max_size=200), max_size=40))
def test_arbitrary_bytes_never_crash_and_every_line_is_accounted(lines: list[bytes]) -> None:
    clean = [line.replace(b"\n", b" ").replace(b"\r", b" ") for line in lines]
    _accounted(clean)


@given(st.lists(st.text(max_size=120), max_size=40))
def test_arbitrary_text_never_crashes(lines: list[str]) -> None:
    clean = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    covered = [n for e in parse_lines(clean) for n in range(e.line, e.end_line + 1)]
    assert covered == list(range(1, len(clean) + 1))


@given(
    index=st.integers(min_value=0),
    seed=st.integers(min_value=0),
    operation=st.sampled_from(["truncate", "cut", "wrap", "interleave", "junk", "duplicate"]),
)
def test_mutated_fixtures_never_crash_and_account_every_line(
    index: int, seed: int, operation: str
) -> None:
    rng = random.Random(seed)
    lines = LOGS[index % len(LOGS)].splitlines()
    if lines:
        at = rng.randrange(len(lines))
        if operation == "truncate":
            lines = lines[:at]
        elif operation == "cut":
            lines[at] = lines[at][: rng.randrange(len(lines[at]) + 1)]
        elif operation == "wrap":
            width = rng.randrange(10, 90)
            lines = [
                part
                for line in lines
                for part in (line[i : i + width] for i in range(0, max(len(line), 1), width))
            ]
        elif operation == "interleave":
            other = LOGS[(index + 1) % len(LOGS)].splitlines()
            lines = lines[:at] + other + lines[at:]
        elif operation == "junk":
            lines.insert(
                at, bytes(rng.randrange(256) for _ in range(rng.randrange(60))).replace(b"\n", b"")
            )
        else:
            lines = lines[:at] + lines[at:] + lines[at:]
    lines = [line.replace(b"\r", b"") for line in lines]
    _accounted([line.replace(b"\n", b"") for line in lines])


ikev1_prefix = st.sampled_from(
    ["ISAKMP:({c}): ", "ISAKMP: ({c}):", "ISAKMP-PAK: ({c}):", "ISAKMP (0:{c}): ", "ISAKMP ({c}): "]
)
ikev1_state = st.sampled_from(
    ["MM_NO_STATE", "MM_SA_SETUP", "MM_KEY_EXCH", "QM_IDLE", "AG_INIT_EXCH", "AG_NO_STATE"]
)


@given(
    stamp=stamp,
    prefix=ikev1_prefix,
    conn_id=st.integers(0, 10**5),
    sent=st.booleans(),
    remote=st.one_of(ipv4, ipv6),
    ports=st.tuples(ports, ports),
    role=st.sampled_from("IR"),
    state=ikev1_state,
)
def test_ikev1_packet_round_trip(
    stamp: str,
    prefix: str,
    conn_id: int,
    sent: bool,
    remote: str,
    ports: tuple[int, int],
    role: str,
    state: str,
) -> None:
    mine, theirs = ports
    if sent:
        body = f"sending packet to {remote} my_port {mine} peer_port {theirs} ({role}) {state}"
    else:
        body = f"received packet from {remote} dport {mine} sport {theirs} Global ({role}) {state}"
    (packet,) = parse_text(stamp + prefix.format(c=conn_id) + body)
    assert isinstance(packet, Ikev1Packet)
    assert packet.conn_id == conn_id and packet.state == state
    assert packet.remote.address == remote and packet.remote.port == theirs
    assert packet.local_port == mine and packet.direction == ("sent" if sent else "received")
    assert packet.role == ("initiator" if role == "I" else "responder")


IKEV1_LINES = [
    line
    for log in LOGS
    for line in log.decode("utf-8", "replace").splitlines()
    if "ISAKMP" in line or "SA from" in line
]


@given(st.lists(st.sampled_from(IKEV1_LINES), max_size=80))
def test_steps_keep_every_event_in_order_whatever_the_mix(lines: list[str]) -> None:
    # Any mix of real IKEv1 records, from any number of sessions: the step pass holds
    # received packets back, but every event comes out once, in input order.
    plain = [event_from_message(message) for message in frame_lines(lines)]
    stepped = list(parse_lines(lines))
    assert [(e.kind, e.line) for e in stepped] == [(e.kind, e.line) for e in plain]
    for before, after in zip(plain, stepped, strict=True):
        if isinstance(after, Ikev1Packet):
            # Only what the step pass works out may differ.
            worked_out = {"step", "retransmission", "message_id"}
            assert after.model_dump(exclude=worked_out) == before.model_dump(exclude=worked_out)
            assert before.message_id is None or after.message_id == before.message_id
        else:
            assert after == before
