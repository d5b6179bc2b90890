"""Redaction: a log with its addresses, host names, identities, user names and key names
replaced by pseudonyms, so that it can be shared with a vendor or a forum.

Line by line, text to text: the structure a parser reads (prefixes, SPIs, message ids,
exchange names, line count) is left alone, and each value always gets the same
pseudonym, so the redacted log parses and correlates to the same sessions.  Pseudonyms
are derived with HMAC-SHA256 from a key: random per run unless one is given (``--key``),
in which case two runs (two routers' logs, say) use the same pseudonyms.

One value, one pseudonym: an address is canonicalised before its pseudonym is chosen
(``2001:DB8::1``, ``2001:0db8:0:0::1`` and ``2001:db8::1`` are one address; the IPv4 part
of ``::ffff:192.0.2.1`` gets the pseudonym of ``192.0.2.1``), and a value is classified
the same wherever it stands (``cn=192.0.2.1``, ``'192.0.2.1' of type 'IPv4 address'`` and
the bare address; ``hostname=r1.example.com`` and ``Id: r1.example.com``).

Pseudonyms look like what they replace: IPv4 addresses come from 198.18.0.0/15 (the
benchmarking range, RFC 2544, which production networks do not use), IPv6 ones from
2001:db8::/32 (documentation, RFC 3849), names are ``host-1a2b3c``, ``user-...``,
``name-...``, domains end in ``.example`` and e-mail addresses in ``@example.net``.
Masks and wildcards (``255.255.255.0``, ``0.0.0.0``, ``::``) are not addresses and stay.
A half-masked address (``86.183.x.y``) gets a whole pseudonym: its real octets go too.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from .errors import IkeDebuglogError
from .framing import PREFIX_RE, PROMPT_RE

#: What users type over an octet or a group they hide: ``x``, ``xx``, ``y``, ``*``, ``#``.
_MASKED = r"(?:[xXyYzZwW*#]{1,4}|[a-dA-D])"
_MASKED6 = r"[xXyYzZwW*#]{1,4}"
_V4 = r"(?:\d{1,3}\.){3}\d{1,3}"
#: Every address form, one pass (so a pseudonym is never read again as an address):
#: IPv6 (optionally after a ``label:`` glued to it, as in ``addr:2001:db8::1``: a word
#: with a letter past ``f``, so never the first group of an address, and with
#: an IPv4 tail, as in ``::ffff:192.0.2.1``), half-masked IPv6, IPv4, half-masked IPv4.
_ADDRESS: Final = re.compile(
    r"(?<![\w:.])(?:"
    r"(?P<label>(?<!-)(?=[\w-]*[G-Zg-z_-])[A-Za-z][\w-]*:)?"
    r"(?P<v6>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,5}){1,8}(?:(?:\.\d{1,3}){3})?)(?![\w:]|\.\d)"
    rf"|(?P<masked6>(?=[\w:]*[xX*])(?:(?:[0-9A-Fa-f]{{1,4}}|{_MASKED6})?:){{2,7}}"
    rf"(?:[0-9A-Fa-f]{{1,4}}|{_MASKED6})?)(?![\w:])"
    rf"|(?P<v4>{_V4})(?![\w]|\.\d)(?: (?P<wrapped>\d{{1,2}})(?![\w.:]))?"
    rf"|(?P<masked4>(?:(?:\d{{1,3}}|{_MASKED})\.){{3}}(?:\d{{1,3}}|{_MASKED}))(?![\w]|\.\w)"
    r")"
)
_EMAIL: Final = re.compile(
    r"(?<![\w.+-])[\w.+-]*\w@[A-Za-z0-9](?:[\w-]*[A-Za-z0-9])?(?:\.[\w-]+)*(?![\w@-])"
)
_FQDN_TEXT = r"(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_FQDN: Final = re.compile(rf"(?<![\w.@-]){_FQDN_TEXT}(?![\w-]|\.[A-Za-z0-9])")
_FULL_FQDN: Final = re.compile(_FQDN_TEXT)
#: A word of a distinguished name value: its words, separated by blanks, end at a separator
#: (greedy words rather than a lazy run and optional blanks, which backtrack
#: quadratically over a long run of blanks).
_DN_WORD = r"[^,/+\]\)'\"\s\ue000]+"
#: Distinguished name attributes (``cn=R1, o=ACME``, ``/CN=r1/O=ACME``,
#: ``serialNumber=FTX1+hostname=r1.example.com``); the names stay, the values go.
_DN_VALUE: Final = re.compile(
    r"(?<![\w])(?P<attribute>cn|CN|ou|OU|o|O|l|L|st|ST|c|C|dc|DC|e|E|uid|UID|emailAddress"
    r"|serialNumber|SN|sn|unstructuredName|unstructuredAddress|hostname|ipaddress"
    r"|givenName|surname|title|street|name)\s*=\s*"
    rf"(?P<value>{_DN_WORD}(?:\s+{_DN_WORD})*)(?=\s*(?:[,/+\]\)'\"\ue000]|$))"
)
#: Words a key is followed by when no name follows (``profile is (NULL)``, ``IKEv2 profile
#: not found``, ``user FQDN``, ``group is 14``).
_NOT_A_NAME = (
    r"(?!(?:\(NULL\)|is|not|could|keyring|for|found|of|in|to|from|the|none|\*none\*|name"
    r"|FQDN|authentication|auth|attribute|id|ID|matching|lookup|\d+)(?![\w.-]))"
)
_VALUE = r"(?!=)[^\s,!'\"()\[\]<>\ue000]*[^\s,!'\"()\[\]<>.:;\ue000]"
#: Where IOS, IOS-XE and ASA print an identity, a user or a configured name, the text
#: before the value; the value is classified (address, e-mail, domain, plain name).
_KEYED: Final = tuple(
    (re.compile(rf"(?P<key>{key})(?P<quote>'?){_NOT_A_NAME}(?P<value>{_VALUE})(?P=quote)"), kind)
    for key, kind in (
        # ISAKMP ID payload dumps (RFC 2407 4.6.2): ``FQDN name : r1``, ``KEY ID : k``.
        (r"\b(?:FQDN name|[Uu]ser FQDN|USER FQDN|KEY ID|[Kk]ey[ -]id|group id)\s*:\s*", "host"),
        (
            r"\b(?:identity|hostname|preshared key for|for [Ii][Dd])\s+"
            r"|\b(?:ID[ir]? payload|Id|for ID|tg_name set to):\s*|\bID PAIR\s*\(\s*",
            "host",
        ),
        (r"\bID PAIR\s*\([^,()]*,\s*", "host"),
        (r"\b(?:[Uu]ser(?:[Nn]ame)?|[Xx]auth[ _][Uu]ser(?:name)?)(?:\s*[=:]\s*|\s+)", "user"),
        (
            r"\b(?:key[ -]?ring|trust-?point|profile(?:\s+keyring)?|profile\s+is|tunnel[ -]group"
            r"|xauth\s+\.\.\.|policy\s+name|matching key for \S+ in)\s+"
            r"|\b(?:[Tt]rustpoint|[Gg]roup(?:\s*[Nn]ame)?|[Mm]ap [Tt]ag)\s*[=:]\s*",
            "name",
        ),
    )
)
#: ``peer matches j2c-1 profile``: the name before the key.
_NAME_BEFORE: Final = re.compile(
    rf"(?P<key>\bpeer matches\s+){_NOT_A_NAME}(?P<value>{_VALUE})(?=\s+profile)"
)
#: Contexts where IOS glues the port to an address after a colon (``[To FC00::1:500/``,
#: ``Peer FC00::1:500  Id:``): the word before the address and its blanks.
_ENDPOINT_BEFORE: Final = ("To", "From", "=", "Peer")
#: A replaced value while the line is being worked on, so no later pattern reads it again.
_TOKEN: Final = re.compile("\ue000(\\d+)\ue001")
#: The characters that mark a token, when the input has them itself (held, so a literal
#: ``\ue0005\ue001`` in a mangled log is not taken for the fifth replaced value).
_MARKERS: Final = re.compile("[\ue000\ue001]")
#: IPv4 pseudonyms: first the 131,070 hosts of 198.18.0.0/15 (RFC 2544 benchmarking), then,
#: for a log of more distinct addresses, 240.0.0.0/4 (reserved, RFC 1112 section 4; no
#: network routes it).  The first value that finds this many pseudonyms of the first range
#: taken closes it (at about nine tenths full: a log of over 100,000 distinct addresses).
_V4_RANGES: Final = (
    (int(ipaddress.IPv4Address("198.18.0.1")), 2 * 65536 - 2),
    (int(ipaddress.IPv4Address("240.0.0.0")), 1 << 28),
)
_V4_FIRST_RANGE_ATTEMPTS: Final = 64
#: Name pseudonyms have 6 hex digits, 12 once a value met this many taken ones (a log of
#: millions of names), so the pool is never exhausted.
_SHORT_NAME_ATTEMPTS: Final = 16
#: Beyond this many taken pseudonyms in a row, a pool is taken to be exhausted.
_MAX_ATTEMPTS: Final = 10_000


class RedactionError(IkeDebuglogError):
    """No pseudonym left for a value (more than 268 million distinct IPv4 addresses)."""


def _endpoint_before(text: str, position: int) -> bool:
    """Whether an endpoint word and blanks come just before ``position`` (read backwards
    over the blanks only, so a line of many addresses stays linear)."""
    start = position
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return text.endswith(_ENDPOINT_BEFORE, 0, start)


def _is_mask(address: ipaddress.IPv4Address) -> bool:
    """A network mask or wildcard (contiguous ones, or contiguous zeros then ones)."""
    value = int(address)
    inverted = value ^ 0xFFFFFFFF
    return (inverted & (inverted + 1)) == 0 or (value & (value + 1)) == 0


def _ipv4(text: str) -> ipaddress.IPv4Address | None:
    """The address, leading zeros allowed (``010.001.001.001`` is 10.1.1.1)."""
    octets = text.split(".")
    if len(octets) != 4 or not all(o.isdigit() and int(o) < 256 for o in octets):
        return None
    return ipaddress.IPv4Address(".".join(str(int(o)) for o in octets))


def _ipv6(text: str) -> ipaddress.IPv6Address | None:
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def _is_masked(text: str, separator: str, real: str, masked: str) -> bool:
    """Some parts hidden (``x``), some real: the real ones must go too."""
    parts = [part for part in text.split(separator) if part]
    return any(re.fullmatch(masked, p) for p in parts) and any(
        re.fullmatch(real, p) and not re.fullmatch(masked, p) for p in parts
    )


class Redactor:
    """Pseudonyms for one run (or, with the same ``key``, for many): call :meth:`line`
    for each line; :attr:`mapping` holds what became what (every spelling met)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        #: original, as spelled -> pseudonym, every category.
        self.mapping: dict[str, str] = {}
        #: canonical value -> pseudonym; pseudonyms handed out.
        self._canonical: dict[str, str] = {}
        self._taken: set[str] = set()
        #: Whether IPv4 pseudonyms still come from the first range.
        self._v4_first_range_open = True

    def _digest(self, category: str, value: str, attempt: int) -> bytes:
        message = f"{category}\x00{value}\x00{attempt}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def _pseudonym(
        self, category: str, canonical: str, make: Callable[[bytes, int], str | None]
    ) -> str:
        """The pseudonym of ``canonical``: the first free one ``make`` derives from the
        digest of each attempt (``None``: not a pseudonym, try the next)."""
        known = self._canonical.get(canonical)
        if known is not None:
            return known
        for attempt in range(_MAX_ATTEMPTS):
            pseudonym = make(self._digest(category, canonical, attempt), attempt)
            # Two values on one pseudonym would merge two peers' sessions.
            if pseudonym is not None and pseudonym not in self._taken and pseudonym != canonical:
                self._canonical[canonical] = pseudonym
                self._taken.add(pseudonym)
                return pseudonym
        raise RedactionError(
            f"no {category} pseudonym left after {len(self._canonical):,} distinct values; "
            "split the log and redact each part with the same --key"
        )

    def _remember(self, original: str, pseudonym: str) -> str:
        self.mapping.setdefault(original, pseudonym)
        return pseudonym

    def _v4_pseudonym(self, canonical: str) -> str:
        (first, first_size), (second, second_size) = _V4_RANGES

        def make(digest: bytes, attempt: int) -> str | None:
            if self._v4_first_range_open and attempt < _V4_FIRST_RANGE_ATTEMPTS:
                return str(ipaddress.IPv4Address(first + int.from_bytes(digest[:4]) % first_size))
            address = ipaddress.IPv4Address(second + int.from_bytes(digest[:4]) % second_size)
            return None if _is_mask(address) else str(address)  # 255.255.255.255, 240.0.0.0

        pseudonym = self._pseudonym("ipv4", canonical, make)
        if not pseudonym.startswith("198.1"):
            self._v4_first_range_open = False  # nearly full: each value would try it in vain
        return pseudonym

    def _v6_pseudonym(self, canonical: str) -> str:
        def make(digest: bytes, attempt: int) -> str:
            host = int.from_bytes(digest[:12])
            return ipaddress.IPv6Address((0x20010DB8 << 96) | host).compressed

        return self._pseudonym("ipv6", canonical, make)

    def ipv4(self, text: str) -> str:
        """The pseudonym of an IPv4 address (masks, wildcards and non-addresses stay)."""
        address = _ipv4(text)
        if address is None:
            if _is_masked(text, ".", r"\d{1,3}", _MASKED):
                return self._remember(text, self._v4_pseudonym(text.lower()))
            return text
        if _is_mask(address):
            return text
        return self._remember(text, self._v4_pseudonym(str(address)))

    def ipv6(self, text: str) -> str:
        """The pseudonym of an IPv6 address, in the case of the original; an IPv4-mapped
        address keeps its form with the IPv4 pseudonym inside."""
        address = _ipv6(text)
        if address is None:
            if _is_masked(text, ":", r"[0-9A-Fa-f]{1,4}", _MASKED6):
                return self._remember(text, self._v6_pseudonym(text.lower()))
            return text
        if address.is_unspecified:
            return text
        mapped = address.ipv4_mapped
        if mapped is not None:
            inner = ipaddress.IPv4Address(self.ipv4(str(mapped)))
            if "." in text:
                pseudonym = text[: text.rindex(":") + 1] + str(inner)
            else:
                high, low = int(inner) >> 16, int(inner) & 0xFFFF  # ``::ffff:c000:201``
                pseudonym = text[: text.lower().rindex("ffff") + 5] + f"{high:x}:{low:x}"
        else:
            pseudonym = self._v6_pseudonym(address.compressed)
        if any(c.isupper() for c in text):
            pseudonym = pseudonym.upper()
        return self._remember(text, pseudonym)

    def name(self, category: str, text: str) -> str:
        """The pseudonym of a name: ``domain``, ``email``, or ``host``, ``user``, ``name``."""

        def make(digest: bytes, attempt: int) -> str:
            tag = digest[: 3 if attempt < _SHORT_NAME_ATTEMPTS else 6].hex()
            if category == "domain":
                return f"host-{tag}.example"
            if category == "email":
                return f"user-{tag}@example.net"
            return f"{category}-{tag}"

        canonical = text.lower() if category in ("domain", "email") else text
        return self._remember(text, self._pseudonym(category, canonical, make))

    def value(self, text: str, category: str) -> str:
        """Whatever ``text`` is, its pseudonym: an address, an e-mail identity, a domain,
        or a plain name of ``category`` (so ``cn=192.0.2.1`` and ``192.0.2.1`` agree)."""
        whole = _ADDRESS.fullmatch(text)
        if whole is not None and not whole["label"]:
            return self._address(whole, text)
        if _EMAIL.fullmatch(text):
            return self.name("email", text)
        if _FULL_FQDN.fullmatch(text):
            return self._domain(text)
        return self.name(category, text)

    def _address(self, match: re.Match[str], text: str) -> str:
        """One match of :data:`_ADDRESS` replaced; ``text`` is the string it was found in."""
        if match["v4"]:
            return self._wrapped_ipv4(match["v4"], match["wrapped"])
        if match["masked4"]:
            return self.ipv4(match[0])
        if match["masked6"]:
            return self.ipv6(match["masked6"])
        label, found = match["label"] or "", match["v6"]
        if found.count(":") < 2:
            return match[0]
        head, _, tail = found.rpartition(":")
        glued_port = tail.isdigit() and _endpoint_before(text, match.start("v6"))
        if glued_port and _ipv6(head) is not None:
            return f"{label}{self.ipv6(head)}:{tail}"
        return label + self.ipv6(found)

    def _wrapped_ipv4(self, text: str, wrapped: str | None) -> str:
        """An IPv4 address, and the digits an 80-column console wrap may have cut from it
        (``213.100.24.7 5`` for 213.100.24.75, met before): the pseudonym of the whole
        address, cut as the original was, so a parser that re-joins it still can."""
        joined = _ipv4(text + wrapped) if wrapped else None
        if wrapped is None or joined is None or str(joined) not in self._canonical:
            return self.ipv4(text) + (f" {wrapped}" if wrapped else "")
        pseudonym = self.ipv4(text + wrapped)
        cut = len(pseudonym) - len(wrapped)
        return f"{pseudonym[:cut]} {pseudonym[cut:]}"

    def line(self, text: str) -> str:
        """The line with every identifying value replaced."""
        prefix = PREFIX_RE.match(text)
        head = ""
        if prefix is not None and prefix.end():
            head, text = self._prefix(prefix), text[prefix.end() :]
        replaced: list[str] = []

        def hold(pseudonym: str) -> str:
            replaced.append(pseudonym)
            return f"\ue000{len(replaced) - 1}\ue001"

        text = _MARKERS.sub(lambda m: hold(m[0]), text)

        prompt = PROMPT_RE.match(text)
        if prompt is not None and not head:
            name = re.match(r"[A-Za-z][\w.\-/]*", text)
            if name is not None and not text.startswith(("IKEv", "ISAKMP", "IPSEC")):
                text = hold(self.name("host", name[0])) + text[name.end() :]
        text = _DN_VALUE.sub(
            lambda m: f"{m['attribute']}={hold(self.value(m['value'], 'name'))}", text
        )
        text = _EMAIL.sub(lambda m: hold(self.name("email", m[0])), text)

        def keyed(category: str) -> Callable[[re.Match[str]], str]:
            return lambda m: (
                m["key"] + m["quote"] + hold(self.value(m["value"], category)) + m["quote"]
            )

        for pattern, category in _KEYED:
            text = pattern.sub(keyed(category), text)
        text = _NAME_BEFORE.sub(lambda m: m["key"] + hold(self.value(m["value"], "name")), text)
        text = _ADDRESS.sub(lambda m: hold(self._address(m, text)), text)
        text = _FQDN.sub(lambda m: hold(self._domain(m[0])), text)
        return head + _TOKEN.sub(lambda m: replaced[int(m[1])], text)

    def _domain(self, text: str) -> str:
        if text.endswith(".example") or text.endswith("@example.net"):
            return text  # already a pseudonym
        return self.name("domain", text)

    def _prefix(self, prefix: re.Match[str]) -> str:
        """The framing prefix with its host name (syslog server, origin id) replaced."""
        head = prefix[0]
        for group in ("iso_host", "bsd_host", "origin"):
            host = prefix[group]
            if host:
                start, end = prefix.span(group)
                head = head[:start] + self.value(host, "host") + head[end:]
                break
        return head

    def lines(self, lines: Iterable[str]) -> Iterator[str]:
        """Each line redacted, line ends kept."""
        for line in lines:
            body = line.rstrip("\r\n")
            yield self.line(body) + line[len(body) :]


__all__ = ["Redactor"]
