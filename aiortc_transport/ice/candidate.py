"""``RTCIceCandidate``: both aiortc's field-wise construction and the browser's string form.

The SDP grammar is RFC 8839 section 5.1::

    candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
                          priority SP connection-address SP port SP cand-type
                          [SP rel-addr] [SP rel-port] *(SP cand-extension)

Browsers add extensions after the standard fields (Chromium: ``generation``, ``ufrag``,
``network-id``, ``network-cost``; RFC 6544 adds ``tcptype``); Firefox writes the transport in
upper case. Unknown extensions are kept, in order, so a candidate string survives a round
trip. Anything that does not fit the grammar raises ``ValueError`` with the reason.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from aioice import Candidate

__all__ = [
    "RTCIceCandidate",
    "candidate_from_aioice",
    "candidate_to_aioice",
]

_FOUNDATION_RE = re.compile(r"[A-Za-z0-9+/]{1,32}")
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`{|}~A-Za-z0-9]+")
_HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?")
_TYPES = frozenset({"host", "srflx", "prflx", "relay"})
_TCP_TYPES = frozenset({"active", "passive", "so"})
_MAX_PRIORITY = (1 << 32) - 1


def _parse_int(text: str, what: str, low: int, high: int) -> int:
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"candidate {what} {text!r} is not a decimal number")
    value = int(text)
    if not low <= value <= high:
        raise ValueError(f"candidate {what} {value} is outside {low}..{high}")
    return value


def _check_address(text: str, what: str) -> str:
    # RFC 8839 section 5.1: connection-address is an IP address or an FQDN (mDNS names
    # such as "<uuid>.local" included).
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not _HOSTNAME_RE.fullmatch(text):
            raise ValueError(f"candidate {what} {text!r} is not an address") from None
    return text


class RTCIceCandidate:
    """An ICE candidate, as in aiortc and the W3C ``RTCIceCandidate``.

    Two construction styles:

    * aiortc's fields: ``RTCIceCandidate(component, foundation, ip, port, priority, protocol,
      type, relatedAddress=None, relatedPort=None, sdpMid=None, sdpMLineIndex=None,
      tcpType=None)``;
    * the browser's: ``RTCIceCandidate(candidate="candidate:...", sdpMid="0",
      sdpMLineIndex=0)``, parsing the SDP string (with or without the ``candidate:`` /
      ``a=candidate:`` prefix). A malformed string raises ``ValueError``.

    ``candidate`` gives the SDP string back, ``candidate:`` prefix included as browsers do.
    ``protocol`` and ``type`` are normalised to lower case.
    """

    __slots__ = (
        "_extensions",
        "component",
        "foundation",
        "ip",
        "port",
        "priority",
        "protocol",
        "relatedAddress",
        "relatedPort",
        "sdpMLineIndex",
        "sdpMid",
        "tcpType",
        "type",
    )

    component: int
    "Component id (1 for RTP/data, the only one used by data channels)."
    foundation: str
    "Foundation: candidates of the same type, base and server share one."
    ip: str
    "Candidate address (an IP address, or an mDNS / DNS name)."
    port: int
    "Candidate port."
    priority: int
    "Candidate priority (RFC 8445 section 5.1.2)."
    protocol: str
    "``udp`` or ``tcp``."
    type: str
    "``host``, ``srflx``, ``prflx`` or ``relay``."
    relatedAddress: str | None
    "``raddr`` of a reflexive or relayed candidate."
    relatedPort: int | None
    "``rport`` of a reflexive or relayed candidate."
    sdpMid: str | None
    "Media stream identification of the m-line the candidate belongs to."
    sdpMLineIndex: int | None
    "Index of the m-line the candidate belongs to."
    tcpType: str | None
    "``active``, ``passive`` or ``so`` for TCP candidates (RFC 6544)."

    def __init__(
        self,
        component: int | None = None,
        foundation: str | None = None,
        ip: str | None = None,
        port: int | None = None,
        priority: int | None = None,
        protocol: str | None = None,
        type: str | None = None,
        relatedAddress: str | None = None,
        relatedPort: int | None = None,
        sdpMid: str | None = None,
        sdpMLineIndex: int | None = None,
        tcpType: str | None = None,
        *,
        candidate: str | None = None,
    ) -> None:
        fields = (component, foundation, ip, port, priority, protocol, type)
        if candidate is not None:
            if any(value is not None for value in fields) or (
                relatedAddress is not None or relatedPort is not None or tcpType is not None
            ):
                raise TypeError("give either candidate= or the candidate fields, not both")
            parsed = _parse_candidate_sdp(candidate)
            self.component = parsed["component"]
            self.foundation = parsed["foundation"]
            self.ip = parsed["ip"]
            self.port = parsed["port"]
            self.priority = parsed["priority"]
            self.protocol = parsed["protocol"]
            self.type = parsed["type"]
            self.relatedAddress = parsed["relatedAddress"]
            self.relatedPort = parsed["relatedPort"]
            self.tcpType = parsed["tcpType"]
            self._extensions: tuple[tuple[str, str], ...] = parsed["extensions"]
        else:
            if any(value is None for value in fields):
                raise TypeError(
                    "RTCIceCandidate needs candidate= or all of component, foundation, ip, "
                    "port, priority, protocol and type"
                )
            assert component is not None and foundation is not None and ip is not None
            assert port is not None and priority is not None
            assert protocol is not None and type is not None
            self.component = component
            self.foundation = foundation
            self.ip = ip
            self.port = port
            self.priority = priority
            self.protocol = protocol.lower()
            self.type = type.lower()
            self.relatedAddress = relatedAddress
            self.relatedPort = relatedPort
            self.tcpType = tcpType
            self._extensions = ()
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex

    @classmethod
    def from_sdp(
        cls, sdp: str, sdpMid: str | None = None, sdpMLineIndex: int | None = None
    ) -> RTCIceCandidate:
        """Parse a candidate line (``candidate:`` prefix optional); ``ValueError`` if bad."""
        return cls(candidate=sdp, sdpMid=sdpMid, sdpMLineIndex=sdpMLineIndex)

    def to_sdp(self) -> str:
        """The candidate attribute value without the ``candidate:`` prefix."""
        parts = [
            self.foundation,
            str(self.component),
            self.protocol,
            str(self.priority),
            self.ip,
            str(self.port),
            "typ",
            self.type,
        ]
        if self.relatedAddress is not None:
            parts += ["raddr", self.relatedAddress]
        if self.relatedPort is not None:
            parts += ["rport", str(self.relatedPort)]
        if self.tcpType is not None:
            parts += ["tcptype", self.tcpType]
        for name, value in self._extensions:
            parts += [name, value]
        return " ".join(parts)

    @property
    def candidate(self) -> str:
        """The SDP form, ``candidate:`` prefix included, as a browser's ``candidate``."""
        return "candidate:" + self.to_sdp()

    @property
    def usernameFragment(self) -> str | None:
        """The ``ufrag`` extension some browsers append, if present."""
        return self.extension("ufrag")

    def extension(self, name: str) -> str | None:
        """The value of an extension attribute (``generation``, ``network-id`` ...), if any."""
        for key, value in self._extensions:
            if key == name:
                return value
        return None

    def to_json(self) -> dict[str, Any]:
        """The browser's ``RTCIceCandidateInit`` dictionary, for signalling."""
        return {
            "candidate": self.candidate,
            "sdpMid": self.sdpMid,
            "sdpMLineIndex": self.sdpMLineIndex,
        }

    def _key(self) -> tuple[object, ...]:
        return (
            self.component,
            self.foundation,
            self.ip,
            self.port,
            self.priority,
            self.protocol,
            self.type,
            self.relatedAddress,
            self.relatedPort,
            self.sdpMid,
            self.sdpMLineIndex,
            self.tcpType,
            self._extensions,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RTCIceCandidate):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"RTCIceCandidate({self.candidate!r}, sdpMid={self.sdpMid!r})"


