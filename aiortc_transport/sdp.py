"""Data-channel session descriptions: build and parse the SDP that browsers exchange.

The subset of RFC 8866 (SDP), RFC 8829 (JSEP), RFC 8841 (SCTP over DTLS in SDP),
RFC 8839 (ICE in SDP), RFC 8842 / 8122 (DTLS setup and fingerprints) and RFC 8843 (BUNDLE)
that a data-channel-only endpoint needs:

* one ``m=application <port> UDP/DTLS/SCTP webrtc-datachannel`` section ("the data
  section") with ``a=mid``, ``a=ice-ufrag`` / ``a=ice-pwd`` / ``a=ice-options``,
  ``a=fingerprint`` (every one offered is kept), ``a=setup``, ``a=sctp-port``,
  ``a=max-message-size``, ``a=candidate`` and ``a=end-of-candidates``;
* the ``a=group:BUNDLE`` group, ``a=ice-lite``;
* session-level ICE and fingerprint attributes, which apply to every section that does not
  override them (Firefox puts ``a=fingerprint`` and ``a=ice-options`` at session level).

Parsing accepts what Chromium, Firefox, libwebrtc (node wrtc) and werift produce; the test
suite holds their byte-exact descriptions. Malformed input raises :class:`SdpParseError`
(a ``ValueError``) naming the line number and the line.

Audio and video sections are kept as opaque :class:`MediaDescription` objects (their m=
line, mid and raw attributes) and otherwise ignored: this stack carries data only. An answer
built by :func:`build_answer` keeps one m= section per offered section, as JSEP requires,
and rejects every one but the data section with port 0 (RFC 8829 section 5.3.1), which is
what browsers do with sections they cannot use.

Candidates stay strings in their W3C form (``"candidate:1 1 udp 2122260223 127.0.0.1
42288 typ host ..."``); :func:`parse_candidate` gives a small parsed view of one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "DATA_CHANNEL_FORMAT",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_SCTP_PORT",
    "DataChannelTransport",
    "Fingerprint",
    "Group",
    "MediaDescription",
    "Origin",
    "RTCSessionDescription",
    "SdpCandidate",
    "SdpParseError",
    "SessionDescription",
    "answer_setup",
    "build_answer",
    "build_data_channel_description",
    "dtls_role",
    "parse_candidate",
]

DATA_CHANNEL_FORMAT: Final = "webrtc-datachannel"
#: RFC 8841 section 6: "If the SDP 'max-message-size' attribute is not present, the default
#: value is 64K."
DEFAULT_MAX_MESSAGE_SIZE: Final = 65536
#: RFC 8841 section 5.2: the SCTP port is 5000 when ``a=sctp-port`` is absent.
DEFAULT_SCTP_PORT: Final = 5000

# RFC 8841 section 4.1: the proto values of an SCTP-over-DTLS data section.
_DATA_PROTOCOLS: Final = frozenset({"UDP/DTLS/SCTP", "TCP/DTLS/SCTP"})
_SETUP_VALUES: Final = frozenset({"actpass", "active", "passive"})
_SESSION_DESCRIPTION_TYPES: Final = ("offer", "pranswer", "answer", "rollback")
# Digest sizes of the hash functions of RFC 8122 section 5 that are still allowed.
_FINGERPRINT_SIZES: Final = {
    "sha-1": 20,
    "sha-224": 28,
    "sha-256": 32,
    "sha-384": 48,
    "sha-512": 64,
}
_ICE_CHARS = re.compile(r"[A-Za-z0-9+/]+")
_TOKEN = re.compile(r"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")
_HEX_PAIRS = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*")
_DIGITS = re.compile(r"[0-9]+")
# RFC 8866 section 5 line order: session-level lines, then per media section.
_SESSION_ORDER: Final = "vosiuepcbtrzka"
_MEDIA_ORDER: Final = "micbka"


class SdpParseError(ValueError):
    """A session description could not be parsed or lacks what a data channel needs.

    ``line_number`` (1-based) and ``line`` name the offending line when there is one.
    """

    def __init__(self, message: str, line_number: int | None = None, line: str | None = None):
        self.reason = message
        self.line_number = line_number
        self.line = line
        if line_number is not None:
            message = f"line {line_number}: {line!r}: {message}"
        super().__init__(message)


# --------------------------------------------------------------------------- small values


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An ``a=fingerprint`` value (RFC 8122 section 5): hash function and hex digest.

    Same field names as aiortc's ``RTCDtlsFingerprint``. Parsed values are normalised to a
    lower-case algorithm and an upper-case digest.
    """

    algorithm: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """Parse ``"sha-256 AB:CD:..."``; raises SdpParseError (without a line)."""
        parts = text.split()
        if len(parts) != 2:
            raise SdpParseError("a=fingerprint needs a hash function and a value")
        algorithm, value = parts[0].lower(), parts[1].upper()
        if not _TOKEN.fullmatch(algorithm):
            raise SdpParseError(f"bad fingerprint hash function {parts[0]!r}")
        if not _HEX_PAIRS.fullmatch(value):
            raise SdpParseError("fingerprint value is not colon-separated hex pairs")
        size = _FINGERPRINT_SIZES.get(algorithm)
        if size is not None and (len(value) + 1) // 3 != size:
            raise SdpParseError(f"{algorithm} fingerprint must have {size} bytes")
        return cls(algorithm, value)

    def __str__(self) -> str:
        return f"{self.algorithm} {self.value}"


