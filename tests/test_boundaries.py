"""Session boundaries on hard logs: ids IOS reuses, records that name no session, an
``sa_request`` before the negotiation it triggers, time that runs backwards.

Each case is checked in a batch and streamed with a short linger (sessions emitted as soon
as they may be): both must give the same sessions.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ike_debuglog import Correlator, Session, correlate, parse_text
from ike_debuglog.events import Event


def _packet(stamp: str, sid: int, sent: bool, ispi: str, rspi: str, mid: int, exchange: str,
            response: bool, payloads: str, peer: str = "198.51.100.10") -> str:  # fmt: skip
    way = f"To {peer}:500/From 192.0.2.1:500" if sent else f"From {peer}:500/To 192.0.2.1:500"
    head = f"(SESSION ID = {sid},SA ID = 1):" if sid else ""
    return (
        f"*Nov 26 {stamp}: IKEv2:{head}{'Sending' if sent else 'Received'} Packet [{way}/VRF i0:f0]\n"
        f"Initiator SPI : {ispi} - Responder SPI : {rspi} Message id: {mid}\n"
        f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}\n"
        f"Payload contents:\n {payloads}\n\n"
    )


def _up(stamp: str, sid: int, ispi: str, rspi: str, peer: str = "198.51.100.10") -> str:
    """An initiator's IKE_SA_INIT and IKE_AUTH, answered."""
    return (
        _packet(stamp + "0.100", sid, True, ispi, "0" * 16, 0, "IKE_SA_INIT", False, "SA KE N", peer)
        + _packet(stamp + "0.200", sid, False, ispi, rspi, 0, "IKE_SA_INIT", True, "SA KE N", peer)
        + _packet(stamp + "0.300", sid, True, ispi, rspi, 1, "IKE_AUTH", False, "ENCR", peer)
        + _packet(stamp + "0.400", sid, False, ispi, rspi, 1, "IKE_AUTH", True, "IDr AUTH SA TSi TSr", peer)
    )  # fmt: skip


def _both(text: str) -> list[Session]:
    events: list[Event] = list(parse_text(text, year=2026))
    batch = correlate(events)
    correlator = Correlator(idle_seconds=300, linger=1)
    streamed = [s for event in events for s in correlator.feed(event)]
    streamed.extend(correlator.flush())
    assert sorted(streamed, key=lambda s: s.id) == batch
    return batch


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_cleared_session_and_the_next_negotiation_under_the_same_ids_are_two() -> None:
    text = (
        _up("12:00:0", 42, "A1B2C3D4E5F60718", "1111222233334444")
        + "*Nov 26 12:05:00.130: IKEv2:(SESSION ID = 42,SA ID = 1):Deleting SA\n"
        + "*Nov 26 12:05:00.131: IKEv2:(SESSION ID = 42,SA ID = 1):Delete all IKE SAs\n"
        + "*Nov 26 12:06:00.001: IKEv2:(SESSION ID = 42,SA ID = 1):Searching Policy with fvrf 0,"
        " local address 192.0.2.1\n"
        + "*Nov 26 12:06:00.002: IKEv2:(SESSION ID = 42,SA ID = 1):Generating IKE_SA_INIT message\n"
        + _up("12:06:0", 42, "9999888877776666", "5555666677778888")
    )
    first, second = _both(text)
    assert (first.initiator_spi, first.outcome) == ("A1B2C3D4E5F60718", "established")
    assert (second.initiator_spi, second.outcome) == ("9999888877776666", "established")
    assert first.session_ids == second.session_ids == [42]
    # The teardown stays with the old negotiation, the setup goes with the new one.
    assert _line(text, "Delete all IKE SAs") in first.lines
    assert second.id == _line(text, "Searching Policy")