def _parse_candidate_sdp(text: str) -> dict[str, Any]:
    if not isinstance(text, str):
        raise ValueError(f"candidate must be a string, not {type(text).__name__}")
    sdp = text.strip()
    if sdp.startswith("a="):
        sdp = sdp[2:]
    if sdp.startswith("candidate:"):
        sdp = sdp[len("candidate:") :]
    bits = sdp.split()
    if not bits:
        raise ValueError("empty candidate string (end-of-candidates is signalled with None)")
    if len(bits) < 8:
        raise ValueError(f"candidate {text!r} has {len(bits)} fields, at least 8 are needed")
    if bits[6] != "typ":
        raise ValueError(f"candidate {text!r}: expected 'typ' as the 7th field")
    if len(bits) % 2:
        raise ValueError(f"candidate {text!r}: extension names and values must come in pairs")

    foundation = bits[0]
    if not _FOUNDATION_RE.fullmatch(foundation):
        raise ValueError(f"candidate foundation {foundation!r} is not 1 to 32 ice-chars")
    protocol = bits[2].lower()
    if not _TOKEN_RE.fullmatch(protocol):
        raise ValueError(f"candidate transport {bits[2]!r} is not a token")
    cand_type = bits[7].lower()
    if cand_type not in _TYPES:
        raise ValueError(f"candidate type {bits[7]!r} is not host, srflx, prflx or relay")
    result: dict[str, Any] = {
        "foundation": foundation,
        "component": _parse_int(bits[1], "component", 1, 256),
        "protocol": protocol,
        "priority": _parse_int(bits[3], "priority", 0, _MAX_PRIORITY),
        "ip": _check_address(bits[4], "address"),
        "port": _parse_int(bits[5], "port", 0, 65535),
        "type": cand_type,
        "relatedAddress": None,
        "relatedPort": None,
        "tcpType": None,
    }
    extensions: list[tuple[str, str]] = []
    for i in range(8, len(bits), 2):
        name, value = bits[i], bits[i + 1]
        if name == "raddr":
            result["relatedAddress"] = _check_address(value, "raddr")
        elif name == "rport":
            result["relatedPort"] = _parse_int(value, "rport", 0, 65535)
        elif name == "tcptype":
            if value not in _TCP_TYPES:
                raise ValueError(f"candidate tcptype {value!r} is not active, passive or so")
            result["tcpType"] = value
        else:
            if not _TOKEN_RE.fullmatch(name):
                raise ValueError(f"candidate extension name {name!r} is not a token")
            extensions.append((name, value))
    result["extensions"] = tuple(extensions)
    return result