@dataclass(frozen=True, slots=True)
class Origin:
    """The ``o=`` line (RFC 8866 section 5.2)."""

    username: str = "-"
    session_id: str = "0"
    session_version: int = 0
    network_type: str = "IN"
    address_type: str = "IP4"
    address: str = "127.0.0.1"

    def __str__(self) -> str:
        return (
            f"{self.username} {self.session_id} {self.session_version}"
            f" {self.network_type} {self.address_type} {self.address}"
        )


@dataclass(frozen=True, slots=True)
class Group:
    """An ``a=group`` line (RFC 5888), e.g. ``BUNDLE 0 1``."""

    semantics: str
    mids: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join((self.semantics, *self.mids))


@dataclass(frozen=True, slots=True)
class SdpCandidate:
    """A parsed view of one ICE candidate attribute (RFC 8839 section 5.1)."""

    foundation: str
    component: int
    transport: str
    priority: int
    address: str
    port: int
    type: str
    related_address: str | None = None
    related_port: int | None = None
    tcp_type: str | None = None
    #: Other extension attributes in order, e.g. (("generation", "0"), ("network-id", "1")).
    extensions: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        """The W3C form, ``candidate:...`` (the ``a=`` line without ``a=``)."""
        parts = [
            f"candidate:{self.foundation}",
            str(self.component),
            self.transport,
            str(self.priority),
            self.address,
            str(self.port),
            "typ",
            self.type,
        ]
        if self.related_address is not None:
            parts += ["raddr", self.related_address]
        if self.related_port is not None:
            parts += ["rport", str(self.related_port)]
        if self.tcp_type is not None:
            parts += ["tcptype", self.tcp_type]
        for name, value in self.extensions:
            parts += [name, value]
        return " ".join(parts)


def parse_candidate(text: str) -> SdpCandidate:
    """Parse one candidate, with or without the ``a=`` / ``candidate:`` prefix.

    Raises SdpParseError (a ValueError) without a line number.
    """
    value = text.strip()
    value = value.removeprefix("a=")
    value = value.removeprefix("candidate:")
    parts = value.split()
    if len(parts) < 8 or parts[6] != "typ":
        raise SdpParseError(
            "candidate needs 'foundation component transport priority address port typ type'"
        )
    foundation, component, transport, priority, address, port, _, cand_type = parts[:8]
    if not _ICE_CHARS.fullmatch(foundation) or len(foundation) > 32:
        raise SdpParseError(f"bad candidate foundation {foundation!r}")
    component_number = _int_in(component, 1, 256, "candidate component")
    priority_number = _int_in(priority, 0, 0xFFFFFFFF, "candidate priority")
    port_number = _int_in(port, 0, 65535, "candidate port")
    if not _TOKEN.fullmatch(transport) or not _TOKEN.fullmatch(cand_type):
        raise SdpParseError("bad candidate transport or type")
    rest = parts[8:]
    if len(rest) % 2:
        raise SdpParseError("candidate extension without a value")
    related_address: str | None = None
    related_port: int | None = None
    tcp_type: str | None = None
    extensions: list[tuple[str, str]] = []
    for name, ext_value in zip(rest[::2], rest[1::2], strict=True):
        if name == "raddr":
            related_address = ext_value
        elif name == "rport":
            related_port = _int_in(ext_value, 0, 65535, "candidate rport")
        elif name == "tcptype":
            tcp_type = ext_value
        else:
            extensions.append((name, ext_value))
    return SdpCandidate(
        foundation,
        component_number,
        transport,
        priority_number,
        address,
        port_number,
        cand_type,
        related_address,
        related_port,
        tcp_type,
        tuple(extensions),
    )


