"""A seeded generator of realistic `show logging` dumps of any size, for the benchmark.

    python benchmarks/generate.py --size 200MB --seed 7 -o /tmp/bench.log

IKEv2 and IKEv1 sessions (established, peer not responding, NO_PROPOSAL_CHOSEN, pre-shared
key mismatch) with their IPsec key engine blocks, interleaved as a busy hub prints them, and
about as many lines of unrelated syslog noise.  Line shapes are those of the fixtures in
tests/fixtures (IOS-XE, `service sequence-numbers`, year and milliseconds in the stamp).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

Record = list[str]

NOISE = (
    "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/0/{n}, changed state to up",
    "%LINK-3-UPDOWN: Interface GigabitEthernet0/0/{n}, changed state to down",
    "%SYS-5-CONFIG_I: Configured from console by admin on vty0 (192.0.2.{n})",
    "%SEC-6-IPACCESSLOGP: list OUTSIDE denied tcp 198.51.100.{n}(51234) -> 192.0.2.1(22), 1 packet",
    "%BGP-5-ADJCHANGE: neighbor 203.0.113.{n} Up",
    "%OSPF-5-ADJCHG: Process 1, Nbr 10.0.0.{n} on GigabitEthernet0/0/1 from LOADING to FULL, Loading Done",
    "%DHCPD-4-PING_CONFLICT: DHCP address conflict:  server pinged 10.1.1.{n}.",
    "%SSH-5-SSH2_SESSION: SSH2 Session request from 192.0.2.{n} (tty = 0) using crypto cipher 'aes256-ctr'",
)


def _spi(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016X}"


def _packet(
    session: int,
    peer: str,
    spis: tuple[str, str],
    mid: int,
    exchange: str,
    *,
    sent: bool,
    response: bool,
    payloads: str,
) -> Record:
    ispi, rspi = spis
    ends = f"To {peer}:500/From 192.0.2.1:500" if sent else f"From {peer}:500/To 192.0.2.1:500"
    return [
        f"IKEv2:(SESSION ID = {session},SA ID = 1):{'Sending' if sent else 'Received'} Packet "
        f"[{ends}/VRF i0:f0]",
        f"Initiator SPI : {ispi} - Responder SPI : {rspi} Message id: {mid}",
        f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}",
        "Payload contents:",
        f" {payloads}",
        "",
    ]


def _sa_request(peer: str, rng: random.Random) -> Record:
    spi = rng.getrandbits(32)
    return [
        "IPSEC(sa_request): ,",
        f"  (key eng. msg.) OUTBOUND local= 192.0.2.1:0, remote= {peer}:0,",
        "    local_proxy= 10.1.0.0/255.255.255.0/256/0,",
        f"    remote_proxy= 10.{rng.randrange(2, 250)}.0.0/255.255.255.0/256/0,",
        "    protocol= ESP, transform= esp-aes 256 esp-sha256-hmac  (Tunnel),",
        "    lifedur= 3600s and 4608000kb,",
        f"    spi= 0x{spi:X}({spi}), conn_id= 0, keysize= 256, flags= 0x0",
    ]


INIT = "SA KE N VID VID NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(NAT_DETECTION_DESTINATION_IP)"


def ikev2_session(number: int, peer: str, rng: random.Random) -> Iterator[Record]:
    """One IKEv2 negotiation: established (most), peer not responding, or no proposal."""
    ispi, zero, rspi = _spi(rng), "0" * 16, _spi(rng)
    kind = rng.choices(("up", "silent", "nopro"), weights=(6, 2, 1))[0]
    sid = number
    yield _sa_request(peer, rng)
    yield _packet(
        sid, peer, (ispi, zero), 0, "IKE_SA_INIT", sent=True, response=False, payloads=INIT
    )
    if kind == "silent":
        for _ in range(rng.randrange(1, 5)):
            yield [f"IKEv2:(SESSION ID = {sid},SA ID = 1):Retransmitting packet"]
            yield _packet(
                sid, peer, (ispi, zero), 0, "IKE_SA_INIT", sent=True, response=False, payloads=INIT
            )
        yield [
            f"IKEv2-ERROR:(SESSION ID = {sid},SA ID = 1):: Maximum number of retransmissions reached"
        ]
        yield [
            f"IKEv2-ERROR:(SESSION ID = {sid},SA ID = 1):Initial exchange failed: Initial exchange failed"
        ]
        return
    if kind == "nopro":
        yield _packet(
            sid,
            peer,
            (ispi, zero),
            0,
            "IKE_SA_INIT",
            sent=False,
            response=True,
            payloads="NOTIFY(NO_PROPOSAL_CHOSEN)",
        )
        yield [f"IKEv2-ERROR:(SESSION ID = {sid},SA ID = 1):: Failed SA init exchange"]
        return
    yield _packet(
        sid, peer, (ispi, rspi), 0, "IKE_SA_INIT", sent=False, response=True, payloads=INIT
    )
    yield [f"IKEv2:(SESSION ID = {sid},SA ID = 1):Completed SA init exchange"]
    yield _packet(
        sid, peer, (ispi, rspi), 1, "IKE_AUTH", sent=True, response=False, payloads="ENCR"
    )
    yield _packet(
        sid,
        peer,
        (ispi, rspi),
        1,
        "IKE_AUTH",
        sent=False,
        response=True,
        payloads="VID IDr AUTH SA TSi TSr NOTIFY(SET_WINDOW_SIZE)",
    )
    yield [
        f"IKEv2:(SESSION ID = {sid},SA ID = 1):Session with IKE ID PAIR ({peer}, 192.0.2.1) is UP"
    ]
    yield [f"%CRYPTO-5-IKEV2_SESSION_STATUS: Crypto tunnel v2 is UP.  Peer {peer}:500  Id: {peer}"]


def ikev1_session(number: int, peer: str, rng: random.Random) -> Iterator[Record]:
    """One IKEv1 main mode (+ quick mode when it gets that far)."""
    conn = 1000 + number % 9000
    psk_mismatch = rng.random() < 0.2

    def isakmp(text: str, channel: str = "", conn_id: int = 0) -> Record:
        return [f"ISAKMP{channel}: ({conn_id}):{text}"]

    yield isakmp(f"Created a peer struct for {peer}, peer port 500")
    yield isakmp("beginning Main Mode exchange")
    states = (
        ("sending packet to", "MM_NO_STATE"),
        ("received packet from", "MM_NO_STATE"),
        ("sending packet to", "MM_SA_SETUP"),
        ("received packet from", "MM_SA_SETUP"),
    )
    for verb, state in states:
        ports = (
            "my_port 500 peer_port 500" if verb.startswith("send") else "dport 500 sport 500 Global"
        )
        yield isakmp(f"{verb} {peer} {ports} (I) {state}", "-PAK")
        yield isakmp("Input = IKE_MESG_FROM_PEER, IKE_MM_EXCH")
        if state == "MM_NO_STATE" and verb.startswith("rec"):
            yield isakmp("processing SA payload. message ID = 0")
            yield isakmp("Checking ISAKMP transform 1 against priority 10 policy")
            for attribute in (
                "encryption AES-CBC",
                "keylength of 256",
                "hash SHA256",
                "default group 14",
                "auth pre-share",
                "life type in seconds",
                "life duration (basic) of 86400",
            ):
                yield isakmp(f"      {attribute}")
            yield isakmp("atts are acceptable. Next payload is 0")
    yield isakmp(
        f"sending packet to {peer} my_port 500 peer_port 500 (I) MM_KEY_EXCH", "-PAK", conn
    )
    if psk_mismatch:
        for attempt in range(1, 6):
            yield isakmp("retransmitting phase 1 MM_KEY_EXCH...", conn_id=conn)
            yield isakmp(
                f"incrementing error counter on sa, attempt {attempt} of 5: retransmit phase 1",
                conn_id=conn,
            )
            yield isakmp(
                f"sending packet to {peer} my_port 500 peer_port 500 (I) MM_KEY_EXCH", "-PAK", conn
            )
        yield isakmp(
            f'deleting SA reason "Death by retransmission P1" state (I) MM_KEY_EXCH (peer {peer})',
            conn_id=conn,
        )
        yield isakmp("Old State = IKE_I_MM5  New State = IKE_DEST_SA", conn_id=conn)
        return
    yield isakmp(
        f"received packet from {peer} dport 500 sport 500 Global (I) MM_KEY_EXCH", "-PAK", conn
    )
    yield isakmp(f"SA has been authenticated with {peer}", conn_id=conn)
    yield isakmp("Old State = IKE_I_MM6  New State = IKE_P1_COMPLETE", conn_id=conn)
    node = rng.getrandbits(32)
    yield isakmp(f"beginning Quick Mode exchange, M-ID of {node}", conn_id=conn)
    yield isakmp(f"sending packet to {peer} my_port 500 peer_port 500 (I) QM_IDLE", "-PAK", conn)
    yield isakmp(
        f"received packet from {peer} dport 500 sport 500 Global (I) QM_IDLE", "-PAK", conn
    )
    yield isakmp(f"processing HASH payload. message ID = {node}", conn_id=conn)
    yield isakmp(f"processing SA payload. message ID = {node}", conn_id=conn)
    yield isakmp(f"sending packet to {peer} my_port 500 peer_port 500 (I) QM_IDLE", "-PAK", conn)
    yield isakmp(f"Node {node}, Input = IKE_MESG_FROM_PEER, IKE_QM_EXCH", conn_id=conn)
    yield isakmp("Old State = IKE_QM_I_QM1  New State = IKE_QM_PHASE2_COMPLETE", conn_id=conn)


def records(rng: random.Random) -> Iterator[Record]:
    """An endless interleaving of sessions (about eight at a time) and syslog noise."""
    active: list[Iterator[Record]] = []
    number = 0
    while True:
        while len(active) < 8:
            number += 1
            peer = f"198.51.{(number // 250) % 250}.{number % 250 + 1}"
            make = ikev2_session if rng.random() < 0.6 else ikev1_session
            active.append(make(number, peer, rng))
        if rng.random() < 0.62:
            yield [rng.choice(NOISE).format(n=rng.randrange(1, 250))]
            continue
        session = rng.choice(active)
        record = next(session, None)
        if record is None:
            active.remove(session)
        else:
            yield record


def generate(size: int, seed: int, out: Path) -> int:
    """Write about ``size`` bytes to ``out``; returns the number of lines."""
    rng = random.Random(seed)
    clock = datetime(2026, 11, 26, 8, 0, 0)
    written = lines = 0
    sequence = 0
    with out.open("w", encoding="ascii", newline="\n") as handle:
        handle.write("Log Buffer (10000000 bytes):\n\n")
        for record in records(rng):
            sequence += 1
            clock += timedelta(microseconds=rng.randrange(200, 20000))
            stamp = f"{clock:%b %d %Y %H:%M:%S}.{clock.microsecond // 1000:03d} UTC"
            first, *rest = record
            text = "\n".join([f"{sequence:06d}: {stamp}: {first}", *rest]) + "\n"
            handle.write(text)
            written += len(text)
            lines += 1 + len(rest)
            if written >= size:
                return lines
    return lines


def parse_size(text: str) -> int:
    """``200MB``, ``1GB``, ``500kB`` or a number of bytes."""
    units = {"KB": 10**3, "MB": 10**6, "GB": 10**9}
    upper = text.strip().upper()
    for unit, factor in units.items():
        if upper.endswith(unit):
            return int(float(upper[: -len(unit)]) * factor)
    return int(upper)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="10MB", help="about how much to write (200MB, 1GB)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    lines = generate(parse_size(args.size), args.seed, args.output)
    print(f"{args.output}: {lines} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