def candidate_from_aioice(candidate: Candidate) -> RTCIceCandidate:
    """Convert an aioice ``Candidate`` to an ``RTCIceCandidate`` (internal helper)."""
    result = RTCIceCandidate(
        component=candidate.component,
        foundation=candidate.foundation,
        ip=candidate.host,
        port=candidate.port,
        priority=candidate.priority,
        protocol=candidate.transport,
        type=candidate.type,
        relatedAddress=candidate.related_address,
        relatedPort=candidate.related_port,
        tcpType=candidate.tcptype,
    )
    if candidate.generation is not None:
        result._extensions = (("generation", str(candidate.generation)),)
    return result


def candidate_to_aioice(candidate: RTCIceCandidate) -> Candidate:
    """Convert an ``RTCIceCandidate`` to an aioice ``Candidate`` (internal helper)."""
    generation = candidate.extension("generation")
    return Candidate(
        foundation=candidate.foundation,
        component=candidate.component,
        transport=candidate.protocol,
        priority=candidate.priority,
        host=candidate.ip,
        port=candidate.port,
        type=candidate.type,
        related_address=candidate.relatedAddress,
        related_port=candidate.relatedPort,
        tcptype=candidate.tcpType,
        generation=int(generation) if generation is not None and generation.isdigit() else None,
    )
