"""Data Channel Establishment Protocol messages (RFC 8832), encoded and decoded.

DCEP travels in SCTP DATA chunks with PPID 50 on the stream of the channel it opens. It
has two messages:

DATA_CHANNEL_OPEN (RFC 8832 section 5.1)::

     0                   1                   2                   3
     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |  Message Type |  Channel Type |            Priority           |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |                    Reliability Parameter                      |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    |         Label Length          |       Protocol Length         |
    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    \\                 Label (UTF-8, Label Length bytes)              /
    \\               Protocol (UTF-8, Protocol Length bytes)          /

DATA_CHANNEL_ACK (RFC 8832 section 5.2): the message type byte alone.

https://www.rfc-editor.org/rfc/rfc8832#section-5

Label and protocol lengths count the bytes of the UTF-8 encoding, not characters: a stack
that wrote character counts crashed its own peer on a non-ASCII label (INTEROP-NOTES).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Final

from ..exceptions import ParseError

__all__ = [
    "DCEP_ACK_MESSAGE_TYPE",
    "DCEP_OPEN_MESSAGE_TYPE",
    "PPID_BINARY",
    "PPID_BINARY_EMPTY",
    "PPID_BINARY_PARTIAL",
    "PPID_DCEP",
    "PPID_STRING",
    "PPID_STRING_EMPTY",
    "PPID_STRING_PARTIAL",
    "PRIORITY_HIGH",
    "PRIORITY_LOW",
    "PRIORITY_MEDIUM",
    "PRIORITY_VERY_LOW",
    "ChannelType",
    "DataChannelAck",
    "DataChannelOpen",
    "DcepMessage",
    "parse_dcep_message_untrusted",
]

# SCTP payload protocol identifiers of WebRTC (RFC 8831 section 8, RFC 8832 section 8.1).
PPID_DCEP: Final = 50
PPID_STRING: Final = 51
#: Deprecated "WebRTC Binary Partial": a non-final fragment of a binary message (RFC 8831 8).
PPID_BINARY_PARTIAL: Final = 52
PPID_BINARY: Final = 53
#: Deprecated "WebRTC String Partial": a non-final fragment of a text message (RFC 8831 8).
PPID_STRING_PARTIAL: Final = 54
PPID_STRING_EMPTY: Final = 56
PPID_BINARY_EMPTY: Final = 57

DCEP_ACK_MESSAGE_TYPE: Final = 0x02
DCEP_OPEN_MESSAGE_TYPE: Final = 0x03

# Priority values of the W3C RTCPriorityType mapped as RFC 8831 section 6.4 / RFC 8832
# section 5.1 suggest (libwebrtc uses the same numbers; Chromium sends 256 by default).
PRIORITY_VERY_LOW: Final = 128
PRIORITY_LOW: Final = 256
PRIORITY_MEDIUM: Final = 512
PRIORITY_HIGH: Final = 1024

_UNORDERED_BIT: Final = 0x80
_OPEN_HEADER = struct.Struct("!BBHIHH")
_MAX_UINT16: Final = 0xFFFF
_MAX_UINT32: Final = 0xFFFFFFFF


class ChannelType(enum.IntEnum):
    """DCEP channel types (RFC 8832 section 5.1): reliability kind, high bit = unordered."""

    RELIABLE = 0x00
    PARTIAL_RELIABLE_REXMIT = 0x01
    PARTIAL_RELIABLE_TIMED = 0x02
    RELIABLE_UNORDERED = 0x80
    PARTIAL_RELIABLE_REXMIT_UNORDERED = 0x81
    PARTIAL_RELIABLE_TIMED_UNORDERED = 0x82

    @property
    def ordered(self) -> bool:
        """Whether the channel delivers messages in order."""
        return not self.value & _UNORDERED_BIT

    @classmethod
    def from_options(
        cls, *, ordered: bool, max_retransmits: int | None, max_packet_life_time: int | None
    ) -> ChannelType:
        """The channel type for W3C-style options (at most one reliability limit set)."""
        if max_retransmits is not None and max_packet_life_time is not None:
            raise ValueError("maxRetransmits and maxPacketLifeTime are mutually exclusive")
        value = 0x00 if ordered else _UNORDERED_BIT
        if max_retransmits is not None:
            value |= 0x01
        elif max_packet_life_time is not None:
            value |= 0x02
        return cls(value)


_CHANNEL_TYPES: Final = frozenset(int(t) for t in ChannelType)


@dataclass(frozen=True, slots=True)
class DataChannelOpen:
    """DATA_CHANNEL_OPEN (RFC 8832 section 5.1).

    ``reliability_parameter`` is the number of retransmissions for the ``*_REXMIT`` types and
    the lifetime in milliseconds for the ``*_TIMED`` types; for reliable channels it is
    ignored on receipt (RFC 8832 section 5.1) and sent as 0.
    """

    channel_type: ChannelType
    priority: int
    reliability_parameter: int
    label: str
    protocol: str

    @classmethod
    def from_options(
        cls,
        *,
        label: str = "",
        protocol: str = "",
        ordered: bool = True,
        max_retransmits: int | None = None,
        max_packet_life_time: int | None = None,
        priority: int = PRIORITY_LOW,
    ) -> DataChannelOpen:
        """Build the OPEN message for a channel described by W3C-style options."""
        channel_type = ChannelType.from_options(
            ordered=ordered,
            max_retransmits=max_retransmits,
            max_packet_life_time=max_packet_life_time,
        )
        if max_retransmits is not None:
            reliability = max_retransmits
        elif max_packet_life_time is not None:
            reliability = max_packet_life_time
        else:
            reliability = 0
        return cls(channel_type, priority, reliability, label, protocol)

    @property
    def ordered(self) -> bool:
        """Whether the channel delivers messages in order."""
        return self.channel_type.ordered

    @property
    def max_retransmits(self) -> int | None:
        """The retransmission limit, for the ``*_REXMIT`` channel types; else None."""
        if self.channel_type & 0x7F == 0x01:
            return self.reliability_parameter
        return None

    @property
    def max_packet_life_time(self) -> int | None:
        """The lifetime limit in milliseconds, for the ``*_TIMED`` channel types; else None."""
        if self.channel_type & 0x7F == 0x02:
            return self.reliability_parameter
        return None

    @classmethod
    def parse_untrusted(cls, data: bytes) -> DataChannelOpen:
        """Decode a DATA_CHANNEL_OPEN message (the whole SCTP user message).

        Raises only ParseError. Bytes after the protocol field are ignored: RFC 8832 defines
        none, and rejecting them would refuse channels from a peer that one day adds some.
        """
        if len(data) < _OPEN_HEADER.size:
            raise ParseError(f"DCEP OPEN truncated: {len(data)} bytes, header needs 12")
        (message_type, channel_type, priority, reliability, label_length, protocol_length) = (
            _OPEN_HEADER.unpack_from(data)
        )
        if message_type != DCEP_OPEN_MESSAGE_TYPE:
            raise ParseError(f"not a DCEP OPEN: message type 0x{message_type:02x}")
        if channel_type not in _CHANNEL_TYPES:
            # RFC 8832 section 6: an OPEN with invalid parameters is refused.
            raise ParseError(f"DCEP OPEN with unknown channel type 0x{channel_type:02x}")
        label_end = _OPEN_HEADER.size + label_length
        protocol_end = label_end + protocol_length
        if protocol_end > len(data):
            raise ParseError(
                f"DCEP OPEN truncated: label {label_length} + protocol {protocol_length} bytes"
                f" announced, {len(data) - _OPEN_HEADER.size} present"
            )
        try:
            label = bytes(data[_OPEN_HEADER.size : label_end]).decode("utf-8")
            protocol = bytes(data[label_end:protocol_end]).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"DCEP OPEN label or protocol is not UTF-8: {exc}") from None
        return cls(ChannelType(channel_type), priority, reliability, label, protocol)

    def serialize(self) -> bytes:
        """Encode the message; lengths are UTF-8 byte counts (RFC 8832 section 5.1)."""
        label = self.label.encode("utf-8")
        protocol = self.protocol.encode("utf-8")
        if len(label) > _MAX_UINT16 or len(protocol) > _MAX_UINT16:
            raise ValueError("DCEP label and protocol are limited to 65535 UTF-8 bytes")
        if not 0 <= self.priority <= _MAX_UINT16:
            raise ValueError(f"DCEP priority out of range: {self.priority}")
        if not 0 <= self.reliability_parameter <= _MAX_UINT32:
            raise ValueError(
                f"DCEP reliability parameter out of range: {self.reliability_parameter}"
            )
        header = _OPEN_HEADER.pack(
            DCEP_OPEN_MESSAGE_TYPE,
            self.channel_type,
            self.priority,
            self.reliability_parameter,
            len(label),
            len(protocol),
        )
        return header + label + protocol

    def __str__(self) -> str:
        return (
            f"DCEP OPEN type=0x{self.channel_type:02x} priority={self.priority}"
            f" reliability={self.reliability_parameter} label={self.label!r}"
            f" protocol={self.protocol!r}"
        )


_ACK_BYTES: Final = bytes([DCEP_ACK_MESSAGE_TYPE])


@dataclass(frozen=True, slots=True)
class DataChannelAck:
    """DATA_CHANNEL_ACK (RFC 8832 section 5.2): only the message type byte."""

    @classmethod
    def parse_untrusted(cls, data: bytes) -> DataChannelAck:
        """Decode a DATA_CHANNEL_ACK. Raises only ParseError; trailing bytes are ignored."""
        if not data:
            raise ParseError("DCEP ACK truncated: empty message")
        if data[0] != DCEP_ACK_MESSAGE_TYPE:
            raise ParseError(f"not a DCEP ACK: message type 0x{data[0]:02x}")
        return cls()

    def serialize(self) -> bytes:
        """Encode the message (one byte)."""
        return _ACK_BYTES

    def __str__(self) -> str:
        return "DCEP ACK"


DcepMessage = DataChannelOpen | DataChannelAck


def parse_dcep_message_untrusted(data: bytes) -> DcepMessage:
    """Decode one DCEP message (the user data of a PPID 50 DATA chunk).

    Raises only ParseError, also for the reserved and unassigned message types.
    """
    if not data:
        raise ParseError("empty DCEP message")
    message_type = data[0]
    if message_type == DCEP_OPEN_MESSAGE_TYPE:
        return DataChannelOpen.parse_untrusted(data)
    if message_type == DCEP_ACK_MESSAGE_TYPE:
        return DataChannelAck.parse_untrusted(data)
    raise ParseError(f"unknown DCEP message type 0x{message_type:02x}")
