"""Grammars for ``debug crypto ipsec`` records.

The key engine blocks (``IPSEC(sa_request)``, ``IPSEC(validate_proposal_request)``,
``IPSEC(initialize_sas)``, ``IPSEC(create_sa)``, ``IPSEC(delete_sa)``) print their
fields in a fixed order but with varying spacing, commas and, in pasted logs, comments
between them.  Each field is an optional atomic group: a possessive skip to the first place
its key appears, then its value read there (or the field is absent).  Nothing is read
twice, however often a key repeats or however long a run of blanks, so a block parses in
time linear in its length (a lazy ``.*?FIELD`` retried the value at every repeat of its
key, and a lazy value before optional blanks rescanned every run of them).
"""

from __future__ import annotations

import pyparsing as pp

from .common import with_fields

#: A transform name inside a transform text: a number belongs to the name before it
#: (``esp-aes 256 esp-sha-hmac`` is ``esp-aes 256`` and ``esp-sha-hmac``).
TRANSFORM = pp.Regex(r"[A-Za-z][\w\-]*(?: \d+)?")


def _split_transforms(tokens: pp.ParseResults) -> None:
    """Add ``transforms``, the names in the ``transform`` text (absent when none was printed)."""
    text = tokens.get("transform")  # type: ignore[no-untyped-call]
    if text is not None:
        names = TRANSFORM.re.findall(text)
        tokens["transforms"] = pp.ParseResults.List(names)  # type: ignore[no-untyped-call]


def _field(key: str, value: str) -> str:
    """An optional field ahead, matched at most once: the first ``key`` decides, and
    ``value`` is read right after it or the field is absent."""
    return rf"(?>(?:(?:(?!{key}).)*+{key}{value})?)"


def _endpoint(key: str, name: str) -> str:
    # IPv4 addresses carry an optional ":port"; the port is the text after the last colon.
    return _field(
        rf"\b{key}\s*+=", rf"\s*+(?P<{name}>[^\s,]+?)(?::(?P<{name}_port>\d+))?(?=[\s,]|$)"
    )


def _proxy(key: str, name: str) -> str:
    # network/mask-or-prefix/protocol/port, e.g. 10.10.0.0/255.255.0.0/256/0 (type=4)
    return _field(
        rf"\b{key}\s*+=",
        rf"\s*+(?P<{name}_network>[^/\s,]++)/(?P<{name}_mask>[^/\s,]++)"
        rf"/(?P<{name}_protocol>\d++)/(?P<{name}_port>\d++)(?:\s*+\(type=(?P<{name}_type>\d++)\))?",
    )


#: A transform text: words up to a comma, an opening parenthesis (the mode) or
#: ``lifedur``, blanks after the last word left out; possessive, so a long run of blanks
#: is read once.
_TRANSFORM_TEXT = r"(?:(?!lifedur)[^(,\s]|\s++(?![(,]|lifedur|$))*+"

_IDENTITY = (
    _endpoint("(?:local|src)", "local")
    + _endpoint("(?:remote|dest)", "remote")
    + _proxy("(?:local_proxy|src_proxy)", "local_proxy")
    + _proxy("(?:remote_proxy|dest_proxy)", "remote_proxy")
)

_PROPOSAL_FIELDS = (
    _field(r"\(key eng\. msg\.\)", r"\s*+(?P<direction>INBOUND|OUTBOUND)?")
    + _IDENTITY
    + _field(r"\bprotocol\s*+=", r"\s*+(?P<protocol>[A-Za-z]+)")
    + _field(
        r"\btransform\s*+=",
        rf"\s*+(?P<transform>{_TRANSFORM_TEXT})\s*+(?:\((?P<mode>[A-Za-z\-]+)\))?\s*+"
        r"(?:,|(?=lifedur)|$)",
    )
    + _field(r"\blifedur\s*+=", r"\s*+(?P<lifetime_seconds>\d+)s and (?P<lifetime_kb>\d+)kb")
    + _field(r"\bspi\s*+=", r"\s*+0x(?P<spi_hex>[0-9A-Fa-f]+)\((?P<spi>\d+)\)")
    + _field(r"\bconn_id\s*+=", r"\s*+(?P<conn_id>\d+)")
    + _field(r"\bkeysize\s*+=", r"\s*+(?P<keysize>\d+)")
    + _field(r"\bflags\s*+=", r"\s*+(?P<flags>0x[0-9A-Fa-f]+)")
)