def _int_in(text: str, low: int, high: int, what: str) -> int:
    if not _DIGITS.fullmatch(text):
        raise SdpParseError(f"{what} is not a number: {text!r}")
    number = int(text)
    if not low <= number <= high:
        raise SdpParseError(f"{what} out of range {low}-{high}: {number}")
    return number


# --------------------------------------------------------------------------- sections


@dataclass
class MediaDescription:
    """One m= section.

    For the data section every attribute of interest is parsed into a field; anything else
    stays in ``attributes`` (name, value or None), in order. Audio, video and other sections
    are opaque: only the m= line, ``c=`` and ``mid`` are read, and all their other
    attributes stay raw in ``attributes``.
    """

    kind: str
    port: int
    protocol: str
    formats: list[str]
    #: ``c=`` value, e.g. "IN IP4 127.0.0.1".
    connection: str | None = None
    mid: str | None = None
    ice_ufrag: str | None = None
    ice_pwd: str | None = None
    ice_options: list[str] = field(default_factory=list)
    fingerprints: list[Fingerprint] = field(default_factory=list)
    setup: str | None = None
    sctp_port: int | None = None
    #: The raw ``a=max-message-size`` value; None when absent (see ``message_size_limit``).
    max_message_size: int | None = None
    #: Candidates in W3C form ("candidate:..."), in order.
    candidates: list[str] = field(default_factory=list)
    end_of_candidates: bool = False
    bundle_only: bool = False
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    #: Other lines (b=, i=, k=) as (type letter, value).
    other_lines: list[tuple[str, str]] = field(default_factory=list)
    #: Where typed attributes came from, for error messages: name -> (line number, line).
    line_numbers: dict[str, tuple[int, str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def is_data_section(self) -> bool:
        """Whether this is an SCTP-over-DTLS data-channel section (RFC 8841 section 4.1)."""
        return (
            self.kind == "application"
            and self.protocol in _DATA_PROTOCOLS
            and self.formats == [DATA_CHANNEL_FORMAT]
        )

    @property
    def rejected(self) -> bool:
        """Port 0 without ``a=bundle-only``: the section was rejected or disabled."""
        return self.port == 0 and not self.bundle_only

    def message_size_limit(self) -> int:
        """The effective maximum message size: 65536 when ``a=max-message-size`` is absent
        (RFC 8841 section 6), else its value, where 0 means "no limit"."""
        if self.max_message_size is None:
            return DEFAULT_MAX_MESSAGE_SIZE
        return self.max_message_size

    def _lines(self) -> list[str]:
        lines = [f"m={self.kind} {self.port} {' '.join([self.protocol, *self.formats])}"]
        other = sorted(self.other_lines, key=lambda item: _MEDIA_ORDER.index(item[0]))
        lines += [f"{t}={v}" for t, v in other if t == "i"]
        if self.connection is not None:
            lines.append(f"c={self.connection}")
        lines += [f"{t}={v}" for t, v in other if t != "i"]
        lines += [f"a={candidate}" for candidate in self.candidates]
        if self.end_of_candidates:
            lines.append("a=end-of-candidates")
        lines += _transport_attribute_lines(self)
        if self.mid is not None:
            lines.append(f"a=mid:{self.mid}")
        if self.bundle_only:
            lines.append("a=bundle-only")
        if self.sctp_port is not None:
            lines.append(f"a=sctp-port:{self.sctp_port}")
        if self.max_message_size is not None:
            lines.append(f"a=max-message-size:{self.max_message_size}")
        lines += [_attribute_line(name, value) for name, value in self.attributes]
        return lines


@dataclass(frozen=True, slots=True)
class DataChannelTransport:
    """What the transports need from a description's data section, with session-level
    attributes applied where the section has none (RFC 8839 section 5.4, RFC 8122 section 5).
    """

    mid: str | None
    ice_ufrag: str
    ice_pwd: str
    ice_lite: bool
    ice_options: tuple[str, ...]
    fingerprints: tuple[Fingerprint, ...]
    #: actpass / active / passive, or None when the description has no a=setup.
    setup: str | None
    sctp_port: int
    #: Effective maximum message size: 65536 by default, 0 = no limit (RFC 8841 section 6).
    max_message_size: int
    candidates: tuple[str, ...]
    end_of_candidates: bool


@dataclass
class SessionDescription:
    """A parsed or built session description. ``str()`` gives the SDP text (CRLF lines)."""

    origin: Origin = field(default_factory=Origin)
    name: str = "-"
    timing: str = "0 0"
    groups: list[Group] = field(default_factory=list)
    ice_lite: bool = False
    ice_ufrag: str | None = None
    ice_pwd: str | None = None
    ice_options: list[str] = field(default_factory=list)
    fingerprints: list[Fingerprint] = field(default_factory=list)
    setup: str | None = None
    connection: str | None = None
    media: list[MediaDescription] = field(default_factory=list)
    #: Other session-level attributes (name, value or None), in order.
    attributes: list[tuple[str, str | None]] = field(default_factory=list)
    #: Other session-level lines (i=, u=, e=, p=, b=, r=, z=, k=) as (type letter, value).
    other_lines: list[tuple[str, str]] = field(default_factory=list)

    # ------------------------------------------------------------------ parsing

    @classmethod
    def parse(
        cls, sdp: str, *, type: str | None = None, require_data_section: bool = True
    ) -> SessionDescription:
        """Parse SDP text (CRLF or LF line ends).

        With ``require_data_section`` (the default) the description must hold a usable data
        section (see :meth:`data_channel_transport`). With ``type`` ("offer", "answer",
        "pranswer") the ``a=setup`` value is checked against it: an answer cannot be
        ``actpass`` (RFC 8842 section 5.3).

        Raises SdpParseError naming the line.
        """
        description = _Parser(sdp).parse()
        if require_data_section:
            transport = description.data_channel_transport()
            if type in ("answer", "pranswer") and transport.setup == "actpass":
                section = description.data_section()
                line_number, line = section.line_numbers.get(
                    "setup", section.line_numbers.get("m", (None, None))
                )
                raise SdpParseError("an answer must not use a=setup:actpass", line_number, line)
        return description

    # ------------------------------------------------------------------ queries

    def data_section(self) -> MediaDescription:
        """The data section: the first ``m=application ... webrtc-datachannel`` section.

        Raises SdpParseError when there is none, or when it was rejected (port 0).
        """
        candidates = [m for m in self.media if m.kind == "application"]
        for media in candidates:
            if media.is_data_section:
                if media.rejected:
                    number, line = media.line_numbers.get("m", (None, None))
                    raise SdpParseError(
                        "the data channel section is rejected (port 0)", number, line
                    )
                return media
        if candidates:
            number, line = candidates[0].line_numbers.get("m", (None, None))
            raise SdpParseError(
                "no 'UDP/DTLS/SCTP webrtc-datachannel' application section", number, line
            )
        raise SdpParseError("no m=application data channel section")

    def data_channel_transport(self) -> DataChannelTransport:
        """The effective ICE / DTLS / SCTP parameters of the data section.

        Raises SdpParseError naming the section's m= line when the ICE credentials or the
        fingerprint are missing at both session and media level.
        """
        media = self.data_section()
        number, line = media.line_numbers.get("m", (None, None))
        ice_ufrag = media.ice_ufrag if media.ice_ufrag is not None else self.ice_ufrag
        ice_pwd = media.ice_pwd if media.ice_pwd is not None else self.ice_pwd
        if ice_ufrag is None or ice_pwd is None:
            raise SdpParseError(
                "data section without a=ice-ufrag / a=ice-pwd (media or session level)",
                number,
                line,
            )
        fingerprints = media.fingerprints or self.fingerprints
        if not fingerprints:
            # RFC 8122 section 5 / RFC 8841 section 5.1: DTLS needs the peer's fingerprint.
            raise SdpParseError("data section without a=fingerprint", number, line)
        return DataChannelTransport(
            mid=media.mid,
            ice_ufrag=ice_ufrag,
            ice_pwd=ice_pwd,
            ice_lite=self.ice_lite,
            ice_options=tuple(media.ice_options or self.ice_options),
            fingerprints=tuple(fingerprints),
            setup=media.setup if media.setup is not None else self.setup,
            sctp_port=media.sctp_port if media.sctp_port is not None else DEFAULT_SCTP_PORT,
            max_message_size=media.message_size_limit(),
            candidates=tuple(media.candidates),
            end_of_candidates=media.end_of_candidates
            or ("end-of-candidates", None) in self.attributes,
        )

    @property
    def bundle(self) -> tuple[str, ...]:
        """The mids of the first BUNDLE group, or () when there is none."""
        for group in self.groups:
            if group.semantics == "BUNDLE":
                return group.mids
        return ()

    # ------------------------------------------------------------------ output

    def __str__(self) -> str:
        other = sorted(self.other_lines, key=lambda item: _SESSION_ORDER.index(item[0]))
        lines = ["v=0", f"o={self.origin}", f"s={self.name}"]
        lines += [f"{t}={v}" for t, v in other if t in "iuep"]
        if self.connection is not None:
            lines.append(f"c={self.connection}")
        lines += [f"{t}={v}" for t, v in other if t == "b"]
        lines.append(f"t={self.timing}")
        lines += [f"{t}={v}" for t, v in other if t in "rzk"]
        lines += [f"a=group:{group}" for group in self.groups]
        if self.ice_lite:
            lines.append("a=ice-lite")
        lines += _transport_attribute_lines(self)
        lines += [_attribute_line(name, value) for name, value in self.attributes]
        for media in self.media:
            lines += media._lines()
        return "\r\n".join(lines) + "\r\n"


def _transport_attribute_lines(owner: SessionDescription | MediaDescription) -> list[str]:
    """The ICE and DTLS attributes that may stand at session or media level, in order."""
    lines = []
    if owner.ice_ufrag is not None:
        lines.append(f"a=ice-ufrag:{owner.ice_ufrag}")
    if owner.ice_pwd is not None:
        lines.append(f"a=ice-pwd:{owner.ice_pwd}")
    if owner.ice_options:
        lines.append(f"a=ice-options:{' '.join(owner.ice_options)}")
    lines += [f"a=fingerprint:{fingerprint}" for fingerprint in owner.fingerprints]
    if owner.setup is not None:
        lines.append(f"a=setup:{owner.setup}")
    return lines


def _attribute_line(name: str, value: str | None) -> str:
    return f"a={name}" if value is None else f"a={name}:{value}"


# --------------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise SdpParseError(f"SDP must be str, not {type(text).__name__}")
        self.text = text
        self.session = SessionDescription()
        self.session_lines: dict[str, tuple[int, str]] = {}

    def parse(self) -> SessionDescription:
        raw_lines = self.text.split("\n")
        # A final line end leaves one empty string; tolerate a missing one too.
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        if not raw_lines:
            raise SdpParseError("empty session description")
        media: MediaDescription | None = None
        seen_session: set[str] = set()
        for number, raw in enumerate(raw_lines, start=1):
            line = raw[:-1] if raw.endswith("\r") else raw
            if len(line) < 2 or line[1] != "=" or not line[0].isalpha() or not line[0].islower():
                raise SdpParseError("not a '<type>=<value>' line", number, line)
            if "\r" in line or "\x00" in line:
                raise SdpParseError("control character in line", number, line)
            kind, value = line[0], line[2:]
            if number == 1:
                if kind != "v" or value != "0":
                    raise SdpParseError("a session description starts with 'v=0'", number, line)
                continue
            if kind == "m":
                if not {"o", "s", "t"} <= seen_session:
                    missing = sorted({"o", "s", "t"} - seen_session)
                    raise SdpParseError(
                        f"media section before the session's {', '.join(missing)}= line",
                        number,
                        line,
                    )
                media = self._media_line(value, number, line)
                self.session.media.append(media)
            elif media is None:
                seen_session.add(kind)
                self._session_line(kind, value, number, line)
            else:
                self._media_attribute_or_line(media, kind, value, number, line)
        for required in ("o", "s", "t"):
            if required not in seen_session:
                raise SdpParseError(f"no {required}= line (truncated description?)")
        return self.session

    # ------------------------------------------------------------------ session level

    def _session_line(self, kind: str, value: str, number: int, line: str) -> None:
        session = self.session
        if kind == "v":
            raise SdpParseError("a second v= line", number, line)
        if kind == "o":
            parts = value.split(" ")
            if (
                len(parts) != 6
                or not _DIGITS.fullmatch(parts[1])
                or not _DIGITS.fullmatch(parts[2])
            ):
                raise SdpParseError(
                    "o= needs 'username sess-id sess-version nettype addrtype address'",
                    number,
                    line,
                )
            session.origin = Origin(parts[0], parts[1], int(parts[2]), *parts[3:])
        elif kind == "s":
            session.name = value
        elif kind == "t":
            parts = value.split()
            if len(parts) != 2 or not all(_DIGITS.fullmatch(p) for p in parts):
                raise SdpParseError("t= needs 'start stop'", number, line)
            session.timing = value
        elif kind == "c":
            session.connection = _connection(value, number, line)
        elif kind == "a":
            self._session_attribute(value, number, line)
        else:
            # i= u= e= p= b= r= z= k=, and letters RFC 8866 does not define: kept verbatim.
            if kind not in _SESSION_ORDER:
                return
            session.other_lines.append((kind, value))

    def _session_attribute(self, value: str, number: int, line: str) -> None:
        session = self.session
        name, attr_value = _split_attribute(value)
        if name == "group":
            parts = (attr_value or "").split()
            if not parts:
                raise SdpParseError("a=group without semantics", number, line)
            session.groups.append(Group(parts[0], tuple(parts[1:])))
        elif name == "ice-lite":
            session.ice_lite = True
        elif not _transport_attribute(session, name, attr_value, number, line):
            session.attributes.append((name, attr_value))
        self.session_lines.setdefault(name, (number, line))

    # ------------------------------------------------------------------ media level

    def _media_line(self, value: str, number: int, line: str) -> MediaDescription:
        parts = value.split()
        if len(parts) < 4:
            raise SdpParseError("m= needs 'media port proto fmt ...'", number, line)
        kind, port_text, protocol, *formats = parts
        # RFC 8866 section 5.14 allows "<port>/<number of ports>".
        port = _int_in_line(port_text.split("/", 1)[0], 0, 65535, "m= port", number, line)
        media = MediaDescription(kind, port, protocol, formats)
        media.line_numbers["m"] = (number, line)
        return media

    def _media_attribute_or_line(
        self, media: MediaDescription, kind: str, value: str, number: int, line: str
    ) -> None:
        if kind == "c":
            media.connection = _connection(value, number, line)
        elif kind == "a":
            name, attr_value = _split_attribute(value)
            if name == "mid":
                if not attr_value or not _TOKEN.fullmatch(attr_value):
                    raise SdpParseError("a=mid needs a token", number, line)
                media.mid = attr_value
                media.line_numbers["mid"] = (number, line)
            elif media.is_data_section:
                self._data_attribute(media, name, attr_value, number, line)
            else:
                # Not ours (audio, video, other applications): kept raw, not validated.
                media.attributes.append((name, attr_value))
        elif kind in "ibk":
            media.other_lines.append((kind, value))
        elif kind in _SESSION_ORDER:
            raise SdpParseError(f"{kind}= is not allowed in a media section", number, line)

    def _data_attribute(
        self, media: MediaDescription, name: str, value: str | None, number: int, line: str
    ) -> None:
        if name == "candidate":
            try:
                parse_candidate(value or "")
            except SdpParseError as exc:
                raise SdpParseError(exc.reason, number, line) from None
            media.candidates.append(f"candidate:{value}")
        elif name == "end-of-candidates":
            media.end_of_candidates = True
        elif _transport_attribute(media, name, value, number, line):
            pass
        elif name == "sctp-port":
            media.sctp_port = _int_in_line(value or "", 1, 65535, "a=sctp-port", number, line)
        elif name == "max-message-size":
            # RFC 8841 section 6: a non-negative integer, 0 meaning "no limit".
            media.max_message_size = _int_in_line(
                value or "", 0, 2**64 - 1, "a=max-message-size", number, line
            )
        elif name == "bundle-only":
            media.bundle_only = True
        else:
            media.attributes.append((name, value))
            return
        media.line_numbers.setdefault(name, (number, line))


def _transport_attribute(
    owner: SessionDescription | MediaDescription,
    name: str,
    value: str | None,
    number: int,
    line: str,
) -> bool:
    """Take an ICE or DTLS attribute valid at session and media level; False if not one."""
    if name == "ice-ufrag":
        owner.ice_ufrag = _ice_credential(value, 4, number, line)
    elif name == "ice-pwd":
        owner.ice_pwd = _ice_credential(value, 22, number, line)
    elif name == "ice-options":
        owner.ice_options = (value or "").split()
    elif name == "fingerprint":
        owner.fingerprints.append(_fingerprint(value, number, line))
    elif name == "setup":
        owner.setup = _setup(value, number, line)
    else:
        return False
    return True


def _split_attribute(value: str) -> tuple[str, str | None]:
    name, colon, rest = value.partition(":")
    return name, (rest if colon else None)


def _connection(value: str, number: int, line: str) -> str:
    parts = value.split()
    if len(parts) != 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpParseError("c= needs 'IN IP4|IP6 <address>'", number, line)
    return value


def _int_in_line(text: str, low: int, high: int, what: str, number: int, line: str) -> int:
    try:
        return _int_in(text.strip(), low, high, what)
    except SdpParseError as exc:
        raise SdpParseError(exc.reason, number, line) from None


def _ice_credential(value: str | None, minimum: int, number: int, line: str) -> str:
    # RFC 8839 section 5.4: ufrag 4-256 and password 22-256 ice-chars.
    text = (value or "").strip()
    if not _ICE_CHARS.fullmatch(text) or not minimum <= len(text) <= 256:
        raise SdpParseError(f"ICE credential must be {minimum}-256 ice-chars", number, line)
    return text


def _fingerprint(value: str | None, number: int, line: str) -> Fingerprint:
    try:
        return Fingerprint.parse(value or "")
    except SdpParseError as exc:
        raise SdpParseError(exc.reason, number, line) from None


def _setup(value: str | None, number: int, line: str) -> str:
    text = (value or "").strip()
    if text not in _SETUP_VALUES:
        # holdconn (RFC 4145) is not allowed for DTLS (RFC 8842 section 5).
        raise SdpParseError(f"unknown a=setup value {text!r}", number, line)
    return text


# --------------------------------------------------------------------------- building


def build_data_channel_description(
    *,
    ice_ufrag: str,
    ice_pwd: str,
    fingerprints: Iterable[Fingerprint],
    setup: str,
    mid: str = "0",
    sctp_port: int = DEFAULT_SCTP_PORT,
    max_message_size: int = 262144,
    candidates: Sequence[str] = (),
    end_of_candidates: bool = False,
    ice_lite: bool = False,
    ice_options: Sequence[str] = ("trickle",),
    session_id: str | None = None,
    session_version: int = 0,
) -> SessionDescription:
    """Build a description with one data section, the way Chromium lays it out.

    ``setup`` is "actpass" for an offer and "active" or "passive" for an answer. The m= port
    and c= address come from the first candidate (the default candidate, RFC 8839 section
    4.2.1.1); without candidates they are the JSEP placeholders 9 and 0.0.0.0.
    """
    if setup not in _SETUP_VALUES:
        raise ValueError(f"setup must be one of {sorted(_SETUP_VALUES)}, got {setup!r}")
    fingerprint_list = list(fingerprints)
    if not fingerprint_list:
        raise ValueError("at least one fingerprint is needed")
    for credential, minimum in ((ice_ufrag, 4), (ice_pwd, 22)):
        if not _ICE_CHARS.fullmatch(credential) or not minimum <= len(credential) <= 256:
            raise ValueError(f"ICE credential must be {minimum}-256 ice-chars: {credential!r}")
    port, connection = 9, "IN IP4 0.0.0.0"
    candidate_list = []
    for candidate in candidates:
        parsed = parse_candidate(candidate)
        text = candidate.strip().removeprefix("a=")
        candidate_list.append(text if text.startswith("candidate:") else f"candidate:{text}")
        if len(candidate_list) == 1:
            port = parsed.port
            ip6 = ":" in parsed.address
            connection = f"IN {'IP6' if ip6 else 'IP4'} {parsed.address}"
    media = MediaDescription(
        kind="application",
        port=port,
        protocol="UDP/DTLS/SCTP",
        formats=[DATA_CHANNEL_FORMAT],
        connection=connection,
        mid=mid,
        ice_ufrag=ice_ufrag,
        ice_pwd=ice_pwd,
        ice_options=list(ice_options),
        fingerprints=fingerprint_list,
        setup=setup,
        sctp_port=sctp_port,
        max_message_size=max_message_size,
        candidates=candidate_list,
        end_of_candidates=end_of_candidates,
    )
    if session_id is None:
        # JSEP section 5.2.1: a 64-bit value with the top bit clear, as decimal digits.
        session_id = str(random.SystemRandom().getrandbits(62))
    return SessionDescription(
        origin=Origin("-", session_id, session_version, "IN", "IP4", "127.0.0.1"),
        groups=[Group("BUNDLE", (mid,))],
        ice_lite=ice_lite,
        media=[media],
    )


def build_answer(
    offer: SessionDescription,
    *,
    ice_ufrag: str,
    ice_pwd: str,
    fingerprints: Iterable[Fingerprint],
    setup: str | None = None,
    sctp_port: int = DEFAULT_SCTP_PORT,
    max_message_size: int = 262144,
    candidates: Sequence[str] = (),
    end_of_candidates: bool = False,
    ice_lite: bool = False,
    session_id: str | None = None,
    session_version: int = 0,
) -> SessionDescription:
    """Answer an offer: accept its data section, reject every other section with port 0.

    The answer has one m= section per offered one, in the same order and with the same mids
    (RFC 8829 section 5.3.1). ``setup`` defaults to :func:`answer_setup` of the offer's.
    Raises SdpParseError when the offer has no usable data section.
    """
    remote = offer.data_channel_transport()
    data_index = offer.media.index(offer.data_section())
    mid = remote.mid if remote.mid is not None else "0"
    if setup is None:
        setup = answer_setup(remote.setup or "actpass")
    answer = build_data_channel_description(
        ice_ufrag=ice_ufrag,
        ice_pwd=ice_pwd,
        fingerprints=fingerprints,
        setup=setup,
        mid=mid,
        sctp_port=sctp_port,
        max_message_size=max_message_size,
        candidates=candidates,
        end_of_candidates=end_of_candidates,
        ice_lite=ice_lite,
        # RFC 8840 section 4.1: we support trickle ICE, so we say so, offer or answer.
        ice_options=("trickle",),
        session_id=session_id,
        session_version=session_version,
    )
    data_media = answer.media[0]
    answer.media = []
    for index, offered in enumerate(offer.media):
        if index == data_index:
            answer.media.append(data_media)
        else:
            answer.media.append(
                MediaDescription(
                    kind=offered.kind,
                    port=0,
                    protocol=offered.protocol,
                    formats=list(offered.formats),
                    connection="IN IP4 0.0.0.0",
                    mid=offered.mid,
                )
            )
    # Only accepted sections may be bundled; no BUNDLE group if the offer had none.
    answer.groups = [Group("BUNDLE", (mid,))] if mid in offer.bundle else []
    return answer


def answer_setup(offer_setup: str) -> str:
    """The ``a=setup`` of an answer to an offer with ``offer_setup``.

    RFC 8842 section 5.3: to actpass the answerer should say active (as browsers do); an
    active offerer gets passive and a passive one active.
    """
    if offer_setup == "passive":
        return "active"
    if offer_setup == "active":
        return "passive"
    if offer_setup == "actpass":
        return "active"
    raise ValueError(f"unknown setup value {offer_setup!r}")


def dtls_role(local_setup: str) -> str:
    """DTLS role for a negotiated local ``a=setup``: active -> "client", passive -> "server"
    (RFC 8842 section 5.2). actpass is not a negotiated role and raises ValueError."""
    if local_setup == "active":
        return "client"
    if local_setup == "passive":
        return "server"
    raise ValueError(f"a=setup:{local_setup} does not decide the DTLS role")


# --------------------------------------------------------------------------- W3C object


@dataclass
class RTCSessionDescription:
    """The :class:`RTCSessionDescription` dictionary describes one end of a connection and
    how it's configured (W3C WebRTC section 4.8.1; field names as in aiortc).

    :param sdp: The SDP text.
    :param type: "offer", "pranswer", "answer" or "rollback"; anything else raises
        ValueError.
    """

    sdp: str
    type: str

    def __post_init__(self) -> None:
        if self.type not in _SESSION_DESCRIPTION_TYPES:
            raise ValueError(
                f"'type' must be one of {list(_SESSION_DESCRIPTION_TYPES)} (got {self.type!r})"
            )
        if not isinstance(self.sdp, str):
            raise ValueError(f"'sdp' must be str, not {type(self.sdp).__name__}")

    def parse(self) -> SessionDescription:
        """Parse ``sdp`` as a data-channel description of this type (not for rollback)."""
        if self.type == "rollback":
            raise ValueError("a rollback description carries no SDP to parse")
        return SessionDescription.parse(self.sdp, type=self.type)