def test_a_retry_with_a_new_spi_after_no_answer_is_a_session_of_its_own() -> None:
    text = (
        _packet("12:00:00.100", 7, True, "0A0A0A0A0A0A0A0A", "0" * 16, 0, "IKE_SA_INIT", False, "SA KE N")
        + "*Nov 26 12:00:02.100: IKEv2:(SESSION ID = 7,SA ID = 1):Retransmitting packet\n"
        + _packet("12:00:02.101", 7, True, "0A0A0A0A0A0A0A0A", "0" * 16, 0, "IKE_SA_INIT", False, "SA KE N")
        + _up("12:01:0", 7, "0B0B0B0B0B0B0B0B", "0C0C0C0C0C0C0C0C")
    )  # fmt: skip
    first, second = _both(text)
    assert (first.outcome, first.reason, first.responder_spi) == (
        "failed",
        "peer_not_responding",
        "0" * 16,
    )
    assert (second.initiator_spi, second.outcome) == ("0B0B0B0B0B0B0B0B", "established")


def test_the_responder_keeps_two_negotiations_apart_when_ios_repeats_the_session_id() -> None:
    def negotiation(second: int, ispi: str, rspi: str) -> str:
        return (
            _packet(f"12:0{second}:00.100", 0, False, ispi, "0" * 16, 0, "IKE_SA_INIT", False, "SA KE N")
            + f"*Nov 26 12:0{second}:00.101: IKEv2:(SESSION ID = 5,SA ID = 1):Verify SA init message\n"
            + _packet(f"12:0{second}:00.102", 5, True, ispi, rspi, 0, "IKE_SA_INIT", True, "SA KE N")
            + _packet(f"12:0{second}:00.200", 5, False, ispi, rspi, 1, "IKE_AUTH", False, "ENCR")
            + _packet(f"12:0{second}:00.201", 5, True, ispi, rspi, 1, "IKE_AUTH", True, "IDr AUTH SA TSi TSr")
        )  # fmt: skip

    text = (
        negotiation(0, "1A1A1A1A1A1A1A1A", "2B2B2B2B2B2B2B2B")
        + _packet("12:01:00.000", 5, False, "1A1A" * 4, "2B2B" * 4, 2, "INFORMATIONAL", False, "D")
        + "*Nov 26 12:01:00.001: IKEv2:(SESSION ID = 5,SA ID = 1):Deleting SA\n"
        + negotiation(2, "3C3C3C3C3C3C3C3C", "4D4D4D4D4D4D4D4D")
    )
    first, second = _both(text)
    assert [s.role for s in (first, second)] == ["responder", "responder"]
    assert [s.outcome for s in (first, second)] == ["established", "established"]
    assert (first.initiator_spi, second.initiator_spi) == ("1A1A1A1A1A1A1A1A", "3C3C3C3C3C3C3C3C")
    verify = [n for n, line in enumerate(text.splitlines(), 1) if "Verify SA init" in line]
    assert verify[0] in first.lines and verify[1] in second.lines


def test_an_sa_request_before_the_first_ikev2_packet_joins_the_session_it_triggers() -> None:
    text = (
        "*Nov 26 12:00:00.050: IPSEC(sa_request): ,\n"
        "  (key eng. msg.) OUTBOUND local= 192.0.2.1:500, remote= 198.51.100.10:500,\n"
        "    local_proxy= 10.1.0.0/255.255.0.0/256/0,\n"
        "    remote_proxy= 10.2.0.0/255.255.0.0/256/0,\n"
        "    protocol= ESP, transform= esp-aes 256 esp-sha256-hmac  (Tunnel),\n"
        "    lifedur= 3600s and 4608000kb,\n"
        "    spi= 0x0(0), conn_id= 0, keysize= 256, flags= 0x0\n"
        "*Nov 26 12:00:00.060: IKEv2:(SESSION ID = 3,SA ID = 1):Generating IKE_SA_INIT message\n"
        + _up("12:00:0", 3, "7E7E7E7E7E7E7E7E", "8F8F8F8F8F8F8F8F")
        + "*Nov 26 12:00:00.500: IKEv2:(SESSION ID = 3,SA ID = 1):Session with IKE ID PAIR "
        "(198.51.100.10, 192.0.2.1) is UP\n"
    )
    (session,) = _both(text)
    assert (session.ike_version, session.role, session.outcome) == (2, "initiator", "established")
    assert session.id == 1 and session.local == "192.0.2.1"