#: ``IPSEC(sa_request): , (key eng. msg.) OUTBOUND local= 10.11.6.2:500, remote= ...,
#: local_proxy= 0.0.0.0/0.0.0.0/256/0, remote_proxy= ..., protocol= ESP, transform=
#: esp-aes 256 esp-sha-hmac  (Tunnel), lifedur= 28800s and 4294967295kb, spi= 0x0(0),
#: conn_id= 0, keysize= 256, flags= 0x0`` (also the IOS 12 ``src=/dest=/src_proxy=`` form).
PROPOSAL_BLOCK = with_fields(
    pp.Regex(
        r"IPSEC\((?P<function>sa_request|validate_proposal_request|initialize_sas)\):\s*,?\s*"
        r"(?:proposal part #(?P<proposal_part>\d+),?)?" + _PROPOSAL_FIELDS + r".*"
    ),
    _split_transforms,
)

#: ``IPSEC:(SESSION ID = 27621) (key_engine) request timer fired: count = 1, (identity)
#: local= 10.11.6.2:0, remote= 198.19.252.1:0, local_proxy= ..., remote_proxy= ...``
REQUEST_TIMER = pp.Regex(
    r"IPSEC:\(SESSION ID = (?P<session_id>\d+)\)\s*\(key_engine\) request timer fired:"
    r"\s*count = (?P<count>\d+),?" + _IDENTITY + r".*"
)

#: ``IPSEC(create_sa): sa created, (sa) sa_dest= 203.0.113.200, sa_proto= 50,
#: sa_spi= 0x63A278D7(1671592151), sa_trans= esp-aes 256 esp-sha512-hmac , sa_conn_id= 2005
#: sa_lifetime(k/sec)= (4608000/3600), (identity) local= ..., local_proxy= ...``
SA_BLOCK = with_fields(
    pp.Regex(
        r"IPSEC\((?P<function>create_sa|delete_sa)\):\s*(?P<action>sa created|deleting SA)?,?"
        + _field(r"\bsa_dest\s*+=", r"\s*+(?P<sa_destination>[^\s,]+)")
        + _field(r"\bsa_prot(?:o)?\s*+=", r"\s*+(?P<sa_protocol>\d+)")
        + _field(r"\bsa_spi\s*+=", r"\s*+0x(?P<spi_hex>[0-9A-Fa-f]+)\((?P<spi>\d+)\)")
        + _field(r"\bsa_trans\s*+=", r"\s*+(?P<transform>(?:[^,\s]++(?:\s++[^,\s]++)*+)?)\s*+,")
        + _field(r"\bsa_conn_id\s*+=", r"\s*+(?P<conn_id>\d+)")
        + _field(
            r"\bsa_lifetime\(k/sec\)\s*+=",
            r"\s*+\((?P<lifetime_kb>\d+)/(?P<lifetime_seconds>\d+)\)",
        )
        + _IDENTITY
        + r".*"
    ),
    _split_transforms,
)

#: ``IPSEC(ipsec_process_proposal): transform proposal not supported for identity:
#: {esp-aes 256 esp-sha512-hmac }``
PROPOSAL_REJECTED = with_fields(
    pp.Regex(
        r"IPSEC\(ipsec_process_proposal\):\s*transform proposal not supported for identity:\s*"
        r"\{\s*+(?P<transform>(?:[^}\s]++(?:\s++[^}\s]++)*+)?)\s*+\}"
    ),
    _split_transforms,
)

#: ``Crypto mapdb : proxy_match src addr : 192.168.102.0 dst addr : 192.168.101.0
#: protocol : 0 src port : 0 dst port : 0``
PROXY_MATCH = pp.Regex(
    r"Crypto mapdb\s*:\s*proxy_match\s+src addr\s*:\s*(?P<local_address>\S+)\s+"
    r"dst addr\s*:\s*(?P<remote_address>\S+)\s+protocol\s*:\s*(?P<protocol>\d+)\s+"
    r"src port\s*:\s*(?P<local_port>\d+)\s+dst port\s*:\s*(?P<remote_port>\d+)"
)

#: Any other ``IPSEC(function): text`` record, e.g. ``IPSEC(key_engine): got a queue event...``.
FUNCTION_MESSAGE = pp.Regex(r"IPSEC\((?P<function>[\w ]+)\):\s*(?P<message>.*)")
