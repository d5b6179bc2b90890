"""Verdicts one log can give alone on hard logs (issue 13): a responder answering the same
request again, a peer's bare refusal, the notify an IKEv1 informational exchange carries.
Each on its paired fixture (tests/fixtures/paired/, facts counted by hand in expected.yaml)
and on a short variation composed here."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, load_meta
from ikev2_blocks import ikev2_block

from ike_debuglog import Session, correlate, parse_file, parse_text
from ike_debuglog.render.sessions import proposals_table

LOST = FIXTURES / "paired" / "ikev2-lost-response"
SYSLOG = FIXTURES / "paired" / "ikev1-proxy-identities-syslog-server" / "syslog-server.log"


def _sessions(log: Path) -> list[Session]:
    return correlate(parse_file(log, year=load_meta(log)["year"]))


def _asked(message_id: int, exchange: str, payloads: str = "ENCR") -> str:
    """The peer's request received."""
    return ikev2_block(False, message_id, exchange, payloads, response=False)


def _answered(
    message_id: int, exchange: str, payloads: str = "ENCR", *, again: bool = False
) -> str:
    """This router's response sent (``again``: after IOS's ``Retransmitting packet``)."""
    note = "IKEv2:(SESSION ID = 9,SA ID = 1):Retransmitting packet\n" if again else ""
    return note + ikev2_block(True, message_id, exchange, payloads, response=True)


# 1. A responder receiving the same request again and answering again ------------------


def test_hub_answering_four_copies_of_one_ike_sa_init_is_one_exchange() -> None:
    # expected.yaml: the request arrives at 3, 24, 37, 50; the cached response is sent at
    # 17 and again at 31, 44, 57 (each after "Retransmitting packet" at 30, 43, 56).
    (session,) = _sessions(LOST / "hub.log")
    (exchange,) = session.exchanges
    assert (exchange.name, exchange.message_id, exchange.initiated_by) == ("IKE_SA_INIT", 0, "peer")
    assert exchange.request_lines == [3, 24, 37, 50] and exchange.response_line == 17
    assert [m.line for m in session.messages] == [3, 17, 24, 31, 37, 44, 50, 57]
    assert [m.line for m in session.messages if m.retransmission] == [24, 31, 37, 44, 50, 57]
    # 3 requests received again and 3 answers sent again, counted both ways as IKEv1 does.
    assert exchange.retransmissions == session.retransmissions == 6
    assert (session.packets_sent, session.packets_received) == (4, 4)
    # From its side alone the hub answered and heard nothing more: not a failure.
    assert (session.role, session.outcome, session.reason) == ("responder", "incomplete", None)


def test_the_initiator_side_of_the_lost_response_still_counts_its_own_resends() -> None:
    (session,) = _sessions(LOST / "spoke-5.log")
    assert (session.outcome, session.reason) == ("failed", "peer_not_responding")
    assert (session.packets_sent, session.packets_received, session.retransmissions) == (5, 0, 4)


@pytest.mark.parametrize(
    ("message_id", "exchange"),
    [(1, "IKE_AUTH"), (2, "CREATE_CHILD_SA"), (3, "INFORMATIONAL")],
)
def test_a_request_received_again_after_its_answer_is_a_retransmission(
    message_id: int, exchange: str
) -> None:
    text = (
        _asked(0, "IKE_SA_INIT", "SA KE N")
        + _answered(0, "IKE_SA_INIT", "SA KE N")
        + _asked(message_id, exchange)
        + _answered(message_id, exchange)
        + _asked(message_id, exchange)
        + _answered(message_id, exchange, again=True)
        + _asked(message_id, exchange)
        + _answered(message_id, exchange)  # sent again without IOS saying so
    )
    (session,) = correlate(parse_text(text, year=2026))
    names = [(x.name, x.message_id) for x in session.exchanges]
    assert names == [("IKE_SA_INIT", 0), (exchange, message_id)]
    repeated = session.exchanges[1]
    assert len(repeated.request_lines) == 3 and repeated.retransmissions == 4
    flags = [m.retransmission for m in session.messages]
    assert flags == [False, False, False, False, True, True, True, True]


def test_a_request_after_an_answer_asking_for_a_retry_is_a_new_attempt() -> None:
    # RFC 7296 section 1.3: after INVALID_KE_PAYLOAD the initiator retries under message
    # id 0 with another group; that is a new exchange, not a lost answer.
    text = (
        _asked(0, "IKE_SA_INIT", "SA KE N")
        + _answered(0, "IKE_SA_INIT", "NOTIFY(INVALID_KE_PAYLOAD)")
        + _asked(0, "IKE_SA_INIT", "SA KE N")
        + _answered(0, "IKE_SA_INIT", "SA KE N")
    )
    (session,) = correlate(parse_text(text, year=2026))
    assert [len(x.request_lines) for x in session.exchanges] == [1, 1]
    assert session.retransmissions == 0
    assert not any(m.retransmission for m in session.messages)


