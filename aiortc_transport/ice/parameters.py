"""ICE parameters and ICE server configuration.

``RTCIceParameters`` carries a side's username fragment and password (RFC 8839 section 5.4);
``RTCIceServer`` one STUN/TURN server entry of a configuration, with its URLs parsed and
validated when the object is built, so a typo fails at construction rather than as a silent
gathering timeout later.

Unlike aiortc, which contacts ``stun:stun.l.google.com:19302`` unless told otherwise, the
default server list here is empty (as in browsers): the library never talks to a public server
unless the application configures one.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

# RFC 8839 section 5.4: ice-char = ALPHA / DIGIT / "+" / "/";
# ice-ufrag = 4*256ice-char, ice-pwd = 22*256ice-char.
_UFRAG_RE = re.compile(r"[A-Za-z0-9+/]{4,256}")
_PWD_RE = re.compile(r"[A-Za-z0-9+/]{22,256}")

_DEFAULT_PORTS = {"stun": 3478, "stuns": 5349, "turn": 3478, "turns": 5349}


def validate_ice_credentials(usernameFragment: object, password: object) -> None:
    """Raise ``ValueError`` unless both values are well-formed ICE credentials (RFC 8839 5.4)."""
    if not isinstance(usernameFragment, str) or not _UFRAG_RE.fullmatch(usernameFragment):
        raise ValueError(
            f"invalid ICE usernameFragment {usernameFragment!r}: "
            "expected 4 to 256 characters of [A-Za-z0-9+/]"
        )
    if not isinstance(password, str) or not _PWD_RE.fullmatch(password):
        raise ValueError(
            "invalid ICE password: expected 22 to 256 characters of [A-Za-z0-9+/]"
            + (" (got an empty value)" if not password else "")
        )


@dataclass(frozen=True, slots=True)
class RTCIceParameters:
    """An ICE username fragment and password, plus whether the side is an ICE Lite agent.

    Both credentials are validated at construction (RFC 8839 section 5.4); a malformed value
    raises ``ValueError``.
    """

    usernameFragment: str
    "ICE username fragment (``a=ice-ufrag``), 4 to 256 ice-chars."

    password: str
    "ICE password (``a=ice-pwd``), 22 to 256 ice-chars."

    iceLite: bool = False
    "Whether the side is an ICE Lite implementation (RFC 8445 section 2.5)."

    def __post_init__(self) -> None:
        validate_ice_credentials(self.usernameFragment, self.password)
        if not isinstance(self.iceLite, bool):
            raise ValueError(f"iceLite must be a bool, not {type(self.iceLite).__name__}")

    def __repr__(self) -> str:
        # The password is a secret shared through signalling only; keep it out of logs.
        return (
            f"RTCIceParameters(usernameFragment={self.usernameFragment!r}, "
            f"password='***', iceLite={self.iceLite})"
        )


@dataclass(frozen=True, slots=True)
class IceServerUrl:
    """One parsed ``stun:``/``stuns:``/``turn:``/``turns:`` URL (RFC 7064, RFC 7065)."""

    scheme: str
    "``stun``, ``stuns``, ``turn`` or ``turns``."
    host: str
    "Host name or IP address (without the brackets of an IPv6 literal)."
    port: int
    "Port, defaulting to 3478 (stun/turn) or 5349 (stuns/turns)."
    transport: str | None
    "``udp`` or ``tcp`` for TURN URLs (default udp for turn:, tcp for turns:); None for STUN."

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        text = f"{self.scheme}:{host}:{self.port}"
        if self.transport is not None:
            text += f"?transport={self.transport}"
        return text


_URL_RE = re.compile(
    r"(?P<scheme>[A-Za-z]+):"
    r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[^\[\]:?/@]+))"
    r"(?::(?P<port>[0-9]{1,5}))?"
    r"(?:\?(?P<query>.*))?"
)
_HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?")


def parse_ice_server_url(url: str) -> IceServerUrl:
    """Parse a STUN or TURN URL; raise ``ValueError`` naming what is wrong with it.

    Accepted forms (RFC 7064 section 3.1, RFC 7065 section 3.1)::

        stun:host[:port]    stuns:host[:port]
        turn:host[:port][?transport=udp|tcp]    turns:host[:port][?transport=udp|tcp]

    ``host`` is a DNS name, an IPv4 address or a bracketed IPv6 address.
    """
    if not isinstance(url, str):
        raise ValueError(f"ICE server URL must be a string, not {type(url).__name__}")
    match = _URL_RE.fullmatch(url.strip())
    if match is None:
        raise ValueError(f"malformed ICE server URL {url!r}")
    scheme = match["scheme"].lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(
            f"malformed ICE server URL {url!r}: scheme must be stun, stuns, turn or turns"
        )
    if match["ipv6"] is not None:
        try:
            host = str(ipaddress.IPv6Address(match["ipv6"]))
        except ValueError:
            raise ValueError(f"malformed ICE server URL {url!r}: bad IPv6 address") from None
    else:
        host = match["host"]
        if not _HOSTNAME_RE.fullmatch(host):
            raise ValueError(f"malformed ICE server URL {url!r}: bad host {host!r}")
    port = _DEFAULT_PORTS[scheme]
    if match["port"] is not None:
        port = int(match["port"])
        if not 0 < port < 65536:
            raise ValueError(f"malformed ICE server URL {url!r}: port out of range")
    transport: str | None = None
    query = match["query"]
    if scheme in ("stun", "stuns"):
        # RFC 7064 defines no query for STUN URLs; browsers reject one too.
        if query is not None:
            raise ValueError(f"malformed ICE server URL {url!r}: {scheme}: takes no query")
    else:
        transport = "udp" if scheme == "turn" else "tcp"
        if query is not None:
            key, sep, value = query.partition("=")
            if key != "transport" or not sep or value.lower() not in ("udp", "tcp"):
                raise ValueError(
                    f"malformed ICE server URL {url!r}: only ?transport=udp or "
                    "?transport=tcp is allowed"
                )
            transport = value.lower()
    return IceServerUrl(scheme=scheme, host=host, port=port, transport=transport)


@dataclass(slots=True)
class RTCIceServer:
    """A STUN or TURN server, as in ``RTCConfiguration.iceServers``.

    ``urls`` is one URL or a list of them; each is parsed at construction and a malformed one
    raises ``ValueError``. TURN URLs require ``username`` and ``credential`` (W3C webrtc-pc
    section 4.4.1.1, step "If scheme is turn or turns ...").
    """

    urls: str | list[str]
    "One URL or a list of URLs of the same server."
    username: str | None = None
    "TURN username."
    credential: str | None = None
    "TURN password."
    credentialType: str = "password"
    "Only ``password`` is supported."
    parsedUrls: list[IceServerUrl] = field(init=False, repr=False, compare=False)
    "The parsed form of ``urls``, in order."

    def __post_init__(self) -> None:
        urls = [self.urls] if isinstance(self.urls, str) else self.urls
        if not isinstance(urls, list) or not urls:
            raise ValueError("RTCIceServer.urls must be a URL or a non-empty list of URLs")
        if self.credentialType != "password":
            raise ValueError(f"unsupported credentialType {self.credentialType!r}")
        self.parsedUrls = [parse_ice_server_url(url) for url in urls]
        for parsed in self.parsedUrls:
            if parsed.scheme in ("turn", "turns") and (
                self.username is None or self.credential is None
            ):
                raise ValueError(f"{parsed} requires a username and a credential")


def connection_kwargs_from_servers(servers: list[RTCIceServer]) -> dict[str, Any]:
    """Map ICE servers to aioice ``Connection`` keyword arguments.

    aioice supports one STUN and one TURN server: the first usable URL of each kind wins and
    later ones are ignored with an info log. ``stuns:`` is not supported by aioice.
    """
    kwargs: dict[str, Any] = {}
    for server in servers:
        for parsed in server.parsedUrls:
            if parsed.scheme == "stun":
                if "stun_server" in kwargs:
                    logger.info("ignoring %s: aioice uses one STUN server", parsed)
                    continue
                kwargs["stun_server"] = (parsed.host, parsed.port)
            elif parsed.scheme == "stuns":
                logger.info("ignoring %s: stuns: is not supported", parsed)
            else:
                if "turn_server" in kwargs:
                    logger.info("ignoring %s: aioice uses one TURN server", parsed)
                    continue
                if parsed.scheme == "turns" and parsed.transport != "tcp":
                    logger.info("ignoring %s: turns: needs transport=tcp", parsed)
                    continue
                kwargs["turn_server"] = (parsed.host, parsed.port)
                kwargs["turn_ssl"] = parsed.scheme == "turns"
                kwargs["turn_transport"] = parsed.transport
                kwargs["turn_username"] = server.username
                kwargs["turn_password"] = server.credential
    return kwargs