def test_a_policy_lookup_joins_the_negotiation_it_leads_into_not_the_last_one() -> None:
    older = _up("12:00:0", 8, "1111111111111111", "2222222222222222", "198.51.100.20")
    text = (
        older
        + "*Nov 26 12:00:01.000: IKEv2:Searching Policy with fvrf 0, local address 192.0.2.1\n"
        + "*Nov 26 12:00:01.001: IKEv2:Found Policy 'default'\n"
        + "*Nov 26 12:00:01.002: IKEv2:(SESSION ID = 9,SA ID = 1):Generating IKE_SA_INIT message\n"
        + _up("12:00:0", 9, "3333333333333333", "4444444444444444", "198.51.100.30")
    )
    first, second = _both(text)
    assert (first.peer, second.peer) == ("198.51.100.20", "198.51.100.30")
    assert second.id == _line(text, "Searching Policy")
    assert _line(text, "Found Policy") in second.lines
    assert not {_line(text, "Searching Policy"), _line(text, "Found Policy")} & set(first.lines)


def test_records_that_never_lead_anywhere_end_in_the_last_session_and_wait_bounded() -> None:
    lookups = "".join(
        f"*Nov 26 12:00:{n // 1000 + 1:02d}.{n % 1000:03d}: IKEv2:Found Policy 'p{n}'\n"
        for n in range(100)
    )
    text = _up("12:00:0", 8, "1111111111111111", "2222222222222222") + lookups
    (session,) = _both(text)
    assert session.last_line == len(text.splitlines())


def test_time_never_runs_backwards_within_a_session() -> None:
    text = (
        _packet("12:00:05.000", 4, True, "5151515151515151", "0" * 16, 0, "IKE_SA_INIT", False, "SA")
        # The clock was set back between the two records.
        + _packet("11:59:58.000", 4, False, "5151515151515151", "6262626262626262", 0,
                  "IKE_SA_INIT", True, "SA KE N")
    )  # fmt: skip
    (session,) = _both(text)
    assert session.duration_seconds == 7.0
    assert session.started is not None and session.ended is not None
    assert session.started <= session.ended


@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["up", "no answer", "refused"]), st.booleans(), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    sid=st.integers(1, 99),
)
def test_every_negotiation_under_one_reused_session_id_is_its_own_session(
    plan: list[tuple[str, bool, bool]], sid: int
) -> None:
    """IOS reuses a session id for negotiation after negotiation with one peer; whatever
    each one's fate, whether IOS printed its teardown or the next one's setup lines, each
    is one session holding its own SPI."""
    text = ""
    for number, (fate, teardown, setup) in enumerate(plan):
        minute = f"12:{number:02d}:0"
        ispi, rspi = f"{number + 1:X}" * 16, f"{number + 10:X}"[-1] * 16
        if setup:
            text += (
                f"*Nov 26 {minute}0.010: IKEv2:(SESSION ID = {sid},SA ID = 1):[IKEv2 -> Crypto"
                " Engine] Computing DH public key, DH Group 19\n"
                f"*Nov 26 {minute}0.020: IKEv2:(SESSION ID = {sid},SA ID = 1):Generating "
                "IKE_SA_INIT message\n"
            )
        if fate == "up":
            text += _up(minute, sid, ispi, rspi)
        else:
            text += _packet(
                minute + "0.100", sid, True, ispi, "0" * 16, 0, "IKE_SA_INIT", False, "SA KE N"
            )
            if fate == "refused":
                text += _packet(minute + "0.200", sid, False, ispi, "0" * 16, 0, "IKE_SA_INIT", True,
                                "NOTIFY(NO_PROPOSAL_CHOSEN)")  # fmt: skip
            else:
                text += f"*Nov 26 {minute}2.100: IKEv2:(SESSION ID = {sid},SA ID = 1):Retransmitting packet\n"
                text += _packet(
                    minute + "2.101", sid, True, ispi, "0" * 16, 0, "IKE_SA_INIT", False, "SA KE N"
                )
        if teardown:
            text += f"*Nov 26 {minute}9.000: IKEv2:(SESSION ID = {sid},SA ID = 1):Deleting SA\n"
    sessions = _both(text)
    assert [s.initiator_spi for s in sessions] == [f"{n + 1:X}" * 16 for n in range(len(plan))]
    expected = {"up": "established", "no answer": "failed", "refused": "failed"}
    assert [s.outcome for s in sessions] == [expected[fate] for fate, _, _ in plan]
    assert all(s.session_ids == [sid] for s in sessions)
