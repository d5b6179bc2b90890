"""Redaction: a log with its addresses, host names, identities, user names and key names
replaced by pseudonyms, so that it can be shared with a vendor or a forum.

Line by line, text to text: the structure a parser reads (prefixes, SPIs, message ids,
exchange names, line count) is left alone, and each value always gets the same
pseudonym, so the redacted log parses and correlates to the same sessions.  Pseudonyms
are derived with HMAC-SHA256 from a key: random per run unless one is given (``--key``),
in which case two runs (two routers' logs, say) use the same pseudonyms.

Pseudonyms look like what they replace: IPv4 addresses come from 198.18.0.0/15 (the
benchmarking range, RFC 2544, which production networks do not use), IPv6 ones from
2001:db8::/32 (documentation, RFC 3849), names are ``host-1a2b3c``, ``user-...``,
``name-...``, domains end in ``.example`` and e-mail addresses in ``@example.net``.
Masks and wildcards (``255.255.255.0``, ``0.0.0.0``, ``::``) are not addresses and stay.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from typing import Final

from .framing import PREFIX_RE, PROMPT_RE

_IPV4: Final = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6: Final = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,5}){2,8}(?![\w:])")
_EMAIL: Final = re.compile(r"(?<![\w.+-])[\w.+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?![\w-])")
_FQDN: Final = re.compile(
    r"(?<![\w.@-])(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![\w-]|\.[A-Za-z0-9])"
)
#: Distinguished name attributes whose values identify someone (``cn=R1, o=ACME``).
_DN_VALUE: Final = re.compile(
    r"(?<![\w])(?P<attribute>cn|CN|ou|OU|o|O|l|L|st|ST|e|E|emailAddress|serialNumber"
    r"|unstructuredName|hostname)=(?P<value>[^,/\]\)'\"\s][^,/\]\)'\"]*?)(?=\s*[,/\]\)'\"]|\s*$)"
)
#: ``User=ra2``, ``Username: bob``, ``user bob``, ``Group=ra2_grp`` and the like.
_USER: Final = re.compile(
    r"(?P<key>\b(?:[Uu]ser(?:[Nn]ame)?|[Xx]auth[ _][Uu]ser(?:name)?)(?:\s*[=:]\s*|\s+))"
    r"(?P<value>(?!is\b|for\b|name\b|user-)[\w.@\\-]+)"
)
#: Key rings, profiles, groups and trustpoints: ``keyring KEYRING``, ``profile
#: 'IKEV2-PROFILE'``, ``profile is BRANCH-PROF``, ``Group=ra2_grp``, ``xauth ... VPN``.
_NAMES: Final = re.compile(
    r"(?P<key>\b(?:keyring|key[ -]ring|trustpoint|profile(?:\s+keyring)?|profile\s+is"
    r"|xauth\s+\.\.\.|policy\s+name)\s+|\b[Gg]roup\s*=\s*)"
    r"(?P<quote>'?)(?P<value>(?!\(NULL\)|is\b|not\b|could\b|keyring\b)[\w.\-]+)(?P=quote)"
)
#: Contexts where IOS glues the port to an address after a colon (``[To FC00::1:500/``).
_ENDPOINT_BEFORE: Final = re.compile(r"(?:To|From|=)\s*$")


def _is_mask(address: ipaddress.IPv4Address) -> bool:
    """A network mask or wildcard (contiguous ones, or contiguous zeros then ones)."""
    value = int(address)
    inverted = value ^ 0xFFFFFFFF
    return (inverted & (inverted + 1)) == 0 or (value & (value + 1)) == 0


class Redactor:
    """Pseudonyms for one run (or, with the same ``key``, for many): call :meth:`line`
    for each line; :attr:`mapping` holds what became what."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        #: original -> pseudonym, every category.
        self.mapping: dict[str, str] = {}
        self._taken: set[str] = set()

    def _digest(self, category: str, value: str, attempt: int) -> bytes:
        message = f"{category}\x00{value}\x00{attempt}".encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def _pseudonym(self, category: str, value: str, make: Callable[[bytes], str]) -> str:
        known = self.mapping.get(value)
        if known is not None:
            return known
        attempt = 0
        while True:
            pseudonym = make(self._digest(category, value, attempt))
            if pseudonym not in self._taken and pseudonym != value:
                break
            attempt += 1  # two values on one pseudonym would merge two peers' sessions
        self.mapping[value] = pseudonym
        self._taken.add(pseudonym)
        return pseudonym

    def ipv4(self, text: str) -> str:
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            return text
        if _is_mask(address):
            return text

        def make(digest: bytes) -> str:
            low = int.from_bytes(digest[:4]) % (2 * 65536 - 2) + 1
            return str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("198.18.0.0")) + low))

        return self._pseudonym("ipv4", text, make)

    def ipv6(self, text: str) -> str:
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            return text
        if address.is_unspecified:
            return text

        def make(digest: bytes) -> str:
            host = int.from_bytes(digest[:12])
            value = ipaddress.IPv6Address((0x20010DB8 << 96) | host).compressed
            return value.upper() if any(c.isupper() for c in text) else value

        return self._pseudonym("ipv6", text, make)

    def name(self, category: str, text: str) -> str:
        def make(digest: bytes) -> str:
            tag = digest[:3].hex()
            if category == "domain":
                return f"host-{tag}.example"
            if category == "email":
                return f"user-{tag}@example.net"
            return f"{category}-{tag}"

        return self._pseudonym(category, text, make)

    def _addresses(self, text: str) -> str:
        def v6(match: re.Match[str]) -> str:
            found = match[0]
            if found.count(":") < 2:
                return found
            head, _, tail = found.rpartition(":")
            glued_port = tail.isdigit() and _ENDPOINT_BEFORE.search(text, 0, match.start())
            if glued_port and _valid_ipv6(head):
                return f"{self.ipv6(head)}:{tail}"
            return self.ipv6(found)

        text = _IPV4.sub(lambda match: self.ipv4(match[0]), text)
        return _IPV6.sub(v6, text)

    def line(self, text: str) -> str:
        """The line with every identifying value replaced."""
        prefix = PREFIX_RE.match(text)
        head = ""
        if prefix is not None and prefix.end():
            head, text = self._prefix(prefix), text[prefix.end() :]
        prompt = PROMPT_RE.match(text)
        if prompt is not None and not head:
            name = re.match(r"[A-Za-z][\w.\-/]*", text)
            if name is not None and not text.startswith(("IKEv", "ISAKMP", "IPSEC")):
                text = self.name("host", name[0]) + text[name.end() :]
        text = _EMAIL.sub(lambda match: self.name("email", match[0]), text)
        text = _DN_VALUE.sub(
            lambda match: f"{match['attribute']}={self.name('name', match['value'])}", text
        )
        text = _USER.sub(lambda match: match["key"] + self.name("user", match["value"]), text)
        text = _NAMES.sub(
            lambda match: (
                match["key"] + match["quote"] + self.name("name", match["value"]) + match["quote"]
            ),
            text,
        )
        text = self._addresses(text)
        text = _FQDN.sub(lambda match: self._domain(match[0]), text)
        return head + text

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
                is_address = _valid_ipv6(host) or bool(_IPV4.fullmatch(host))
                replaced = self._addresses(host) if is_address else self.name("host", host)
                head = head[:start] + replaced + head[end:]
                break
        return head

    def lines(self, lines: Iterable[str]) -> Iterator[str]:
        """Each line redacted, line ends kept."""
        for line in lines:
            body = line.rstrip("\r\n")
            yield self.line(body) + line[len(body) :]


def _valid_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


__all__ = ["Redactor"]