# 2. A peer's bare refusal says nothing about which part it refused ----------------------


def _failure(session: Session) -> tuple[str, list[tuple[str, str, bool | None]]]:
    (finding,) = session.findings
    return finding.reason, [(r.side, r.what, r.accepted) for r in finding.proposals]


def test_an_initiator_told_proposal_not_chosen_does_not_call_its_transform_set_refused() -> None:
    # rtr-br-6 receives PROPOSAL_NOT_CHOSEN (line 166); the peer accepted the transform
    # (its line 135) and refused the proxies (its line 150): br-6's log cannot tell.
    initiator, responder = _sessions(SYSLOG)
    assert initiator.host == "rtr-br-6"
    assert _failure(initiator) == ("no_proposal_chosen", [("local", "transform_set", None)])
    (finding,) = initiator.findings
    assert finding.mismatch is None
    assert "refused" not in "\n".join(proposals_table(finding))
    # The responder's own log shows it refused the peer's proxies: that verdict stays.
    assert _failure(responder) == (
        "proxy_identities_not_supported",
        [("peer", "traffic_selectors", False)],
    )


def test_an_ikev2_child_sa_refused_by_the_peer_keeps_no_verdict_on_its_proposal() -> None:
    esp = (
        "IKEv2:(SESSION ID = 9,SA ID = 1):ESP Proposal: 1, SPI size: 4 (IPSec negotiation), \n"
        "Num. transforms: 3\n   AES-CBC   SHA256   Don't use ESN\n"
        "IKEv2:(SESSION ID = 9,SA ID = 1):Building packet for encryption.  \n"
        "Payload contents: \n VID IDi AUTH SA TSi TSr NOTIFY(INITIAL_CONTACT)\n"
    )
    text = (
        ikev2_block(True, 0, "IKE_SA_INIT", "SA KE N", response=False)
        + ikev2_block(False, 0, "IKE_SA_INIT", "SA KE N", response=True)
        + esp
        + ikev2_block(True, 1, "IKE_AUTH", "ENCR", response=False)
        + ikev2_block(
            False, 1, "IKE_AUTH", "VID IDr AUTH NOTIFY(NO_PROPOSAL_CHOSEN)", response=True
        )
    )
    (session,) = correlate(parse_text(text, year=2026))
    assert _failure(session) == ("no_proposal_chosen", [("local", "esp", None)])


# 3. The notify an IKEv1 informational exchange carries ---------------------------------


def test_ikev1_informational_exchanges_list_the_notify_they_carry() -> None:
    # br-6 receives it at 163 (processing NOTIFY at 166); hq sends it at 156 (Sending
    # NOTIFY at 154); both under message id 3044719251.
    for session, line, party in zip(_sessions(SYSLOG), (163, 156), ("peer", "local"), strict=True):
        informational = [x for x in session.exchanges if x.name == "informational"]
        assert [(x.request_lines, x.initiated_by, x.notifies) for x in informational] == [
            ([line], party, ["PROPOSAL_NOT_CHOSEN"])
        ]
        assert informational[0].message_id == 3044719251
        quick = [x for x in session.exchanges if x.name == "quick_mode"]
        assert [x.notifies for x in quick] == [[]]


def _br6(replace: dict[str, str]) -> str:
    """rtr-br-6's lines of the syslog fixture, without the server's prefix, edited."""
    lines = []
    for line in SYSLOG.read_text(encoding="utf-8").splitlines():
        if " rtr-br-6 " in line:
            text = line.split(": ", 1)[1]
            for old, new in replace.items():
                text = text.replace(old, new)
            lines.append(text)
    return "\n".join(lines) + "\n"


def test_an_ikev1_notify_without_a_message_id_joins_the_informational_it_came_in() -> None:
    # Older IOS prints the notify without its message id; a status notify is not listed.
    text = _br6(
        {
            "PROPOSAL_NOT_CHOSEN": "INVALID_ID_INFORMATION",
            ", message ID = 3044719251, sa = 0x7F0B4C0A9E58": ", sa = 0x7F0B4C0A9E58",
        }
    )
    (session,) = correlate(parse_text(text, year=2026))
    (informational,) = [x for x in session.exchanges if x.name == "informational"]
    assert informational.notifies == ["INVALID_ID_INFORMATION"]
    status = _br6({"PROPOSAL_NOT_CHOSEN": "INITIAL_CONTACT"})
    (session,) = correlate(parse_text(status, year=2026))
    (informational,) = [x for x in session.exchanges if x.name == "informational"]
    assert informational.notifies == []
